"""Typed results of an assessment: public JSON contract v1, output side.

These models are what the CLI, the web app and the exports render; they carry
every source id so no advice reaches a person without the evidence behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from backcare.domain.enums import EvidenceGrade, MedicineStatus, Phase, Sides, Track, TriageLevel

__all__ = [
    "Assessment",
    "BodyMassIndex",
    "CarePlan",
    "Dose",
    "EmergencyInstruction",
    "EpisodeAge",
    "MedicineAdvice",
    "PlannedExercise",
    "Question",
    "Reason",
    "RecommendationItem",
    "ScheduleItem",
    "Triage",
    "WarningSign",
    "trusted_builder",
]

_FROZEN = ConfigDict(frozen=True, extra="forbid", defer_build=True)

_M = TypeVar("_M", bound=BaseModel)
_set = object.__setattr__


def trusted_builder(cls: type[_M]) -> Callable[..., _M]:
    """A fast constructor of the frozen result model ``cls``, for values the engine made
    from validated data.

    It does what ``model_construct`` ends up doing, without its per-field alias and
    default handling, which dominated the cost of an assessment; the class-level work
    (field count, the set of fields) is done once. Every field must be given; a test
    checks the result equals the validated construction. All instances share one
    fields-set: every field is always given and frozen models never change it.
    """
    count = len(cls.__pydantic_fields__)
    fields_set = set(cls.__pydantic_fields__)
    new = cls.__new__

    def build(**values: Any) -> _M:
        if len(values) != count:
            missing = fields_set - set(values)
            raise TypeError(f"{cls.__name__}: every field is needed; missing {missing}")
        model = new(cls)
        _set(model, "__dict__", values)
        _set(model, "__pydantic_fields_set__", fields_set)
        _set(model, "__pydantic_extra__", None)
        _set(model, "__pydantic_private__", None)
        return model

    return build


class Reason(BaseModel):
    """Why the triage level is what it is: one fired rule, or one unanswered question."""

    model_config = _FROZEN

    id: str
    message: str
    level: TriageLevel
    sources: tuple[str, ...]


class Question(BaseModel):
    """A question still to ask, in plain language, with why it matters."""

    model_config = _FROZEN

    key: str
    text: str
    kind: str  # "boolean", "integer", "number" or "choice"
    choices: tuple[str, ...] = ()
    level_if_yes: TriageLevel | None = None
    why: str
    sources: tuple[str, ...]


class EmergencyInstruction(BaseModel):
    """What to do right now when the result is an emergency."""

    model_config = _FROZEN

    number: str
    message: str


class Triage(BaseModel):
    """The triage half of an assessment."""

    model_config = _FROZEN

    level: TriageLevel
    reasons: tuple[Reason, ...]
    complete: bool
    missing: tuple[str, ...]
    summary: str
    emergency: EmergencyInstruction | None = None


class Dose(BaseModel):
    """How much, how long and how often, with hard limits."""

    model_config = _FROZEN

    minutes: float | None = None
    max_minutes: float | None = None
    every_hours: float | None = None
    times_per_day: int | None = None
    for_hours: tuple[float, float] | None = None
    amount: str | None = None
    notes: tuple[str, ...] = ()


class RecommendationItem(BaseModel):
    """One recommendation of the plan."""

    model_config = _FROZEN

    id: str
    track: Track
    title: str
    instructions: tuple[str, ...]
    dose: Dose | None = None
    safety: tuple[str, ...] = ()
    stop_if: tuple[str, ...] = ()
    sources: tuple[str, ...]
    evidence: EvidenceGrade | None = None  # contract v1 addition: what the advice rests on


class MedicineAdvice(BaseModel):
    """Whether an over-the-counter medicine suits this person, and its label limits."""

    model_config = _FROZEN

    drug: str
    name: str
    status: MedicineStatus
    reasons: tuple[str, ...]
    usual_dose: str
    min_interval_hours: float | None
    max_daily_mg: int | None
    max_days: int | None
    notes: tuple[str, ...]
    sources: tuple[str, ...]


class PlannedExercise(BaseModel):
    """An exercise allowed in this phase, with today's dose."""

    model_config = _FROZEN

    id: str
    name: str
    steps: tuple[str, ...]
    hold_seconds: int
    reps: int
    sides: Sides
    rest_seconds: int
    times_per_day: int
    stop_if: tuple[str, ...]
    sources: tuple[str, ...]


class ScheduleItem(BaseModel):
    """A timed action for today, e.g. ``09:00 cold pack, 20 min``."""

    model_config = _FROZEN

    time: str  # HH:MM, local time
    action: str  # recommendation or activity id
    title: str
    minutes: float | None = None


class WarningSign(BaseModel):
    """A change that means: stop self-care and get help at the given level."""

    model_config = _FROZEN

    id: str
    text: str
    level: TriageLevel
    sources: tuple[str, ...]
    covers: tuple[str, ...] = ()  # contract v1 addition: the questions this sign stands for


class BodyMassIndex(BaseModel):
    """BMI computed from height and weight, with its WHO category."""

    model_config = _FROZEN

    value: float
    category: str
    sources: tuple[str, ...]


class CarePlan(BaseModel):
    """The plan half of an assessment: what to do now and over the next days."""

    model_config = _FROZEN

    phase: Phase
    phase_note: str
    recommendations: tuple[RecommendationItem, ...]
    medications: tuple[MedicineAdvice, ...]
    exercises: tuple[PlannedExercise, ...]
    schedule: tuple[ScheduleItem, ...]
    see_doctor_if: tuple[WarningSign, ...]
    bmi: BodyMassIndex | None = None


class EpisodeAge(BaseModel):
    """How long the episode has lasted, worked out once from whatever timing was given.

    ``days`` is the larger of ``hours_since_onset / 24`` and ``course.days_of_self_care``
    (the diary fills both from its onset); every timed rule, the phase and the
    10-day medicine limit read it. ``source`` names the answer it came from, ``None``
    with ``days`` when no timing was given. ``note`` explains timings that contradict
    each other (more days of home care than the hours since onset allow).
    """

    model_config = _FROZEN

    days: float | None
    source: str | None
    note: str | None = None


class Assessment(BaseModel):
    """The full result of :func:`backcare.assess`."""

    model_config = _FROZEN

    contract_version: int = 1
    triage: Triage
    plan: CarePlan
    next_questions: tuple[Question, ...]
    disclaimer: str
    episode: EpisodeAge | None = None  # added in 1.x; always given by the engine
