"""Pain charts: a Unicode bar chart for the terminal, PNG/SVG files through matplotlib.

Both take the same points, ``(time, pain now, worst pain)``. The terminal chart
averages pain per calendar day and, when there are more days than columns,
per group of days, drawing each column with eighth-block characters so a mean of
4.5 looks like four and a half rows. matplotlib is imported only when a file is
drawn (it costs about half a second), with the Agg backend and no pyplot state.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Any

from backcare.errors import FieldProblem, InputError
from backcare.i18n import format_when, gettext
from backcare.locations import write_private
from backcare.measures import nrs_mcid

__all__ = [
    "ChartColumn",
    "ImageFormat",
    "PainPoint",
    "draw_figure",
    "pain_columns",
    "render_text",
    "save_image",
]

_EIGHTHS = " ▁▂▃▄▅▆▇█"
_MAX = 10


@dataclass(frozen=True, slots=True)
class PainPoint:
    """One check-in's pain scores."""

    at: datetime
    pain: int
    worst: int | None = None


@dataclass(frozen=True, slots=True)
class ChartColumn:
    """One column of the terminal chart: a day, or a group of days."""

    first: date
    last: date
    mean: float
    worst: int | None


class ImageFormat(StrEnum):
    """Image formats matplotlib writes for the trend chart."""

    PNG = "png"
    SVG = "svg"


