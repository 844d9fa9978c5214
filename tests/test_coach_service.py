"""The coach's use-cases on SQLite and PostgreSQL: gating, progressions, symptoms, the log.

Sessions are run through the real timing engine on its fake clock (no sleeping); the
diary runs on the store fixtures' fake wall clock, so days and phases are exact.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from backcare.coach import CoachSession, SessionResult, Side
from backcare.coach import FakeClock as CoachClock
from backcare.coach.adherence import adherence
from backcare.coach.progression import Step
from backcare.coach.service import CoachService, SessionPlan
from backcare.coach.symptoms import Symptom
from backcare.diary import CheckInEntry, Diary
from backcare.domain.enums import Phase, Sides, TriageLevel
from backcare.errors import ConflictError, InputError, NotFoundError
from backcare.store import Store, migrate
from backcare.store.coach import CoachRepository, NewCoachExercise, NewCoachSession
from store_fixtures import (  # noqa: F401  (fixtures)
    START,
    FakeClock,
    clock,
    diary,
    start_answers,
    store,
    store_url,
)

ACUTE = ["knee_to_chest", "childs_pose", "pelvic_tilt", "cat_cow"]
SUBACUTE = [
    "knee_to_chest",
    "childs_pose",
    "hamstring_stretch",
    "pelvic_tilt",
    "cat_cow",
    "bird_dog",
    "glute_bridge",
]


def started(diary: Diary, **overrides: Any) -> CoachService:  # noqa: F811
    diary.start_episode(onset=START, answers=start_answers(**overrides))
    return CoachService(diary)


def run(plan: SessionPlan, *, quit_after: float | None = None, skip_first: bool = False) -> Any:
    """Run ``plan`` on the engine's fake clock; quit after ``quit_after`` seconds if given."""
    engine_clock = CoachClock()
    session = CoachSession(plan.doses, clock=engine_clock)
    session.start()
    if skip_first:
        engine_clock.advance(6)
        session.skip()
    elapsed = 0.0
    while not session.state.finished:
        if quit_after is not None and elapsed >= quit_after:
            session.quit()
            break
        engine_clock.advance(0.5)
        elapsed += 0.5
        session.tick()
    return session.result()


def record(
    service: CoachService,
    plan: SessionPlan,
    result: SessionResult,
    *,
    before: int | None = 4,
    after: int | None = 4,
    **kwargs: Any,
) -> Any:
    now = service.diary.now()
    return service.record_session(
        plan,
        result,
        started_at=now,
        ended_at=now + timedelta(minutes=5),
        pain_before=before,
        pain_after=after,
        **kwargs,
    )


def complete_session(service: CoachService, *, before: int = 4, after: int = 4) -> Any:
    plan = service.plan_session()
    return record(service, plan, run(plan), before=before, after=after)


def decision(service: CoachService, exercise_id: str) -> Any:
    return service.plan_session().item(exercise_id).decision


# --- phase gating ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "phase", "expected"),
    [
        pytest.param(10, Phase.ACUTE, ACUTE, id="acute-gentle-stretches-only"),
        pytest.param(80, Phase.SUBACUTE, SUBACUTE, id="subacute-adds-bird-dog-and-bridge"),
        pytest.param(400, Phase.RECOVERY, [*SUBACUTE, "plank"], id="recovery-adds-plank"),
    ],
)
def test_session_holds_the_phase_exercises_stretches_first(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
    hours: int,
    phase: Phase,
    expected: list[str],
) -> None:
    service = started(diary)
    clock.advance(hours=hours)
    plan = service.plan_session()
    assert plan.phase is phase
    assert [item.exercise.id for item in plan.items] == expected
    kinds = [item.kind for item in plan.items]
    assert kinds == sorted(kinds, key=["stretch", "mobility", "strength"].index)
    assert plan.blocked_reason is None
    assert plan.times_per_day == 3


