"""The week view: pain, check-ins and exercise sessions per day, the streak, the drawing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcare.diary.week import WEEK_DAYS, week_svg, week_view
from backcare.domain.enums import Phase, Sides, Trend, TriageLevel
from backcare.domain.exercise import Side, Step
from backcare.store.coach import CoachExerciseRecord, CoachSessionRecord
from backcare.store.records import ActionCount, CheckInRecord, SelfCareAction

ONSET = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # a Sunday
NOW = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)  # day 9, a Tuesday evening


def checkin(day: int, pain: int, *, exercises: int = 0, hour: int = 12) -> CheckInRecord:
    actions = (ActionCount(SelfCareAction.EXERCISES, exercises),) if exercises else ()
    return CheckInRecord(
        id=day * 100 + hour,
        episode_id=1,
        recorded_at=ONSET.replace(hour=hour) + timedelta(days=day),
        pain=pain,
        worst_pain=None,
        days_of_self_care=day,
        trend=Trend.SAME,
        triage_level=TriageLevel.SELF_CARE,
        triage_reasons=(),
        answers_update=None,
        note=None,
        activities=(),
        actions=actions,
        doses=(),
    )


def session(day: int, *, reps: int = 3, hour: int = 10) -> CoachSessionRecord:
    started = ONSET.replace(hour=hour) + timedelta(days=day)
    return CoachSessionRecord(
        id=day * 100 + hour,
        episode_id=1,
        started_at=started,
        ended_at=started + timedelta(minutes=6),
        phase=Phase.ACUTE,
        pain_before=None,
        pain_after=None,
        quit_early=False,
        symptom=None,
        stopped_for_symptom=False,
        triage_level=None,
        active_seconds=300.0,
        exercises=(
            CoachExerciseRecord(
                id=day,
                session_id=day,
                position=0,
                exercise_id="pelvic_tilt",
                sides=Sides.BOTH,
                target_hold_seconds=5,
                target_reps=3,
                achieved_hold_seconds=5.0,
                reps={Side.BOTH: reps},
                skipped=False,
                step=Step.SAME,
                step_reason="test",
            ),
        ),
    )


@pytest.mark.parametrize(
    ("checkins", "sessions", "sessions_by_day", "streak"),
    [
        pytest.param([], [], [0] * 7, 0, id="nothing"),
        pytest.param(
            [], [session(7), session(8), session(9)], [0, 0, 0, 0, 1, 1, 1], 3, id="three-days"
        ),
        pytest.param([], [session(7), session(8)], [0, 0, 0, 0, 1, 1, 0], 2, id="today-still-open"),
        pytest.param([], [session(6), session(8)], [0, 0, 0, 1, 0, 1, 0], 1, id="gap-breaks"),
        pytest.param(
            [checkin(9, 4, exercises=2)], [session(9)], [0] * 6 + [2], 1, id="no-double-count"
        ),
        pytest.param([], [session(9, reps=0)], [0] * 7, 0, id="no-hold-done-not-counted"),
        pytest.param(
            [], [session(d) for d in range(10)], [1] * 7, 10, id="streak-runs-past-the-week"
        ),
    ],
)
def test_sessions_per_day_and_streak(
    checkins: list[CheckInRecord],
    sessions: list[CoachSessionRecord],
    sessions_by_day: list[int],
    streak: int,
) -> None:
    week = week_view(checkins, sessions, onset=ONSET, until=NOW, tz=UTC)
    assert [d.sessions for d in week.days] == sessions_by_day
    assert week.streak == streak
    assert [d.day.isoformat() for d in week.days][-1] == "2026-03-10"


def test_pain_is_the_days_mean_and_days_without_a_check_in_have_none() -> None:
    week = week_view(
        [checkin(9, 6, hour=8), checkin(9, 3, hour=18), checkin(7, 5)],
        [],
        onset=ONSET,
        until=NOW,
        tz=UTC,
    )
    assert [d.pain for d in week.days] == [None] * 4 + [5, None, 4.5]
    assert [d.checkins for d in week.days] == [0] * 4 + [1, 0, 2]
    assert (
        week.summary()
        == "Last 7 days: 3 check-ins, 0 exercise sessions; no run of exercise days yet."
    )


def test_days_before_the_onset_are_marked_and_drawn_as_a_dash() -> None:
    week = week_view([checkin(0, 6)], [], onset=ONSET, until=ONSET + timedelta(days=2), tz=UTC)
    assert [d.in_episode for d in week.days] == [False] * 4 + [True] * 3
    svg = week_svg(week)
    assert svg.count(">–</text>") == 8  # check-ins and sessions of the four earlier days


@given(
    days=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 10), st.integers(0, 3)), max_size=25),
    coached=st.lists(st.integers(0, 9), max_size=15),
)
def test_every_check_in_of_the_week_is_counted_once_and_the_drawing_parses(
    days: list[tuple[int, int, int]], coached: list[int]
) -> None:
    checkins = [checkin(d, p, exercises=e, hour=1 + i % 22) for i, (d, p, e) in enumerate(days)]
    week = week_view(checkins, [session(d) for d in coached], onset=ONSET, until=NOW, tz=UTC)
    assert len(week.days) == WEEK_DAYS
    assert sum(d.checkins for d in week.days) == sum(1 for d, _, _ in days if d >= 3)
    assert all(d.pain is None or 0 <= d.pain <= 10 for d in week.days)
    assert 0 <= week.streak <= 10
    root = ElementTree.fromstring(week_svg(week))
    assert root.get("role") == "img"
    drawn = re.findall(r"<circle ", week_svg(week))
    assert len(drawn) == sum(1 for d in week.days if d.pain is not None)
