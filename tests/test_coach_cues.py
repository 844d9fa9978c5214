"""The coach's cue script as data, and its follower driven by the timing engine."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcare.coach import CoachSession, ExerciseDose, FakeClock, SegmentKind, build_segments
from backcare.coach.cues import CueFollower, CueScript, cue_script, spoken_name


def dose(exercise_id: str = "knee_to_chest", **overrides: Any) -> ExerciseDose:
    fields: dict[str, Any] = {
        "name": "Knee-to-chest stretch",
        "steps": ("Lie on your back.",),
        "hold_seconds": 5,
        "reps": 2,
        "sides": "each",
        "rest_seconds": 5,
    }
    fields.update(overrides)
    return ExerciseDose(exercise_id=exercise_id, **fields)


def said(script: CueScript) -> list[list[tuple[float, str]]]:
    """Each segment's cues as (seconds after its start, words)."""
    return [[(c.at_seconds, c.text) for c in cues] for cues in script.segments]


COUNT_5 = [(0.0, "Hold."), (2.0, "3"), (3.0, "2"), (4.0, "1")]


@pytest.mark.parametrize(
    ("plan", "lead_in", "switch", "expected", "closing"),
    [
        pytest.param(
            [dose(reps=2)],
            5,
            3,
            [
                [(0.0, "Knee-to-chest stretch, left side.")],
                COUNT_5,
                [(0.0, "Relax.")],
                COUNT_5,
                [(0.0, "Relax. Now the right side.")],
                COUNT_5,
                [(0.0, "Relax.")],
                COUNT_5,
            ],
            "Relax. Session complete. Well done.",
            id="one-sided-stretch-left-then-right",
        ),
        pytest.param(
            [dose("pelvic_tilt", name="Pelvic tilt", sides="both", reps=1)],
            5,
            3,
            [[(0.0, "Pelvic tilt.")], COUNT_5],
            "Relax. Session complete. Well done.",
            id="both-sides-names-no-side",
        ),
        pytest.param(
            [dose(name="Child's pose (bottom-to-heels stretch)", sides="both", reps=1)],
            5,
            3,
            [[(0.0, "Child's pose.")], COUNT_5],
            "Relax. Session complete. Well done.",
            id="bracketed-part-not-spoken",
        ),
        pytest.param(
            [dose(hold_seconds=4, reps=1, sides="both", name="Bridge")],
            5,
            3,
            [[(0.0, "Bridge.")], [(0.0, "Hold.")]],
            "Relax. Session complete. Well done.",
            id="short-hold-has-no-countdown",
        ),
        pytest.param(
            [
                dose("a", name="Bridge", sides="both", reps=1, hold_seconds=30),
                dose("b", name="Plank", sides="both", reps=1, hold_seconds=10),
            ],
            5,
            3,
            [
                [(0.0, "Bridge.")],
                [(0.0, "Hold."), (27.0, "3"), (28.0, "2"), (29.0, "1")],
                [(0.0, "Relax. Plank.")],
                [(0.0, "Hold."), (7.0, "3"), (8.0, "2"), (9.0, "1")],
            ],
            "Relax. Session complete. Well done.",
            id="next-exercise-is-named-after-relax",
        ),
        pytest.param(
            [dose(reps=1), dose("b", name="Plank", sides="both", reps=1, hold_seconds=3)],
            0,
            0,
            [
                [(0.0, "Knee-to-chest stretch, left side. Hold."), *COUNT_5[1:]],
                [(0.0, "Relax. Now the right side. Hold."), *COUNT_5[1:]],
                [(0.0, "Relax. Plank. Hold.")],
            ],
            "Relax. Session complete. Well done.",
            id="no-lead-in-or-switch-announces-at-the-hold",
        ),
        pytest.param(
            [dose(reps=2, rest_seconds=0, sides="both", name="Bridge")],
            5,
            3,
            [[(0.0, "Bridge.")], COUNT_5, [(0.0, "Relax. Hold."), *COUNT_5[1:]]],
            "Relax. Session complete. Well done.",
            id="hold-after-hold-without-rest",
        ),
    ],
)
def test_cue_script_says_what_the_timeline_does(
    plan: list[ExerciseDose],
    lead_in: int,
    switch: int,
    expected: list[list[tuple[float, str]]],
    closing: str,
) -> None:
    segments = build_segments(plan, lead_in_seconds=lead_in, switch_seconds=switch)
    script = cue_script(plan, segments)
    assert said(script) == expected
    assert script.closing == closing
    assert script.stopped == "Stopped. Well done for what you did."


