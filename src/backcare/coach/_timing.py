"""Timing engine for the exercise coach: a clock-driven state machine.

The engine counts lead-ins, holds, rests and side switches for a plan of
exercises. It never sleeps, prints or reads input: a front end (terminal UI,
web app) calls :meth:`CoachSession.tick` as often as it likes, renders
:attr:`CoachSession.state` and reacts to the returned events. Because progress
is computed from clock readings rather than from the number of ticks, a slow or
irregular front end loses no time and misses no events.

Timeline of one exercise::

    LEAD_IN -> [side] HOLD, REST, HOLD, REST, ..., HOLD -> SWITCH_SIDE -> [side] HOLD, ...

Segments of zero length (``rest_seconds=0``, ``lead_in_seconds=0``,
``switch_seconds=0``) are left out of the timeline altogether.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, TypeAlias

from pydantic import BaseModel, ConfigDict

from backcare.coach._clock import Clock
from backcare.domain.exercise import Side
from backcare.errors import FieldProblem, InputError
from backcare.i18n import gettext

__all__ = [
    "CoachEvent",
    "CoachSession",
    "CoachSessionStateError",
    "CoachState",
    "ExerciseCompleted",
    "ExerciseDose",
    "ExerciseResult",
    "InvalidCoachPlan",
    "Segment",
    "SegmentCompleted",
    "SegmentKind",
    "SegmentStarted",
    "SessionCompleted",
    "SessionResult",
    "Side",
    "SidesMode",
    "build_segments",
]

SidesMode: TypeAlias = Literal["both", "each"]
"""How an exercise treats sides: ``"both"`` once, ``"each"`` left then right."""

DEFAULT_LEAD_IN_SECONDS = 5
DEFAULT_SWITCH_SECONDS = 3


class InvalidCoachPlan(InputError, ValueError):  # noqa: N818 - name fixed by the public API
    """A plan or session setting the coach cannot run (an :class:`~backcare.errors.InputError`).

    Attributes:
        field: Name of the offending field (``"plan"`` for an empty plan).
        exercise_id: Id of the offending exercise, or ``None`` for session-level settings.
    """

    def __init__(self, message: str, *, field: str, exercise_id: str | None = None) -> None:
        super().__init__(message, problems=[FieldProblem(field, message)])
        self.field = field
        self.exercise_id = exercise_id


class CoachSessionStateError(RuntimeError):
    """A session command was used at the wrong time (e.g. before :meth:`CoachSession.start`)."""


class SegmentKind(StrEnum):
    """What the person is doing during a segment of the session."""

    LEAD_IN = "lead_in"
    HOLD = "hold"
    REST = "rest"
    SWITCH_SIDE = "switch_side"
    DONE = "done"


@dataclass(frozen=True, slots=True, kw_only=True)
class ExerciseDose:
    """One exercise in a coaching plan, with its dose.

    Attributes:
        exercise_id: Stable identifier (used in events and the diary).
        name: Human-readable name.
        steps: Instructions shown to the person, in order.
        hold_seconds: Length of each hold; at least 1.
        reps: Holds per side; at least 1.
        sides: ``"both"`` for one pass, ``"each"`` for left then right (``reps`` per side).
        rest_seconds: Rest between holds of the same side; 0 or more.

    Raises:
        InvalidCoachPlan: If a field is out of range; the message names the field and id.
    """

    exercise_id: str
    name: str
    steps: tuple[str, ...]
    hold_seconds: int
    reps: int
    sides: SidesMode
    rest_seconds: int

    def __post_init__(self) -> None:
        # Plans come from YAML/JSON too, so type hints alone are not a guarantee.
        if not isinstance(self.exercise_id, str) or not self.exercise_id.strip():
            raise InvalidCoachPlan(
                gettext("exercise_id must be a non-empty string, got {exercise_id!r}").format(
                    exercise_id=self.exercise_id
                ),
                field="exercise_id",
            )
        if not isinstance(self.name, str) or not self.name.strip():
            raise self._invalid("name", gettext("must be a non-empty string"), self.name)
        if not isinstance(self.steps, tuple) or not all(isinstance(s, str) for s in self.steps):
            raise self._invalid("steps", gettext("must be a tuple of strings"), self.steps)
        _require_int(self, "hold_seconds", self.hold_seconds, minimum=1)
        _require_int(self, "reps", self.reps, minimum=1)
        _require_int(self, "rest_seconds", self.rest_seconds, minimum=0)
        if self.sides not in ("both", "each"):
            raise self._invalid("sides", gettext("must be 'both' or 'each'"), self.sides)

    def _invalid(self, field_name: str, problem: str, value: object) -> InvalidCoachPlan:
        return InvalidCoachPlan(
            gettext("exercise {exercise_id!r}: {field_name} {problem}, got {value!r}").format(
                exercise_id=self.exercise_id, field_name=field_name, problem=problem, value=value
            ),
            field=field_name,
            exercise_id=self.exercise_id,
        )

    @property
    def side_order(self) -> tuple[Side, ...]:
        """Sides in the order they are exercised."""
        return (Side.BOTH,) if self.sides == "both" else (Side.LEFT, Side.RIGHT)


def _require_int(dose: ExerciseDose, name: str, value: object, *, minimum: int) -> None:
    # bool is an int subclass, but True as a number of seconds is always a mistake.
    if not isinstance(value, int) or isinstance(value, bool):
        raise dose._invalid(name, gettext("must be an integer"), value)
    if value < minimum:
        raise dose._invalid(name, gettext("must be >= {minimum}").format(minimum=minimum), value)


@dataclass(frozen=True, slots=True, kw_only=True)
class Segment:
    """One timed stretch of a session.

    Attributes:
        kind: What happens in the segment (never ``DONE``).
        exercise_index: Position of the exercise in the plan.
        side: The side exercised; for ``LEAD_IN``/``SWITCH_SIDE`` the side about to start.
        rep: 1-based rep for ``HOLD`` and ``REST`` (the rep just held), else ``None``.
        duration_seconds: Length in seconds; always positive.
    """

    kind: SegmentKind
    exercise_index: int
    side: Side
    rep: int | None
    duration_seconds: int


def build_segments(
    plan: Sequence[ExerciseDose],
    *,
    lead_in_seconds: int = DEFAULT_LEAD_IN_SECONDS,
    switch_seconds: int = DEFAULT_SWITCH_SECONDS,
) -> tuple[Segment, ...]:
    """Lay out the full timeline of a plan.

    Args:
        plan: Exercises in order; already validated doses.
        lead_in_seconds: Countdown before each exercise; 0 leaves it out.
        switch_seconds: Pause between left and right sides; 0 leaves it out.

    Returns:
        Every segment in order. Its total duration is the session length without pauses.
    """
    # Zero-length segments (e.g. rest_seconds=0) are dropped: they would only ring a double bell.
    return tuple(
        segment
        for index, dose in enumerate(plan)
        for segment in _exercise_segments(index, dose, lead_in_seconds, switch_seconds)
        if segment.duration_seconds > 0
    )


def _exercise_segments(
    index: int, dose: ExerciseDose, lead_in_seconds: int, switch_seconds: int
) -> Iterator[Segment]:
    def make(kind: SegmentKind, side: Side, rep: int | None, seconds: int) -> Segment:
        return Segment(
            kind=kind, exercise_index=index, side=side, rep=rep, duration_seconds=seconds
        )

    sides = dose.side_order
    yield make(SegmentKind.LEAD_IN, sides[0], None, lead_in_seconds)
    for side_number, side in enumerate(sides):
        if side_number > 0:
            yield make(SegmentKind.SWITCH_SIDE, side, None, switch_seconds)
        for rep in range(1, dose.reps + 1):
            yield make(SegmentKind.HOLD, side, rep, dose.hold_seconds)
            # No rest after a side's last hold: a switch or the next exercise follows.
            if rep < dose.reps:
                yield make(SegmentKind.REST, side, rep, dose.rest_seconds)


# --- Events -----------------------------------------------------------------------------------
# Exactly one event per change of segment carries cue=True (the start of the new segment, or the
# end of the session), so a UI ringing a bell for every cue rings once per change.


@dataclass(frozen=True, slots=True, kw_only=True)
class SegmentStarted:
    """A segment began.

    Attributes:
        kind: Segment kind.
        exercise_index: Position of the exercise in the plan.
        exercise_id: Id of the exercise.
        side: Side the segment is for.
        rep: 1-based rep for holds/rests, else ``None``.
        duration_seconds: Planned length of the segment.
        at: Clock time at which it began (may be earlier than the tick that reports it).
        cue: Always ``True``: ring the bell.
    """

    kind: SegmentKind
    exercise_index: int
    exercise_id: str
    side: Side
    rep: int | None
    duration_seconds: int
    at: float
    cue: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class SegmentCompleted:
    """A segment ran to its end (interrupted segments emit no completion).

    Attributes:
        kind: Segment kind.
        exercise_index: Position of the exercise in the plan.
        exercise_id: Id of the exercise.
        side: Side the segment was for.
        rep: 1-based rep for holds/rests, else ``None``.
        at: Clock time at which it ended.
        cue: Always ``False``; the following start (or session end) carries the cue.
    """

    kind: SegmentKind
    exercise_index: int
    exercise_id: str
    side: Side
    rep: int | None
    at: float
    cue: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ExerciseCompleted:
    """An exercise ended, either finished or skipped.

    Attributes:
        exercise_index: Position of the exercise in the plan.
        exercise_id: Id of the exercise.
        skipped: ``True`` if the person skipped the rest of it.
        at: Clock time at which it ended.
        cue: Always ``False``.
    """

    exercise_index: int
    exercise_id: str
    skipped: bool
    at: float
    cue: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionCompleted:
    """The session ended; no further events follow.

    Attributes:
        quit_early: ``True`` if the person quit before the plan was through.
        at: Clock time at which it ended.
        cue: Always ``True``: ring the bell.
    """

    quit_early: bool
    at: float
    cue: bool = True


CoachEvent: TypeAlias = SegmentStarted | SegmentCompleted | ExerciseCompleted | SessionCompleted


# --- Snapshots and results --------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CoachState:
    """Immutable snapshot of a session for rendering.

    Attributes:
        kind: Current segment kind, ``DONE`` once finished.
        exercise_index: Position of the current exercise, ``None`` once finished.
        exercise_count: Number of exercises in the plan.
        exercise_id: Id of the current exercise, ``None`` once finished.
        exercise_name: Name of the current exercise, ``None`` once finished.
        side: Current side, ``None`` once finished.
        rep: 1-based rep for holds/rests, else ``None``.
        total_reps: Reps per side of the current exercise, ``None`` once finished.
        seconds_remaining: Seconds left in the segment (0 once finished).
        fraction_complete: 0.0-1.0 progress through the segment, for a progress bar.
        started: Whether :meth:`CoachSession.start` has been called.
        paused: Whether the session is paused.
        finished: Whether the session has ended (completed or quit).
    """

    kind: SegmentKind
    exercise_index: int | None
    exercise_count: int
    exercise_id: str | None
    exercise_name: str | None
    side: Side | None
    rep: int | None
    total_reps: int | None
    seconds_remaining: float
    fraction_complete: float
    started: bool
    paused: bool
    finished: bool


class ExerciseResult(BaseModel):
    """What was achieved for one exercise of the plan."""

    model_config = ConfigDict(frozen=True)

    exercise_id: str
    name: str
    sides: SidesMode
    target_reps: int
    """Planned reps per side."""
    target_hold_seconds: int
    completed_reps: dict[Side, int]
    """Finished holds per side (``both``, or ``left`` and ``right``)."""
    longest_hold_seconds: float
    """Longest hold, including a hold cut short by skip, repeat or quit."""
    skipped: bool

    @property
    def completed(self) -> bool:
        """Whether every planned rep on every side was held to the end."""
        return all(n >= self.target_reps for n in self.completed_reps.values())


class SessionResult(BaseModel):
    """Outcome of a session as far as it got, ready to be saved to the diary."""

    model_config = ConfigDict(frozen=True)

    exercises: tuple[ExerciseResult, ...]
    started_at: float
    """Clock reading at :meth:`CoachSession.start`."""
    ended_at: float | None
    """Clock reading when the session ended; ``None`` while still running."""
    active_seconds: float
    """Time spent in the session excluding pauses."""
    quit_early: bool

    @property
    def finished(self) -> bool:
        """Whether the session has ended."""
        return self.ended_at is not None


@dataclass(slots=True)
class _Progress:
    """Mutable per-exercise tally kept while the session runs."""

    completed_reps: dict[Side, int]
    longest_hold_seconds: float = 0.0
    skipped: bool = False


@dataclass(slots=True)
class _Timeline:
    """Where the session is: the current segment and when it began, in active seconds."""

    index: int = 0
    segment_start: float = 0.0
    finished_at: float | None = None
    pending: list[CoachEvent] = field(default_factory=list)


# --- The session ------------------------------------------------------------------------------


class CoachSession:
    """Clock-driven coaching session over a plan of exercises.

    Commands (:meth:`pause`, :meth:`skip`, ...) first catch up with the clock, then act; the
    events they cause are returned by the next :meth:`tick`. "Active" time below means clock
    time since :meth:`start` minus time spent paused.

    Args:
        plan: Exercises in order; must not be empty.
        clock: Time source, e.g. :class:`~backcare.coach.MonotonicClock`.
        lead_in_seconds: Countdown before each exercise; 0 or more.
        switch_seconds: Pause between the left and right side; 0 or more.

    Raises:
        InvalidCoachPlan: If the plan is empty or a session setting is out of range.
    """

    def __init__(
        self,
        plan: Sequence[ExerciseDose],
        *,
        clock: Clock,
        lead_in_seconds: int = DEFAULT_LEAD_IN_SECONDS,
        switch_seconds: int = DEFAULT_SWITCH_SECONDS,
    ) -> None:
        self._plan = tuple(plan)
        if not self._plan:
            raise InvalidCoachPlan(gettext("plan must contain at least one exercise"), field="plan")
        for position, dose in enumerate(self._plan):
            if not isinstance(dose, ExerciseDose):
                raise InvalidCoachPlan(
                    gettext("plan[{position}] must be an ExerciseDose, got {name}").format(
                        position=position, name=type(dose).__name__
                    ),
                    field="plan",
                )
        for name, value in (
            ("lead_in_seconds", lead_in_seconds),
            ("switch_seconds", switch_seconds),
        ):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InvalidCoachPlan(
                    gettext("{name} must be an integer >= 0, got {value!r}").format(
                        name=name, value=value
                    ),
                    field=name,
                )
        self._clock = clock
        self._segments = build_segments(
            self._plan, lead_in_seconds=lead_in_seconds, switch_seconds=switch_seconds
        )
        self._first_segment: dict[int, int] = {}  # exercise index -> its first segment
        for position, segment in enumerate(self._segments):
            self._first_segment.setdefault(segment.exercise_index, position)
        self._progress = [
            _Progress(completed_reps=dict.fromkeys(d.side_order, 0)) for d in self._plan
        ]
        self._timeline = _Timeline()
        self._started_at: float | None = None
        self._paused_at: float | None = None
        self._paused_total = 0.0
        self._ended_at: float | None = None
        self._quit_early = False

    # --- read-only views ---

    @property
    def plan(self) -> tuple[ExerciseDose, ...]:
        """The exercises of this session, in order."""
        return self._plan

    @property
    def segments(self) -> tuple[Segment, ...]:
        """The full planned timeline (useful for previews and total duration)."""
        return self._segments

    @property
    def state(self) -> CoachState:
        """Snapshot for rendering, read at the current clock time.

        The snapshot does not advance the session: call :meth:`tick` first so that segment
        changes are applied; until then remaining time is clamped at 0.
        """
        if self._timeline.finished_at is not None:
            return CoachState(
                kind=SegmentKind.DONE,
                exercise_index=None,
                exercise_count=len(self._plan),
                exercise_id=None,
                exercise_name=None,
                side=None,
                rep=None,
                total_reps=None,
                seconds_remaining=0.0,
                fraction_complete=1.0,
                started=True,
                paused=False,
                finished=True,
            )
        segment = self._segments[self._timeline.index]
        dose = self._plan[segment.exercise_index]
        elapsed = 0.0
        if self._started_at is not None:
            elapsed = self._active(self._clock.now()) - self._timeline.segment_start
            elapsed = min(max(elapsed, 0.0), float(segment.duration_seconds))
        return CoachState(
            kind=segment.kind,
            exercise_index=segment.exercise_index,
            exercise_count=len(self._plan),
            exercise_id=dose.exercise_id,
            exercise_name=dose.name,
            side=segment.side,
            rep=segment.rep,
            total_reps=dose.reps,
            seconds_remaining=segment.duration_seconds - elapsed,
            fraction_complete=elapsed / segment.duration_seconds,
            started=self._started_at is not None,
            paused=self._paused_at is not None,
            finished=False,
        )

    # --- commands ---

    def start(self) -> None:
        """Start the session at the current clock time; the first segment begins at once.

        Raises:
            CoachSessionStateError: If the session was already started.
        """
        if self._started_at is not None:
            raise CoachSessionStateError(gettext("session already started"))
        self._started_at = self._clock.now()
        self._begin_segment(0, at_active=0.0, at=self._started_at)

    def tick(self) -> list[CoachEvent]:
        """Catch up with the clock and return everything that happened since the last tick.

        Returns:
            Events in the order they happened; several segments may pass in one tick if much
            time elapsed. Empty before :meth:`start`.
        """
        if self._started_at is not None:
            self._advance(self._clock.now())
        events, self._timeline.pending = self._timeline.pending, []
        return events

    def pause(self) -> None:
        """Stop the clock for this session; paused time does not count. No-op if paused/done.

        Raises:
            CoachSessionStateError: If the session was not started.
        """
        now = self._catch_up("pause")
        if self._paused_at is None and self._timeline.finished_at is None:
            self._paused_at = now

    def resume(self) -> None:
        """Continue after :meth:`pause`. No-op if not paused.

        Raises:
            CoachSessionStateError: If the session was not started.
        """
        now = self._catch_up("resume")
        if self._paused_at is not None:
            self._paused_total += now - self._paused_at
            self._paused_at = None

    def skip(self) -> None:
        """Skip the rest of the current exercise, mark it skipped and move to the next one.

        Skipping the last exercise ends the session (not counted as quitting early).
        No-op once the session has ended.

        Raises:
            CoachSessionStateError: If the session was not started.
        """
        now = self._catch_up("skip")
        if self._timeline.finished_at is not None:
            return
        active = self._active(now)
        exercise_index = self._segments[self._timeline.index].exercise_index
        self._record_partial_hold(active)
        self._progress[exercise_index].skipped = True
        self._emit(
            ExerciseCompleted(
                exercise_index=exercise_index,
                exercise_id=self._plan[exercise_index].exercise_id,
                skipped=True,
                at=now,
            )
        )
        if exercise_index + 1 < len(self._plan):
            self._begin_segment(self._first_segment[exercise_index + 1], at_active=active, at=now)
        else:
            self._finish(active, at=now, quit_early=False)

    def repeat(self) -> None:
        """Restart the current exercise from its lead-in, clearing its rep count.

        The longest hold is kept: it was genuinely achieved. No-op once the session has ended.

        Raises:
            CoachSessionStateError: If the session was not started.
        """
        now = self._catch_up("repeat")
        if self._timeline.finished_at is not None:
            return
        active = self._active(now)
        exercise_index = self._segments[self._timeline.index].exercise_index
        self._record_partial_hold(active)
        progress = self._progress[exercise_index]
        progress.completed_reps = dict.fromkeys(progress.completed_reps, 0)
        progress.skipped = False
        self._begin_segment(self._first_segment[exercise_index], at_active=active, at=now)

    def quit(self) -> None:
        """End the session now; what was done so far is kept. No-op once ended.

        Raises:
            CoachSessionStateError: If the session was not started.
        """
        now = self._catch_up("quit")
        if self._timeline.finished_at is not None:
            return
        active = self._active(now)
        self._record_partial_hold(active)
        self._finish(active, at=now, quit_early=True)

    def result(self) -> SessionResult:
        """Summarise the session as far as it got (callable while running, too).

        Returns:
            Per-exercise reps and longest holds, start/end clock times and the quit flag.

        Raises:
            CoachSessionStateError: If the session was not started.
        """
        if self._started_at is None:
            raise CoachSessionStateError(gettext("cannot produce a result before start()"))
        finished_at = self._timeline.finished_at
        active = finished_at if finished_at is not None else self._active(self._clock.now())
        in_progress_hold = self._partial_hold(active) if finished_at is None else None
        exercises = []
        for index, (dose, progress) in enumerate(zip(self._plan, self._progress, strict=True)):
            longest = progress.longest_hold_seconds
            if in_progress_hold is not None and in_progress_hold[0] == index:
                longest = max(longest, in_progress_hold[1])
            exercises.append(
                ExerciseResult(
                    exercise_id=dose.exercise_id,
                    name=dose.name,
                    sides=dose.sides,
                    target_reps=dose.reps,
                    target_hold_seconds=dose.hold_seconds,
                    completed_reps=dict(progress.completed_reps),
                    longest_hold_seconds=longest,
                    skipped=progress.skipped,
                )
            )
        return SessionResult(
            exercises=tuple(exercises),
            started_at=self._started_at,
            ended_at=self._ended_at,
            active_seconds=active,
            quit_early=self._quit_early,
        )

    # --- internals ---

    def _catch_up(self, command: str) -> float:
        # Apply segment changes that happened before the command, so e.g. quitting just after a
        # hold ended still credits that rep. Returns the clock reading used.
        if self._started_at is None:
            raise CoachSessionStateError(
                gettext("cannot {command}() before start()").format(command=command)
            )
        now = self._clock.now()
        self._advance(now)
        return now

    def _active(self, now: float) -> float:
        assert self._started_at is not None
        reference = self._paused_at if self._paused_at is not None else now
        return reference - self._started_at - self._paused_total

    def _clock_time(self, active: float) -> float:
        # Inverse of _active for moments since the last pause/resume: events get the exact clock
        # time of their boundary, not the (later) time of the tick that noticed them.
        assert self._started_at is not None
        return self._started_at + self._paused_total + active

    def _emit(self, event: CoachEvent) -> None:
        self._timeline.pending.append(event)

    def _advance(self, now: float) -> None:
        active = self._active(now)
        timeline = self._timeline
        while timeline.finished_at is None:
            segment = self._segments[timeline.index]
            end = timeline.segment_start + segment.duration_seconds
            if end > active:
                return
            self._complete_segment(segment, end)

    def _complete_segment(self, segment: Segment, end: float) -> None:
        dose = self._plan[segment.exercise_index]
        progress = self._progress[segment.exercise_index]
        at = self._clock_time(end)
        if segment.kind is SegmentKind.HOLD:
            progress.completed_reps[segment.side] += 1
            progress.longest_hold_seconds = max(
                progress.longest_hold_seconds, float(segment.duration_seconds)
            )
        self._emit(
            SegmentCompleted(
                kind=segment.kind,
                exercise_index=segment.exercise_index,
                exercise_id=dose.exercise_id,
                side=segment.side,
                rep=segment.rep,
                at=at,
            )
        )
        next_index = self._timeline.index + 1
        is_last = next_index == len(self._segments)
        if is_last or self._segments[next_index].exercise_index != segment.exercise_index:
            self._emit(
                ExerciseCompleted(
                    exercise_index=segment.exercise_index,
                    exercise_id=dose.exercise_id,
                    skipped=False,
                    at=at,
                )
            )
        if is_last:
            self._finish(end, at=at, quit_early=False)
        else:
            self._begin_segment(next_index, at_active=end, at=at)

    def _begin_segment(self, index: int, *, at_active: float, at: float) -> None:
        self._timeline.index = index
        self._timeline.segment_start = at_active
        segment = self._segments[index]
        self._emit(
            SegmentStarted(
                kind=segment.kind,
                exercise_index=segment.exercise_index,
                exercise_id=self._plan[segment.exercise_index].exercise_id,
                side=segment.side,
                rep=segment.rep,
                duration_seconds=segment.duration_seconds,
                at=at,
            )
        )

    def _finish(self, active: float, *, at: float, quit_early: bool) -> None:
        self._timeline.finished_at = active
        self._ended_at = at
        self._quit_early = quit_early
        self._paused_at = None
        self._emit(SessionCompleted(quit_early=quit_early, at=at))

    def _partial_hold(self, active: float) -> tuple[int, float] | None:
        """Exercise index and elapsed seconds of the hold in progress, if one is."""
        segment = self._segments[self._timeline.index]
        if segment.kind is not SegmentKind.HOLD:
            return None
        elapsed = min(
            max(active - self._timeline.segment_start, 0.0), float(segment.duration_seconds)
        )
        return segment.exercise_index, elapsed

    def _record_partial_hold(self, active: float) -> None:
        # A hold cut short by skip/repeat/quit still counts towards the longest hold.
        partial = self._partial_hold(active)
        if partial is not None:
            progress = self._progress[partial[0]]
            progress.longest_hold_seconds = max(progress.longest_hold_seconds, partial[1])
