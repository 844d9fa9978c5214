"""Exercise coach: counts holds, rests and reps for a plan of gentle back exercises.

The coach is a pure, clock-driven engine with no terminal or web dependencies; front ends
drive it with :meth:`CoachSession.tick` and render :attr:`CoachSession.state`. The other
pure parts are :mod:`~backcare.coach.progression` (the next session's dose),
:mod:`~backcare.coach.adherence`, :mod:`~backcare.coach.symptoms` and
:mod:`~backcare.coach.cues` (what the coach says, and when); the use-cases that
meet the diary are in :mod:`backcare.coach.service` (import it explicitly: it loads the
store). See ``docs/coach.md``.
"""

from backcare.coach._clock import Clock, FakeClock, MonotonicClock, ScaledClock
from backcare.coach._timing import (
    CoachEvent,
    CoachSession,
    CoachSessionStateError,
    CoachState,
    ExerciseCompleted,
    ExerciseDose,
    ExerciseResult,
    InvalidCoachPlan,
    Segment,
    SegmentCompleted,
    SegmentKind,
    SegmentStarted,
    SessionCompleted,
    SessionResult,
    Side,
    SidesMode,
    build_segments,
)

__all__ = [
    "Clock",
    "CoachEvent",
    "CoachSession",
    "CoachSessionStateError",
    "CoachState",
    "ExerciseCompleted",
    "ExerciseDose",
    "ExerciseResult",
    "FakeClock",
    "InvalidCoachPlan",
    "MonotonicClock",
    "ScaledClock",
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
