"""What to do now: dose text, the do-now actions, schedule slots and the day seen at a time."""

from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.factories import all_no

from backcare import Engine, KnowledgeBase
from backcare.domain.results import Dose, ScheduleItem
from backcare.viewmodels.donow import (
    MAX_ACTIONS,
    Slot,
    day_view,
    do_now,
    dose_text,
    merge_schedule,
    minutes_text,
    short_title,
)


def _otc(kb: KnowledgeBase) -> frozenset[str]:
    return frozenset(m.id for m in kb.medicines if m.otc)


@pytest.mark.parametrize(
    ("dose", "now", "text"),
    [
        pytest.param(
            Dose(minutes=20, every_hours=2), False, "20 minutes, every 2 hours", id="cold"
        ),
        pytest.param(
            Dose(minutes=20, every_hours=2), True, "20 minutes now, then every 2 hours", id="now"
        ),
        pytest.param(Dose(minutes=5, every_hours=1), False, "5 minutes, every hour", id="hourly"),
        pytest.param(
            Dose(minutes=1, times_per_day=1), False, "1 minute, once a day", id="singular"
        ),
        pytest.param(Dose(times_per_day=2), False, "twice a day", id="twice"),
        pytest.param(Dose(times_per_day=3), False, "3 times a day", id="three"),
        pytest.param(Dose(every_hours=1.5), True, "every 1.5 hours", id="no-minutes"),
        pytest.param(
            Dose(minutes=10, max_minutes=20), False, "10 minutes (at most 20 minutes)", id="max"
        ),
        pytest.param(Dose(amount="2 litres a day"), False, "2 litres a day", id="amount"),
    ],
)
def test_dose_text_spaces_and_pluralises(dose: Dose, now: bool, text: str) -> None:
    assert dose_text(dose, now=now) == text


@pytest.mark.parametrize(
    ("count", "text"),
    [
        pytest.param(1, "1 minute", id="one"),
        pytest.param(2.0, "2 minutes", id="float-two"),
        pytest.param(0.5, "0.5 minutes", id="half"),
    ],
)
def test_minutes_pluralise(count: float, text: str) -> None:
    assert minutes_text(count) == text


@pytest.mark.parametrize(
    ("title", "short"),
    [
        pytest.param("Cold pack, wrapped in a towel (20 minutes at most)", "Cold pack", id="comma"),
        pytest.param("Exercise session: Pelvic tilt, Cat-cow", "Exercise session", id="colon"),
        pytest.param(
            "Get up and walk for a few minutes", "Get up and walk for a few minutes", id="plain"
        ),
    ],
)
def test_short_title(title: str, short: str) -> None:
    assert short_title(title) == short


def test_a_first_day_self_care_plan_starts_with_cold_and_walking(
    engine: Engine, kb: KnowledgeBase
) -> None:
    actions = do_now(engine.assess(all_no(hours_since_onset=6)), otc=_otc(kb).__contains__)
    assert 3 <= len(actions) <= MAX_ACTIONS
    assert actions[0].title.startswith("Cold pack")
    assert actions[0].detail == "20 minutes now, then every 2 hours"
    assert "walk" in actions[1].title
    assert all(a.sources for a in actions)
    medicine = [a for a in actions if "suits you" in a.title]
    assert medicine, "a typical adult with no conditions gets a painkiller that suits them"
    assert medicine[0].title == "Ibuprofen suits you"


def test_after_three_days_warmth_replaces_cold(engine: Engine, kb: KnowledgeBase) -> None:
    actions = do_now(engine.assess(all_no(hours_since_onset=100)), otc=_otc(kb).__contains__)
    titles = " ".join(a.title for a in actions)
    assert "Cold pack" not in titles


def test_prescription_medicines_are_never_a_do_now_action(engine: Engine) -> None:
    actions = do_now(engine.assess(all_no()), otc=lambda drug: False)
    assert not [a for a in actions if "suits you" in a.title or "pharmacist" in a.title]


@pytest.mark.parametrize(
    ("conditions", "title"),
    [
        pytest.param([], "Ibuprofen suits you", id="no-conditions"),
        pytest.param(["pregnant"], "Paracetamol (acetaminophen) suits you", id="pregnant"),
        pytest.param(
            ["nsaid_allergy"], "Paracetamol (acetaminophen) suits you", id="nsaid-allergy"
        ),
        pytest.param(
            ["asthma_nsaid_sensitive", "liver_disease"],
            "Ask a pharmacist before taking painkillers",
            id="asthma-and-liver",
        ),
    ],
)
def test_the_medicine_action_follows_the_medicine_advice(
    engine: Engine, kb: KnowledgeBase, conditions: list[str], title: str
) -> None:
    actions = do_now(engine.assess(all_no(conditions=conditions)), otc=_otc(kb).__contains__)
    medicine = [a for a in actions if "suits you" in a.title or "pharmacist" in a.title]
    assert [a.title for a in medicine] == [title]


CONDITIONS = (
    "pregnant",
    "stomach_ulcer_or_bleed",
    "kidney_disease",
    "liver_disease",
    "heart_disease_or_stroke",
    "high_blood_pressure",
    "asthma_nsaid_sensitive",
    "nsaid_allergy",
    "blood_thinners",
    "heavy_alcohol_use",
)