def test_one_allowed_exercise_can_be_chosen(diary: Diary, clock: FakeClock) -> None:  # noqa: F811
    service = started(diary)
    clock.advance(hours=80)
    plan = service.plan_session(exercise_id="bird_dog")
    assert [item.exercise.id for item in plan.items] == ["bird_dog"]
    assert plan.doses[0].sides == "each"


@pytest.mark.parametrize(
    ("hours", "exercise_id", "phase", "starts"),
    [
        pytest.param(10, "plank", "acute", "recovery", id="plank-in-acute"),
        pytest.param(10, "bird_dog", "acute", "subacute", id="bird-dog-in-acute"),
        pytest.param(80, "plank", "subacute", "recovery", id="plank-in-subacute"),
    ],
)
def test_exercise_not_allowed_in_the_phase_is_refused_naming_both(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
    hours: int,
    exercise_id: str,
    phase: str,
    starts: str,
) -> None:
    service = started(diary)
    clock.advance(hours=hours)
    with pytest.raises(InputError, match=f"not allowed in the {phase} phase") as caught:
        service.plan_session(exercise_id=exercise_id)
    assert exercise_id in caught.value.message
    [problem] = caught.value.problems
    assert problem.field == "exercise"
    assert f"starts in the {starts} phase" in problem.problem
    assert problem.problem.endswith(", ".join(ACUTE if phase == "acute" else SUBACUTE))


def test_unknown_exercise_is_not_found(diary: Diary) -> None:  # noqa: F811
    service = started(diary)
    with pytest.raises(NotFoundError, match="no exercise 'superman'"):
        service.plan_session(exercise_id="superman")


def test_no_active_episode_is_not_found(diary: Diary) -> None:  # noqa: F811
    with pytest.raises(NotFoundError, match="no active episode"):
        CoachService(diary).plan_session()


@pytest.mark.parametrize(
    ("flag", "level"),
    [
        pytest.param("red_flags__both_legs", TriageLevel.EMERGENCY, id="emergency"),
        pytest.param("red_flags__fever", TriageLevel.URGENT, id="urgent"),
    ],
)
def test_urgent_or_emergency_triage_gives_no_session(
    diary: Diary,  # noqa: F811
    flag: str,
    level: TriageLevel,
) -> None:
    service = started(diary, **{flag: True})
    plan = service.plan_session()
    assert plan.assessment.triage.level is level
    assert plan.items == ()
    assert plan.blocked_reason is not None
    assert "No exercise session" in plan.blocked_reason
    blocked_choice = service.plan_session(exercise_id="knee_to_chest")
    assert blocked_choice.items == ()


def test_see_a_doctor_triage_still_gives_the_gentle_session(diary: Diary) -> None:  # noqa: F811
    service = started(diary, red_flags__one_leg_numbness_or_tingling=True)
    plan = service.plan_session()
    assert plan.assessment.triage.level is TriageLevel.SEE_DOCTOR
    assert [item.exercise.id for item in plan.items] == ACUTE


def test_red_flag_from_a_diary_check_in_blocks_the_next_session(diary: Diary) -> None:  # noqa: F811
    service = started(diary)
    diary.check_in(CheckInEntry(pain=5, answers={"red_flags": {"saddle_numbness": True}}))
    plan = service.plan_session()
    assert plan.assessment.triage.level is TriageLevel.EMERGENCY
    assert plan.items == ()


# --- recording ------------------------------------------------------------------------


