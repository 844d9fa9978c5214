"""The diary's use-cases on SQLite and PostgreSQL: episodes, check-ins, escalation, resolution."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from backcare.diary import (
    ActionCount,
    ActivityScore,
    CheckInEntry,
    Diary,
    EpisodeStatus,
    SelfCareAction,
)
from backcare.domain.enums import Phase, Trend, TriageLevel
from backcare.errors import ConflictError, InputError, NotFoundError
from backcare.viewmodels.summary import episode_summary, summary_text
from store_fixtures import (  # noqa: F401  (fixtures)
    BOTH_BACKENDS,
    START,
    FakeClock,
    clock,
    database_url,
    diary,
    start_answers,
    store,
)


@pytest.fixture
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLite, unless a test asks for both back ends (``@BOTH_BACKENDS``).

    The repository suite (test_store.py) runs everything on both; here the main
    use-cases do, and the many edge cases run on SQLite to keep the suite quick.
    """
    with database_url(getattr(request, "param", "sqlite"), tmp_path) as url:
        yield url


def started(diary: Diary, **overrides: Any) -> None:  # noqa: F811
    diary.start_episode(onset=START, answers=start_answers(**overrides))


def reason_ids(result: Any) -> set[str]:
    return {r.id for r in result.escalation.reasons}


# --- episodes -------------------------------------------------------------------------


@BOTH_BACKENDS
def test_start_episode_records_answers_and_first_assessment(diary: Diary) -> None:  # noqa: F811
    start = diary.start_episode(onset=START, trigger="lifting", answers=start_answers(pain=7))
    episode = diary.episode()
    assert episode.id == start.episode.id
    assert episode.status is EpisodeStatus.ACTIVE
    assert episode.onset_at == START
    assert episode.trigger == "lifting"
    assert episode.answers["pain"] == 7
    assert "hours_since_onset" not in episode.answers
    assert episode.assessment["triage"]["level"] == "self_care"
    assert start.assessment.triage.level is TriageLevel.SELF_CARE


def test_start_episode_from_hours_since_onset_sets_onset(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    diary.start_episode(answers={"hours_since_onset": 30, "pain": 5})
    assert diary.episode().onset_at == clock() - timedelta(hours=30)


def test_start_episode_with_red_flag_is_assessed_as_emergency(diary: Diary) -> None:  # noqa: F811
    start = diary.start_episode(onset=START, answers=start_answers(red_flags__saddle_numbness=True))
    assert start.assessment.triage.level is TriageLevel.EMERGENCY


@BOTH_BACKENDS
def test_second_active_episode_is_a_conflict(diary: Diary) -> None:  # noqa: F811
    started(diary)
    with pytest.raises(ConflictError, match="already active"):
        started(diary)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        pytest.param({"trigger": "sneezing"}, "trigger", id="unknown-trigger"),
        pytest.param({"onset": START + timedelta(days=1)}, "onset", id="onset-in-future"),
        pytest.param({"onset": datetime(2026, 3, 1, 8, 0)}, "onset", id="naive-onset"),
        pytest.param({"answers": {"pain": 11}}, "pain", id="pain-out-of-range"),
    ],
)
def test_start_episode_refuses_bad_input(
    diary: Diary,  # noqa: F811
    kwargs: dict[str, Any],
    field: str,
) -> None:
    with pytest.raises(InputError) as caught:
        diary.start_episode(**kwargs)
    assert caught.value.problems[0].field == field


def test_empty_diary_has_no_episode(diary: Diary) -> None:  # noqa: F811
    with pytest.raises(NotFoundError, match="start one"):
        diary.episode()
    with pytest.raises(NotFoundError):
        diary.check_in(CheckInEntry(pain=3))


# --- check-ins and escalation ---------------------------------------------------------


