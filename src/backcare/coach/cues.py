"""The coach's spoken cues, built from its timeline: what to say, and when.

One script serves every front end: the web coach speaks it with the browser's speech
synthesis, the terminal coach with ``espeak-ng`` when it is installed. For a 5-second
hold of the knee-to-chest stretch it reads "Knee-to-chest stretch, left side." at the
lead-in, "Hold." as the hold starts, "3", "2", "1" in its last three seconds and
"Relax." as it ends. Each cue belongs to one segment of
:func:`~backcare.coach.build_segments` and is timed from that segment's start, so a
front end that pauses, skips or repeats simply follows the segment it is in.

:class:`CueFollower` turns the engine's events and state into the cues due now, for
front ends that drive a :class:`~backcare.coach.CoachSession`. Nothing here
speaks, sleeps or prints.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from backcare.coach._timing import (
    CoachEvent,
    CoachState,
    ExerciseDose,
    Segment,
    SegmentKind,
    SegmentStarted,
    SessionCompleted,
    Side,
)

__all__ = [
    "COUNTDOWN_FROM",
    "Cue",
    "CueFollower",
    "CueScript",
    "cue_script",
    "spoken_name",
]

#: Holds are counted down from this number in their last seconds ("3", "2", "1").
COUNTDOWN_FROM = 3
# A hold shorter than this gets no countdown: "Hold." and "3" would run into each other.
_SHORTEST_COUNTED_HOLD = COUNTDOWN_FROM + 2

_PARENTHESES = re.compile(r"\s*\([^)]*\)")


@dataclass(frozen=True, slots=True, kw_only=True)
class Cue:
    """One thing to say.

    Attributes:
        at_seconds: When to say it, in seconds after its segment starts.
        text: The words, one short sentence or a number.
    """

    at_seconds: float
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CueScript:
    """Everything the coach says in a session.

    Attributes:
        segments: The cues of each segment, in timeline order (``segments[i]`` belongs to
            the timeline's segment ``i``).
        closing: Said when the session runs to its end.
        stopped: Said when the person stops the session early.
    """

    segments: tuple[tuple[Cue, ...], ...]
    closing: str
    stopped: str


def spoken_name(name: str) -> str:
    """An exercise's name as said aloud: the bracketed part left out.

    >>> spoken_name("Child's pose (bottom-to-heels stretch)")
    "Child's pose"
    """
    return _PARENTHESES.sub("", name).strip()


def cue_script(plan: Sequence[ExerciseDose], segments: Sequence[Segment]) -> CueScript:
    """Lay out what the coach says over a session's timeline.

    Args:
        plan: The session's exercises, in order.
        segments: Its timeline (:func:`~backcare.coach.build_segments` of ``plan``).

    Returns:
        The cues of every segment, and the closing words.
    """
    script = tuple(
        _segment_cues(plan, segment, segments[index - 1] if index else None)
        for index, segment in enumerate(segments)
    )
    relax = "Relax. " if segments and segments[-1].kind is SegmentKind.HOLD else ""
    return CueScript(
        segments=script,
        closing=f"{relax}Session complete. Well done.",
        stopped="Stopped. Well done for what you did.",
    )


def _segment_cues(
    plan: Sequence[ExerciseDose], segment: Segment, previous: Segment | None
) -> tuple[Cue, ...]:
    words: list[str] = []
    if previous is not None and previous.kind is SegmentKind.HOLD:
        words.append("Relax.")
    if previous is None or previous.exercise_index != segment.exercise_index:
        name = spoken_name(plan[segment.exercise_index].name)
        side = f", {segment.side} side" if segment.side is not Side.BOTH else ""
        words.append(f"{name}{side}.")
    elif previous.side != segment.side:
        words.append(f"Now the {segment.side} side.")
    if segment.kind is SegmentKind.HOLD:
        words.append("Hold.")
    cues = [Cue(at_seconds=0.0, text=" ".join(words))] if words else []
    if segment.kind is SegmentKind.HOLD and segment.duration_seconds >= _SHORTEST_COUNTED_HOLD:
        cues += [
            Cue(at_seconds=float(segment.duration_seconds - n), text=str(n))
            for n in range(COUNTDOWN_FROM, 0, -1)
        ]
    return tuple(cues)


class CueFollower:
    """Follows a running :class:`~backcare.coach.CoachSession` and says when to speak.

    Feed it every tick's events and the state read after them; it returns the cues that
    fell due since the last call. A repeated or skipped exercise is followed through the
    segment it lands on; when one slow tick passes several segments, only the last one's
    cues are said (late words would be wrong words).

    Args:
        script: The session's cue script.
        segments: The session's timeline (the one the script was built from).
    """

    def __init__(self, script: CueScript, segments: Sequence[Segment]) -> None:
        self._script = script
        self._segments = tuple(segments)
        self._index_of = {_key(s): i for i, s in enumerate(self._segments)}
        self._current: int | None = None
        self._said = 0

    def update(self, events: Sequence[CoachEvent], state: CoachState) -> list[str]:
        """The words due now, oldest first.

        Args:
            events: The events of the last :meth:`CoachSession.tick`.
            state: The session's state read after that tick.
        """
        due: list[str] = []
        for event in events:
            if isinstance(event, SegmentStarted):
                self._current = self._index_of.get(
                    (event.exercise_index, event.kind, event.side, event.rep)
                )
                self._said = 0
            elif isinstance(event, SessionCompleted):
                self._current = None
                due.append(self._script.stopped if event.quit_early else self._script.closing)
        if self._current is not None and not state.finished:
            duration = self._segments[self._current].duration_seconds
            due += self._take(duration - state.seconds_remaining)
        return due

    def _take(self, elapsed: float) -> list[str]:
        assert self._current is not None
        cues = self._script.segments[self._current]
        due = [c.text for c in cues[self._said :] if c.at_seconds <= elapsed]
        self._said += len(due)
        return due


def _key(segment: Segment) -> tuple[int, SegmentKind, Side, int | None]:
    # (exercise, kind, side, rep) names one segment of a timeline: each exercise has one
    # lead-in and one switch, and one hold and rest per side and rep.
    return (segment.exercise_index, segment.kind, segment.side, segment.rep)