def test_completed_session_is_saved_with_targets_achievements_and_pain(
    diary: Diary,  # noqa: F811
) -> None:
    service = started(diary)
    plan = service.plan_session()
    result = run(plan)
    saved = record(service, plan, result, before=5, after=3).session
    [loaded] = service.sessions()
    assert loaded == saved
    assert loaded.episode_id == plan.episode.id
    assert (loaded.pain_before, loaded.pain_after) == (5, 3)
    assert loaded.phase is Phase.ACUTE
    assert not loaded.quit_early
    assert not loaded.stopped_for_red_flag
    assert loaded.started_at.tzinfo is not None
    assert loaded.ended_at - loaded.started_at == timedelta(minutes=5)
    assert loaded.active_seconds == pytest.approx(result.active_seconds)
    knee = loaded.exercises[0]
    assert knee.exercise_id == "knee_to_chest"
    assert knee.sides is Sides.EACH
    assert (knee.target_hold_seconds, knee.target_reps) == (5, 3)
    assert knee.achieved_hold_seconds == 5
    assert knee.reps == {Side.LEFT: 3, Side.RIGHT: 3}
    assert knee.completed
    assert knee.step is Step.START
    assert "starting dose" in knee.step_reason
    assert loaded.exercises[1].reps == {Side.BOTH: 8}
    assert [e.position for e in loaded.exercises] == [1, 2, 3, 4]


def test_session_quit_part_way_is_saved_as_far_as_it_got(diary: Diary) -> None:  # noqa: F811
    service = started(diary)
    plan = service.plan_session()
    # Lead-in 5 s, then knee-to-chest left: hold 5, rest 5, hold 5, then 2.5 s into rep 3.
    result = run(plan, quit_after=22.5, skip_first=False)
    saved = record(service, plan, result, after=None).session
    assert saved.quit_early
    assert saved.pain_after is None
    knee, child, *rest = saved.exercises
    assert knee.reps == {Side.LEFT: 2, Side.RIGHT: 0}
    assert knee.achieved_hold_seconds == 5
    assert not knee.skipped
    assert not knee.completed
    assert child.reps == {Side.BOTH: 0}
    assert all(e.achieved_hold_seconds == 0 for e in rest)


def test_skipped_exercise_is_marked_skipped(diary: Diary) -> None:  # noqa: F811
    service = started(diary)
    plan = service.plan_session()
    saved = record(service, plan, run(plan, skip_first=True)).session
    knee = saved.exercises[0]
    assert knee.skipped
    assert knee.achieved_hold_seconds == pytest.approx(1.0)  # 1 s into the first hold
    assert not knee.completed
    assert all(e.completed for e in saved.exercises[1:])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"pain_before": 11}, "pain_before", id="pain-above-10"),
        pytest.param({"pain_after": -1}, "pain_after", id="pain-below-0"),
        pytest.param({"started_at": datetime(2026, 3, 2, 8, 0)}, "started_at", id="naive-time"),
        pytest.param(
            {"ended_at": START - timedelta(hours=1)}, "ended_at", id="ends-before-it-starts"
        ),
    ],
)
def test_invalid_session_is_refused_naming_the_field(
    diary: Diary,  # noqa: F811
    changes: dict[str, Any],
    field: str,
) -> None:
    service = started(diary)
    plan = service.plan_session()
    values: dict[str, Any] = {
        "started_at": START,
        "ended_at": START + timedelta(minutes=1),
        "pain_before": 3,
        "pain_after": 3,
    }
    with pytest.raises(InputError) as caught:
        service.record_session(plan, run(plan), **(values | changes))
    assert [p.field for p in caught.value.problems] == [field]
    assert service.sessions() == []


def test_result_of_another_plan_is_refused(diary: Diary, clock: FakeClock) -> None:  # noqa: F811
    service = started(diary)
    acute = service.plan_session()
    clock.advance(hours=80)
    subacute = service.plan_session()
    with pytest.raises(InputError, match="cannot record"):
        record(service, subacute, run(acute))


# --- progressions across sessions -----------------------------------------------------


