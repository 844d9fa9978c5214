"""The care plan: phases by time, cold then heat, medicines by contraindication, schedule."""

from __future__ import annotations

from datetime import time

import pytest
from tests.factories import all_no

from backcare import Engine, KnowledgeBase, MedicineStatus, Phase, Settings
from backcare.rules.assessor import default_engine


@pytest.mark.parametrize(
    ("hours", "phase"),
    [
        pytest.param(0, Phase.ACUTE, id="onset"),
        pytest.param(71.9, Phase.ACUTE, id="just-before-72h"),
        pytest.param(72, Phase.SUBACUTE, id="at-72h"),
        pytest.param(335, Phase.SUBACUTE, id="day-13"),
        pytest.param(336, Phase.RECOVERY, id="day-14"),
        pytest.param(2000, Phase.RECOVERY, id="week-12"),
    ],
)
def test_phase_follows_time_since_onset(engine: Engine, hours: float, phase: Phase) -> None:
    assert engine.assess(all_no(hours_since_onset=hours)).plan.phase is phase


@pytest.mark.parametrize(
    ("hours", "cold", "heat"),
    [
        pytest.param(2, True, False, id="first-48h-cold-only"),
        pytest.param(47.9, True, False, id="just-before-48h"),
        pytest.param(48, True, True, id="48-72h-either"),
        pytest.param(72, False, True, id="from-72h-heat-only"),
        pytest.param(500, False, True, id="recovery-heat"),
    ],
)
def test_cold_early_heat_later(engine: Engine, hours: float, cold: bool, heat: bool) -> None:
    plan = engine.assess(all_no(hours_since_onset=hours)).plan
    ids = {r.id for r in plan.recommendations}
    assert ("cold_therapy" in ids) is cold
    assert ("heat_therapy" in ids) is heat
    scheduled = {item.action for item in plan.schedule}
    assert ("cold_therapy" in scheduled) is cold
    # Between 48 and 72 h heat is an option, but only cold is timetabled.
    assert ("heat_therapy" in scheduled) is (hours >= 72)


def test_required_recommendations_carry_doses_and_sources(engine: Engine) -> None:
    plan = engine.assess(all_no(hours_since_onset=5)).plan
    recs = {r.id: r for r in plan.recommendations}
    cold = recs["cold_therapy"]
    assert cold.dose is not None
    assert cold.dose.max_minutes == 20
    assert cold.dose.every_hours == 2
    assert "seed_000" in cold.sources
    assert "keep_moving" in recs
    assert all(r.sources for r in plan.recommendations)


def test_unknown_onset_assumes_acute_and_says_so(engine: Engine) -> None:
    answers = all_no()
    del answers["hours_since_onset"]
    plan = engine.assess(answers).plan
    assert plan.phase is Phase.ACUTE
    assert "did not say when it started" in plan.phase_note


@pytest.mark.parametrize(
    ("conditions", "age", "drug", "status"),
    [
        pytest.param([], 35, "ibuprofen", MedicineStatus.SUITABLE, id="ibuprofen-healthy"),
        pytest.param(
            ["stomach_ulcer_or_bleed"], 35, "ibuprofen", MedicineStatus.AVOID, id="ibuprofen-ulcer"
        ),
        pytest.param(
            ["blood_thinners"], 35, "naproxen", MedicineStatus.AVOID, id="naproxen-blood-thinners"
        ),
        pytest.param(
            ["nsaid_allergy"], 35, "ibuprofen", MedicineStatus.AVOID, id="ibuprofen-allergy"
        ),
        pytest.param(["pregnant"], 30, "ibuprofen", MedicineStatus.AVOID, id="ibuprofen-pregnant"),
        pytest.param(
            ["asthma_nsaid_sensitive"], 30, "naproxen", MedicineStatus.AVOID, id="naproxen-asthma"
        ),
        pytest.param(
            ["high_blood_pressure"],
            50,
            "ibuprofen",
            MedicineStatus.ASK_FIRST,
            id="ibuprofen-blood-pressure",
        ),
        pytest.param(
            ["kidney_disease"], 50, "naproxen", MedicineStatus.ASK_FIRST, id="naproxen-kidney"
        ),
        pytest.param([], 70, "ibuprofen", MedicineStatus.ASK_FIRST, id="ibuprofen-over-60"),
        pytest.param([], 35, "paracetamol", MedicineStatus.SUITABLE, id="paracetamol-healthy"),
        pytest.param(
            ["liver_disease"], 35, "paracetamol", MedicineStatus.ASK_FIRST, id="paracetamol-liver"
        ),
        pytest.param(
            ["heavy_alcohol_use"],
            35,
            "paracetamol",
            MedicineStatus.ASK_FIRST,
            id="paracetamol-alcohol",
        ),
        pytest.param(
            ["pregnant"], 30, "paracetamol", MedicineStatus.SUITABLE, id="paracetamol-pregnant"
        ),
        pytest.param(
            ["stomach_ulcer_or_bleed", "high_blood_pressure"],
            35,
            "ibuprofen",
            MedicineStatus.AVOID,
            id="strictest-rule-wins",
        ),
        pytest.param(
            [], 35, "muscle_relaxants", MedicineStatus.ASK_FIRST, id="muscle-relaxants-ask-doctor"
        ),
        pytest.param(
            [], 35, "cortisone_injection", MedicineStatus.ASK_FIRST, id="injection-ask-doctor"
        ),
    ],
)
def test_medicines_follow_contraindications(
    engine: Engine, conditions: list[str], age: int, drug: str, status: MedicineStatus
) -> None:
    meds = {
        m.drug: m for m in engine.assess(all_no(conditions=conditions, age=age)).plan.medications
    }
    assert meds[drug].status is status
    if status is not MedicineStatus.SUITABLE:
        assert meds[drug].reasons
    if status is MedicineStatus.ASK_FIRST:
        assert any("ask" in r.lower() for r in meds[drug].reasons)


