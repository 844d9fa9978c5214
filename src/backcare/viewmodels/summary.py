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
from backcare.i18n import gettext as _
from backcare.i18n import label, ngettext
from backcare.store import EpisodeRecord

__all__ = ["episode_summary", "summary_text"]


def episode_summary(episode: EpisodeRecord) -> str | None:
    """The episode's summary in words (``None`` while it has none)."""
    if episode.summary_facts is not None:
        return summary_text(episode.summary_facts)
    return episode.summary


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
    trigger = facts["trigger"]
    days, checkins = facts["days"], facts["checkins"]
    counts = {
        "days": ngettext("{count} day", "{count} days", days).format(count=days),
        "checkins": ngettext("{count} check-in", "{count} check-ins", checkins).format(
            count=checkins
        ),
    }
    dates = {"onset": facts["onset"], "resolved": facts["resolved"]}
    if trigger:
        first = _(
            "Back spasm after {trigger} from {onset}, resolved on {resolved}: {days}, {checkins}."
        ).format(trigger=label("trigger", trigger), **dates, **counts)
    else:
        first = _("Back spasm from {onset}, resolved on {resolved}: {days}, {checkins}.").format(
            **dates, **counts
        )
    lines = [first]
    report = _trend(facts["trend"])
    lines += report.lines()[:-1]
    resolution = report.resolution
    recovered = (
        _("Recovered (pain 0-1 for {required} days in a row; {days} so far).")
        if resolution.met
        else _("Not yet recovered (pain 0-1 for {required} days in a row; {days} so far).")
    )
    lines.append(recovered.format(required=resolution.required_days, days=resolution.low_days))
    highest = facts["highest"]
    if highest is not None:
        level = TriageLevel(highest["level"])
        lines.append(
            _("Highest triage level during the diary: {level} ({reasons}).").format(
                level=label("level", level), reasons=", ".join(highest["reasons"])
            )
        )
    if facts["medicines"]:
        parts = [
            ngettext(
                "{drug} {count} dose, {mg} mg", "{drug} {count} doses, {mg} mg", m["doses"]
            ).format(drug=m["drug"], count=m["doses"], mg=m["mg"])
            for m in facts["medicines"]
        ]
        overrides = facts["overridden"]
        if overrides:
            parts[-1] += ngettext(
                "; {count} dose taken over a limit (overridden)",
                "; {count} doses taken over a limit (overridden)",
                overrides,
            ).format(count=overrides)
        lines.append(_("Medicines: {medicines}.").format(medicines="; ".join(parts)))
    if facts["self_care"]:
        done = ", ".join(
            _("{action} ×{count}").format(action=label("action", a["action"]), count=a["count"])
            for a in facts["self_care"]
        )
        lines.append(_("Self-care: {actions}.").format(actions=done))
    return "\n".join(lines)
