"""The exercise coach's part of the diary: session tables, records and their repository.

::

    episodes 1──* coach_sessions 1──* coach_session_exercises

A coach session is saved as far as it got: when it started and ended, pain before and
after, whether the person quit early, any symptom they reported (and whether it stopped
the session), and per exercise the target dose, what was achieved (longest hold, reps
per side), whether it was skipped and the progression step that set the dose. The
tables are declared on the diary's metadata (:data:`backcare.store.tables.metadata`) and
created by migration 0003; closed sets and ranges are checked in the database too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from backcare.domain.enums import Phase, Sides, TriageLevel
from backcare.domain.exercise import Side, Step, Symptom
from backcare.errors import FieldProblem, InputError, NotFoundError
from backcare.i18n import gettext
from backcare.store.repository import DiaryRepository
from backcare.store.tables import Base, Episode

__all__ = [
    "CoachExerciseRecord",
    "CoachRepository",
    "CoachSessionExercise",
    "CoachSessionRecord",
    "CoachSessionRow",
    "NewCoachExercise",
    "NewCoachSession",
]

_SYMPTOMS = ", ".join(f"'{s.value}'" for s in Symptom)
_STEPS = ", ".join(f"'{s.value}'" for s in Step)
_PHASES = ", ".join(f"'{p.value}'" for p in Phase)
_LEVELS = ", ".join(f"'{level.value}'" for level in TriageLevel)


class CoachSessionRow(Base):
    """One exercise session run by the coach (table ``coach_sessions``)."""

    __tablename__ = "coach_sessions"
    __table_args__ = (
        CheckConstraint(f"phase IN ({_PHASES})", name="phase"),
        CheckConstraint("pain_before IS NULL OR pain_before BETWEEN 0 AND 10", name="pain_before"),
        CheckConstraint("pain_after IS NULL OR pain_after BETWEEN 0 AND 10", name="pain_after"),
        CheckConstraint(f"symptom IS NULL OR symptom IN ({_SYMPTOMS})", name="symptom"),
        CheckConstraint(
            "NOT stopped_for_symptom OR symptom IS NOT NULL", name="stopped_for_symptom"
        ),
        CheckConstraint(
            f"triage_level IS NULL OR triage_level IN ({_LEVELS})", name="triage_level"
        ),
        CheckConstraint("ended_at >= started_at", name="ended_at"),
        CheckConstraint("active_seconds >= 0", name="active_seconds"),
        Index("ix_coach_sessions_episode_id_started_at", "episode_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]
    phase: Mapped[str] = mapped_column(String(10))
    pain_before: Mapped[int | None] = mapped_column(SmallInteger)
    pain_after: Mapped[int | None] = mapped_column(SmallInteger)
    quit_early: Mapped[bool] = mapped_column(Boolean)
    symptom: Mapped[str | None] = mapped_column(String(40))
    stopped_for_symptom: Mapped[bool] = mapped_column(Boolean)
    triage_level: Mapped[str | None] = mapped_column(String(20))
    active_seconds: Mapped[float] = mapped_column(Float)


class CoachSessionExercise(Base):
    """One exercise of a coach session: target, achievement and progression step."""

    __tablename__ = "coach_session_exercises"
    __table_args__ = (
        CheckConstraint("position >= 1", name="position"),
        CheckConstraint("sides IN ('both', 'each')", name="sides"),
        CheckConstraint("target_hold_seconds >= 1", name="target_hold_seconds"),
        CheckConstraint("target_reps >= 1", name="target_reps"),
        CheckConstraint("achieved_hold_seconds >= 0", name="achieved_hold_seconds"),
        CheckConstraint(
            "(sides = 'both' AND reps_both >= 0 AND reps_left IS NULL AND reps_right IS NULL) "
            "OR (sides = 'each' AND reps_both IS NULL AND reps_left >= 0 AND reps_right >= 0)",
            name="reps",
        ),
        CheckConstraint(f"step IN ({_STEPS})", name="step"),
        UniqueConstraint("session_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("coach_sessions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    exercise_id: Mapped[str] = mapped_column(String(60))
    sides: Mapped[str] = mapped_column(String(4))
    target_hold_seconds: Mapped[int] = mapped_column(Integer)
    target_reps: Mapped[int] = mapped_column(Integer)
    achieved_hold_seconds: Mapped[float] = mapped_column(Float)
    reps_both: Mapped[int | None] = mapped_column(Integer)
    reps_left: Mapped[int | None] = mapped_column(Integer)
    reps_right: Mapped[int | None] = mapped_column(Integer)
    skipped: Mapped[bool] = mapped_column(Boolean)
    step: Mapped[str] = mapped_column(String(5))
    step_reason: Mapped[str] = mapped_column(Text)


# --- records ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class NewCoachExercise:
    """One exercise of a session to record.

    Attributes:
        exercise_id: Knowledge-base id of the exercise.
        sides: ``both`` (reps under ``Side.BOTH``) or ``each`` (``LEFT`` and ``RIGHT``).
        target_hold_seconds: Seconds per hold the person was asked for.
        target_reps: Reps per side the person was asked for.
        achieved_hold_seconds: Longest hold achieved (a hold cut short counts as far as it got).
        reps: Finished holds per side.
        skipped: Whether the person skipped the rest of it.
        step: The progression step that set the target.
        step_reason: Why, in one sentence.
    """

    exercise_id: str
    sides: Sides
    target_hold_seconds: int
    target_reps: int
    achieved_hold_seconds: float
    reps: Mapping[Side, int]
    skipped: bool
    step: Step
    step_reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CoachExerciseRecord(NewCoachExercise):
    """A recorded exercise of a coach session."""

    id: int
    session_id: int
    position: int

    @property
    def completed(self) -> bool:
        """Whether every planned rep on every side was held to the end."""
        return not self.skipped and all(n >= self.target_reps for n in self.reps.values())


@dataclass(frozen=True, slots=True, kw_only=True)
class NewCoachSession:
    """A coach session to record (as far as it got).

    Attributes:
        started_at: When it started (aware).
        ended_at: When it ended (aware, not before ``started_at``).
        phase: The episode's phase the plan was made for.
        pain_before: Pain 0-10 before, if given.
        pain_after: Pain 0-10 after, if given.
        quit_early: Whether the person quit (or was stopped) before the plan was through.
        symptom: A symptom reported during or right after the session.
        stopped_for_symptom: Whether that symptom stopped the session while it ran.
        triage_level: The triage level after the symptom was added to the answers.
        active_seconds: Time spent exercising, without pauses (coach seconds).
        exercises: The exercises in the order they were planned.
    """

    started_at: datetime
    ended_at: datetime
    phase: Phase
    pain_before: int | None
    pain_after: int | None
    quit_early: bool
    symptom: Symptom | None = None
    stopped_for_symptom: bool = False
    triage_level: TriageLevel | None = None
    active_seconds: float = 0.0
    exercises: tuple[NewCoachExercise, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CoachSessionRecord:
    """A recorded coach session with its exercises.

    Attributes mirror :class:`NewCoachSession`, plus ``id`` and ``episode_id``.
    """

    id: int
    episode_id: int
    started_at: datetime
    ended_at: datetime
    phase: Phase
    pain_before: int | None
    pain_after: int | None
    quit_early: bool
    symptom: Symptom | None
    stopped_for_symptom: bool
    triage_level: TriageLevel | None
    active_seconds: float
    exercises: tuple[CoachExerciseRecord, ...] = field(default=())

    @property
    def stopped_for_red_flag(self) -> bool:
        """Whether a red-flag symptom (numbness, tingling, weakness) stopped the session."""
        return self.stopped_for_symptom and self.symptom is not None and bool(self.symptom.red_flag)

    @property
    def reps_done(self) -> int:
        """Finished holds over every exercise and side (0: nothing was done)."""
        return sum(n for exercise in self.exercises for n in exercise.reps.values())


# --- repository -----------------------------------------------------------------------------

_SESSION_COLUMNS = (
    CoachSessionRow.id,
    CoachSessionRow.episode_id,
    CoachSessionRow.started_at,
    CoachSessionRow.ended_at,
    CoachSessionRow.phase,
    CoachSessionRow.pain_before,
    CoachSessionRow.pain_after,
    CoachSessionRow.quit_early,
    CoachSessionRow.symptom,
    CoachSessionRow.stopped_for_symptom,
    CoachSessionRow.triage_level,
    CoachSessionRow.active_seconds,
)
_EXERCISE_COLUMNS = (
    CoachSessionExercise.id,
    CoachSessionExercise.session_id,
    CoachSessionExercise.position,
    CoachSessionExercise.exercise_id,
    CoachSessionExercise.sides,
    CoachSessionExercise.target_hold_seconds,
    CoachSessionExercise.target_reps,
    CoachSessionExercise.achieved_hold_seconds,
    CoachSessionExercise.reps_both,
    CoachSessionExercise.reps_left,
    CoachSessionExercise.reps_right,
    CoachSessionExercise.skipped,
    CoachSessionExercise.step,
    CoachSessionExercise.step_reason,
)


_SIDES_OF = {Sides.BOTH: {Side.BOTH}, Sides.EACH: {Side.LEFT, Side.RIGHT}}


def _reps_columns(exercise: NewCoachExercise) -> dict[str, int | None]:
    if set(exercise.reps) != _SIDES_OF[exercise.sides]:
        expected = " and ".join(sorted(side.value for side in _SIDES_OF[exercise.sides]))
        raise InputError(
            gettext("the reps do not match the exercise's sides"),
            problems=[
                FieldProblem(
                    f"{exercise.exercise_id}.reps",
                    gettext("give reps for {expected}").format(expected=expected),
                )
            ],
        )
    if exercise.sides is Sides.BOTH:
        return {"reps_both": exercise.reps[Side.BOTH], "reps_left": None, "reps_right": None}
    return {
        "reps_both": None,
        "reps_left": exercise.reps[Side.LEFT],
        "reps_right": exercise.reps[Side.RIGHT],
    }


def _exercise(row: Any) -> CoachExerciseRecord:
    sides = Sides(row.sides)
    reps = (
        {Side.BOTH: row.reps_both}
        if sides is Sides.BOTH
        else {Side.LEFT: row.reps_left, Side.RIGHT: row.reps_right}
    )
    return CoachExerciseRecord(
        id=row.id,
        session_id=row.session_id,
        position=row.position,
        exercise_id=row.exercise_id,
        sides=sides,
        target_hold_seconds=row.target_hold_seconds,
        target_reps=row.target_reps,
        achieved_hold_seconds=float(row.achieved_hold_seconds),
        reps=reps,
        skipped=bool(row.skipped),
        step=Step(row.step),
        step_reason=row.step_reason,
    )


def _session(row: Any, exercises: Sequence[CoachExerciseRecord]) -> CoachSessionRecord:
    return CoachSessionRecord(
        id=row.id,
        episode_id=row.episode_id,
        started_at=row.started_at,
        ended_at=row.ended_at,
        phase=Phase(row.phase),
        pain_before=row.pain_before,
        pain_after=row.pain_after,
        quit_early=bool(row.quit_early),
        symptom=None if row.symptom is None else Symptom(row.symptom),
        stopped_for_symptom=bool(row.stopped_for_symptom),
        triage_level=None if row.triage_level is None else TriageLevel(row.triage_level),
        active_seconds=float(row.active_seconds),
        exercises=tuple(exercises),
    )


class CoachRepository:
    """Queries and writes of coach sessions, inside the caller's transaction.

    Build it on a diary transaction's repository, so a coach session is written in the
    same short transaction as anything else, and only for that repository's person::

        with store.write() as repo:
            CoachRepository(repo).add_session(episode_id, new)

    Args:
        diary: The repository of an open :meth:`~backcare.store.Store.read` or
            :meth:`~backcare.store.Store.write` block; its person's episodes are the only
            ones reached (another person's episode or session is "not found").
    """

    def __init__(self, diary: DiaryRepository) -> None:
        self.diary = diary
        self.session: Session = diary.session

    def add_session(self, episode_id: int, new: NewCoachSession) -> CoachSessionRecord:
        """Record a coach session and its exercises.

        Args:
            episode_id: The episode it belongs to (must exist).
            new: The session, as far as it got.

        Returns:
            The stored session with its ids.

        Raises:
            InputError: An exercise's reps are not given for exactly its sides.
            NotFoundError: The episode is not this person's.
        """
        self.diary.require_episode(episode_id)
        session_id = self.session.execute(
            insert(CoachSessionRow)
            .values(
                episode_id=episode_id,
                started_at=new.started_at,
                ended_at=new.ended_at,
                phase=new.phase.value,
                pain_before=new.pain_before,
                pain_after=new.pain_after,
                quit_early=new.quit_early,
                symptom=None if new.symptom is None else new.symptom.value,
                stopped_for_symptom=new.stopped_for_symptom,
                triage_level=None if new.triage_level is None else new.triage_level.value,
                active_seconds=new.active_seconds,
            )
            .returning(CoachSessionRow.id)
        ).scalar_one()
        rows = [
            {
                "session_id": session_id,
                "position": position,
                "exercise_id": exercise.exercise_id,
                "sides": exercise.sides.value,
                "target_hold_seconds": exercise.target_hold_seconds,
                "target_reps": exercise.target_reps,
                "achieved_hold_seconds": exercise.achieved_hold_seconds,
                **_reps_columns(exercise),
                "skipped": exercise.skipped,
                "step": exercise.step.value,
                "step_reason": exercise.step_reason,
            }
            for position, exercise in enumerate(new.exercises, 1)
        ]
        if rows:
            self.session.execute(insert(CoachSessionExercise), rows)
        return self.session_by_id(session_id)

    def session_by_id(self, session_id: int) -> CoachSessionRecord:
        """The coach session with this id, with its exercises.

        Raises:
            NotFoundError: there is none.
        """
        mine = select(Episode.id).where(Episode.patient_id == self.diary.person)
        row = self.session.execute(
            select(*_SESSION_COLUMNS).where(
                CoachSessionRow.id == session_id, CoachSessionRow.episode_id.in_(mine)
            )
        ).first()
        if row is None:
            raise NotFoundError(
                gettext("no coach session {session_id} in the diary").format(session_id=session_id)
            )
        exercises = [
            _exercise(r)
            for r in self.session.execute(
                select(*_EXERCISE_COLUMNS)
                .where(CoachSessionExercise.session_id == session_id)
                .order_by(CoachSessionExercise.position)
            )
        ]
        return _session(row, exercises)

    def sessions(
        self, episode_id: int, *, since: datetime | None = None
    ) -> list[CoachSessionRecord]:
        """The coach sessions of an episode, oldest first, with their exercises (two queries).

        Args:
            episode_id: The episode.
            since: Only sessions started at or after this time.

        Raises:
            NotFoundError: The episode is not this person's.
        """
        self.diary.require_episode(episode_id)
        query = select(*_SESSION_COLUMNS).where(CoachSessionRow.episode_id == episode_id)
        if since is not None:
            query = query.where(CoachSessionRow.started_at >= since)
        rows = self.session.execute(
            query.order_by(CoachSessionRow.started_at, CoachSessionRow.id)
        ).all()
        if not rows:
            return []
        exercises: dict[int, list[CoachExerciseRecord]] = defaultdict(list)
        in_episode = select(CoachSessionRow.id).where(CoachSessionRow.episode_id == episode_id)
        if since is not None:
            in_episode = in_episode.where(CoachSessionRow.started_at >= since)
        for row in self.session.execute(
            select(*_EXERCISE_COLUMNS)
            .where(CoachSessionExercise.session_id.in_(in_episode.scalar_subquery()))
            .order_by(CoachSessionExercise.session_id, CoachSessionExercise.position)
        ):
            exercises[row.session_id].append(_exercise(row))
        return [_session(row, exercises.get(row.id, ())) for row in rows]
