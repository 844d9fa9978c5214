"""A check-in keeps everything: a dose over a limit is recorded flagged, with what to do next.

Also: a red flag said to have gone is a new "no" answer with its time, and the
earlier "yes" stays in the history.
"""

# ruff: noqa: F811  (pytest fixtures imported from store_fixtures are redefined as arguments)
from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcare import Engine
from backcare.diary import ActionCount, CheckInEntry, Diary, DoseEntry, DoseLimit, SelfCareAction
from backcare.domain.enums import TriageLevel
from backcare.store import open_store
from store_fixtures import (  # noqa: F401  (fixtures)
    START,
    FakeClock,
    clock,
    sqlite_diary,
    sqlite_url,
    start_answers,
)

ACTIONS = (ActionCount(SelfCareAction.WALK, 6), ActionCount(SelfCareAction.ICE, 3))


@pytest.mark.parametrize(
    ("answers", "earlier", "dose", "limit", "next_after", "over_maximum"),
    [
        pytest.param(
            {}, [("ibuprofen", 400, 1)], ("ibuprofen", 400), DoseLimit.MIN_INTERVAL,
            timedelta(hours=4), False, id="ibuprofen-too-soon",
        ),
        pytest.param(
            {}, [("paracetamol", 1000, h) for h in (16, 12, 8, 4)], ("paracetamol", 1000),
            DoseLimit.DAILY_MAXIMUM, timedelta(hours=12), True, id="paracetamol-over-4g",
        ),
        pytest.param(
            {}, [], ("ibuprofen", 800), DoseLimit.SINGLE_DOSE, timedelta(hours=4), True,
            id="ibuprofen-double-dose",
        ),
        pytest.param(
            {"conditions": ["pregnant"]}, [], ("ibuprofen", 200), DoseLimit.AVOID, None, False,
            id="ibuprofen-in-pregnancy",
        ),
        pytest.param(
            {"age": 14}, [], ("paracetamol", 500), DoseLimit.DAILY_MAXIMUM, None, False,
            id="child-no-safe-adult-maximum",
        ),
    ],
)  # fmt: skip
def test_a_dose_over_a_limit_is_recorded_flagged_with_the_rest_and_advice(
    sqlite_diary: Diary,
    clock: FakeClock,
    answers: dict[str, object],
    earlier: list[tuple[str, int, float]],
    dose: tuple[str, int],
    limit: DoseLimit,
    next_after: timedelta | None,
    over_maximum: bool,
) -> None:
    sqlite_diary.start_episode(onset=START, answers=start_answers(**answers))
    clock.advance(hours=20)
    for drug, mg, hours_ago in earlier:
        sqlite_diary.check_in(
            CheckInEntry(pain=6, doses=(DoseEntry(drug, mg, clock() - timedelta(hours=hours_ago)),))
        )
    result = sqlite_diary.check_in(
        CheckInEntry(
            pain=4,
            worst_pain=7,
            actions=ACTIONS,
            doses=(DoseEntry(*dose),),
            answers={"red_flags": {"fever": False}},
            note="took it for the night",
        )
    )
    [check] = result.doses
    assert limit in {p.limit for p in check.problems}
    [advice] = result.dose_advice
    assert advice.over_maximum is over_maximum
    assert advice.evidence.value == "guideline"
    assert advice.sources[0].startswith("nhs_")
    assert "NHS 111" in advice.overdose
    assert "999" in advice.overdose  # the person's emergency number, filled in
    if next_after is None:
        assert advice.next_dose_at is None
        assert "until a pharmacist or doctor says you can" in advice.next_dose
    else:
        assert advice.next_dose_at == clock() + next_after
    saved = sqlite_diary.history().checkins[-1]
    assert (saved.pain, saved.worst_pain, saved.note) == (4, 7, "took it for the night")
    assert saved.actions == ACTIONS
    assert saved.answers_update == {"red_flags": {"fever": False}}
    [recorded] = saved.doses
    assert (recorded.drug, recorded.mg, recorded.overridden) == (dose[0], dose[1], True)
    assert recorded.override_reason is not None
    assert limit.value in recorded.override_reason


