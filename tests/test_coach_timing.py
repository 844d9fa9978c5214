"""Tests for the coach timing engine, driven entirely by a FakeClock (no real sleeping)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backcare.coach import (
    CoachEvent,
    CoachSession,
    CoachSessionStateError,
    ExerciseCompleted,
    ExerciseDose,
    FakeClock,
    InvalidCoachPlan,
    SegmentCompleted,
    SegmentKind,
    SegmentStarted,
    SessionCompleted,
    Side,
)

K = SegmentKind
LEAD, HOLD, REST, SWITCH = K.LEAD_IN, K.HOLD, K.REST, K.SWITCH_SIDE
BOTH, LEFT, RIGHT = Side.BOTH, Side.LEFT, Side.RIGHT


def dose(exercise_id: str = "ex", **overrides: Any) -> ExerciseDose:
    """Build a dose with sensible defaults; overrides may be deliberately invalid."""
    fields: dict[str, Any] = {
        "name": "Exercise",
        "steps": ("Lie on your back.",),
        "hold_seconds": 10,
        "reps": 2,
        "sides": "both",
        "rest_seconds": 4,
    }
    return ExerciseDose(exercise_id=exercise_id, **(fields | overrides))


def started(
    *doses: ExerciseDose, lead_in: int = 5, switch: int = 3
) -> tuple[CoachSession, FakeClock]:
    clock = FakeClock(100.0)
    session = CoachSession(list(doses), clock=clock, lead_in_seconds=lead_in, switch_seconds=switch)
    session.start()
    return session, clock


def starts(events: list[CoachEvent]) -> list[tuple[SegmentKind, Side, int | None]]:
    return [(e.kind, e.side, e.rep) for e in events if isinstance(e, SegmentStarted)]


def run_to_end(session: CoachSession, clock: FakeClock, step: float = 1.0) -> list[CoachEvent]:
    events = session.tick()
    for _ in range(100_000):
        if session.state.finished:
            return events
        clock.advance(step)
        events += session.tick()
    raise AssertionError("session never finished")


# --- segment order -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exercise", "switch", "expected"),
    [
        pytest.param(
            dose(reps=3, sides="both"),
            3,
            [
                (LEAD, BOTH, None),
                (HOLD, BOTH, 1),
                (REST, BOTH, 1),
                (HOLD, BOTH, 2),
                (REST, BOTH, 2),
                (HOLD, BOTH, 3),
            ],
            id="both-sides-rest-between-reps-not-after-last",
        ),
        pytest.param(
            dose(reps=2, sides="each"),
            3,
            [
                (LEAD, LEFT, None),
                (HOLD, LEFT, 1),
                (REST, LEFT, 1),
                (HOLD, LEFT, 2),
                (SWITCH, RIGHT, None),
                (HOLD, RIGHT, 1),
                (REST, RIGHT, 1),
                (HOLD, RIGHT, 2),
            ],
            id="each-side-left-then-right-with-switch",
        ),
        pytest.param(
            dose(reps=2, sides="each", rest_seconds=0),
            0,
            [
                (LEAD, LEFT, None),
                (HOLD, LEFT, 1),
                (HOLD, LEFT, 2),
                (HOLD, RIGHT, 1),
                (HOLD, RIGHT, 2),
            ],
            id="zero-rest-and-zero-switch-are-left-out",
        ),
        pytest.param(
            dose(reps=1, sides="both"),
            3,
            [(LEAD, BOTH, None), (HOLD, BOTH, 1)],
            id="single-rep-has-no-rest",
        ),
    ],
)
def test_segment_order(
    exercise: ExerciseDose, switch: int, expected: list[tuple[SegmentKind, Side, int | None]]
) -> None:
    session, clock = started(exercise, switch=switch)
    events = run_to_end(session, clock)
    assert starts(events) == expected
    assert [(s.kind, s.side, s.rep) for s in session.segments] == expected


def test_full_event_stream_for_two_exercises() -> None:
    session, clock = started(
        dose("a", hold_seconds=2, reps=1), dose("b", hold_seconds=2, reps=1), lead_in=1
    )
    events = run_to_end(session, clock)
    summary = [
        (type(e).__name__, getattr(e, "kind", None), getattr(e, "exercise_id", None), e.at)
        for e in events
    ]
    assert summary == [
        ("SegmentStarted", LEAD, "a", 100.0),
        ("SegmentCompleted", LEAD, "a", 101.0),
        ("SegmentStarted", HOLD, "a", 101.0),
        ("SegmentCompleted", HOLD, "a", 103.0),
        ("ExerciseCompleted", None, "a", 103.0),
        ("SegmentStarted", LEAD, "b", 103.0),
        ("SegmentCompleted", LEAD, "b", 104.0),
        ("SegmentStarted", HOLD, "b", 104.0),
        ("SegmentCompleted", HOLD, "b", 106.0),
        ("ExerciseCompleted", None, "b", 106.0),
        ("SessionCompleted", None, None, 106.0),
    ]


# --- big clock jump ------------------------------------------------------------------------


def test_big_clock_jump_emits_every_intermediate_event_in_order() -> None:
    plan = (dose("a", reps=2, sides="each"), dose("b", reps=3))
    stepped, stepped_clock = started(*plan)
    expected = run_to_end(stepped, stepped_clock, step=0.5)

    jumped, jumped_clock = started(*plan)
    jumped_clock.advance(10_000)
    assert jumped.tick() == expected  # identical events, including boundary timestamps
    assert jumped.tick() == []
    assert jumped.state.finished


def test_event_timestamps_are_boundaries_not_tick_times() -> None:
    session, clock = started(dose(hold_seconds=10), lead_in=5)
    session.tick()
    clock.advance(7.5)  # lead-in ends at 105, hold 1 is 2.5 s in
    events = session.tick()
    assert [(type(e).__name__, e.at) for e in events] == [
        ("SegmentCompleted", 105.0),
        ("SegmentStarted", 105.0),
    ]
    assert session.state.seconds_remaining == pytest.approx(7.5)


# --- pause / resume ------------------------------------------------------------------------


def test_pause_excludes_time() -> None:
    session, clock = started(dose(hold_seconds=10, reps=1), lead_in=5)
    clock.advance(3)
    session.pause()
    clock.advance(1_000)
    session.tick()
    state = session.state
    assert state.paused
    assert state.kind is LEAD
    assert state.seconds_remaining == pytest.approx(2)
    session.resume()
    clock.advance(2)
    events = session.tick()
    assert starts(events) == [(HOLD, BOTH, 1)]
    assert events[-1].at == pytest.approx(1_105)  # 100 start + 5 lead-in + 1000 paused
    clock.advance(10)
    events = session.tick()
    assert isinstance(events[-1], SessionCompleted)
    result = session.result()
    assert result.active_seconds == pytest.approx(15)
    assert result.ended_at == pytest.approx(1_115)


def test_pause_and_resume_are_idempotent() -> None:
    session, clock = started(dose(hold_seconds=10, reps=1), lead_in=5)
    session.pause()
    clock.advance(4)
    session.pause()  # must not restart the pause window
    clock.advance(4)
    session.resume()
    session.resume()
    clock.advance(1)
    assert session.state.seconds_remaining == pytest.approx(4)
    assert not session.state.paused


def test_segment_completed_before_pause_is_credited() -> None:
    session, clock = started(dose(hold_seconds=10, reps=2), lead_in=5)
    clock.advance(15.5)  # hold 1 ended at 15; UI has not ticked yet
    session.pause()
    events = session.tick()
    assert (REST, BOTH, 1) in starts(events)
    assert session.result().exercises[0].completed_reps == {BOTH: 1}


# --- skip / repeat / quit ------------------------------------------------------------------


def test_skip_marks_skipped_and_moves_on() -> None:
    session, clock = started(dose("a", hold_seconds=10, reps=3), dose("b"), lead_in=5)
    clock.advance(5 + 10 + 4 + 6)  # 6 s into hold 2 of "a"
    session.skip()
    events = session.tick()
    skipped = [e for e in events if isinstance(e, ExerciseCompleted)]
    assert skipped == [ExerciseCompleted(exercise_index=0, exercise_id="a", skipped=True, at=125)]
    assert isinstance(events[-1], SegmentStarted)
    assert (events[-1].exercise_id, events[-1].kind, events[-1].at) == ("b", LEAD, 125)
    state = session.state
    assert (state.exercise_id, state.kind, state.seconds_remaining) == ("b", LEAD, 5)
    a = session.result().exercises[0]
    assert a.skipped
    assert a.completed_reps == {BOTH: 1}
    assert a.longest_hold_seconds == pytest.approx(10)
    assert not a.completed


def test_skip_last_exercise_finishes_without_quit_flag() -> None:
    session, clock = started(dose("a"))
    clock.advance(2)
    session.skip()
    events = session.tick()
    assert isinstance(events[-1], SessionCompleted)
    assert not events[-1].quit_early
    result = session.result()
    assert result.exercises[0].skipped
    assert not result.quit_early
    assert result.ended_at == pytest.approx(102)


def test_repeat_restarts_current_exercise_from_lead_in() -> None:
    session, clock = started(dose("a", hold_seconds=10, reps=2, rest_seconds=4), lead_in=5)
    clock.advance(5 + 10 + 4 + 3)  # 3 s into hold 2
    session.repeat()
    events = session.tick()
    assert starts(events)[-1] == (LEAD, BOTH, None)
    assert not any(isinstance(e, ExerciseCompleted) for e in events)
    state = session.state
    assert (state.kind, state.exercise_index, state.seconds_remaining) == (LEAD, 0, 5)
    assert session.result().exercises[0].completed_reps == {BOTH: 0}
    events = run_to_end(session, clock)
    assert starts(events) == [(HOLD, BOTH, 1), (REST, BOTH, 1), (HOLD, BOTH, 2)]
    result = session.result()
    assert result.exercises[0].completed_reps == {BOTH: 2}
    assert result.exercises[0].completed
    assert result.active_seconds == pytest.approx(22 + 29)


@pytest.mark.parametrize(
    ("into_session", "expected_longest", "expected_reps"),
    [
        pytest.param(5 + 7.5, 7.5, {LEFT: 0, RIGHT: 0}, id="first-hold-partial"),
        pytest.param(5 + 10 + 4 + 3, 10.0, {LEFT: 1, RIGHT: 0}, id="partial-shorter-than-best"),
        pytest.param(2, 0.0, {LEFT: 0, RIGHT: 0}, id="during-lead-in"),
    ],
)
def test_quit_mid_session_records_progress_and_partial_hold(
    into_session: float, expected_longest: float, expected_reps: dict[Side, int]
) -> None:
    session, clock = started(dose("a", sides="each"), dose("b"), lead_in=5)
    clock.advance(into_session)
    session.quit()
    events = session.tick()
    assert events[-1] == SessionCompleted(quit_early=True, at=100 + into_session)
    result = session.result()
    assert result.quit_early
    assert result.finished
    assert result.ended_at == pytest.approx(100 + into_session)
    a, b = result.exercises
    assert a.longest_hold_seconds == pytest.approx(expected_longest)
    assert a.completed_reps == expected_reps
    assert not a.skipped
    assert (b.completed_reps, b.longest_hold_seconds) == ({BOTH: 0}, 0.0)
    assert session.state.finished
    assert session.state.kind is K.DONE


def test_quit_while_paused_ends_at_quit_time_and_counts_active_time_only() -> None:
    session, clock = started(dose(hold_seconds=10), lead_in=5)
    clock.advance(8)
    session.pause()
    clock.advance(50)
    session.quit()
    result = session.result()
    assert result.ended_at == pytest.approx(158)
    assert result.active_seconds == pytest.approx(8)
    assert result.exercises[0].longest_hold_seconds == pytest.approx(3)


def test_result_while_running_includes_hold_in_progress() -> None:
    session, clock = started(dose(hold_seconds=10), lead_in=5)
    clock.advance(9)
    session.tick()
    result = session.result()
    assert not result.finished
    assert result.ended_at is None
    assert result.exercises[0].longest_hold_seconds == pytest.approx(4)


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(CoachSession.pause, id="pause"),
        pytest.param(CoachSession.resume, id="resume"),
        pytest.param(CoachSession.skip, id="skip"),
        pytest.param(CoachSession.repeat, id="repeat"),
        pytest.param(CoachSession.quit, id="quit"),
    ],
)
def test_commands_after_finish_are_harmless(command: Callable[[CoachSession], None]) -> None:
    session, _ = started(dose())
    session.quit()
    before = session.result()
    command(session)
    assert session.tick()[-1] == SessionCompleted(quit_early=True, at=100)
    assert session.tick() == []
    assert session.result() == before


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(CoachSession.pause, id="pause"),
        pytest.param(CoachSession.skip, id="skip"),
        pytest.param(CoachSession.quit, id="quit"),
        pytest.param(CoachSession.result, id="result"),
        pytest.param(CoachSession.start, id="start-twice"),
    ],
)
def test_commands_out_of_order_raise(command: Callable[[CoachSession], object]) -> None:
    session = CoachSession([dose()], clock=FakeClock())
    if command is CoachSession.start:
        session.start()
    with pytest.raises(CoachSessionStateError):
        command(session)


def test_before_start_tick_is_empty_and_state_shows_first_segment() -> None:
    clock = FakeClock()
    session = CoachSession([dose()], clock=clock)
    clock.advance(30)
    assert session.tick() == []
    state = session.state
    assert (state.started, state.kind, state.seconds_remaining, state.fraction_complete) == (
        False,
        LEAD,
        5,
        0.0,
    )


# --- progress and cues ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "kind", "rep", "remaining", "fraction"),
    [
        pytest.param(0, LEAD, None, 5.0, 0.0, id="start-of-lead-in"),
        pytest.param(2.5, LEAD, None, 2.5, 0.5, id="mid-lead-in"),
        pytest.param(5, HOLD, 1, 10.0, 0.0, id="hold-begins-exactly-at-boundary"),
        pytest.param(7.5, HOLD, 1, 7.5, 0.25, id="quarter-through-hold"),
        pytest.param(16, REST, 1, 3.0, 0.25, id="quarter-through-rest"),
        pytest.param(28, HOLD, 2, 1.0, 0.9, id="nearly-done"),
    ],
)
def test_progress_fraction_and_seconds_remaining(
    seconds: float, kind: SegmentKind, rep: int | None, remaining: float, fraction: float
) -> None:
    session, clock = started(dose(hold_seconds=10, reps=2, rest_seconds=4), lead_in=5)
    clock.advance(seconds)
    session.tick()
    state = session.state
    assert (state.kind, state.rep, state.total_reps) == (kind, rep, 2)
    assert state.seconds_remaining == pytest.approx(remaining)
    assert state.fraction_complete == pytest.approx(fraction)
    assert (state.exercise_id, state.exercise_name, state.exercise_count) == ("ex", "Exercise", 1)


def test_state_is_clamped_when_not_ticked() -> None:
    session, clock = started(dose(), lead_in=5)
    clock.advance(7)
    state = session.state  # no tick: still on the lead-in, but never negative
    assert (state.kind, state.seconds_remaining, state.fraction_complete) == (LEAD, 0.0, 1.0)


def test_state_is_immutable() -> None:
    session, _ = started(dose())
    with pytest.raises(AttributeError):
        session.state.paused = True  # type: ignore[misc]


def test_exactly_one_cue_per_change() -> None:
    session, clock = started(dose("a", sides="each"), dose("b"))
    events = run_to_end(session, clock, step=0.7)
    cued = [e for e in events if e.cue]
    changes = [e for e in events if isinstance(e, SegmentStarted | SessionCompleted)]
    assert cued == changes
    assert all(not e.cue for e in events if isinstance(e, SegmentCompleted | ExerciseCompleted))
    assert len(cued) == len(session.segments) + 1  # every segment start plus the final bell


# --- invalid plans -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "field", "fragment"),
    [
        pytest.param(
            lambda: CoachSession([], clock=FakeClock()), "plan", "at least one", id="empty-plan"
        ),
        pytest.param(
            lambda: dose("cat-cow", hold_seconds=0), "hold_seconds", "cat-cow", id="zero-hold"
        ),
        pytest.param(lambda: dose("bridge", reps=0), "reps", "bridge", id="zero-reps"),
        pytest.param(
            lambda: dose("knee-hug", rest_seconds=-1),
            "rest_seconds",
            "knee-hug",
            id="negative-rest",
        ),
        pytest.param(
            lambda: dose("x", hold_seconds=2.5), "hold_seconds", "integer", id="fractional-hold"
        ),
        pytest.param(lambda: dose("x", reps=True), "reps", "integer", id="bool-reps"),
        pytest.param(lambda: dose("x", sides="left"), "sides", "'x'", id="unknown-sides"),
        pytest.param(lambda: dose(""), "exercise_id", "exercise_id", id="empty-id"),
        pytest.param(lambda: dose("x", name=" "), "name", "'x'", id="blank-name"),
        pytest.param(lambda: dose("x", steps=["a"]), "steps", "'x'", id="steps-not-tuple"),
        pytest.param(
            lambda: CoachSession([dose()], clock=FakeClock(), lead_in_seconds=-1),
            "lead_in_seconds",
            ">= 0",
            id="negative-lead-in",
        ),
        pytest.param(
            lambda: CoachSession([dose()], clock=FakeClock(), switch_seconds=-2),
            "switch_seconds",
            ">= 0",
            id="negative-switch",
        ),
    ],
)
def test_invalid_plans_raise_naming_the_field(
    make: Callable[[], object], field: str, fragment: str
) -> None:
    with pytest.raises(InvalidCoachPlan) as caught:
        make()
    assert isinstance(caught.value, ValueError)
    assert caught.value.field == field
    assert field in str(caught.value)
    assert fragment in str(caught.value)


def test_fake_clock_refuses_to_go_backwards() -> None:
    clock = FakeClock(10)
    clock.set(12)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="backwards"):
        clock.set(11)
    assert clock.now() == 12


# --- property --------------------------------------------------------------------------------

doses = st.builds(
    ExerciseDose,
    exercise_id=st.text("abcdefgh", min_size=1, max_size=6),
    name=st.just("Exercise"),
    steps=st.just(("Breathe.",)),
    hold_seconds=st.integers(1, 12),
    reps=st.integers(1, 4),
    sides=st.sampled_from(["both", "each"]),
    rest_seconds=st.integers(0, 6),
)


@settings(deadline=None, database=None, max_examples=60)
@given(
    plan=st.lists(doses, min_size=1, max_size=4),
    lead_in=st.integers(0, 6),
    switch=st.integers(0, 5),
    start=st.floats(0, 1e6),
    increments=st.lists(st.floats(0.05, 40), min_size=1, max_size=20),
)
def test_ticking_random_increments_completes_every_rep_on_time(
    plan: list[ExerciseDose], lead_in: int, switch: int, start: float, increments: list[float]
) -> None:
    clock = FakeClock(start)
    session = CoachSession(plan, clock=clock, lead_in_seconds=lead_in, switch_seconds=switch)
    session.start()
    events = session.tick()
    step = 0
    while not session.state.finished:
        clock.advance(increments[step % len(increments)])
        step += 1
        events += session.tick()

    expected_total = sum(
        lead_in
        + n_sides * (d.reps * d.hold_seconds + (d.reps - 1) * d.rest_seconds)
        + (n_sides - 1) * switch
        for d in plan
        for n_sides in [1 if d.sides == "both" else 2]
    )
    result = session.result()
    assert not result.quit_early
    assert result.ended_at is not None
    assert result.ended_at - result.started_at == pytest.approx(expected_total)
    assert result.active_seconds == pytest.approx(expected_total)
    for d, ex in zip(plan, result.exercises, strict=True):
        assert set(ex.completed_reps.values()) == {d.reps}
        assert ex.longest_hold_seconds == d.hold_seconds
        assert not ex.skipped
    assert isinstance(events[-1], SessionCompleted)
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert sum(isinstance(e, ExerciseCompleted) for e in events) == len(plan)