@given(
    conditions=st.lists(st.sampled_from(CONDITIONS), unique=True),
    age=st.integers(16, 95),
)
def test_a_medicine_the_plan_says_to_avoid_is_never_a_do_now_action(
    engine: Engine, kb: KnowledgeBase, conditions: list[str], age: int
) -> None:
    assessment = engine.assess(all_no(conditions=conditions, age=age))
    actions = do_now(assessment, otc=_otc(kb).__contains__)
    suits = {m.name for m in assessment.plan.medications if m.status.value == "suitable"}
    for action in actions:
        if action.title.endswith(" suits you"):
            assert action.title.removesuffix(" suits you") in suits


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param(all_no(red_flags={"saddle_numbness": True}), id="emergency"),
        pytest.param({"age": 35, "trigger": "lifting"}, id="incomplete"),
    ],
)
def test_no_do_now_list_for_an_emergency_or_an_incomplete_result(
    engine: Engine, kb: KnowledgeBase, answers: dict[str, object]
) -> None:
    assert do_now(engine.assess(answers), otc=_otc(kb).__contains__) == ()


def _item(at: str, action: str, title: str, minutes: float | None = None) -> ScheduleItem:
    return ScheduleItem(time=at, action=action, title=title, minutes=minutes)


def test_items_of_the_same_hour_become_one_slot() -> None:
    slots = merge_schedule(
        [
            _item("09:00", "cold_therapy", "Cold pack, wrapped in a towel", 20),
            _item("09:30", "keep_moving", "Get up and walk", 5),
            _item("10:30", "keep_moving", "Get up and walk", 5),
        ]
    )
    assert [(s.time, s.label, s.minutes) for s in slots] == [
        ("09:00", "Cold pack + get up and walk", 25),
        ("10:30", "Get up and walk", 5),
    ]


def test_an_action_appears_once_in_a_slot() -> None:
    slots = merge_schedule(
        [
            _item("21:00", "exercises", "Exercise session"),
            _item("21:15", "exercises", "Exercise session"),
        ]
    )
    assert slots == (Slot("21:00", ("exercises",), ("Exercise session",), None),)


def test_the_typical_day_has_one_slot_per_waking_hour_at_most(engine: Engine) -> None:
    plan = engine.assess(all_no(hours_since_onset=6)).plan
    slots = merge_schedule(plan.schedule)
    hours = [s.at.hour for s in slots]
    assert len(hours) == len(set(hours))
    assert len(slots) < len(plan.schedule)
    assert {a for s in slots for a in s.actions} == {i.action for i in plan.schedule}


SLOTS = merge_schedule(
    [
        _item("07:00", "cold_therapy", "Cold pack", 20),
        _item("09:00", "cold_therapy", "Cold pack", 20),
        _item("11:00", "cold_therapy", "Cold pack", 20),
        _item("13:00", "cold_therapy", "Cold pack", 20),
    ]
)


@pytest.mark.parametrize(
    ("now", "since", "due", "following", "shown"),
    [
        pytest.param(time(11, 20), time(11, 9), None, "13:00", ["13:00"], id="began-11-09"),
        pytest.param(
            time(11, 20),
            None,
            "11:00",
            "13:00",
            ["07:00", "09:00", "11:00", "13:00"],
            id="mid-slot",
        ),
        pytest.param(
            time(6, 0), None, None, "07:00", ["07:00", "09:00", "11:00", "13:00"], id="before-day"
        ),
        pytest.param(
            time(23, 0), None, None, None, ["07:00", "09:00", "11:00", "13:00"], id="after-day"
        ),
    ],
)
def test_the_day_from_the_episode_start_and_the_clock(
    now: time, since: time | None, due: str | None, following: str | None, shown: list[str]
) -> None:
    day = day_view(SLOTS, now, since=since)
    assert (day.now.time if day.now else None) == due
    assert (day.next.time if day.next else None) == following
    seen = [
        s.time
        for s in (
            *day.done,
            *([day.now] if day.now else []),
            *([day.next] if day.next else []),
            *day.later,
        )
    ]
    assert seen == shown


@given(st.times(), st.one_of(st.none(), st.times()))
def test_every_slot_is_shown_once_and_nothing_before_the_start(
    now: time, since: time | None
) -> None:
    day = day_view(SLOTS, now, since=since)
    seen = [
        *day.done,
        *([day.now] if day.now else []),
        *([day.next] if day.next else []),
        *day.later,
    ]
    assert len(seen) == len(set(seen))
    if since is not None:
        assert all(s.at >= since.replace(second=0, microsecond=0) for s in seen)
    if day.next is not None:
        assert day.next.at > now.replace(second=0, microsecond=0)


def test_the_terminal_today_panel_shows_now_and_next_from_the_start(engine: Engine) -> None:
    from datetime import UTC, datetime

    from rich.console import Console

    from backcare.cli.render import render_now_next

    plan = engine.assess(all_no(hours_since_onset=2)).plan
    console = Console(record=True, width=100)
    now = datetime(2026, 3, 2, 11, 10, tzinfo=UTC)
    render_now_next(console, plan, onset=datetime(2026, 3, 2, 11, 9, tzinfo=UTC), now=now)
    text = console.export_text()
    assert "Next 11:30" in text
    assert "Now " not in text  # the 11:00 slot began before the episode did


def test_items_before_the_start_go_before_merging() -> None:
    items = [
        _item("11:00", "cold_therapy", "Cold pack", 20),
        _item("11:30", "keep_moving", "Get up and walk", 5),
    ]
    assert [s.label for s in merge_schedule(items, since=time(11, 9))] == ["Get up and walk"]
