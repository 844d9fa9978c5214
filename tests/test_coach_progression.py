"""The progression rule as a table: how each exercise's dose changes from session to session."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcare import KnowledgeBase, load_knowledge_base
from backcare.coach.progression import (
    MIN_DAYS_BETWEEN_STEPS_UP,
    LastSession,
    Step,
    next_dose,
)
from backcare.coach.symptoms import Symptom
from backcare.knowledge.schema import Exercise
from backcare.measures import nrs_mcid

TODAY = date(2026, 3, 4)
YESTERDAY = TODAY - timedelta(days=1)
KB = load_knowledge_base()


def exercise(exercise_id: str, **changes: Any) -> Exercise:
    """A shipped exercise, optionally with its starting dose or progression changed."""
    found = KB.exercise(exercise_id)
    assert found is not None
    if "progression" in changes:
        changes["progression"] = found.progression.model_copy(update=changes["progression"])
    return found.model_copy(update=changes)


def last(hold: int, reps: int, **overrides: Any) -> LastSession:
    """Last time's session: by default every rep done and pain unchanged (4 → 4)."""
    fields: dict[str, Any] = {
        "completed": True,
        "skipped": False,
        "pain_before": 4,
        "pain_after": 4,
    }
    return LastSession(hold_seconds=hold, reps=reps, **(fields | overrides))


# knee_to_chest: starts at 5 s × 3, steps +1 s / +1 rep, ceiling 10 s × 5.
# plank: starts at 10 s × 3, steps +2 s / +0 reps, ceiling 60 s × 3.
# pelvic_tilt: starts at 5 s × 5, steps +0 s / +1 rep, ceiling 5 s × 15.


@pytest.mark.parametrize(
    ("exercise_id", "previous", "last_step_up_on", "step", "hold", "reps", "reason"),
    [
        pytest.param(
            "knee_to_chest", None, None, Step.START, 5, 3, "starting dose", id="first-session"
        ),
        pytest.param(
            "knee_to_chest",
            last(5, 3),
            None,
            Step.UP,
            6,
            4,
            "one step up",
            id="pain-unchanged-all-reps-steps-up",
        ),
        pytest.param(
            "knee_to_chest",
            last(5, 3, pain_before=6, pain_after=3),
            None,
            Step.UP,
            6,
            4,
            "one step up",
            id="pain-eased-steps-up",
        ),
        pytest.param(
            "knee_to_chest",
            last(7, 4, pain_after=5),
            None,
            Step.SAME,
            7,
            4,
            "up 1 point",
            id="pain-up-1-stays",
        ),
        pytest.param(
            "knee_to_chest",
            last(7, 4, pain_after=6),
            None,
            Step.BACK,
            6,
            3,
            "change that matters",
            id="pain-up-2-steps-back",
        ),
        pytest.param(
            "knee_to_chest",
            last(9, 5, pain_before=2, pain_after=8),
            None,
            Step.BACK,
            8,
            4,
            "went up 6 points",
            id="pain-up-6-steps-back-one-step-only",
        ),
        pytest.param(
            "knee_to_chest",
            last(5, 3, pain_after=7),
            None,
            Step.BACK,
            5,
            3,
            "already at the starting dose",
            id="step-back-never-below-the-starting-dose",
        ),
        pytest.param(
            "knee_to_chest",
            last(6, 3, pain_after=6),
            None,
            Step.BACK,
            5,
            3,
            "One step back",
            id="step-back-stops-at-the-starting-reps",
        ),
        pytest.param(
            "knee_to_chest",
            last(10, 5),
            None,
            Step.SAME,
            10,
            5,
            "already the most",
            id="at-the-ceiling-stays",
        ),
        pytest.param(
            "knee_to_chest",
            last(10, 4),
            None,
            Step.UP,
            10,
            5,
            "one step up",
            id="hold-at-ceiling-reps-still-grow",
        ),
        pytest.param(
            "plank", last(10, 3), None, Step.UP, 12, 3, "hold 12 s", id="plank-hold-grows-2s"
        ),
        pytest.param(
            "plank", last(60, 3), None, Step.SAME, 60, 3, "already the most", id="plank-ceiling"
        ),
        pytest.param(
            "pelvic_tilt", last(5, 5), None, Step.UP, 5, 6, "6 reps", id="reps-only-exercise"
        ),
        pytest.param(
            "knee_to_chest",
            last(6, 4, completed=False),
            None,
            Step.SAME,
            6,
            4,
            "did not finish every rep",
            id="missed-reps-stay",
        ),
        pytest.param(
            "knee_to_chest",
            last(6, 4, completed=False, skipped=True),
            None,
            Step.SAME,
            6,
            4,
            "skipped it",
            id="skipped-stays",
        ),
        pytest.param(
            "knee_to_chest",
            last(6, 4, pain_after=None),
            None,
            Step.SAME,
            6,
            4,
            "not scored",
            id="no-pain-after-stays",
        ),
        pytest.param(
            "knee_to_chest",
            last(6, 4, pain_before=None),
            None,
            Step.SAME,
            6,
            4,
            "not scored",
            id="no-pain-before-stays",
        ),
        pytest.param(
            "knee_to_chest",
            last(7, 4, symptom=Symptom.ONE_LEG_NUMBNESS_OR_TINGLING),
            None,
            Step.BACK,
            6,
            3,
            "numbness or tingling in one leg",
            id="nerve-symptom-steps-back-even-without-pain",
        ),
        pytest.param(
            "knee_to_chest",
            last(7, 4, symptom=Symptom.SEVERE_PAIN, pain_after=None),
            None,
            Step.BACK,
            6,
            3,
            "severe pain",
            id="severe-pain-steps-back",
        ),
        pytest.param(
            "knee_to_chest",
            last(6, 4),
            TODAY,
            Step.SAME,
            6,
            4,
            "already went up today",
            id="second-step-up-on-one-day-waits",
        ),
        pytest.param(
            "knee_to_chest",
            last(6, 4),
            YESTERDAY,
            Step.UP,
            7,
            5,
            "one step up",
            id="step-up-the-day-after",
        ),
        pytest.param(
            "knee_to_chest",
            last(40, 12),
            None,
            Step.SAME,
            10,
            5,
            "already the most",
            id="dose-above-a-lowered-ceiling-is-clamped",
        ),
    ],
)
def test_next_dose_follows_the_progression_table(
    exercise_id: str,
    previous: LastSession | None,
    last_step_up_on: date | None,
    step: Step,
    hold: int,
    reps: int,
    reason: str,
) -> None:
    decision = next_dose(
        exercise(exercise_id), last=previous, today=TODAY, last_step_up_on=last_step_up_on
    )
    assert (decision.exercise_id, decision.step, decision.hold_seconds, decision.reps) == (
        exercise_id,
        step,
        hold,
        reps,
    )
    assert reason in decision.reason
    assert "knowledge base" not in decision.reason  # a person's words, not the code's


