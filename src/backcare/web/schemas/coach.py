"""The exercise coach's requests and responses: today's session, its timeline, a saved one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    Field,
)

from backcare.coach import ExerciseResult, SessionResult, Side, build_segments
from backcare.coach.cues import cue_script
from backcare.coach.service import RecordedSession, SessionPlan, SymptomOutcome
from backcare.coach.symptoms import Symptom
from backcare.domain.enums import Phase, Sides, TriageLevel
from backcare.domain.results import EmergencyInstruction
from backcare.errors import FieldProblem, InputError
from backcare.i18n import gettext
from backcare.web.context import DRAWINGS_URL
from backcare.web.schemas.diary import CheckInView, checkin_view
from backcare.web.schemas.fields import INPUT as _IN
from backcare.web.schemas.fields import OUTPUT as _OUT
from backcare.web.schemas.fields import DateTimeText, Name
from backcare.web.schemas.fields import Loose as _Loose

__all__ = [
    "COACH_LEAD_IN_SECONDS",
    "COACH_SWITCH_SECONDS",
    "CoachExerciseIn",
    "CoachSessionIn",
    "CoachSessionOut",
    "CoachView",
    "coach_session_out",
    "coach_view",
    "session_result",
]

#: Seconds of "get ready" before each exercise, and of pause between sides.
COACH_LEAD_IN_SECONDS = 5
COACH_SWITCH_SECONDS = 3


# --- the coach --------------------------------------------------------------------------


class CoachExerciseOut(BaseModel):
    """An exercise of today's session, at today's dose (the progression rule's decision)."""

    model_config = _OUT

    id: str
    name: str
    kind: str
    steps: tuple[str, ...]
    hold_seconds: int
    reps: int
    sides: Sides
    rest_seconds: int
    stop_if: tuple[str, ...]
    sources: tuple[str, ...]
    progression: str
    """Why today's dose is what it is, in one sentence."""
    drawing: str
    """Address of the exercise's drawing (SVG: start and held position)."""
    drawing_alt: str
    """What the drawing shows, in words."""


class CueOut(BaseModel):
    """Words the coach says, ``at_seconds`` after its segment starts."""

    model_config = _OUT

    at_seconds: float
    text: str


class SegmentOut(BaseModel):
    """One timed stretch of the session (lead-in, hold, rest or side switch)."""

    model_config = _OUT

    kind: str
    exercise_index: int
    side: str
    rep: int | None
    duration_seconds: int
    cues: tuple[CueOut, ...]
    """What to say during it (the coach's cue script)."""


class CoachView(BaseModel):
    """The coach page's model: today's session and the timeline the browser's clock runs.

    ``blocked_reason`` is set (and there are no exercises) when triage asks for medical
    help before exercising.
    """

    model_config = _OUT

    episode_id: int
    phase: Phase
    blocked_reason: str | None
    sessions_today: int
    times_per_day: int
    exercises: tuple[CoachExerciseOut, ...]
    segments: tuple[SegmentOut, ...]
    total_seconds: int
    closing_cue: str
    """Said when the session runs to its end."""
    stopped_cue: str
    """Said when the person stops early."""


def coach_view(plan: SessionPlan) -> CoachView:
    """Lay out today's session (from the coach service) with the coach engine's timeline."""
    segments = build_segments(
        plan.doses, lead_in_seconds=COACH_LEAD_IN_SECONDS, switch_seconds=COACH_SWITCH_SECONDS
    )
    script = cue_script(plan.doses, segments)
    return CoachView(
        episode_id=plan.episode.id,
        phase=plan.phase,
        blocked_reason=plan.blocked_reason,
        sessions_today=plan.sessions_today,
        times_per_day=plan.times_per_day,
        exercises=tuple(
            CoachExerciseOut(
                id=item.exercise.id,
                name=item.exercise.name,
                kind=item.kind,
                steps=item.exercise.steps,
                hold_seconds=item.decision.hold_seconds,
                reps=item.decision.reps,
                sides=item.exercise.sides,
                rest_seconds=item.exercise.rest_seconds,
                stop_if=item.exercise.stop_if,
                sources=item.exercise.sources,
                progression=item.decision.reason,
                drawing=f"{DRAWINGS_URL}/{item.drawing.file}",
                drawing_alt=item.drawing.alt,
            )
            for item in plan.items
        ),
        segments=tuple(
            SegmentOut(
                kind=s.kind.value,
                exercise_index=s.exercise_index,
                side=s.side.value,
                rep=s.rep,
                duration_seconds=s.duration_seconds,
                cues=tuple(CueOut(at_seconds=c.at_seconds, text=c.text) for c in cues),
            )
            for s, cues in zip(segments, script.segments, strict=True)
        ),
        total_seconds=sum(s.duration_seconds for s in segments),
        closing_cue=script.closing,
        stopped_cue=script.stopped,
    )


Reps = Annotated[int, Field(ge=0, le=1000)]


class CoachExerciseIn(BaseModel):
    """How far one exercise got, as the browser counted it."""

    model_config = _IN

    exercise_id: Name
    completed_reps: Annotated[dict[Annotated[Side, _Loose], Reps], Field(max_length=3)]
    """Finished holds per side: ``both``, or ``left`` and ``right``."""
    longest_hold_seconds: Annotated[float, Field(ge=0, le=3600)]
    skipped: bool = False


class CoachSessionIn(BaseModel):
    """A session the browser ran, to save in the diary (as far as it got)."""

    model_config = _IN

    started_at: DateTimeText
    ended_at: DateTimeText
    active_seconds: Annotated[float, Field(ge=0, le=86_400)]
    quit_early: bool
    exercises: Annotated[list[CoachExerciseIn], Field(max_length=20)]
    pain_before: Annotated[int, Field(ge=0, le=10)] | None = None
    pain_after: Annotated[int, Field(ge=0, le=10)] | None = None
    symptom: Annotated[Symptom | None, _Loose] = None
    stopped_for_symptom: bool = False


class CoachSessionOut(BaseModel):
    """A saved session; with a symptom, what it means now."""

    model_config = _OUT

    id: int
    episode_id: int
    started_at: datetime
    ended_at: datetime
    active_seconds: float
    quit_early: bool
    reps_done: int
    symptom: Symptom | None
    triage_level: TriageLevel | None
    """The level the symptom led to (``None`` without a symptom)."""
    advice: tuple[str, ...]
    """What to do about the symptom (the knowledge base's warning signs)."""
    emergency: EmergencyInstruction | None
    checkin: CheckInView | None
    """The diary check-in a red-flag symptom was recorded as."""


def session_result(plan: SessionPlan, body: CoachSessionIn) -> SessionResult:
    """The timing engine's result from what the browser reports, with today's targets.

    Raises:
        InputError: an exercise is not in today's session.
    """
    items = {item.exercise.id: item for item in plan.items}
    problems = [
        FieldProblem(f"exercises.{i}.exercise_id", gettext("is not in today's session"))
        for i, done in enumerate(body.exercises)
        if done.exercise_id not in items
    ]
    if problems:
        raise InputError(gettext("cannot record the exercise session"), problems=problems)
    return SessionResult(
        exercises=tuple(
            ExerciseResult(
                exercise_id=done.exercise_id,
                name=items[done.exercise_id].exercise.name,
                sides=items[done.exercise_id].dose.sides,
                target_reps=items[done.exercise_id].decision.reps,
                target_hold_seconds=items[done.exercise_id].decision.hold_seconds,
                completed_reps=done.completed_reps,
                longest_hold_seconds=done.longest_hold_seconds,
                skipped=done.skipped,
            )
            for done in body.exercises
        ),
        started_at=0.0,
        ended_at=body.active_seconds,
        active_seconds=body.active_seconds,
        quit_early=body.quit_early,
    )


def coach_session_out(recorded: RecordedSession, outcome: SymptomOutcome | None) -> CoachSessionOut:
    """A saved session (and what its symptom means) as a response model."""
    session = recorded.session
    assessment = outcome.assessment if outcome is not None else None
    return CoachSessionOut(
        id=session.id,
        episode_id=session.episode_id,
        started_at=session.started_at,
        ended_at=session.ended_at,
        active_seconds=session.active_seconds,
        quit_early=session.quit_early,
        reps_done=session.reps_done,
        symptom=session.symptom,
        triage_level=outcome.level if outcome is not None else None,
        advice=tuple(sign.text for sign in outcome.advice) + outcome.see_gp if outcome else (),
        emergency=assessment.triage.emergency if assessment is not None else None,
        checkin=checkin_view(recorded.checkin) if recorded.checkin is not None else None,
    )
