"""Exercise coach: counts holds, rests and reps for a plan of gentle back exercises.

The coach is a pure, clock-driven engine with no terminal or web dependencies; front ends
drive it with :meth:`CoachSession.tick` and render :attr:`CoachSession.state`.
"""

from backcare.coach.clock import Clock, FakeClock, MonotonicClock
from backcare.coach.engine import (
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