doses = st.builds(
    lambda hold, reps, sides, rest: dose(
        hold_seconds=hold, reps=reps, sides=sides, rest_seconds=rest
    ),
    st.integers(1, 60),
    st.integers(1, 6),
    st.sampled_from(["both", "each"]),
    st.integers(0, 10),
)


@given(
    plan=st.lists(doses, min_size=1, max_size=4),
    lead_in=st.integers(0, 5),
    switch=st.integers(0, 3),
)
def test_every_hold_says_hold_and_whatever_follows_it_says_relax(
    plan: list[ExerciseDose], lead_in: int, switch: int
) -> None:
    segments = build_segments(plan, lead_in_seconds=lead_in, switch_seconds=switch)
    script = cue_script(plan, segments)
    assert len(script.segments) == len(segments)
    for index, (segment, cues) in enumerate(zip(segments, script.segments, strict=True)):
        assert all(0 <= c.at_seconds < segment.duration_seconds for c in cues)
        if segment.kind is SegmentKind.HOLD:
            assert cues[0].at_seconds == 0
            assert cues[0].text.endswith("Hold.")
        if index and segments[index - 1].kind is SegmentKind.HOLD:
            assert cues[0].text.startswith("Relax.")
    assert script.closing.startswith("Relax.")


@pytest.mark.parametrize(
    ("name", "spoken"),
    [
        pytest.param("Plank (start on your knees)", "Plank", id="bracket-at-end"),
        pytest.param("Cat-cow (hump and sag)", "Cat-cow", id="hyphen-kept"),
        pytest.param("Bird-dog", "Bird-dog", id="no-bracket"),
    ],
)
def test_spoken_name_leaves_out_the_bracketed_part(name: str, spoken: str) -> None:
    assert spoken_name(name) == spoken


# --- the follower, driven by the real engine on a fake clock -----------------------------


def _run(plan: list[ExerciseDose], actions: dict[float, str], *, step: float = 0.5) -> list[str]:
    clock = FakeClock()
    session = CoachSession(plan, clock=clock)
    follower = CueFollower(cue_script(plan, session.segments), session.segments)
    session.start()
    heard: list[str] = []
    while True:
        events = session.tick()
        heard += follower.update(events, session.state)
        if session.state.finished:
            return heard
        action = actions.pop(clock.now(), None)
        if action is not None:
            getattr(session, action)()
            continue
        clock.advance(step)


def test_follower_says_the_whole_script_in_order() -> None:
    plan = [dose(reps=1, sides="both", name="Bridge")]
    assert _run(plan, {}) == [
        "Bridge.",
        "Hold.",
        "3",
        "2",
        "1",
        "Relax. Session complete. Well done.",
    ]


def test_follower_follows_a_skip_and_a_repeat_and_a_quit() -> None:
    plan = [
        dose("a", name="Bridge", sides="both", reps=1),
        dose("b", name="Plank", sides="both", reps=1),
    ]
    # 6 s: in Bridge's hold -> skip to Plank; 12 s: in Plank's hold -> repeat; 15 s: quit.
    heard = _run(plan, {6.0: "skip", 12.0: "repeat", 15.0: "quit"})
    assert heard == [
        "Bridge.",
        "Hold.",
        "Relax. Plank.",  # the lead-in of the next exercise, as planned
        "Hold.",
        "Relax. Plank.",  # repeated from its lead-in
        "Stopped. Well done for what you did.",
    ]


def test_follower_says_only_the_latest_segment_after_a_slow_tick() -> None:
    plan = [dose(reps=1, sides="both", name="Bridge")]
    heard = _run(plan, {}, step=6.0)  # one tick jumps from the lead-in into the hold
    assert heard[0] == "Bridge."
    assert "Hold." in heard
    assert heard[-1] == "Relax. Session complete. Well done."
