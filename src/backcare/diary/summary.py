"""The closing summary of an episode, as facts: what happened, in numbers, not words.

:func:`summary_facts` is what the diary stores when an episode is resolved (column
``episodes.summary_facts``, JSON); :func:`backcare.viewmodels.summary.episode_summary`
words it when it is shown, so the wording can change (or be translated) without
rewriting anyone's diary. ``version`` names the shape, for readers of older rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta, tzinfo
from enum import Enum
from typing import Any

from backcare.diary.trends import TrendReport
from backcare.domain.enums import TriageLevel
from backcare.store import CheckInRecord, DoseRecord, EpisodeRecord

__all__ = ["FACTS_VERSION", "summary_facts"]

#: The shape of the facts below; a reader meeting a newer one shows no summary.
FACTS_VERSION = 1


def summary_facts(
    episode: EpisodeRecord,
    checkins: Sequence[CheckInRecord],
    doses: Sequence[DoseRecord],
    report: TrendReport,
    *,
    now: datetime,
    tz: tzinfo,
) -> dict[str, Any]:
    """The facts of an episode closing at ``now`` (days in ``tz``), as JSON-ready data."""
    highest = max((c.triage_level for c in checkins), key=lambda level: level.rank, default=None)
    reasons = (
        sorted({r.id for c in checkins if c.triage_level is highest for r in c.triage_reasons})
        if highest is not None
        else []
    )
    medicines: dict[str, list[int]] = {}
    for dose in doses:
        medicines.setdefault(dose.drug, []).append(dose.mg)
    done: Counter[str] = Counter()
    for checkin in checkins:
        for action in checkin.actions:
            done[action.action.value] += action.count
    return {
        "version": FACTS_VERSION,
        "trigger": episode.trigger,
        "onset": f"{episode.onset_at.astimezone(tz):%Y-%m-%d}",
        "resolved": f"{now.astimezone(tz):%Y-%m-%d}",
        "days": (now - episode.onset_at) // timedelta(days=1),
        "checkins": len(checkins),
        "trend": _jsonable(asdict(report)),
        "highest": None
        if highest is None or highest is TriageLevel.SELF_CARE
        else {"level": highest.value, "reasons": reasons},
        "medicines": [
            {"drug": drug, "doses": len(mgs), "mg": sum(mgs)} for drug, mgs in medicines.items()
        ],
        "overridden": sum(1 for d in doses if d.overridden),
        "self_care": [{"action": name, "count": count} for name, count in done.items()],
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    return value
