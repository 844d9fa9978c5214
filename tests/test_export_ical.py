"""iCalendar reminders: phases to the minute, the waking day, alarms, stable UIDs, valid files."""

# ruff: noqa: F811  (pytest fixtures imported from store_fixtures are redefined as arguments)
from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcare import Engine, KnowledgeBase, Settings
from backcare.diary import CheckInEntry, Diary
from backcare.domain.answers import parse_answers
from backcare.errors import ConflictError, InputError, NotFoundError
from backcare.export.ical import (
    MAX_DAYS,
    Reminder,
    calendar_feed,
    export_ics,
    plan_reminders,
    reminders_ics,
    to_ical,
)
from backcare.store import open_store
from store_fixtures import (  # noqa: F401  (fixtures)
    START,
    FakeClock,
    clock,
    sqlite_diary,
    sqlite_url,
    start_answers,
)
from test_export_fhir import HYPOTHESIS, EpisodeSpec, build_episode, episode_specs

COLD_PHASE = timedelta(hours=72)
LONDON = ZoneInfo("Europe/London")


def answers(**overrides: Any) -> Any:
    return parse_answers(start_answers(**overrides))


def reminders_for(
    engine: Engine,
    *,
    onset: datetime = START,
    tz: tzinfo = UTC,
    first_day: date | None = None,
    days: int = 7,
    **overrides: Any,
) -> list[Reminder]:
    return plan_reminders(
        answers(**overrides),
        onset=onset,
        engine=engine,
        tz=tz,
        first_day=first_day or onset.astimezone(tz).date(),
        days=days,
        uid_prefix="test",
    )


def events(data: bytes) -> list[Any]:
    calendar = icalendar.Calendar.from_ical(data)
    return list(calendar.walk("VEVENT"))


def actions_on(reminders: list[Reminder], day: date) -> Counter[str]:
    return Counter(r.action for r in reminders if r.start.date() == day)


# --- phases -----------------------------------------------------------------------------------


def test_day_one_has_cold_sessions_and_day_four_has_heat_instead(engine: Engine) -> None:
    onset = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # before waking: day 4 starts after 72 h
    reminders = reminders_for(engine, onset=onset)
    day1, day4 = onset.date(), onset.date() + timedelta(days=3)
    assert actions_on(reminders, day1)["cold_therapy"] > 0
    assert actions_on(reminders, day1)["heat_therapy"] == 0
    assert actions_on(reminders, day4)["heat_therapy"] > 0
    assert actions_on(reminders, day4)["cold_therapy"] == 0


def test_cold_sessions_stop_before_onset_plus_72_hours_within_the_day(engine: Engine) -> None:
    onset = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)  # 72 h later: Thursday 12:30
    reminders = reminders_for(engine, onset=onset)
    thursday = [r for r in reminders if r.start.date() == date(2026, 3, 5)]
    cold = [r.start.time() for r in thursday if r.action == "cold_therapy"]
    assert cold == [time(7), time(9), time(11)]  # 13:00 would be after 12:30
    heat = [r.start.time() for r in thursday if r.action == "heat_therapy"]
    assert heat == [time(14), time(21)]  # heat is timetabled from 72 h


def test_cold_session_that_would_run_past_72_hours_is_dropped(engine: Engine) -> None:
    onset = datetime(2026, 3, 2, 9, 10, tzinfo=UTC)  # 72 h later: Thursday 09:10
    reminders = reminders_for(engine, onset=onset)
    cold = [r for r in reminders if r.action == "cold_therapy"]
    assert max(r.end for r in cold) <= onset + COLD_PHASE
    assert datetime(2026, 3, 5, 9, 0, tzinfo=UTC) not in {r.start for r in cold}


def test_walking_prompts_come_every_hour_while_awake(engine: Engine) -> None:
    reminders = reminders_for(engine, onset=datetime(2026, 3, 1, 6, 0, tzinfo=UTC), days=2)
    walks = [r.start for r in reminders if r.action == "keep_moving" and r.start.day == 2]
    assert walks[0].time() == time(7, 30)
    assert all(b - a == timedelta(hours=1) for a, b in itertools.pairwise(walks))
    assert len(walks) == 15


def test_nothing_is_scheduled_before_the_onset(engine: Engine) -> None:
    onset = datetime(2026, 3, 2, 15, 45, tzinfo=UTC)
    reminders = reminders_for(engine, onset=onset, first_day=date(2026, 3, 1))
    assert min(r.start for r in reminders) >= onset


