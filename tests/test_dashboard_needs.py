"""The clinician's dashboard: a patient with unanswered safety questions needs attention.

The patient's own pages say "We can't tell yet" while safety questions are unanswered and
nothing answered points higher; the dashboard must not tell their clinician that nothing
needs attention. Also: the plan the dashboard works out from a history it has already read
(:meth:`backcare.diary.Diary.plan_of`) is the plan read from the store
(:meth:`backcare.diary.Diary.plan`), whatever the course of the episode.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from backcare import Engine
from backcare.accounts import Accounts
from backcare.accounts.dashboard import dashboard
from backcare.diary import Diary
from backcare.diary.inputs import CheckInEntry
from backcare.domain.verdict import INCOMPLETE, verdict_state
from backcare.store import Store
from store_fixtures import START, FakeClock, start_answers, store, store_url  # noqa: F401  (fixtures)

PASSWORD = "a long enough password for the tests"


def _diary(accounts: Accounts, email: str, engine: Engine, clock: FakeClock) -> Diary:
    person = accounts.add_person(email=email, role="patient", password=PASSWORD, care_team="north")
    return Diary(accounts.store.for_person(person.id), engine=engine, clock=clock)


def test_unanswered_safety_questions_come_before_nothing_needs_attention(
    store: Store,  # noqa: F811
    engine: Engine,
) -> None:
    clock = FakeClock(START)
    accounts = Accounts(store, clock=clock)
    clinician = accounts.add_person(
        email="north@example.org", role="clinician", password=PASSWORD, care_team="north"
    )
    answered = _diary(accounts, "answered@example.org", engine, clock)
    answered.start_episode(onset=START - timedelta(hours=20), answers=start_answers(pain=6))
    skipped = _diary(accounts, "skipped@example.org", engine, clock)
    skipped.start_episode(onset=START - timedelta(hours=20), answers={"age": 40, "pain": 6})
    _diary(accounts, "new@example.org", engine, clock)  # no episode yet
    clock.advance(hours=6)
    for diary in (answered, skipped):
        diary.check_in(CheckInEntry(pain=5))
    open_questions = skipped.plan().triage
    assert verdict_state(open_questions) == INCOMPLETE  # what the patient's own pages show
    rows = dashboard(accounts, clinician, engine=engine, clock=clock)
    assert [(row.patient.email, row.need, row.reason) for row in rows] == [
        (
            "skipped@example.org",
            3,
            f"{len(open_questions.missing)} safety questions unanswered",
        ),
        ("answered@example.org", 7, "Nothing needs attention"),
        ("new@example.org", 7, "No episode recorded yet"),
    ]


def _complete(diary: Diary, clock: FakeClock) -> None:
    diary.start_episode(onset=START - timedelta(hours=30), answers=start_answers(pain=7))
    for pain in (6, 5, 3):
        clock.advance(hours=8)
        diary.check_in(CheckInEntry(pain=pain))


def _skipped(diary: Diary, clock: FakeClock) -> None:
    diary.start_episode(onset=START - timedelta(hours=3), answers={"age": 70, "pain": 8})
    clock.advance(hours=5)
    diary.check_in(CheckInEntry(pain=9, worst_pain=10))


def _flag_at_a_check_in(diary: Diary, clock: FakeClock) -> None:
    diary.start_episode(onset=START - timedelta(days=3), answers=start_answers(pain=5))
    clock.advance(hours=10)
    diary.check_in(CheckInEntry(pain=6, answers={"red_flags": {"fever": True}}))
    clock.advance(hours=10)
    diary.check_in(CheckInEntry(pain=7))


def _getting_worse_then_resolved(diary: Diary, clock: FakeClock) -> None:
    diary.start_episode(onset=START - timedelta(days=2), answers=start_answers(pain=3))
    for pain in (5, 7, 8):
        clock.advance(days=1)
        diary.check_in(CheckInEntry(pain=pain))
    clock.advance(days=2)
    diary.resolve()


@pytest.mark.parametrize(
    "course",
    [
        pytest.param(_complete, id="answered-and-improving"),
        pytest.param(_skipped, id="safety-questions-skipped"),
        pytest.param(_flag_at_a_check_in, id="red-flag-ticked-at-a-check-in"),
        pytest.param(_getting_worse_then_resolved, id="worse-then-resolved"),
    ],
)
def test_the_plan_of_a_loaded_history_is_the_plan_read_from_the_store(
    store: Store,  # noqa: F811
    engine: Engine,
    course: Callable[[Diary, FakeClock], Any],
) -> None:
    clock = FakeClock(START)
    diary = Diary(store, engine=engine, clock=clock)
    course(diary, clock)
    clock.advance(hours=3)
    assert diary.plan_of(diary.history()) == diary.plan()