def test_first_checkin_without_start_pain_is_the_baseline(diary: Diary, clock: FakeClock) -> None:  # noqa: F811
    diary.start_episode(onset=START, answers=start_answers(pain=None))
    clock.advance(hours=4)
    result = diary.check_in(CheckInEntry(pain=6))
    assert result.pain is None
    assert result.checkin.trend is None
    clock.advance(hours=20)
    second = diary.check_in(CheckInEntry(pain=4))
    assert second.pain is not None
    assert (second.pain.baseline, second.pain.current, second.pain.trend) == (6, 4, Trend.BETTER)


@BOTH_BACKENDS
def test_checkin_stores_triage_and_everything_logged(diary: Diary, clock: FakeClock) -> None:  # noqa: F811
    started(diary, pain=6)
    clock.advance(hours=5)
    result = diary.check_in(
        CheckInEntry(
            pain=5,
            worst_pain=7,
            activities=(ActivityScore("bending", 3), ActivityScore("sitting", 5)),
            actions=(ActionCount(SelfCareAction.ICE, 2), ActionCount(SelfCareAction.WALK, 1)),
            note="  stiff in the morning  ",
        )
    )
    history = diary.history()
    [checkin] = history.checkins
    assert checkin == result.checkin
    assert checkin.note == "stiff in the morning"
    assert checkin.days_of_self_care == 0
    assert checkin.trend is Trend.SAME
    assert checkin.triage_level is TriageLevel.SELF_CARE
    assert [a.name for a in checkin.activities] == ["bending", "sitting"]
    assert [(a.action, a.count) for a in checkin.actions] == [
        (SelfCareAction.ICE, 2),
        (SelfCareAction.WALK, 1),
    ]