def test_comfortable_complete_session_steps_up_next_day_not_twice_a_day(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    service = started(diary)
    complete_session(service)
    clock.advance(hours=1)
    first_up = decision(service, "knee_to_chest")
    assert (first_up.step, first_up.hold_seconds, first_up.reps) == (Step.UP, 6, 4)
    complete_session(service)  # the stepped-up session
    clock.advance(hours=1)
    same_day = decision(service, "knee_to_chest")
    assert (same_day.step, same_day.hold_seconds, same_day.reps) == (Step.SAME, 6, 4)
    assert "tomorrow" in same_day.reason
    clock.advance(days=1)
    next_day = decision(service, "knee_to_chest")
    assert (next_day.step, next_day.hold_seconds, next_day.reps) == (Step.UP, 7, 5)


def test_session_that_made_pain_worse_steps_back_to_no_less_than_the_start(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    service = started(diary)
    complete_session(service)
    clock.advance(days=1)
    complete_session(service, before=3, after=5)  # at 6 s × 4, pain +2
    clock.advance(hours=2)
    back = decision(service, "knee_to_chest")
    assert (back.step, back.hold_seconds, back.reps) == (Step.BACK, 5, 3)
    assert "2 points" in back.reason


def test_pain_up_one_point_keeps_the_dose(diary: Diary, clock: FakeClock) -> None:  # noqa: F811
    service = started(diary)
    complete_session(service, before=4, after=5)
    clock.advance(hours=3)
    kept = decision(service, "knee_to_chest")
    assert (kept.step, kept.hold_seconds, kept.reps) == (Step.SAME, 5, 3)


def test_progression_uses_the_last_session_that_included_the_exercise(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    service = started(diary)
    complete_session(service)
    clock.advance(days=1)
    single = service.plan_session(exercise_id="pelvic_tilt")
    record(service, single, run(single), before=2, after=6)
    clock.advance(hours=1)
    plan = service.plan_session()
    assert plan.item("pelvic_tilt").decision.step is Step.BACK
    assert plan.item("knee_to_chest").decision.step is Step.UP


def test_subacute_exercises_start_at_the_knowledge_base_dose(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    service = started(diary)
    complete_session(service)
    clock.advance(hours=80)
    plan = service.plan_session()
    assert plan.item("bird_dog").decision.step is Step.START
    assert plan.item("knee_to_chest").decision.step is Step.UP


# --- symptoms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symptom", "level", "reason"),
    [
        pytest.param(
            Symptom.ONE_LEG_NUMBNESS_OR_TINGLING,
            TriageLevel.SEE_DOCTOR,
            "one_leg_numbness_or_tingling",
            id="one-leg-see-doctor",
        ),
        pytest.param(Symptom.BOTH_LEGS, TriageLevel.EMERGENCY, "both_legs", id="both-legs"),
        pytest.param(
            Symptom.WORSENING_LEG_WEAKNESS,
            TriageLevel.EMERGENCY,
            "worsening_leg_weakness",
            id="weakness-emergency",
        ),
    ],
)
def test_nerve_symptom_reruns_triage_with_its_red_flag(
    diary: Diary,  # noqa: F811
    symptom: Symptom,
    level: TriageLevel,
    reason: str,
) -> None:
    service = started(diary)
    plan = service.plan_session()
    outcome = service.triage_symptom(plan, symptom)
    assert outcome.assessment.triage.level is level
    assert outcome.level is level
    assert reason in {r.id for r in outcome.assessment.triage.reasons}
    if level is TriageLevel.EMERGENCY:
        assert outcome.assessment.triage.emergency is not None
    assert [sign.id for sign in outcome.advice] == ["exercise_pain"]


def test_severe_pain_gives_the_see_a_doctor_advice_without_changing_answers(
    diary: Diary,  # noqa: F811
) -> None:
    service = started(diary)
    plan = service.plan_session()
    outcome = service.triage_symptom(plan, Symptom.SEVERE_PAIN)
    assert outcome.assessment == plan.assessment
    assert outcome.level is TriageLevel.SEE_DOCTOR
    [sign] = outcome.advice
    assert "severe pain" in sign.text
    assert sign.sources
    assert any("GP" in line for line in outcome.see_gp)


def test_red_flag_stop_is_saved_and_recorded_as_a_check_in_that_blocks_the_next_session(
    diary: Diary,  # noqa: F811
) -> None:
    service = started(diary)
    plan = service.plan_session()
    recorded = record(
        service,
        plan,
        run(plan, quit_after=8),
        after=6,
        symptom=Symptom.BOTH_LEGS,
        stopped_for_symptom=True,
    )
    saved = recorded.session
    assert saved.stopped_for_red_flag
    assert saved.quit_early
    assert saved.symptom is Symptom.BOTH_LEGS
    assert saved.triage_level is TriageLevel.EMERGENCY
    assert recorded.checkin is not None
    assert recorded.checkin.checkin.pain == 6
    assert recorded.checkin.checkin.answers_update == {"red_flags": {"both_legs": True}}
    assert "during an exercise session" in (recorded.checkin.checkin.note or "")
    assert recorded.checkin.escalation.level is TriageLevel.EMERGENCY
    assert service.plan_session().blocked_reason is not None


def test_symptom_reported_after_a_session_steps_the_dose_back(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    service = started(diary)
    complete_session(service)
    clock.advance(days=1)
    plan = service.plan_session()
    recorded = record(
        service, plan, run(plan), after=None, symptom=Symptom.ONE_LEG_NUMBNESS_OR_TINGLING
    )
    assert not recorded.session.stopped_for_symptom
    assert not recorded.session.quit_early
    assert recorded.checkin is not None
    assert recorded.checkin.checkin.pain == 4  # no score after: the one from before
    assert "after an exercise session" in (recorded.checkin.checkin.note or "")
    clock.advance(hours=1)
    next_plan = service.plan_session()
    assert next_plan.assessment.triage.level is TriageLevel.SEE_DOCTOR
    back = next_plan.item("knee_to_chest").decision
    assert (back.step, back.hold_seconds, back.reps) == (Step.BACK, 5, 3)
    assert "numbness or tingling in one leg" in back.reason


def test_severe_pain_stop_is_saved_without_a_check_in(diary: Diary) -> None:  # noqa: F811
    service = started(diary)
    plan = service.plan_session()
    recorded = record(
        service,
        plan,
        run(plan, quit_after=3),
        after=9,
        symptom=Symptom.SEVERE_PAIN,
        stopped_for_symptom=True,
    )
    assert recorded.checkin is None
    assert recorded.session.stopped_for_symptom
    assert not recorded.session.stopped_for_red_flag
    assert recorded.session.triage_level is TriageLevel.SEE_DOCTOR
    assert diary.history().checkins == ()


def test_a_symptom_escalates_once_not_at_every_session_at_that_level(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    # The care team is told when ``escalated``: the first report raises the level, the
    # same report in the next session finds it raised already, a calm session raises nothing.
    service = started(diary)
    symptom = Symptom.ONE_LEG_NUMBNESS_OR_TINGLING
    plan = service.plan_session()
    first = record(service, plan, run(plan), after=6, symptom=symptom)
    clock.advance(hours=1)
    plan = service.plan_session()
    again = record(service, plan, run(plan), after=6, symptom=symptom)
    clock.advance(hours=1)
    calm = complete_session(service)
    assert (first.escalated, again.escalated, calm.escalated) == (True, False, False)
    assert first.checkin is not None
    assert first.checkin.escalation.escalated


# --- adherence ------------------------------------------------------------------------


def test_adherence_counts_sessions_per_day_against_the_plan(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    service = started(diary)  # onset Monday 08:00 UTC
    for _ in range(2):
        complete_session(service)
        clock.advance(hours=2)
    clock.advance(days=1)
    complete_session(service)
    plan = service.plan_session()
    record(service, plan, run(plan, quit_after=1))  # quit in the lead-in: not a session done
    clock.advance(days=8)
    for _ in range(4):  # more than planned: counts once per planned slot
        complete_session(service)
    figures = service.adherence()
    assert [(d.day.isoformat(), d.done, d.planned) for d in figures.per_day[:3]] == [
        ("2026-03-02", 2, 3),
        ("2026-03-03", 1, 3),
        ("2026-03-04", 0, 3),
    ]
    assert figures.episode.days == 10  # Monday 2 to Wednesday 11 March
    assert (figures.episode.done, figures.episode.done_in_plan) == (7, 6)
    assert figures.episode.planned == 30
    assert figures.last_7_days.days == 7
    assert figures.last_7_days.first_day == date(2026, 3, 5)
    assert (figures.last_7_days.done, figures.last_7_days.planned) == (4, 21)
    assert figures.last_7_days.rate == pytest.approx(3 / 21)
    assert figures.last_7_days.line() == "3 of 21 planned sessions (14%) over 7 days; 4 in all"


def test_adherence_of_a_resolved_episode_stops_at_resolution(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    service = started(diary)
    complete_session(service)
    clock.advance(days=2)
    diary.resolve()
    clock.advance(days=30)
    figures = service.adherence()
    assert figures.episode.days == 3
    assert figures.episode.last_day == date(2026, 3, 4)
    assert len(service.sessions()) == 1


@pytest.mark.parametrize(
    ("sessions", "first", "last", "planned", "episode", "window"),
    [
        pytest.param([], date(2026, 3, 2), date(2026, 3, 2), 3, (1, 0, 3), (1, 0, 3), id="day-1"),
        pytest.param(
            [date(2026, 3, 2)] * 5,
            date(2026, 3, 2),
            date(2026, 3, 2),
            3,
            (1, 3, 3),
            (1, 3, 3),
            id="extra-sessions-do-not-count-twice",
        ),
        pytest.param(
            [date(2026, 3, 1), date(2026, 3, 20)],
            date(2026, 3, 2),
            date(2026, 3, 10),
            1,
            (9, 0, 9),
            (7, 0, 7),
            id="sessions-outside-the-episode-ignored",
        ),
        pytest.param(
            [date(2026, 3, 3)],
            date(2026, 3, 2),
            date(2026, 3, 3),
            0,
            (2, 0, 0),
            (2, 0, 0),
            id="nothing-planned-no-rate",
        ),
    ],
)
def test_adherence_figures_from_session_days(
    sessions: list[date],
    first: date,
    last: date,
    planned: int,
    episode: tuple[int, int, int],
    window: tuple[int, int, int],
) -> None:
    figures = adherence(sessions, first_day=first, last_day=last, planned_on=lambda _: planned)
    assert (figures.episode.days, figures.episode.done_in_plan, figures.episode.planned) == episode
    summary = figures.last_7_days
    assert (summary.days, summary.done_in_plan, summary.planned) == window
    if planned == 0:
        assert summary.rate is None
        assert "planned sessions over 2 days" in summary.line()


# --- the tables -----------------------------------------------------------------------


def _bad_exercise(**changes: Any) -> NewCoachExercise:
    fields: dict[str, Any] = {
        "exercise_id": "knee_to_chest",
        "sides": Sides.EACH,
        "target_hold_seconds": 5,
        "target_reps": 3,
        "achieved_hold_seconds": 5.0,
        "reps": {Side.LEFT: 3, Side.RIGHT: 3},
        "skipped": False,
        "step": Step.START,
        "step_reason": "test",
    }
    return NewCoachExercise(**(fields | changes))


@pytest.mark.parametrize(
    "session",
    [
        pytest.param({"pain_before": 11}, id="pain-before-above-10"),
        pytest.param({"stopped_for_symptom": True}, id="stopped-for-no-symptom"),
        pytest.param({"ended_at": START - timedelta(seconds=1)}, id="ends-before-start"),
        pytest.param({"exercises": (_bad_exercise(target_reps=0),)}, id="zero-reps"),
        pytest.param(
            {"exercises": (_bad_exercise(achieved_hold_seconds=-1.0),)}, id="negative-hold"
        ),
    ],
)
def test_database_checks_coach_ranges_and_shapes(
    store: Store,  # noqa: F811
    diary: Diary,  # noqa: F811
    session: dict[str, Any],
) -> None:
    service = started(diary)
    episode_id = service.plan_session().episode.id
    fields: dict[str, Any] = {
        "started_at": START,
        "ended_at": START + timedelta(minutes=3),
        "phase": Phase.ACUTE,
        "pain_before": 3,
        "pain_after": 3,
        "quit_early": False,
    }
    with pytest.raises(ConflictError), store.write() as repo:
        CoachRepository(repo).add_session(episode_id, NewCoachSession(**(fields | session)))
    assert service.sessions() == []


@pytest.mark.parametrize(
    "exercise",
    [
        pytest.param(_bad_exercise(sides=Sides.BOTH), id="left-right-reps-for-a-both-exercise"),
        pytest.param(_bad_exercise(reps={Side.LEFT: 3}), id="right-side-missing"),
    ],
)
def test_reps_must_match_the_exercise_sides(
    store: Store,  # noqa: F811
    diary: Diary,  # noqa: F811
    exercise: NewCoachExercise,
) -> None:
    service = started(diary)
    episode_id = service.plan_session().episode.id
    new = NewCoachSession(
        started_at=START,
        ended_at=START,
        phase=Phase.ACUTE,
        pain_before=None,
        pain_after=None,
        quit_early=True,
        exercises=(exercise,),
    )
    with pytest.raises(InputError, match="do not match") as caught, store.write() as repo:
        CoachRepository(repo).add_session(episode_id, new)
    assert caught.value.problems[0].field == "knee_to_chest.reps"
    assert service.sessions() == []


def test_missing_coach_session_is_not_found(store: Store) -> None:  # noqa: F811
    with store.read() as repo, pytest.raises(NotFoundError):
        CoachRepository(repo).session_by_id(404)


def test_sessions_since_a_time_load_only_later_sessions(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    service = started(diary)
    complete_session(service)
    clock.advance(days=1)
    later = complete_session(service).session
    with diary.store.read() as repo:
        found = CoachRepository(repo).sessions(later.episode_id, since=clock())
    assert [s.id for s in found] == [later.id]
    assert found[0].exercises == later.exercises


def test_downgrade_to_0002_drops_only_the_coach_tables(store_url: str) -> None:  # noqa: F811
    from alembic import command
    from alembic.config import Config

    engine = sa.create_engine(store_url)
    try:
        migrate(engine, revision="0003")  # the coach revision, whatever comes after it
        tables = set(sa.inspect(engine).get_table_names())
        assert {"coach_sessions", "coach_session_exercises"} <= tables
        config = Config()
        config.set_main_option("script_location", "backcare.store:migrations")
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0002")
        after = set(sa.inspect(engine).get_table_names())
        assert after == tables - {"coach_sessions", "coach_session_exercises"}
        migrate(engine)
        assert {"coach_sessions", "coach_session_exercises"} <= set(
            sa.inspect(engine).get_table_names()
        )
    finally:
        engine.dispose()


def test_sessions_go_with_their_episode(diary: Diary) -> None:  # noqa: F811
    service = started(diary)
    complete_session(service)
    episode_id = service.sessions()[0].episode_id
    with diary.store.write() as repo:
        repo.session.execute(sa.text("DELETE FROM episodes WHERE id = :id"), {"id": episode_id})
    with diary.store.read() as repo:
        with pytest.raises(NotFoundError):  # the episode is gone, so are its sessions
            CoachRepository(repo).sessions(episode_id)
        sessions = repo.session.execute(sa.text("SELECT count(*) FROM coach_sessions"))
        assert sessions.scalar_one() == 0
        count = repo.session.execute(sa.text("SELECT count(*) FROM coach_session_exercises"))
        assert count.scalar_one() == 0


def test_wall_times_are_stored_in_utc(diary: Diary) -> None:  # noqa: F811
    service = started(diary)
    plan = service.plan_session()
    local = datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    saved = service.record_session(
        plan,
        run(plan),
        started_at=local,
        ended_at=local + timedelta(minutes=4),
        pain_before=None,
        pain_after=None,
    ).session
    assert saved.started_at == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert saved.started_at.utcoffset() == timedelta(0)