def test_urgent_triage_holds_the_exercise_sessions(engine: Engine) -> None:
    reminders = reminders_for(engine, red_flags__fever=True)
    assert "exercises" not in {r.action for r in reminders}
    assert "cold_therapy" in {r.action for r in reminders}


def test_emergency_gives_no_reminders(engine: Engine) -> None:
    assert reminders_for(engine, red_flags__saddle_numbness=True) == []


# --- the waking day and the cold phase, for any onset, waking day and zone -------------------

zones = st.sampled_from(
    [
        UTC,
        LONDON,
        ZoneInfo("America/New_York"),
        ZoneInfo("Australia/Sydney"),
        timezone(timedelta(hours=5, minutes=30)),
    ]
)


@st.composite
def waking_days(draw: st.DrawFn) -> tuple[time, time]:
    wake = draw(st.integers(4 * 60, 11 * 60))
    sleep = draw(st.integers(wake + 30, 23 * 60 + 59))
    return time(wake // 60, wake % 60), time(sleep // 60, sleep % 60)


@HYPOTHESIS
@given(
    onset=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    day=waking_days(),
    tz=zones,
    days_before=st.integers(0, 2),
    days=st.integers(1, 10),
)
def test_reminders_stay_in_the_waking_day_and_cold_stays_in_the_cold_phase(
    kb: KnowledgeBase,
    onset: datetime,
    day: tuple[time, time],
    tz: tzinfo,
    days_before: int,
    days: int,
) -> None:
    wake, sleep = day
    engine = Engine(kb, Settings(wake_time=wake, sleep_time=sleep))
    first = onset.astimezone(tz).date() - timedelta(days=days_before)
    reminders = reminders_for(engine, onset=onset, tz=tz, first_day=first, days=days)
    for reminder in reminders:
        start, end = reminder.start.astimezone(tz), reminder.end.astimezone(tz)
        assert start.date() == end.date()
        assert wake <= start.time(), reminder
        assert end.time() <= sleep, reminder
        assert reminder.start >= onset
        if reminder.action == "cold_therapy":
            assert reminder.end <= onset + COLD_PHASE, reminder
        if reminder.action == "heat_therapy":
            assert reminder.start >= onset + COLD_PHASE, reminder
    assert len({r.uid for r in reminders}) == len(reminders)
    parsed = events(to_ical(reminders, tz=tz, now=onset))
    assert len(parsed) == len(reminders)
    for event, reminder in zip(parsed, reminders, strict=True):
        assert event.decoded("dtstart") == reminder.start
        assert event.decoded("dtend") == reminder.end
    # One start alarm per slot (the same hour of the local clock), every slot alarmed.
    starts = [
        e.decoded("dtstart").astimezone(tz)
        for e in parsed
        if any("RELATED" not in a["TRIGGER"].params for a in e.walk("VALARM"))
    ]
    slots = {(r.start.astimezone(tz).date(), r.start.astimezone(tz).hour) for r in reminders}
    assert len(starts) == len(slots)
    assert {(s.date(), s.hour) for s in starts} == slots


# --- the file ------------------------------------------------------------------------------


def _start_alarms(event: Any) -> list[Any]:
    return [a for a in event.walk("VALARM") if "RELATED" not in a["TRIGGER"].params]


def test_each_slot_has_one_display_alarm_at_its_start_naming_all_it_holds(
    engine: Engine,
) -> None:
    data = to_ical(reminders_for(engine, days=1), tz=UTC, now=START)
    alarmed = [(e, a) for e in events(data) for a in _start_alarms(e)]
    hours = [e.decoded("dtstart").hour for e, _ in alarmed]
    assert len(hours) == len(set(hours)), "at most one alarm per slot"
    for _, alarm in alarmed:
        assert alarm["ACTION"] == "DISPLAY"
        assert alarm.decoded("TRIGGER") == timedelta(0)  # never before: do not wake anyone
        words = str(alarm["DESCRIPTION"]).split(" + ")
        assert len(words) == len(set(words)), "nothing repeats inside one alarm"
    assert any(" + " in str(a["DESCRIPTION"]) for _, a in alarmed)
    assert len(alarmed) < len(events(data))


def test_nothing_alarms_in_the_past(engine: Engine) -> None:
    reminders = reminders_for(engine, days=1)
    now = reminders[len(reminders) // 2].start
    for event in events(to_ical(reminders, tz=UTC, now=now)):
        for alarm in event.walk("VALARM"):
            related_end = "RELATED" in alarm["TRIGGER"].params
            at = event.decoded("dtend") if related_end else event.decoded("dtstart")
            assert at >= now


def test_cold_sessions_also_alarm_at_their_end_to_take_the_pack_off(engine: Engine) -> None:
    data = to_ical(reminders_for(engine, days=1), tz=UTC, now=START)
    cold = [e for e in events(data) if "cold_therapy" in str(e.get("CATEGORIES").to_ical())]
    assert cold
    for event in cold:
        end_alarm = event.walk("VALARM")[1]
        assert end_alarm["TRIGGER"].params["RELATED"] == "END"
        assert "20 minutes at most" in str(end_alarm["DESCRIPTION"])
        assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=20)


def test_event_descriptions_carry_the_safety_advice_and_emergency_number(engine: Engine) -> None:
    data = to_ical(reminders_for(engine, days=1), tz=UTC, now=START)
    cold = next(e for e in events(data) if "Cold pack" in str(e["SUMMARY"]))
    description = str(cold["DESCRIPTION"])
    assert "never put ice straight onto bare skin" in description
    assert "Emergency number: 999" in description


def test_named_zone_writes_a_vtimezone_bounded_to_the_calendar_dates(engine: Engine) -> None:
    onset = datetime(2026, 3, 27, 10, 0, tzinfo=LONDON)  # clocks go forward on the 29th
    data = to_ical(reminders_for(engine, onset=onset, tz=LONDON), tz=LONDON, now=onset)
    calendar = icalendar.Calendar.from_ical(data)
    (zone,) = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/London"
    assert len(zone.subcomponents) <= 3  # not decades of transitions
    assert b"DTSTART;TZID=Europe/London:20260330T070000" in data
    assert calendar.get_missing_tzids() == set()


def test_fixed_offset_zone_writes_utc_times(engine: Engine) -> None:
    tz = timezone(timedelta(hours=-5))
    onset = datetime(2026, 3, 2, 8, 0, tzinfo=tz)
    data = to_ical(reminders_for(engine, onset=onset, tz=tz, days=1), tz=tz, now=START)
    assert b"VTIMEZONE" not in data
    assert b"DTSTART:20260302T130000Z" in data  # 08:00 at UTC-5


def test_uids_are_stable_so_a_reimport_updates_the_events(engine: Engine) -> None:
    reminders = reminders_for(engine, days=2)
    first = events(to_ical(reminders, tz=UTC, now=START))
    later = events(to_ical(reminders_for(engine, days=2), tz=UTC, now=START + timedelta(hours=3)))
    assert [str(e["UID"]) for e in first] == [str(e["UID"]) for e in later]
    assert first[0].decoded("dtstamp") < later[0].decoded("dtstamp")


def test_empty_reminder_list_is_still_a_valid_calendar() -> None:
    calendar = icalendar.Calendar.from_ical(to_ical([], tz=UTC, now=START))
    assert calendar["PRODID"] == "-//backcare//reminders//EN"
    assert calendar.walk("VEVENT") == []


@pytest.mark.parametrize(
    "days",
    [
        pytest.param(0, id="zero"),
        pytest.param(MAX_DAYS + 1, id="too-many"),
        pytest.param(True, id="boolean"),
    ],
)
def test_days_out_of_range_is_an_input_error_naming_the_option(engine: Engine, days: int) -> None:
    with pytest.raises(InputError) as caught:
        reminders_for(engine, days=days)
    assert caught.value.problems[0].field == "--days"


# --- from answers, without a diary ----------------------------------------------------------


def test_reminders_from_answers_alone_give_a_calendar(engine: Engine) -> None:
    data = reminders_ics(
        start_answers(), onset=START, engine=engine, tz=UTC, now=START + timedelta(hours=1)
    )
    assert len(events(data)) > 50


def test_reminders_from_emergency_answers_are_refused(engine: Engine) -> None:
    with pytest.raises(ConflictError, match="on hold"):
        reminders_ics(
            start_answers(red_flags__bladder_or_bowel_change=True),
            onset=START,
            engine=engine,
            tz=UTC,
            now=START,
        )


def test_waking_day_too_short_for_any_reminder_is_an_input_error(kb: KnowledgeBase) -> None:
    engine = Engine(kb, Settings(wake_time=time(7, 0), sleep_time=time(7, 4)))
    with pytest.raises(InputError) as caught:
        reminders_ics(start_answers(), onset=START, engine=engine, tz=UTC, now=START, days=1)
    assert "WAKE_TIME" in caught.value.problems[0].field


# --- from the diary --------------------------------------------------------------------------


def test_export_ics_of_the_active_episode_starts_today(
    sqlite_diary: Diary, clock: FakeClock
) -> None:
    sqlite_diary.start_episode(onset=START - timedelta(hours=30), answers=start_answers())
    reminders = events(export_ics(sqlite_diary, days=3))
    starts = [e.decoded("dtstart") for e in reminders]
    assert min(starts).date() == START.date()
    assert max(starts).date() == START.date() + timedelta(days=2)
    assert all(str(e["UID"]).startswith(sqlite_diary.episode().uid) for e in reminders)


def test_export_ics_follows_a_checkin_that_raised_triage(
    sqlite_diary: Diary, clock: FakeClock
) -> None:
    sqlite_diary.start_episode(onset=START, answers=start_answers())
    clock.advance(hours=2)
    sqlite_diary.check_in(CheckInEntry(pain=5, answers={"red_flags": {"fever": True}}))
    summaries = {str(e["SUMMARY"]) for e in events(export_ics(sqlite_diary, days=2))}
    assert not any(s.startswith("Exercise session") for s in summaries)


def test_export_ics_of_a_resolved_episode_is_a_conflict(
    sqlite_diary: Diary, clock: FakeClock
) -> None:
    sqlite_diary.start_episode(onset=START, answers=start_answers())
    clock.advance(hours=1)
    sqlite_diary.resolve()
    with pytest.raises(ConflictError, match="resolved"):
        export_ics(sqlite_diary)


def test_export_ics_in_an_emergency_is_a_conflict(sqlite_diary: Diary) -> None:
    sqlite_diary.start_episode(onset=START, answers=start_answers(red_flags__saddle_numbness=True))
    with pytest.raises(ConflictError, match="on hold"):
        export_ics(sqlite_diary)


def test_export_ics_of_an_empty_diary_is_not_found(sqlite_diary: Diary) -> None:
    with pytest.raises(NotFoundError):
        export_ics(sqlite_diary)


def test_feed_of_a_resolved_episode_is_an_empty_valid_calendar(
    sqlite_diary: Diary, clock: FakeClock
) -> None:
    episode = sqlite_diary.start_episode(onset=START, answers=start_answers()).episode
    clock.advance(hours=1)
    sqlite_diary.resolve()
    calendar = icalendar.Calendar.from_ical(calendar_feed(episode.id, diary=sqlite_diary))
    assert calendar.walk("VEVENT") == []
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"


def test_feed_of_an_active_episode_has_the_reminders(sqlite_diary: Diary) -> None:
    episode = sqlite_diary.start_episode(onset=START, answers=start_answers()).episode
    data = calendar_feed(episode.id, diary=sqlite_diary, days=1)
    assert {str(e["SUMMARY"]) for e in events(data)} >= {
        "Cold pack, wrapped in a towel (20 minutes at most)",
        "Get up and walk for a few minutes",
        "Daily check-in: pain score and notes",
    }


def test_feed_of_an_unknown_episode_is_not_found(sqlite_diary: Diary) -> None:
    with pytest.raises(NotFoundError):
        calendar_feed(99, diary=sqlite_diary)


@HYPOTHESIS
@given(spec=episode_specs)
def test_every_generated_episode_gives_a_valid_feed(engine: Engine, spec: EpisodeSpec) -> None:
    clock = FakeClock()
    with Diary(open_store("sqlite://"), engine=engine, clock=clock, tz=LONDON) as diary:
        episode_id = build_episode(diary, clock, spec)
        onset = diary.episode(episode_id).onset_at
        data = calendar_feed(episode_id, diary=diary, days=4)
    for event in events(data):
        start = event.decoded("dtstart")
        assert start >= onset
        if "cold_therapy" in str(event.get("CATEGORIES").to_ical()):
            assert event.decoded("dtend") <= onset + COLD_PHASE
    if spec.resolved:
        assert events(data) == []