@BOTH_BACKENDS
def test_pain_worse_by_two_points_escalates_to_see_doctor_at_once(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    started(diary, pain=4)
    clock.advance(hours=6)
    result = diary.check_in(CheckInEntry(pain=6))
    assert result.pain is not None
    assert result.pain.trend is Trend.WORSE
    assert result.escalation.level is TriageLevel.SEE_DOCTOR
    assert result.escalation.escalated
    assert "course_worse" in reason_ids(result)
    [worse] = [r for r in result.escalation.reasons if r.id == "course_worse"]
    assert "nhs_back_pain" in worse.sources


def test_function_worse_makes_the_trend_worse_even_with_pain_same(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    started(diary, pain=5)
    clock.advance(hours=3)
    diary.check_in(CheckInEntry(pain=5, activities=(ActivityScore("walking", 7),)))
    clock.advance(hours=24)
    result = diary.check_in(CheckInEntry(pain=5, activities=(ActivityScore("Walking", 4),)))
    assert result.function is not None
    assert result.function.trend is Trend.WORSE
    assert result.checkin.trend is Trend.WORSE
    assert "course_worse" in reason_ids(result)


@pytest.mark.parametrize(
    ("day", "pain", "expected"),
    [
        pytest.param(13, 5, set(), id="day-13-no-review-yet"),
        pytest.param(14, 5, {"no_improvement_2_weeks"}, id="day-14-not-improved-sees-doctor"),
        pytest.param(14, 3, set(), id="day-14-improved-carries-on"),
        pytest.param(
            42, 3, {"not_resolved_6_weeks"}, id="day-42-improved-but-not-resolved-sees-doctor"
        ),
    ],
)
def test_course_rules_fire_from_the_diarys_days_and_trend(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
    day: int,
    pain: int,
    expected: set[str],
) -> None:
    started(diary, pain=6)
    clock.advance(days=day, hours=1)
    result = diary.check_in(CheckInEntry(pain=pain))
    course_rules = {"no_improvement_2_weeks", "not_resolved_6_weeks"}
    assert reason_ids(result) & course_rules == expected
    assert result.checkin.days_of_self_care == day
    level = TriageLevel.SEE_DOCTOR if expected else TriageLevel.SELF_CARE
    assert result.escalation.level is level


@BOTH_BACKENDS
def test_new_red_flag_at_checkin_escalates_and_stays_until_answered_no(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    started(diary, pain=6)
    clock.advance(hours=5)
    flagged = diary.check_in(CheckInEntry(pain=5, answers={"red_flags": {"saddle_numbness": True}}))
    assert flagged.escalation.level is TriageLevel.EMERGENCY
    assert flagged.escalation.escalated
    assert flagged.assessment.triage.emergency is not None
    clock.advance(hours=1)
    again = diary.check_in(CheckInEntry(pain=5))
    assert again.escalation.level is TriageLevel.EMERGENCY
    assert not again.escalation.escalated
    clock.advance(hours=1)
    cleared = diary.check_in(
        CheckInEntry(pain=5, answers={"red_flags": {"saddle_numbness": False}})
    )
    assert cleared.escalation.level is TriageLevel.SELF_CARE


def test_recurrent_same_spot_said_at_checkin_sees_doctor(diary: Diary, clock: FakeClock) -> None:  # noqa: F811
    started(diary, pain=6)
    clock.advance(hours=5)
    result = diary.check_in(CheckInEntry(pain=5, answers={"course": {"recurrent_same_spot": True}}))
    assert "recurrent_same_spot" in reason_ids(result)


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        pytest.param({"course": {"trend": "better"}}, "course.trend", id="trend"),
        pytest.param({"course": {"days_of_self_care": 3}}, "course.days_of_self_care", id="days"),
        pytest.param({"hours_since_onset": 3}, "hours_since_onset", id="hours"),
        pytest.param({"red_flags": {"fever": "yes"}}, "red_flags.fever", id="not-a-boolean"),
    ],
)
def test_checkin_answers_cannot_set_derived_or_malformed_fields(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
    answers: dict[str, Any],
    field: str,
) -> None:
    started(diary)
    clock.advance(hours=1)
    with pytest.raises(InputError) as caught:
        diary.check_in(CheckInEntry(pain=4, answers=answers))
    assert caught.value.problems[0].field == field
    assert diary.history().checkins == ()


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        pytest.param(CheckInEntry(pain=11), "pain", id="pain-above-10"),
        pytest.param(CheckInEntry(pain=3, worst_pain=-1), "worst_pain", id="worst-negative"),
        pytest.param(
            CheckInEntry(pain=3, activities=tuple(ActivityScore(f"a{i}", 5) for i in range(4))),
            "activities",
            id="four-activities",
        ),
        pytest.param(
            CheckInEntry(pain=3, activities=(ActivityScore("sit", 5), ActivityScore("SIT", 4))),
            "activities",
            id="activity-twice",
        ),
        pytest.param(CheckInEntry(pain=3, at=START + timedelta(days=30)), "at", id="future"),
        pytest.param(CheckInEntry(pain=3, note="a\x00b"), "note", id="nul-in-note"),
    ],
)
def test_checkin_refuses_bad_entries_and_records_nothing(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
    entry: CheckInEntry,
    field: str,
) -> None:
    started(diary)
    clock.advance(hours=1)
    with pytest.raises(InputError) as caught:
        diary.check_in(entry)
    assert field in {p.field for p in caught.value.problems}
    assert diary.history().checkins == ()


def test_checkin_before_onset_is_refused(diary: Diary, clock: FakeClock) -> None:  # noqa: F811
    started(diary)
    clock.advance(hours=1)
    with pytest.raises(InputError, match="before the episode"):
        diary.check_in(CheckInEntry(pain=3, at=START - timedelta(hours=1)))


# --- resolution -----------------------------------------------------------------------


def _daily(diary: Diary, clock: FakeClock, pains: list[int]) -> Any:  # noqa: F811
    result = None
    for pain in pains:
        clock.advance(days=1)
        result = diary.check_in(CheckInEntry(pain=pain))
    return result