def test_unanswered_conditions_make_every_otc_medicine_ask_first(engine: Engine) -> None:
    answers = all_no()
    del answers["conditions"]
    meds = engine.assess(answers).plan.medications
    assert {m.status for m in meds} == {MedicineStatus.ASK_FIRST}


def test_otc_medicines_carry_label_limits(engine: Engine) -> None:
    meds = {m.drug: m for m in engine.assess(all_no()).plan.medications}
    assert meds["ibuprofen"].max_daily_mg == 1200
    assert meds["naproxen"].max_daily_mg == 660
    assert meds["paracetamol"].max_daily_mg == 4000


@pytest.mark.parametrize(
    "name", [pytest.param(n, id=n) for n in ("acetaminophen", "Paracetamol", "Tylenol")]
)
def test_acetaminophen_and_paracetamol_are_one_medicine(kb: KnowledgeBase, name: str) -> None:
    med = kb.medicine(name)
    assert med is not None
    assert med.id == "paracetamol"


@pytest.mark.parametrize(
    ("hours", "allowed", "not_allowed"),
    [
        pytest.param(10, {"knee_to_chest", "pelvic_tilt"}, {"plank", "bird_dog"}, id="acute"),
        pytest.param(100, {"bird_dog", "glute_bridge"}, {"plank"}, id="subacute"),
        pytest.param(400, {"plank", "bird_dog"}, set(), id="recovery"),
    ],
)
def test_exercises_are_gated_by_phase(
    engine: Engine, hours: float, allowed: set[str], not_allowed: set[str]
) -> None:
    ids = {e.id for e in engine.assess(all_no(hours_since_onset=hours)).plan.exercises}
    assert allowed <= ids
    assert not (not_allowed & ids)


@pytest.mark.parametrize(
    ("height", "weight", "value", "category"),
    [
        pytest.param(180, 60, 18.5, "healthy weight", id="boundary-healthy"),
        pytest.param(170, 50, 17.3, "underweight", id="underweight"),
        pytest.param(175, 80, 26.1, "overweight", id="overweight"),
        pytest.param(160, 90, 35.2, "obese", id="obese"),
    ],
)
def test_bmi_is_computed_from_height_and_weight(
    engine: Engine, height: float, weight: float, value: float, category: str
) -> None:
    bmi = engine.assess(all_no(height_cm=height, weight_kg=weight)).plan.bmi
    assert bmi is not None
    assert bmi.value == value
    assert bmi.category == category
    assert default_engine().bmi_band(value) == category


def test_schedule_stays_within_waking_hours(kb: KnowledgeBase) -> None:
    engine = Engine(kb, Settings(wake_time=time(8, 0), sleep_time=time(20, 0)))
    schedule = engine.assess(all_no(hours_since_onset=3)).plan.schedule
    times = [item.time for item in schedule]
    assert times == sorted(times)
    assert all("08:00" <= t < "20:00" for t in times)
    cold = [item.time for item in schedule if item.action == "cold_therapy"]
    assert cold == ["08:00", "10:00", "12:00", "14:00", "16:00", "18:00"]
    assert [i.time for i in schedule if i.action == "daily_checkin"] == ["19:00"]
    walks = [item for item in schedule if item.action == "keep_moving"]
    assert len(walks) == 12


def test_every_plan_lists_warning_signs_with_sources(engine: Engine) -> None:
    plan = engine.assess(all_no()).plan
    assert plan.see_doctor_if
    assert all(sign.sources for sign in plan.see_doctor_if)
