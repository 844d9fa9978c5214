"""Trend classification, resolution and escalation derivation: tables and invariants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcare import Engine
from backcare.diary.charts import PainPoint, pain_columns, render_text
from backcare.diary.escalation import course_days, effective_answers
from backcare.diary.trends import (
    Resolution,
    TrendReport,
    build_trend,
    episode_day,
    function_change,
    overall_trend,
    pain_change,
    resolution_status,
)
from backcare.domain.enums import Trend, TriageLevel
from backcare.store import ActivityScore, CheckInRecord

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def checkin(hours: float, pain: int, *, worst: int | None = None, **extra: Any) -> CheckInRecord:
    return CheckInRecord(
        id=int(hours * 10) + 1,
        episode_id=1,
        recorded_at=T0 + timedelta(hours=hours),
        pain=pain,
        worst_pain=worst,
        days_of_self_care=int(hours // 24),
        trend=None,
        triage_level=TriageLevel.SELF_CARE,
        triage_reasons=(),
        answers_update=None,
        note=None,
        **extra,
    )


def expected_trend(baseline: int, current: int) -> Trend:
    """The thresholds restated independently: 2 points or 30 % of the baseline."""
    change = current - baseline
    if change == 0:
        return Trend.SAME
    big = abs(change) >= 2 or (baseline > 0 and Fraction(abs(change), baseline) >= Fraction(3, 10))
    if not big:
        return Trend.SAME
    return Trend.WORSE if change > 0 else Trend.BETTER


@given(st.lists(st.integers(0, 10), min_size=1, max_size=40), st.integers(0, 10))
def test_trend_of_any_pain_series_follows_the_thresholds(series: list[int], start: int) -> None:
    checkins = [checkin(24 * i + 1, pain) for i, pain in enumerate(series)]
    report = build_trend(
        answers={"pain": start}, checkins=checkins, onset=T0, now=checkins[-1].recorded_at, tz=UTC
    )
    assert report.pain is not None
    assert report.pain.trend is expected_trend(start, series[-1])
    assert report.overall is report.pain.trend
    assert report.pain.points == series[-1] - start
    if report.pain.trend is Trend.BETTER:
        assert start - series[-1] >= 2 or 10 * (start - series[-1]) >= 3 * start
    if report.pain.trend is Trend.SAME and start != series[-1]:
        assert abs(start - series[-1]) == 1


@given(st.lists(st.integers(0, 10), min_size=2, max_size=30))
def test_without_start_pain_the_first_checkin_is_the_baseline(series: list[int]) -> None:
    checkins = [checkin(24 * i + 1, pain) for i, pain in enumerate(series)]
    report = build_trend(answers={}, checkins=checkins, onset=T0, now=T0, tz=UTC)
    assert report.pain is not None
    assert report.pain.baseline == series[0]
    assert report.pain.trend is expected_trend(series[0], series[-1])


@pytest.mark.parametrize(
    ("baseline", "current", "text"),
    [
        pytest.param(6, 3, "better than when you started (6 → 3, 3 points lower)", id="better"),
        pytest.param(6, 5, "about the same as when you started (6 → 5)", id="same"),
        pytest.param(3, 5, "worse than when you started (3 → 5, 2 points higher)", id="worse"),
        pytest.param(4, 3, "about the same as when you started (4 → 3)", id="one-point"),
        pytest.param(3, 2, "better than when you started (3 → 2, 1 point lower)", id="a-third"),
    ],
)
def test_pain_change_is_described_in_plain_words(baseline: int, current: int, text: str) -> None:
    words = pain_change(baseline, current).describe()
    assert words == f"Your pain is {text}. " + (
        "A change of 2 points, or of a third of your starting score, counts as a real change."
    )


def test_function_change_compares_only_activities_rated_both_times() -> None:
    change = function_change(
        [ActivityScore("socks", 2), ActivityScore("sitting", 4)],
        [ActivityScore("Sitting", 7), ActivityScore("running", 0)],
    )
    assert change is not None
    assert change.activities == ("sitting",)
    assert (change.baseline_mean, change.current_mean, change.trend) == (4.0, 7.0, Trend.BETTER)
    assert change.describe() == (
        "You can do the activities you rate better than when you started (4.0 → 7.0 out of 10, "
        "+3 points). A change of 2 points counts as a real change."
    )
    assert function_change([ActivityScore("a", 1)], [ActivityScore("b", 9)]) is None


@pytest.mark.parametrize(
    ("pain", "function", "expected"),
    [
        pytest.param(Trend.BETTER, Trend.WORSE, Trend.WORSE, id="function-worse-wins"),
        pytest.param(
            Trend.SAME, Trend.BETTER, Trend.SAME, id="function-better-alone-is-not-enough"
        ),
        pytest.param(Trend.BETTER, None, Trend.BETTER, id="pain-only"),
    ],
)
def test_overall_trend_errs_towards_care(
    pain: Trend, function: Trend | None, expected: Trend
) -> None:
    pain_part = pain_change(6, {Trend.BETTER: 3, Trend.SAME: 6}[pain])
    function_part = None
    if function is not None:
        scores = {Trend.WORSE: 1, Trend.BETTER: 9}[function]
        function_part = function_change([ActivityScore("a", 5)], [ActivityScore("a", scores)])
    assert overall_trend(pain_part, function_part) is expected


def test_resolution_counts_calendar_days_in_the_persons_time_zone() -> None:
    # 23:30 UTC is 00:30 the next day in UTC+1: the same instants fall on different days.
    checkins = [checkin(15.5 + 24 * i, 0) for i in range(7)]
    assert resolution_status(checkins, tz=UTC).low_days == 7
    plus_one = timezone(timedelta(hours=1))
    assert resolution_status(checkins, tz=plus_one).low_days == 7
    assert resolution_status([], tz=UTC).met is False


def test_two_checkins_a_day_both_must_be_low() -> None:
    checkins = [checkin(24 * i + 1, 0) for i in range(7)] + [checkin(24 * 6 + 5, 2)]
    assert resolution_status(checkins, tz=UTC).low_days == 0


@pytest.mark.parametrize(
    ("hours", "days"),
    [
        pytest.param(0, 0, id="onset"),
        pytest.param(23.9, 0, id="first-day"),
        pytest.param(24, 1, id="second-day"),
        pytest.param(24 * 4000, 3650, id="clamped-to-contract"),
    ],
)
def test_course_days_are_whole_days_since_onset(hours: float, days: int) -> None:
    assert course_days(T0, T0 + timedelta(hours=hours)) == days


LONDON = ZoneInfo("Europe/London")
AUCKLAND = ZoneInfo("Pacific/Auckland")


@pytest.mark.parametrize(
    ("onset", "at", "tz", "day"),
    [
        pytest.param(T0, T0, UTC, 1, id="the-day-it-began-is-day-1"),
        pytest.param(T0, T0 + timedelta(hours=15, minutes=59), UTC, 1, id="same-evening"),
        pytest.param(
            datetime(2026, 3, 2, 22, 0, tzinfo=UTC),
            datetime(2026, 3, 3, 7, 0, tzinfo=UTC),
            UTC,
            2,
            id="began-last-night-so-today-is-day-2",
        ),
        pytest.param(T0, T0 + timedelta(days=9), UTC, 10, id="tenth-day"),
        pytest.param(
            datetime(2026, 3, 2, 10, 30, tzinfo=UTC),  # 23:30 in Auckland
            datetime(2026, 3, 2, 11, 30, tzinfo=UTC),  # 00:30 the next day there
            AUCKLAND,
            2,
            id="the-diary's-calendar-not-utc's",
        ),
        pytest.param(
            datetime(2026, 3, 29, 0, 30, tzinfo=LONDON),
            datetime(2026, 3, 29, 23, 30, tzinfo=LONDON),
            LONDON,
            1,
            id="a-23-hour-day-is-still-one-day",
        ),
        pytest.param(T0, T0 - timedelta(hours=1), UTC, 1, id="never-day-0"),
    ],
)
def test_episode_day_counts_calendar_days_from_1(
    onset: datetime, at: datetime, tz: timezone | ZoneInfo, day: int
) -> None:
    assert episode_day(onset, at, tz) == day


@pytest.mark.parametrize(
    ("days", "words"),
    [
        pytest.param(0, "Overall: about the same (it started less than a day ago).", id="day-0"),
        pytest.param(1, "Overall: about the same (1 day since it started).", id="one-day"),
        pytest.param(12, "Overall: about the same (12 days since it started).", id="days"),
    ],
)
def test_the_overall_line_never_says_day_0(days: int, words: str) -> None:
    pain = pain_change(5, 5)
    report = TrendReport(
        pain=pain,
        function=None,
        overall=overall_trend(pain, None),
        checkins=2,
        days_since_onset=days,
        resolution=Resolution(met=False, low_days=0),
    )
    assert words in report.lines()


def test_effective_answers_lay_updates_then_derived_course_over_start(engine: Engine) -> None:
    answers = effective_answers(
        {"pain": 7, "red_flags": {"fever": False}, "course": {"trend": "worse"}},
        [{"red_flags": {"fever": True}}, {"red_flags": {"fever": False}, "age": 40}],
        onset=T0,
        at=T0 + timedelta(days=3, hours=6),
        pain=4,
        trend=Trend.BETTER,
    )
    assert answers.pain == 4
    assert answers.age == 40
    assert answers.red_flags.fever is False
    assert answers.hours_since_onset == 78
    assert answers.course.days_of_self_care == 3
    assert answers.course.trend is Trend.BETTER
    assert engine.assess(answers).triage.level is TriageLevel.SELF_CARE


def test_ten_years_of_diary_stay_inside_the_answers_contract() -> None:
    answers = effective_answers(
        {}, [], onset=T0, at=T0 + timedelta(days=3700), pain=2, trend=Trend.SAME
    )
    assert answers.course.days_of_self_care == 3650
    assert answers.hours_since_onset == 24 * 3650


# --- terminal chart -------------------------------------------------------------------


def test_terminal_chart_draws_daily_means_with_eighth_blocks() -> None:
    points = [
        PainPoint(T0, 8),
        PainPoint(T0 + timedelta(hours=2), 7),
        PainPoint(T0 + timedelta(days=1), 2),
    ]
    columns = pain_columns(points, tz=UTC)
    assert [c.mean for c in columns] == [7.5, 2.0]
    lines = render_text(columns, baseline=8)
    assert lines[0] == "10 ┤"
    assert lines[2] == " 8 ┤▄  ◀ baseline"
    assert lines[3] == " 7 ┤█"
    assert lines[-3] == " 1 ┤██"
    assert lines[-1].startswith("    2026-03-02")


def test_terminal_chart_groups_days_to_fit_the_width() -> None:
    points = [PainPoint(T0 + timedelta(days=d), d % 10) for d in range(365)]
    columns = pain_columns(points, tz=UTC, width=60)
    assert len(columns) <= 60
    assert columns[0].first == T0.date()
    assert columns[-1].last == (T0 + timedelta(days=364)).date()
    assert render_text([]) == []


@pytest.mark.parametrize(
    ("fmt", "name", "message"),
    [
        pytest.param("gif", "chart.gif", "unknown image format", id="unknown-format"),
        pytest.param("png", "missing-folder/chart.png", "cannot write", id="unwritable"),
    ],
)
def test_chart_files_refuse_bad_formats_and_paths(
    tmp_path: Any, fmt: str, name: str, message: str
) -> None:
    from backcare.diary.charts import save_image
    from backcare.errors import InputError

    with pytest.raises(InputError, match=message):
        save_image([PainPoint(T0, 5)], tmp_path / name, fmt=fmt, tz=UTC)


@pytest.mark.parametrize(
    "gap",
    [
        pytest.param(timedelta(seconds=12), id="seconds-apart"),
        pytest.param(timedelta(minutes=2), id="minutes-apart"),
        pytest.param(timedelta(hours=5), id="hours-apart"),
        pytest.param(timedelta(days=2), id="days-apart"),
    ],
)
def test_image_chart_ticks_never_show_fractions_of_a_second(gap: timedelta) -> None:
    from backcare.diary.charts import draw_figure

    figure = draw_figure([PainPoint(T0 + gap * i, 5 - i) for i in range(4)], tz=UTC)
    figure.canvas.draw()
    labels = [t.get_text() for t in figure.axes[0].get_xticklabels() if t.get_text()]
    assert labels
    assert not [label for label in labels if "." in label or len(label) > 8], labels


@given(
    baseline=st.integers(0, 10),
    current=st.integers(0, 10),
    rated=st.booleans(),
    low_days=st.integers(0, 10),
)
def test_the_record_voice_speaks_about_the_person_never_to_them(
    baseline: int, current: int, rated: bool, low_days: int
) -> None:
    """The care team's pages read the trend about the patient: no "you" or "your" (the
    clinician is not the one in pain), and the same numbers as the person's own lines."""
    function = (
        function_change(
            [ActivityScore(name="walking", score=baseline)],
            [ActivityScore(name="walking", score=current)],
        )
        if rated
        else None
    )
    pain = pain_change(baseline, current)
    report = TrendReport(
        pain=pain,
        function=function,
        overall=overall_trend(pain, function),
        checkins=3,
        days_since_onset=4,
        resolution=Resolution(met=low_days >= 3, low_days=low_days, required_days=3),
    )
    record = report.lines(voice="record")
    assert len(record) == len(report.lines())
    words = {w.strip(".,:;()").lower() for line in record for w in line.split()}
    assert not words & {"you", "your", "you're", "yours"}
    assert f"{baseline} → {current}" in record[0]


def test_with_no_pain_score_the_record_says_so_without_asking_anyone_to_check_in() -> None:
    report = TrendReport(
        pain=None,
        function=None,
        overall=None,
        checkins=0,
        days_since_onset=1,
        resolution=Resolution(met=False, low_days=0),
    )
    assert report.lines(voice="record")[0] == "No pain score yet."