@pytest.mark.parametrize(
    ("pains", "met", "low_days"),
    [
        pytest.param([5, 3, 1, 1, 0, 1, 0, 0, 1], True, 7, id="seven-low-days-resolves"),
        pytest.param([5, 3, 2, 1, 1, 0, 1, 0, 0, 1], True, 7, id="exactly-seven"),
        pytest.param([5, 3, 2, 1, 0, 1, 0, 0, 1], False, 6, id="six-low-days-not-yet"),
        pytest.param([1, 1, 1, 2, 1, 1, 1, 1, 1], False, 5, id="one-bad-day-restarts"),
    ],
)
def test_resolution_is_suggested_after_seven_days_at_0_to_1(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
    pains: list[int],
    met: bool,
    low_days: int,
) -> None:
    started(diary, pain=6)
    result = _daily(diary, clock, pains)
    assert result.resolution.met is met
    assert result.resolution.low_days == low_days


def test_worst_pain_above_1_breaks_the_resolution_run(diary: Diary, clock: FakeClock) -> None:  # noqa: F811
    started(diary, pain=6)
    _daily(diary, clock, [1] * 6)
    clock.advance(days=1)
    result = diary.check_in(CheckInEntry(pain=1, worst_pain=4))
    assert not result.resolution.met
    assert result.resolution.low_days == 0


def test_a_day_without_checkin_breaks_the_resolution_run(diary: Diary, clock: FakeClock) -> None:  # noqa: F811
    started(diary, pain=6)
    _daily(diary, clock, [0, 0, 0])
    clock.advance(days=1)  # no check-in that day
    result = _daily(diary, clock, [0, 0, 0, 0])
    assert result.resolution.low_days == 4


@BOTH_BACKENDS
def test_resolve_writes_a_summary_with_the_numbers(diary: Diary, clock: FakeClock) -> None:  # noqa: F811
    diary.start_episode(onset=START, trigger="lifting", answers=start_answers(pain=7))
    _daily(diary, clock, [6, 4, 2, 1, 1, 0, 0, 1, 0, 0])
    episode = diary.resolve()
    assert episode.status is EpisodeStatus.RESOLVED
    assert episode.resolved_at == clock()
    # Stored as facts, not words; worded when shown.
    assert episode.summary is None
    assert episode.summary_facts is not None
    assert episode.summary_facts["checkins"] == 10
    assert diary.history(episode.id).episode.summary_facts == episode.summary_facts
    assert episode_summary(episode) == (
        "Back spasm after lifting from 2026-03-02, resolved on 2026-03-12: "
        "10 days, 10 check-ins.\n"
        "Your pain is better than when you started (7 → 0, 7 points lower). A change of 2 "
        "points, or of a third of your starting score, counts as a real change.\n"
        "Overall: getting better (10 days since it started).\n"
        "Recovered (pain 0-1 for 7 days in a row; 7 so far)."
    )
    with pytest.raises(ConflictError, match="already resolved"):
        diary.resolve(episode.id)
    with pytest.raises(NotFoundError):
        diary.check_in(CheckInEntry(pain=0))


@pytest.mark.parametrize(
    ("summary", "facts", "shown"),
    [
        pytest.param(
            "Back spasm from 2026-03-02.", None, "Back spasm from 2026-03-02.", id="prose"
        ),
        pytest.param(None, None, None, id="none-yet"),
        pytest.param(None, {"version": 99}, None, id="facts-of-a-newer-shape"),
    ],
)
def test_stored_prose_still_shows_and_unknown_facts_show_nothing(
    diary: Diary,  # noqa: F811
    summary: str | None,
    facts: dict[str, Any] | None,
    shown: str | None,
) -> None:
    """Summaries stored as English prose before the facts column are shown as they were."""
    from dataclasses import replace

    started(diary)
    episode = replace(diary.history().episode, summary=summary, summary_facts=facts)
    assert episode_summary(episode) == shown
    if facts is not None:
        assert summary_text(facts) is None


def test_resolve_keeps_a_summary_the_person_wrote(diary: Diary, clock: FakeClock) -> None:  # noqa: F811
    started(diary)
    clock.advance(days=3)
    assert diary.resolve(summary="Gone after a week of walking.").summary == (
        "Gone after a week of walking."
    )


