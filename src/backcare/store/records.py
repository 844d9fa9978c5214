"""Plain records the repository reads and writes: what the diary services see of the store.

The repository returns these frozen dataclasses rather than ORM objects, so no
session, lazy load or SQL escapes the store package, and reading thousands of
check-ins stays cheap. Timestamps are always timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from backcare.domain.enums import Trend, TriageLevel
from backcare.domain.results import Reason

__all__ = [
    "ActionCount",
    "ActivityScore",
    "CheckInMarks",
    "CheckInRecord",
    "DoseRecord",
    "EpisodeRecord",
    "EpisodeStatus",
    "NewCheckIn",
    "NewDose",
    "NewEpisode",
    "PainPoint",
    "SelfCareAction",
]


class EpisodeStatus(StrEnum):
    """Whether an episode is still going."""

    ACTIVE = "active"
    RESOLVED = "resolved"


class SelfCareAction(StrEnum):
    """Things from the plan a person can say they did since the last check-in."""

    ICE = "ice"
    HEAT = "heat"
    WALK = "walk"
    EXERCISES = "exercises"


@dataclass(frozen=True, slots=True)
class ActivityScore:
    """One PSFS activity and its rating, 0 (unable) to 10 (as before the problem)."""

    name: str
    score: int


@dataclass(frozen=True, slots=True)
class ActionCount:
    """How many times a self-care action was done since the last check-in (1 = done)."""

    action: SelfCareAction
    count: int


@dataclass(frozen=True, slots=True)
class NewDose:
    """A dose to record; ``overridden`` is set only when the person overrode a limit."""

    drug: str
    mg: int
    taken_at: datetime
    overridden: bool = False
    override_reason: str | None = None


@dataclass(frozen=True, slots=True)
class DoseRecord:
    """A recorded dose of a medicine (``drug`` is the knowledge-base id)."""

    id: int
    episode_id: int
    checkin_id: int | None
    drug: str
    mg: int
    taken_at: datetime
    overridden: bool
    override_reason: str | None


@dataclass(frozen=True, slots=True)
class NewEpisode:
    """An episode to record, with its first assessment."""

    uid: str
    onset_at: datetime
    started_at: datetime
    trigger: str | None
    answers: dict[str, Any]
    assessment: dict[str, Any]
    status: EpisodeStatus = EpisodeStatus.ACTIVE
    resolved_at: datetime | None = None
    summary: str | None = None


@dataclass(frozen=True, slots=True)
class EpisodeRecord:
    """A recorded episode of back spasm."""

    id: int
    uid: str
    onset_at: datetime
    started_at: datetime
    trigger: str | None
    answers: dict[str, Any]
    assessment: dict[str, Any]
    status: EpisodeStatus
    resolved_at: datetime | None
    summary: str | None
    """A summary the person wrote, or the prose older versions stored."""
    summary_facts: dict[str, Any] | None = None
    """The summary backcare made when the episode was resolved, as facts (JSON)."""


@dataclass(frozen=True, slots=True)
class NewCheckIn:
    """A check-in to record, with the triage it produced and what it logged."""

    recorded_at: datetime
    pain: int
    worst_pain: int | None
    days_of_self_care: int
    trend: Trend | None
    triage_level: TriageLevel
    triage_reasons: tuple[Reason, ...]
    answers_update: dict[str, Any] | None = None
    note: str | None = None
    activities: tuple[ActivityScore, ...] = ()
    actions: tuple[ActionCount, ...] = ()
    doses: tuple[NewDose, ...] = ()


@dataclass(frozen=True, slots=True)
class PainPoint:
    """A check-in's time and scores only: enough for a chart and the resolution count."""

    recorded_at: datetime
    pain: int
    worst_pain: int | None


@dataclass(frozen=True, slots=True)
class CheckInRecord:
    """A recorded check-in with everything logged in it."""

    id: int
    episode_id: int
    recorded_at: datetime
    pain: int
    worst_pain: int | None
    days_of_self_care: int
    trend: Trend | None
    triage_level: TriageLevel
    triage_reasons: tuple[Reason, ...]
    answers_update: dict[str, Any] | None
    note: str | None
    activities: tuple[ActivityScore, ...] = ()
    actions: tuple[ActionCount, ...] = ()
    doses: tuple[DoseRecord, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class CheckInMarks:
    """The check-ins a trend compares, and how many there are (read in one query).

    Each check-in has its activities (not its actions or doses).

    Attributes:
        first: the episode's first check-in (its pain baseline).
        latest: its most recent check-in.
        first_rated: the first check-in that rated PSFS activities (the function baseline).
        last_rated: the latest check-in that rated PSFS activities.
        count: how many check-ins the episode has.
    """

    first: CheckInRecord | None
    latest: CheckInRecord | None
    first_rated: CheckInRecord | None
    last_rated: CheckInRecord | None
    count: int
