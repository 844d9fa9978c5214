"""Golden triage scenarios.

Every case in ``tests/data/scenarios/*.yaml`` is a named answer set with the triage result that
the agreed triage rules (decided from the clinical fact base) give. The expected levels were
written by hand, never generated from the engine, so a failure means the engine and the agreed
rules disagree: fix the engine or argue the case with its source, do not just update it.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import backcare

SCENARIO_DIR = Path(__file__).parent / "data" / "scenarios"
MIN_CASES = 60

LEVELS = ("self_care", "see_doctor", "urgent", "emergency")
CASE_KEYS = {"id", "description", "source", "answers", "expect"}
EXPECT_KEYS = {"level", "complete", "reasons_include", "no_exercise_cards", "safety_net_covers"}
# Plan expectations (special groups and timing): medicine statuses and daily maxima by drug,
# the phase, the episode age's source, the timing note, the BMI, cards and exercises shown.
PLAN_KEYS = {
    "medicines",
    "max_daily_mg",
    "phase",
    "episode_source",
    "timing_note",
    "bmi",
    "recommendations_include",
    "recommendations_exclude",
    "exercises_include",
    "exercises_exclude",
}
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

ANSWER_KEYS = {
    "age",
    "hours_since_onset",
    "pain",
    "height_cm",
    "weight_kg",
    "trigger",
    "red_flags",
    "history",
    "conditions",
    "course",
}
RED_FLAG_KEYS = {
    "saddle_numbness",
    "bladder_or_bowel_change",
    "both_legs",
    "worsening_leg_weakness",
    "erection_problems",
    "chest_pain",
    "collapse_signs",
    "confusion_or_drowsiness",
    "fever",
    "unexplained_weight_loss",
    "night_or_rest_pain",
    "back_deformity_or_lump",
    "worse_cough_sneeze_bowel",
    "upper_back_pain",
    "urinary_symptoms",
    "one_leg_numbness_or_tingling",
}
HISTORY_KEYS = {"cancer", "osteoporosis", "long_term_steroids", "iv_drug_use", "immunosuppressed"}
COURSE_KEYS = {"days_of_self_care", "trend", "recurrent_same_spot", "disrupts_sleep_or_daily_life"}
KNOWN_REASONS = (
    RED_FLAG_KEYS
    | {f"history_{key}" for key in HISTORY_KEYS}
    | {
        "major_trauma",
        "fragility_fracture",
        "fall_check",
        "under_16",
        "pregnancy_advice",
        "course_worse",
        "recurrent_same_spot",
        "disrupts_daily_life",
        "no_improvement_2_weeks",
        "not_resolved_6_weeks",
        "severe_pain_persisting",
    }
)


def _load_cases() -> list[dict[str, Any]]:
    """Read every scenario file (sorted) and tag each case with the file it came from."""
    cases: list[dict[str, Any]] = []
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise TypeError(f"{path.name}: the top level must be a list of cases")
        for case in data:
            if not isinstance(case, dict) or "id" not in case:
                raise TypeError(f"{path.name}: every case must be a mapping with an id")
            cases.append({**case, "_file": path.name})
    return cases


CASES = _load_cases()
EXERCISE_CARDS = {r.id for r in backcare.load_knowledge_base().recommendations if r.exercise}


def _label(case: dict[str, Any]) -> str:
    return f"{case['_file']}::{case['id']}: {case.get('description', '')}"


@pytest.mark.parametrize("case", [pytest.param(case, id=str(case["id"])) for case in CASES])
def test_golden_scenario(case: dict[str, Any]) -> None:
    expect = case["expect"]
    result = backcare.assess(copy.deepcopy(case["answers"]))
    triage = result.model_dump(mode="json")["triage"]

    assert triage["level"] == expect["level"], (
        f"{_label(case)}\n  expected level {expect['level']!r}, got {triage['level']!r}; "
        f"reasons given: {[reason['id'] for reason in triage['reasons']]}"
    )
    if "complete" in expect:
        assert triage["complete"] is expect["complete"], (
            f"{_label(case)}\n  expected complete={expect['complete']}, got {triage['complete']}"
        )
    if "reasons_include" in expect:
        given = {reason["id"] for reason in triage["reasons"]}
        missing = sorted(set(expect["reasons_include"]) - given)
        assert not missing, f"{_label(case)}\n  missing reasons {missing}; given {sorted(given)}"
    if expect.get("no_exercise_cards"):
        plan = result.plan
        cards = {r.id for r in plan.recommendations} & EXERCISE_CARDS
        assert not plan.exercises, f"{_label(case)}\n  exercises in the plan"
        assert not cards, f"{_label(case)}\n  exercise cards in the plan: {sorted(cards)}"
    if "safety_net_covers" in expect:
        covered: dict[str, set[str]] = {}
        for sign in result.plan.see_doctor_if:
            for key in sign.covers:
                covered.setdefault(key, set()).add(sign.level.value)
        wrong = {
            key: sorted(covered.get(key, ()))
            for key, level in expect["safety_net_covers"].items()
            if covered.get(key) != {level}
        }
        assert not wrong, f"{_label(case)}\n  safety net levels differ: {wrong}"
    _check_plan(case, result.model_dump(mode="json"))


def _check_plan(case: dict[str, Any], result: dict[str, Any]) -> None:
    expect, plan, label = case["expect"], result["plan"], _label(case)
    meds = {m["drug"]: m for m in plan["medications"]}
    for drug, status in expect.get("medicines", {}).items():
        assert meds[drug]["status"] == status, f"{label}\n  {drug}: {meds[drug]['status']}"
    for drug, limit in expect.get("max_daily_mg", {}).items():
        assert meds[drug]["max_daily_mg"] == limit, f"{label}\n  {drug} max: {meds[drug]}"
    if "phase" in expect:
        assert plan["phase"] == expect["phase"], f"{label}\n  phase {plan['phase']}"
    if "episode_source" in expect:
        assert result["episode"]["source"] == expect["episode_source"], label
    if "timing_note" in expect:
        assert (result["episode"]["note"] is not None) is expect["timing_note"], label
    if "bmi" in expect:
        assert plan["bmi"] == expect["bmi"], label
    recs = {r["id"] for r in plan["recommendations"]}
    exercises = {e["id"] for e in plan["exercises"]}
    assert set(expect.get("recommendations_include", ())) <= recs, f"{label}\n  cards {recs}"
    assert not set(expect.get("recommendations_exclude", ())) & recs, f"{label}\n  cards {recs}"
    assert set(expect.get("exercises_include", ())) <= exercises, f"{label}\n  {exercises}"
    assert not set(expect.get("exercises_exclude", ())) & exercises, f"{label}\n  {exercises}"


def test_enough_cases_with_unique_ids() -> None:
    ids = [case["id"] for case in CASES]
    duplicates = sorted({case_id for case_id in ids if ids.count(case_id) > 1})
    assert not duplicates, f"duplicate scenario ids: {duplicates}"
    assert len(ids) >= MIN_CASES, f"only {len(ids)} golden scenarios, need at least {MIN_CASES}"


def test_every_case_names_its_source_and_description() -> None:
    bad = [
        case["id"]
        for case in CASES
        if not str(case.get("source") or "").strip()
        or not str(case.get("description") or "").strip()
    ]
    assert not bad, f"cases without a source or description: {bad}"


def test_cases_are_well_formed() -> None:
    """Catch typos in the YAML, so a misspelt key cannot pass silently as 'not answered'."""
    problems: list[str] = []
    for case in CASES:
        where = f"{case['_file']}::{case['id']}"
        if not ID_PATTERN.match(str(case["id"])):
            problems.append(f"{where}: id is not kebab-case")
        if extra := set(case) - CASE_KEYS - {"_file"}:
            problems.append(f"{where}: unknown case keys {sorted(extra)}")
        answers = case.get("answers")
        expect = case.get("expect")
        if not isinstance(answers, dict) or not isinstance(expect, dict):
            problems.append(f"{where}: answers and expect must both be mappings")
            continue
        if extra := set(answers) - ANSWER_KEYS:
            problems.append(f"{where}: unknown answer keys {sorted(extra)}")
        for group, known in (
            ("red_flags", RED_FLAG_KEYS),
            ("history", HISTORY_KEYS),
            ("course", COURSE_KEYS),
        ):
            if extra := set(answers.get(group, {})) - known:
                problems.append(f"{where}: unknown {group} keys {sorted(extra)}")
        if extra := set(expect) - EXPECT_KEYS - PLAN_KEYS:
            problems.append(f"{where}: unknown expect keys {sorted(extra)}")
        if expect.get("level") not in LEVELS:
            problems.append(f"{where}: expect.level must be one of {LEVELS}")
        if extra := set(expect.get("reasons_include", [])) - KNOWN_REASONS:
            problems.append(f"{where}: unknown reason ids {sorted(extra)}")
    assert not problems, "\n".join(problems)


def test_every_level_is_covered() -> None:
    levels = {case["expect"]["level"] for case in CASES}
    assert levels == set(LEVELS)