def pain_columns(points: Sequence[PainPoint], *, tz: tzinfo, width: int = 60) -> list[ChartColumn]:
    """Daily mean pain, grouped into at most ``width`` columns of consecutive days.

    Days without a check-in are skipped, not drawn as zero: no news is not no pain.
    """
    days: dict[date, list[PainPoint]] = {}
    for point in points:
        days.setdefault(point.at.astimezone(tz).date(), []).append(point)
    ordered = sorted(days.items())
    if not ordered:
        return []
    size = -(-len(ordered) // max(1, width))  # ceiling division: days per column
    columns = []
    for start in range(0, len(ordered), size):
        group = ordered[start : start + size]
        scores = [p.pain for _, day in group for p in day]
        worst = [p.worst for _, day in group for p in day if p.worst is not None]
        columns.append(
            ChartColumn(
                first=group[0][0],
                last=group[-1][0],
                mean=sum(scores) / len(scores),
                worst=max(worst) if worst else None,
            )
        )
    return columns


def _cell(value: float, row: int) -> str:
    fill = min(1.0, max(0.0, value - (row - 1)))
    return _EIGHTHS[round(fill * 8)]


def render_text(columns: Sequence[ChartColumn], *, baseline: int | None = None) -> list[str]:
    """Draw columns as lines of text, pain 10 at the top, with a marker at the baseline.

    Returns:
        The chart's lines; empty when there is nothing to draw.
    """
    if not columns:
        return []
    lines = []
    for row in range(_MAX, 0, -1):
        mark = "◀ " + gettext("baseline") if baseline == row else ""
        bars = "".join(_cell(c.mean, row) for c in columns)
        lines.append(f"{row:>2} ┤{bars} {mark}".rstrip())
    lines.append("   └" + "─" * len(columns))
    first, last = columns[0].first.isoformat(), columns[-1].last.isoformat()
    gap = max(1, len(columns) - len(first) - len(last) + 1)
    lines.append(f"    {first}{' ' * gap}{last}" if first != last else f"    {first}")
    return lines


def save_image(
    points: Sequence[PainPoint],
    path: Path,
    *,
    fmt: ImageFormat | str,
    tz: tzinfo,
    baseline: int | None = None,
    title: str | None = None,
) -> Path:
    """Draw the pain series (now and worst) to a PNG or SVG file.

    Args:
        points: the check-ins' scores in time order.
        path: the file to write.
        fmt: ``png`` or ``svg``.
        tz: times are shown in this zone.
        baseline: the episode's first pain score, drawn as a line with the
            "meaningfully better" threshold (the knowledge base's ``nrs_mcid``) under it.
        title: the chart's title (default: "Pain (0-10)" in the person's language).

    Returns:
        The path written.

    Raises:
        InputError: an unknown format, nothing to draw, or the file cannot be written.
    """
    try:
        chosen = ImageFormat(fmt)
    except ValueError:
        raise InputError(
            gettext("unknown image format {format}").format(format=repr(fmt)),
            problems=[FieldProblem("format", gettext("png or svg"))],
        ) from None
    if not points:
        raise InputError(
            gettext("nothing to draw yet"), problems=[FieldProblem("checkins", gettext("none"))]
        )
    title = gettext("Pain (0-10)") if title is None else title
    figure = draw_figure(points, tz=tz, baseline=baseline, title=title)
    try:
        buffer = io.BytesIO()
        figure.savefig(buffer, format=chosen.value)
        write_private(Path(path), buffer.getvalue())  # a pain chart is health data
    except OSError as exc:
        raise InputError(
            gettext("cannot write the chart"), problems=[FieldProblem(str(path), str(exc))]
        ) from exc
    return path


def draw_figure(
    points: Sequence[PainPoint], *, tz: tzinfo, baseline: int | None = None, title: str = ""
) -> Any:
    """The matplotlib ``Figure`` :func:`save_image` writes (for tests: its tick labels)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4), dpi=100)
    axes = figure.add_subplot()
    # Local wall-clock times; matplotlib's date converter takes datetimes (its stubs do not say so).
    times: Any = [p.at.astimezone(tz).replace(tzinfo=None) for p in points]
    axes.plot(
        times, [p.pain for p in points], marker="o", label=gettext("pain now"), color="#c0392b"
    )
    worst = [(t, p.worst) for t, p in zip(times, points, strict=True) if p.worst is not None]
    if worst:
        worst_times: Any = [t for t, _ in worst]
        axes.plot(
            worst_times,
            [w for _, w in worst],
            linestyle="--",
            color="#e67e22",
            alpha=0.6,
            label=gettext("worst since last check-in"),
        )
    if baseline is not None:
        axes.axhline(
            baseline,
            color="#7f8c8d",
            linewidth=1,
            label=gettext("baseline ({score})").format(score=baseline),
        )
        mcid = nrs_mcid().points
        if baseline >= mcid:
            axes.axhline(
                baseline - mcid,
                color="#27ae60",
                linestyle=":",
                label=gettext("meaningfully better (-{points})").format(points=f"{mcid:g}"),
            )
    axes.set_ylim(-0.3, 10.3)
    axes.set_ylabel(gettext("pain (0-10)"))
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend(loc="upper right", fontsize="small")
    # Tick labels in the active language (Babel), never with sub-second noise: clock times
    # when the check-ins span under two days (with seconds under ten minutes), else day and
    # month; the axis label gives the whole range with years.
    from matplotlib.dates import AutoDateLocator, num2date
    from matplotlib.ticker import FuncFormatter

    first, last = min(times), max(times)
    span = last - first
    style = (
        "time_seconds"
        if span < timedelta(minutes=10)
        else "time"
        if span < timedelta(days=2)
        else "day_month"
    )
    locator = AutoDateLocator(minticks=3, maxticks=7)  # type: ignore[no-untyped-call]  # untyped in matplotlib's stubs

    # The plotted times are naive wall-clock times, which matplotlib reads as UTC.
    def tick(value: float, _position: int | None) -> str:
        at: datetime = num2date(value)  # type: ignore[no-untyped-call]  # untyped in the stubs
        return format_when(at.replace(tzinfo=None), style)

    formatter = FuncFormatter(tick)
    axes.set_xlabel(
        format_when(first, "date")
        if first.date() == last.date()
        else gettext("{first} to {last}").format(
            first=format_when(first, "date"), last=format_when(last, "date")
        )
    )
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(formatter)
    return figure
