"""The closing summary of an episode in words, made from the facts the diary stored.

Shown on the history page, by ``backcare episode show``, in the clinician report, the
FHIR bundle and the diary export. A summary the person wrote, and the English prose older
versions stored, are shown as they are.
"""

from __future__ import annotations

from typing import Any

from backcare.diary.summary import FACTS_VERSION
from backcare.diary.trends import FunctionChange, PainChange, Resolution, TrendReport
from backcare.domain.enums import Trend, TriageLevel
from backcare.store import EpisodeRecord

__all__ = ["episode_summary", "summary_text"]


def episode_summary(episode: EpisodeRecord) -> str | None:
    """The episode's summary in words (``None`` while it has none)."""
    if episode.summary_facts is not None:
        return summary_text(episode.summary_facts)
    return episode.summary


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _trend(data: dict[str, Any]) -> TrendReport:
    pain, function, resolution = data["pain"], data["function"], data["resolution"]
    return TrendReport(
        pain=None
        if pain is None
        else PainChange(
            baseline=pain["baseline"],
            current=pain["current"],
            trend=Trend(pain["trend"]),
            sources=tuple(pain["sources"]),
        ),
        function=None
        if function is None
        else FunctionChange(
            activities=tuple(function["activities"]),
            baseline_mean=function["baseline_mean"],
            current_mean=function["current_mean"],
            trend=Trend(function["trend"]),
        ),
        overall=None if data["overall"] is None else Trend(data["overall"]),
        checkins=data["checkins"],
        days_since_onset=data["days_since_onset"],
        resolution=Resolution(
            met=resolution["met"],
            low_days=resolution["low_days"],
            required_days=resolution["required_days"],
            max_pain=resolution["max_pain"],
            sources=tuple(resolution["sources"]),
        ),
    )


def summary_text(facts: dict[str, Any]) -> str | None:
    """The words of :func:`backcare.diary.summary.summary_facts` (``None``: unknown shape)."""
    if facts.get("version") != FACTS_VERSION:
        return None
    trigger = f" after {facts['trigger'].replace('_', ' ')}" if facts["trigger"] else ""
    lines = [
        f"Back spasm{trigger} from {facts['onset']}, resolved on {facts['resolved']}: "
        f"{_plural(facts['days'], 'day')}, {_plural(facts['checkins'], 'check-in')}."
    ]
    report = _trend(facts["trend"])
    lines += report.lines()[:-1]
    lines.append(
        ("Recovered" if report.resolution.met else "Not yet recovered")
        + f" (pain 0-1 for {report.resolution.required_days} days in a row; "
        f"{report.resolution.low_days} so far)."
    )
    highest = facts["highest"]
    if highest is not None:
        level = TriageLevel(highest["level"])
        lines.append(
            f"Highest triage level during the diary: {level} ({', '.join(highest['reasons'])})."
        )
    if facts["medicines"]:
        parts = [
            f"{m['drug']} {_plural(m['doses'], 'dose')}, {m['mg']} mg" for m in facts["medicines"]
        ]
        overrides = facts["overridden"]
        extra = (
            f"; {_plural(overrides, 'dose')} taken over a limit (overridden)" if overrides else ""
        )
        lines.append("Medicines: " + "; ".join(parts) + extra + ".")
    if facts["self_care"]:
        lines.append(
            "Self-care: "
            + ", ".join(f"{a['action']} ×{a['count']}" for a in facts["self_care"])
            + "."
        )
    return "\n".join(lines)