def test_the_next_dose_check_counts_a_flagged_dose(sqlite_diary: Diary, clock: FakeClock) -> None:
    """Leaving the dose out would let the next one through: it is counted."""
    sqlite_diary.start_episode(onset=START, answers=start_answers())
    clock.advance(hours=3)
    sqlite_diary.check_in(CheckInEntry(pain=5, doses=(DoseEntry("ibuprofen", 400),)))
    clock.advance(hours=1)
    flagged = sqlite_diary.check_in(CheckInEntry(pain=5, doses=(DoseEntry("ibuprofen", 400),)))
    assert not flagged.doses[0].allowed
    clock.advance(hours=3, minutes=30)  # 4.5 h after the first dose, 3.5 h after the second
    later = sqlite_diary.check_in(CheckInEntry(pain=5, doses=(DoseEntry("ibuprofen", 200),)))
    assert [p.limit for p in later.doses[0].problems] == [DoseLimit.MIN_INTERVAL]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pain=st.integers(0, 10),
    walks=st.integers(1, 100),
    doses=st.lists(
        st.tuples(
            st.sampled_from(["ibuprofen", "paracetamol", "naproxen"]),
            st.sampled_from([200, 220, 400, 500, 1000, 2000]),
            st.integers(0, 30),
        ),
        min_size=1,
        max_size=4,
    ),
    note=st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40),
)
def test_a_check_in_with_doses_never_loses_its_other_fields(
    sqlite_url: str,
    engine: Engine,
    pain: int,
    walks: int,
    doses: list[tuple[str, int, int]],
    note: str,
) -> None:
    clock = FakeClock(START)
    store = open_store(sqlite_url)
    with Diary(store, engine=engine, clock=clock, tz=UTC) as diary:
        if not diary.episodes():
            diary.start_episode(onset=START, answers=start_answers())
        clock.advance(hours=40)
        entry = CheckInEntry(
            pain=pain,
            actions=(ActionCount(SelfCareAction.WALK, walks),),
            doses=tuple(DoseEntry(d, mg, clock() - timedelta(hours=h)) for d, mg, h in doses),
            note=note,
        )
        result = diary.check_in(entry)
        saved = result.checkin
        assert saved.pain == pain
        assert saved.actions == entry.actions
        assert saved.note == (note.strip() or None)
        assert len(saved.doses) == len(doses)  # every dose taken is on the record
        assert [d.overridden for d in saved.doses] == [not c.allowed for c in result.doses]
        assert len(result.dose_advice) == sum(1 for c in result.doses if not c.allowed)


def test_a_red_flag_said_gone_is_a_new_answer_and_the_old_one_stays(
    sqlite_diary: Diary, clock: FakeClock
) -> None:
    sqlite_diary.start_episode(onset=START, answers=start_answers())
    clock.advance(hours=2)
    raised = sqlite_diary.check_in(CheckInEntry(pain=6, answers={"red_flags": {"fever": True}}))
    assert raised.escalation.level is TriageLevel.URGENT
    assert [f.id for f in sqlite_diary.red_flags_present()] == ["fever"]
    clock.advance(hours=20)
    cleared = sqlite_diary.check_in(CheckInEntry(pain=5, answers={"red_flags": {"fever": False}}))
    assert cleared.escalation.level is TriageLevel.SELF_CARE
    assert sqlite_diary.red_flags_present() == ()
    history = sqlite_diary.history().checkins
    assert [c.answers_update for c in history] == [
        {"red_flags": {"fever": True}},
        {"red_flags": {"fever": False}},
    ]
    assert [c.triage_level for c in history] == [TriageLevel.URGENT, TriageLevel.SELF_CARE]
    assert history[1].recorded_at - history[0].recorded_at == timedelta(hours=20)
