"""Medicine-log safety: label limits, the person's status, flagged doses and what to do next."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcare import KnowledgeBase
from backcare.diary import CheckInEntry, Diary, DoseEntry, DoseLimit
from backcare.diary.medicines import check_dose, find_medicine, window_total
from backcare.domain.enums import MedicineStatus
from backcare.errors import DoseLimitError, InputError
from store_fixtures import (  # noqa: F401  (fixtures)
    START,
    FakeClock,
    clock,
    sqlite_diary,
    sqlite_url,
    start_answers,
)

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


# --- pure checks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drug", "mg", "hours", "history", "limits"),
    [
        pytest.param("ibuprofen", 400, 4, [(0, 400)], set(), id="ibuprofen-4h-apart-ok"),
        pytest.param(
            "ibuprofen", 400, 3.5, [(0, 400)], {DoseLimit.MIN_INTERVAL}, id="ibuprofen-too-soon"
        ),
        pytest.param(
            "ibuprofen",
            400,
            18,
            [(0, 400), (6, 400), (12, 400)],
            {DoseLimit.DAILY_MAXIMUM},
            id="ibuprofen-1600-in-24h",
        ),
        pytest.param(
            "ibuprofen", 400, 24, [(0, 400), (6, 400), (12, 400)], set(), id="oldest-dropped-out"
        ),
        pytest.param(
            "ibuprofen",
            400,
            6,
            [(0, 400), (12, 400), (16, 400)],
            {DoseLimit.DAILY_MAXIMUM},
            id="backfilled-dose-counts-later-doses",
        ),
        pytest.param(
            "ibuprofen", 800, 0, [], {DoseLimit.SINGLE_DOSE}, id="above-largest-single-dose"
        ),
        pytest.param(
            "paracetamol",
            1000,
            16,
            [(0, 1000), (4, 1000), (8, 1000)],
            set(),
            id="paracetamol-4g-ok",
        ),
        pytest.param(
            "paracetamol",
            1000,
            16,
            [(0, 1000), (4, 1000), (8, 1000), (12, 1000)],
            {DoseLimit.DAILY_MAXIMUM},
            id="paracetamol-5g-refused",
        ),
        pytest.param(
            "naproxen",
            440,
            6,
            [(0, 440)],
            {DoseLimit.MIN_INTERVAL, DoseLimit.DAILY_MAXIMUM},
            id="naproxen-both-limits",
        ),
    ],
)
def test_dose_limits_from_the_knowledge_base(
    kb: KnowledgeBase,
    drug: str,
    mg: int,
    hours: float,
    history: list[tuple[float, int]],
    limits: set[DoseLimit],
) -> None:
    check = check_dose(
        find_medicine(kb, drug),
        mg=mg,
        taken_at=at(hours),
        status=MedicineStatus.SUITABLE,
        same_drug=[(at(h), m) for h, m in history],
    )
    assert {p.limit for p in check.problems} == limits
    assert check.allowed is (not limits)


def test_daily_maximum_problem_names_the_limit_and_source(kb: KnowledgeBase) -> None:
    check = check_dose(
        find_medicine(kb, "ibuprofen"),
        mg=400,
        taken_at=at(18),
        status=MedicineStatus.SUITABLE,
        same_drug=[(at(0), 400), (at(6), 400), (at(12), 400)],
    )
    [problem] = check.problems
    assert "1200 mg in 24 hours" in problem.message
    assert "1600 mg" in problem.message
    assert "ibuprofen_label" in problem.sources
    assert check.override_reason() == str(problem)


@pytest.mark.parametrize(
    ("status", "refused", "warned"),
    [
        pytest.param(MedicineStatus.AVOID, True, False, id="avoid-refused"),
        pytest.param(MedicineStatus.ASK_FIRST, False, True, id="ask-first-warns"),
        pytest.param(MedicineStatus.SUITABLE, False, False, id="suitable-silent"),
    ],
)
def test_persons_status_refuses_or_warns(
    kb: KnowledgeBase, status: MedicineStatus, refused: bool, warned: bool
) -> None:
    check = check_dose(
        find_medicine(kb, "ibuprofen"),
        mg=200,
        taken_at=at(0),
        status=status,
        status_reasons=("You are pregnant.",),
    )
    assert (not check.allowed) is refused
    assert bool(check.warnings) is warned


def test_two_anti_inflammatories_within_a_day_warn(kb: KnowledgeBase) -> None:
    check = check_dose(
        find_medicine(kb, "ibuprofen"),
        mg=200,
        taken_at=at(10),
        status=MedicineStatus.SUITABLE,
        same_class=[("Naproxen", at(2))],
    )
    assert check.allowed
    assert any("two anti-inflammatory" in w for w in check.warnings)


def test_taking_past_the_labels_maximum_days_warns(kb: KnowledgeBase) -> None:
    check = check_dose(
        find_medicine(kb, "ibuprofen"),
        mg=200,
        taken_at=at(24 * 11),
        status=MedicineStatus.SUITABLE,
        first_taken=at(0),
    )
    assert any("more than 10 days" in w for w in check.warnings)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("acetaminophen", "paracetamol", id="alias"),
        pytest.param("Nurofen", "ibuprofen", id="brand"),
        pytest.param("NAPROXEN", "naproxen", id="case"),
    ],
)
def test_medicines_are_found_by_alias(kb: KnowledgeBase, name: str, expected: str) -> None:
    assert find_medicine(kb, name).id == expected


@pytest.mark.parametrize(
    "name",
    [pytest.param("codeine", id="unknown"), pytest.param("muscle_relaxants", id="prescription")],
)
def test_unknown_or_prescription_medicines_are_refused(kb: KnowledgeBase, name: str) -> None:
    with pytest.raises(InputError, match="ibuprofen"):
        find_medicine(kb, name)


@given(
    st.lists(st.tuples(st.integers(-47, 47), st.integers(1, 1000)), max_size=8),
    st.integers(1, 1000),
)
def test_window_total_is_the_worst_24_hours_containing_the_dose(
    history: list[tuple[int, int]], mg: int
) -> None:
    doses = [(at(h / 2), m) for h, m in history]
    got = window_total(doses, at=T0, mg=mg)
    # Brute force over every half-hour window start that contains T0.
    everything = [*doses, (T0, mg)]
    brute = max(
        sum(m for t, m in everything if start <= t < start + timedelta(hours=24))
        for start in (T0 - timedelta(minutes=30 * k) for k in range(48))
    )
    assert got == brute


# --- through the diary ----------------------------------------------------------------


def begin(diary: Diary, clock: FakeClock, **answers: object) -> None:  # noqa: F811
    diary.start_episode(onset=START, answers=start_answers(**answers))
    clock.advance(hours=12)


def test_refused_dose_records_nothing_not_even_the_checkin(
    sqlite_diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    begin(sqlite_diary, clock)
    sqlite_diary.check_in(
        CheckInEntry(pain=5, doses=(DoseEntry("ibuprofen", 400, clock() - timedelta(hours=2)),))
    )
    with pytest.raises(DoseLimitError) as caught:
        sqlite_diary.check_in(
            CheckInEntry(pain=5, doses=(DoseEntry("ibuprofen", 400),)), refuse_over_limit=True
        )
    assert "min_interval" in str(caught.value)
    assert "at least 4 hours" in str(caught.value)
    assert caught.value.exit_code == 5
    history = sqlite_diary.history()
    assert len(history.checkins) == 1
    assert len(history.doses) == 1


def test_override_records_the_dose_and_what_it_overrode(
    sqlite_diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    begin(sqlite_diary, clock)
    sqlite_diary.check_in(CheckInEntry(pain=5, doses=(DoseEntry("ibuprofen", 400),)))
    clock.advance(hours=1)
    result = sqlite_diary.check_in(
        CheckInEntry(pain=5, doses=(DoseEntry("ibuprofen", 400),)), override_dose_limits=True
    )
    [check] = result.doses
    assert not check.allowed
    [dose] = result.checkin.doses
    assert dose.overridden
    assert dose.override_reason is not None
    assert dose.override_reason.startswith("min_interval")
    assert [d.overridden for d in sqlite_diary.history().doses] == [False, True]


def test_contraindicated_medicine_is_refused_unless_overridden(
    sqlite_diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    begin(sqlite_diary, clock, conditions=["pregnant"])
    with pytest.raises(DoseLimitError, match="Ibuprofen") as caught:
        sqlite_diary.check_in(
            CheckInEntry(pain=5, doses=(DoseEntry("ibuprofen", 200),)), refuse_over_limit=True
        )
    assert any("avoid" in p.problem for p in caught.value.problems)
    result = sqlite_diary.check_in(CheckInEntry(pain=5, doses=(DoseEntry("paracetamol", 500),)))
    assert result.doses[0].allowed


def test_condition_reported_at_checkin_changes_what_is_allowed(
    sqlite_diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    begin(sqlite_diary, clock)
    with pytest.raises(DoseLimitError):
        sqlite_diary.check_in(
            CheckInEntry(
                pain=5,
                answers={"conditions": ["stomach_ulcer_or_bleed"]},
                doses=(DoseEntry("ibuprofen", 200),),
            ),
            refuse_over_limit=True,
        )


def test_unanswered_conditions_warn_to_ask_first_but_record(
    sqlite_diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    begin(sqlite_diary, clock, conditions=None)
    result = sqlite_diary.check_in(CheckInEntry(pain=5, doses=(DoseEntry("acetaminophen", 500),)))
    [check] = result.doses
    assert check.drug == "paracetamol"
    assert check.status is MedicineStatus.ASK_FIRST
    assert check.warnings


def test_doses_in_one_checkin_count_against_each_other(
    sqlite_diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    begin(sqlite_diary, clock)
    doses = tuple(DoseEntry("ibuprofen", 400, clock() - timedelta(hours=h)) for h in (15, 10, 5, 0))
    with pytest.raises(DoseLimitError, match="daily_maximum"):
        sqlite_diary.check_in(CheckInEntry(pain=5, doses=doses), refuse_over_limit=True)


def test_doses_from_a_resolved_episode_still_count(
    sqlite_diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    begin(sqlite_diary, clock)
    sqlite_diary.check_in(CheckInEntry(pain=1, doses=(DoseEntry("naproxen", 440),)))
    sqlite_diary.resolve()
    clock.advance(hours=2)
    sqlite_diary.start_episode(answers={"pain": 6})
    clock.advance(minutes=10)
    with pytest.raises(DoseLimitError, match="min_interval"):
        sqlite_diary.check_in(
            CheckInEntry(pain=6, doses=(DoseEntry("naproxen", 220),)), refuse_over_limit=True
        )


def test_unknown_medicine_in_a_checkin_is_an_input_error(
    sqlite_diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    begin(sqlite_diary, clock)
    with pytest.raises(InputError, match="unknown medicine"):
        sqlite_diary.check_in(CheckInEntry(pain=5, doses=(DoseEntry("codeine", 30),)))
    assert sqlite_diary.history().checkins == ()


# --- the person's plan sets the limit, not the label (issue 14, safety follow-up) --------


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        pytest.param({"age": 14}, "adults", id="child-has-no-adult-maximum"),
        pytest.param({"conditions": ["liver_disease"]}, "liver", id="liver-disease"),
        pytest.param({"conditions": ["heavy_alcohol_use"]}, "alcohol", id="heavy-alcohol"),
        pytest.param({"weight_kg": 45}, "50 kg", id="under-50-kg"),
    ],
)
def test_plan_without_a_daily_maximum_refuses_the_dose_with_its_reason(
    sqlite_diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
    answers: dict[str, object],
    reason: str,
) -> None:
    begin(sqlite_diary, clock, **answers)
    with pytest.raises(DoseLimitError) as refused:
        sqlite_diary.check_in(
            CheckInEntry(pain=5, doses=(DoseEntry("paracetamol", 500),)), refuse_over_limit=True
        )
    problems = " ".join(p.problem for p in refused.value.problems)
    assert "no safe daily amount" in problems
    assert reason in problems
    assert sqlite_diary.history().checkins == ()
    result = sqlite_diary.check_in(
        CheckInEntry(pain=5, doses=(DoseEntry("paracetamol", 500),)), override_dose_limits=True
    )
    assert result.doses[0].problems[0].limit is DoseLimit.DAILY_MAXIMUM
    assert [d.overridden for d in sqlite_diary.history().doses] == [True]


def test_adult_with_no_lowering_condition_keeps_the_label_maximum(
    sqlite_diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    begin(sqlite_diary, clock)
    result = sqlite_diary.check_in(CheckInEntry(pain=5, doses=(DoseEntry("paracetamol", 1000),)))
    assert result.doses[0].allowed


def test_plan_maximum_below_the_label_is_the_one_checked(kb: KnowledgeBase) -> None:
    from backcare.domain.results import MedicineAdvice

    medicine = find_medicine(kb, "paracetamol")
    plan = MedicineAdvice(
        drug="paracetamol",
        name="Paracetamol",
        status=MedicineStatus.ASK_FIRST,
        reasons=("Lowered for a test.",),
        usual_dose="500 mg",
        min_interval_hours=4,
        max_daily_mg=2000,
        max_days=None,
        notes=(),
        sources=("paracetamol_label",),
    )
    check = check_dose(
        medicine,
        mg=1000,
        taken_at=at(12),
        status=MedicineStatus.ASK_FIRST,
        same_drug=[(at(0), 1000), (at(6), 1000)],
        plan=plan,
    )
    assert [p.limit for p in check.problems] == [DoseLimit.DAILY_MAXIMUM]
    assert "limit is 2000 mg" in check.problems[0].message
    assert "Lowered for a test." in check.problems[0].message
    label = check_dose(
        medicine,
        mg=1000,
        taken_at=at(12),
        status=MedicineStatus.ASK_FIRST,
        same_drug=[(at(0), 1000), (at(6), 1000)],
    )
    assert label.allowed
