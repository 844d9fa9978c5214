"""Geometry of the pain-trend chart, drawn by the history page as inline SVG.

Pure presentation: check-in times and scores become coordinates in a fixed
``viewBox``; the template draws them (no chart library, no JavaScript). Days
without a check-in are not drawn as zero: the line joins the check-ins there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from backcare.i18n import format_when, gettext, ngettext
from backcare.measures import nrs_mcid

__all__ = ["ChartGeometry", "ChartPoint", "pain_chart"]

WIDTH = 640
HEIGHT = 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 40, 16, 14, 34
_MAX = 10


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One check-in on the chart."""

    x: float
    y: float
    pain: int
    label: str


@dataclass(frozen=True, slots=True)
class ChartGeometry:
    """Everything the SVG template needs, in ``viewBox`` units."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    points: tuple[ChartPoint, ...]
    polyline: str
    baseline_y: float | None
    better_y: float | None
    better_points: float
    y_ticks: tuple[tuple[float, int], ...]
    x_labels: tuple[tuple[float, str], ...]
    description: str


def _y(pain: float) -> float:
    return round(_TOP + (_MAX - pain) / _MAX * (HEIGHT - _TOP - _BOTTOM), 1)


def pain_chart(
    points: Sequence[tuple[datetime, int]],
    *,
    baseline: int | None,
    tz: tzinfo,
    count: int | None = None,
    latest: int | None = None,
) -> ChartGeometry | None:
    """Lay out pain scores over time; ``None`` when there is nothing to draw.

    Args:
        points: (time, pain now) of each check-in, in time order.
        baseline: the episode's first pain score, drawn as a line.
        tz: dates on the axis are shown in this zone.
        count: how many check-ins the points stand for, when a long diary was drawn as
            fewer points (each the highest pain of a run of check-ins).
        latest: the latest check-in's pain, when the last point is a run's highest.
    """
    if not points:
        return None
    count = len(points) if count is None else count
    runs = len(points) < count
    first, last = points[0][0], points[-1][0]
    span = (last - first).total_seconds()
    left, right = float(_LEFT), float(WIDTH - _RIGHT)

    def x_of(at: datetime) -> float:
        if span <= 0:
            return round((left + right) / 2, 1)
        return round(left + (at - first).total_seconds() / span * (right - left), 1)

    drawn = tuple(
        ChartPoint(
            x=x_of(at),
            y=_y(pain),
            pain=pain,
            label=(
                gettext("up to {day}: highest pain {pain}").format(
                    day=format_when(at.astimezone(tz), "date"), pain=pain
                )
                if runs
                else gettext("{when}: pain {pain}").format(
                    when=format_when(at.astimezone(tz), "day_month_time"), pain=pain
                )
            ),
        )
        for at, pain in points
    )
    labels = [(x_of(first), format_when(first.astimezone(tz), "day_month"))]
    if span > 0 and last.astimezone(tz).date() != first.astimezone(tz).date():
        labels.append((x_of(last), format_when(last.astimezone(tz), "day_month")))
    mcid = nrs_mcid().points  # "meaningfully better" is the knowledge base's threshold
    better = baseline - mcid if baseline is not None and baseline >= mcid else None
    latest = points[-1][1] if latest is None else latest
    if baseline is None:
        description = ngettext(
            "{count} check-in; latest pain {latest} of 10",
            "{count} check-ins; latest pain {latest} of 10",
            count,
        ).format(count=count, latest=latest)
    else:
        description = ngettext(
            "{count} check-in; latest pain {latest} of 10, baseline {baseline}",
            "{count} check-ins; latest pain {latest} of 10, baseline {baseline}",
            count,
        ).format(count=count, latest=latest, baseline=baseline)
    if runs:
        description += gettext(
            "; each point is the highest pain of about {count} check-ins"
        ).format(count=-(-count // len(points)))
    return ChartGeometry(
        width=WIDTH,
        height=HEIGHT,
        left=left,
        right=right,
        top=float(_TOP),
        bottom=float(HEIGHT - _BOTTOM),
        points=drawn,
        polyline=" ".join(f"{p.x},{p.y}" for p in drawn),
        baseline_y=_y(baseline) if baseline is not None else None,
        better_y=_y(better) if better is not None else None,
        better_points=mcid,
        y_ticks=tuple((_y(v), v) for v in range(0, _MAX + 1, 2)),
        x_labels=tuple(labels),
        description=description,
    )