def test_pain_threshold_is_the_nrs_minimal_important_change() -> None:
    mcid = load_knowledge_base().threshold("nrs_mcid")
    assert nrs_mcid() == mcid
    assert (mcid.points, mcid.fraction, mcid.sources) == (2, 0.3, ("ostelo_2008",))
    assert mcid.text == "2 points or 30%"
    assert MIN_DAYS_BETWEEN_STEPS_UP == 1


def test_daily_limit_can_be_switched_off() -> None:
    decision = next_dose(
        exercise("knee_to_chest"),
        last=last(6, 4),
        today=TODAY,
        last_step_up_on=TODAY,
        min_days_between_steps_up=0,
    )
    assert (decision.step, decision.hold_seconds, decision.reps) == (Step.UP, 7, 5)


def test_plank_grows_from_about_10_s_past_20_s_over_comfortable_days() -> None:
    plank = exercise("plank")
    decision = next_dose(plank, last=None, today=TODAY)
    holds = [decision.hold_seconds]
    day = TODAY
    for _ in range(10):
        day += timedelta(days=1)
        decision = next_dose(
            plank,
            last=last(decision.hold_seconds, decision.reps),
            today=day,
            last_step_up_on=day - timedelta(days=1),
        )
        holds.append(decision.hold_seconds)
    assert holds == [10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]


def test_starting_dose_above_the_progression_ceiling_is_kept() -> None:
    odd = exercise("knee_to_chest", hold_seconds=12, progression={"max_hold_seconds": 10})
    decision = next_dose(odd, last=last(12, 3), today=TODAY)
    assert (decision.hold_seconds, decision.reps) == (12, 4)


def test_every_shipped_exercise_starts_at_its_knowledge_base_dose(kb: KnowledgeBase) -> None:
    for spec in kb.exercises:
        decision = next_dose(spec, last=None, today=TODAY)
        assert (decision.step, decision.hold_seconds, decision.reps) == (
            Step.START,
            spec.hold_seconds,
            spec.reps,
        )


_sessions = st.lists(
    st.tuples(
        st.integers(0, 10),
        st.integers(0, 10),
        st.booleans(),
        st.sampled_from([None, *Symptom]),
    ),
    max_size=30,
)


@given(
    exercise_id=st.sampled_from([ex.id for ex in KB.exercises]),
    sessions=_sessions,
)
def test_dose_always_stays_between_the_start_and_the_ceiling(
    exercise_id: str, sessions: list[tuple[int, int, bool, Symptom | None]]
) -> None:
    spec = exercise(exercise_id)
    day = TODAY
    stepped_up: date | None = None
    decision = next_dose(spec, last=None, today=day)
    for before, after, completed, symptom in sessions:
        day += timedelta(days=1)
        previous = decision
        decision = next_dose(
            spec,
            last=last(
                previous.hold_seconds,
                previous.reps,
                pain_before=before,
                pain_after=after,
                completed=completed,
                symptom=symptom,
            ),
            today=day,
            last_step_up_on=stepped_up,
        )
        if decision.step is Step.UP:
            stepped_up = day
            assert after - before <= 0
            assert completed
            assert symptom is None
        if after - before >= nrs_mcid().points or symptom is not None:
            assert decision.step is Step.BACK
        assert spec.hold_seconds <= decision.hold_seconds
        assert decision.hold_seconds <= max(spec.hold_seconds, spec.progression.max_hold_seconds)
        assert spec.reps <= decision.reps <= max(spec.reps, spec.progression.max_reps)
        assert decision.reason