def test_resolved_episode_lets_a_new_one_start(diary: Diary, clock: FakeClock) -> None:  # noqa: F811
    started(diary)
    clock.advance(days=3)
    first = diary.resolve()
    clock.advance(days=30)
    diary.start_episode(answers={"pain": 5})
    assert next(e.id for e in diary.episodes()) == first.id
    assert diary.episode().status is EpisodeStatus.ACTIVE
    assert diary.episode(first.id).status is EpisodeStatus.RESOLVED


# --- reading --------------------------------------------------------------------------


def test_trend_reports_better_with_the_numbers(diary: Diary, clock: FakeClock) -> None:  # noqa: F811
    started(diary, pain=8)
    _daily(diary, clock, [7, 6, 5])
    report = diary.trend()
    assert report.pain is not None
    assert (report.pain.baseline, report.pain.current, report.pain.points) == (8, 5, -3)
    assert report.pain.percent == -37.5
    assert report.overall is Trend.BETTER
    assert report.checkins == 3
    assert report.days_since_onset == 3
    assert report.lines()[0].startswith(
        "Your pain is better than when you started (8 → 5, 3 points lower)."
    )


@BOTH_BACKENDS
def test_history_is_in_time_order_even_when_backfilled(diary: Diary, clock: FakeClock) -> None:  # noqa: F811
    started(diary, pain=6)
    clock.advance(days=2)
    diary.check_in(CheckInEntry(pain=4))
    diary.check_in(CheckInEntry(pain=5, at=START + timedelta(days=1)))
    assert [c.pain for c in diary.history().checkins] == [5, 4]


def test_plan_uses_the_phase_from_onset_and_the_latest_pain(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    started(diary, pain=6)
    assert diary.plan().plan.phase is Phase.ACUTE
    clock.advance(days=5)
    diary.check_in(CheckInEntry(pain=3))
    assert diary.plan().plan.phase is Phase.SUBACUTE
    clock.advance(days=20)
    assert diary.plan().plan.phase is Phase.RECOVERY


def test_checkin_questions_are_the_red_flags_most_dangerous_first(diary: Diary) -> None:  # noqa: F811
    questions = diary.checkin_questions()
    assert questions[0].answer == "red_flags.saddle_numbness"
    assert [q.priority for q in questions] == sorted(q.priority for q in questions)


def test_recent_activities_are_the_last_rated(diary: Diary, clock: FakeClock) -> None:  # noqa: F811
    assert diary.recent_activities() == ()
    started(diary)
    clock.advance(hours=1)
    diary.check_in(CheckInEntry(pain=4, activities=(ActivityScore("socks", 3),)))
    clock.advance(hours=1)
    diary.check_in(CheckInEntry(pain=4))
    assert diary.recent_activities() == ("socks",)


@BOTH_BACKENDS
def test_times_come_back_as_utc(diary: Diary, clock: FakeClock) -> None:  # noqa: F811
    started(diary)
    clock.advance(hours=3)
    local = datetime(2026, 3, 2, 12, 30, tzinfo=timezone(timedelta(hours=2)))
    diary.check_in(CheckInEntry(pain=4, at=local))
    [checkin] = diary.history().checkins
    assert checkin.recorded_at == datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    assert checkin.recorded_at.utcoffset() == timedelta(0)


@BOTH_BACKENDS
def test_summary_names_the_highest_level_medicines_and_overrides(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    from backcare.diary import DoseEntry

    started(diary, pain=4)
    clock.advance(hours=5)
    diary.check_in(CheckInEntry(pain=7, doses=(DoseEntry("ibuprofen", 400),)))
    clock.advance(hours=1)
    diary.check_in(
        CheckInEntry(pain=6, doses=(DoseEntry("ibuprofen", 400),)), override_dose_limits=True
    )
    summary = episode_summary(diary.resolve())
    assert summary is not None
    assert "Highest triage level during the diary: see a doctor (course_worse)." in summary
    assert "Medicines: ibuprofen 2 doses, 800 mg; 1 dose taken over a limit (overridden)." in (
        summary
    )
    assert "Not yet recovered" in summary
