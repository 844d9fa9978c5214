"""Triage safety rules: single flags, monotonicity, unanswered-is-not-no, emergency output."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.factories import HISTORY_KEYS, RED_FLAG_KEYS, all_no

from backcare import Engine, KnowledgeBase, Settings, TriageLevel
from backcare.domain.enums import Trend, Trigger

SHIPPED = __import__("backcare").load_knowledge_base()
EMERGENCY_FLAGS = [f for f in SHIPPED.red_flags if f.level is TriageLevel.EMERGENCY]
URGENT_FLAGS = [f for f in SHIPPED.red_flags if f.level is TriageLevel.URGENT]


def _with_flag(answer_path: str) -> dict[str, Any]:
    group, field = answer_path.split(".")
    answers = all_no()
    answers[group][field] = True
    return answers


@pytest.mark.parametrize("flag", [pytest.param(f, id=f.id) for f in EMERGENCY_FLAGS])
def test_each_emergency_flag_alone_gives_emergency(engine: Engine, flag: Any) -> None:
    result = engine.assess(_with_flag(flag.answer))
    assert result.triage.level is TriageLevel.EMERGENCY
    assert result.triage.reasons[0].id == flag.id
    assert result.triage.reasons[0].sources


@pytest.mark.parametrize("flag", [pytest.param(f, id=f.id) for f in URGENT_FLAGS])
def test_each_urgent_flag_gives_at_least_urgent(engine: Engine, flag: Any) -> None:
    result = engine.assess(_with_flag(flag.answer))
    assert result.triage.level.rank >= TriageLevel.URGENT.rank


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        pytest.param({"course": {"trend": "worse"}}, "course_worse", id="worsening"),
        pytest.param(
            {"course": {"days_of_self_care": 15, "trend": "same"}},
            "no_improvement_2_weeks",
            id="no-improvement-two-weeks",
        ),
        pytest.param(
            {"course": {"recurrent_same_spot": True}}, "recurrent_same_spot", id="recurrent"
        ),
        pytest.param(
            {"course": {"disrupts_sleep_or_daily_life": True}},
            "disrupts_daily_life",
            id="disrupts-daily-life",
        ),
    ],
)
def test_course_problems_give_at_least_see_doctor(
    engine: Engine, overrides: dict[str, Any], reason: str
) -> None:
    result = engine.assess({**all_no(), **overrides})
    assert result.triage.level.rank >= TriageLevel.SEE_DOCTOR.rank
    assert reason in {r.id for r in result.triage.reasons}


@pytest.mark.parametrize(
    "trigger", [pytest.param(t, id=t) for t in ("lifting", "twisting_or_sudden_movement")]
)
def test_typical_spasm_without_flags_is_complete_self_care(engine: Engine, trigger: str) -> None:
    result = engine.assess(all_no(trigger=trigger))
    assert result.triage.level is TriageLevel.SELF_CARE
    assert result.triage.complete
    assert result.triage.missing == ()


def test_empty_answers_are_never_a_complete_self_care(engine: Engine) -> None:
    result = engine.assess({})
    assert not result.triage.complete
    assert "provisional" in result.triage.summary
    assert result.triage.missing[0] == "red_flags.saddle_numbness"


def test_missing_lists_most_dangerous_first(engine: Engine, kb: KnowledgeBase) -> None:
    result = engine.assess({})
    priority = {f.answer: f.priority for f in kb.red_flags}
    priority.update({q.answer: q.priority for q in kb.intake})
    ranks = [priority[key] for key in result.triage.missing]
    assert ranks == sorted(ranks)
    assert len(result.triage.missing) == len(RED_FLAG_KEYS) + len(HISTORY_KEYS) + 2


@pytest.mark.parametrize("key", [pytest.param(k, id=k) for k in RED_FLAG_KEYS])
def test_an_unanswered_red_flag_keeps_the_assessment_incomplete(engine: Engine, key: str) -> None:
    answers = all_no()
    del answers["red_flags"][key]
    result = engine.assess(answers)
    assert not result.triage.complete
    assert f"red_flags.{key}" in result.triage.missing
    assert f"red_flags.{key}" in [q.key for q in result.next_questions]


def test_emergency_result_says_call_now_and_has_no_exercises(kb: KnowledgeBase) -> None:
    engine = Engine(kb, Settings(emergency_number="911"))
    result = engine.assess(_with_flag("red_flags.saddle_numbness"))
    assert result.triage.emergency is not None
    assert result.triage.emergency.number == "911"
    assert "Call 911 now" in result.triage.emergency.message
    assert result.plan.exercises == ()
    assert result.plan.schedule == ()
    assert result.plan.medications == ()


def test_urgent_result_keeps_relief_but_holds_exercises(engine: Engine) -> None:
    result = engine.assess(_with_flag("red_flags.fever"))
    assert result.triage.level is TriageLevel.URGENT
    assert result.plan.exercises == ()
    assert "cold_therapy" in {r.id for r in result.plan.recommendations}


# --- Hypothesis: monotonicity --------------------------------------------------------

_bool_or_none = st.one_of(st.none(), st.booleans())
answers_strategy = st.fixed_dictionaries(
    {},
    optional={
        "age": st.integers(min_value=0, max_value=110),
        "hours_since_onset": st.floats(min_value=0, max_value=24 * 100, allow_nan=False),
        "pain": st.integers(min_value=0, max_value=10),
        "trigger": st.sampled_from([t.value for t in Trigger]),
        "red_flags": st.fixed_dictionaries(dict.fromkeys(RED_FLAG_KEYS, _bool_or_none)),
        "history": st.fixed_dictionaries(dict.fromkeys(HISTORY_KEYS, _bool_or_none)),
        "conditions": st.lists(st.sampled_from(["pregnant", "kidney_disease"]), unique=True),
        "course": st.fixed_dictionaries(
            {},
            optional={
                "days_of_self_care": st.integers(min_value=0, max_value=100),
                "trend": st.sampled_from([t.value for t in Trend]),
                "recurrent_same_spot": st.booleans(),
                "disrupts_sleep_or_daily_life": st.booleans(),
            },
        ),
    },
)
_TREND_ORDER = ["better", "same", "worse"]


def _escalations(answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Every single change that adds a symptom, history item or worse course."""
    out = []
    for group, keys in (("red_flags", RED_FLAG_KEYS), ("history", HISTORY_KEYS)):
        for key in keys:
            if answers.get(group, {}).get(key) is not True:
                out.append({**answers, group: {**answers.get(group, {}), key: True}})
    course = answers.get("course", {})
    for key in ("recurrent_same_spot", "disrupts_sleep_or_daily_life"):
        out.append({**answers, "course": {**course, key: True}})
    trend = course.get("trend")
    worse = _TREND_ORDER[_TREND_ORDER.index(trend) + 1 :] if trend else ["worse"]
    out += [{**answers, "course": {**course, "trend": t}} for t in worse]
    days = course.get("days_of_self_care", 0)
    out.append({**answers, "course": {**course, "days_of_self_care": days + 14}})
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=answers_strategy)
def test_adding_a_symptom_never_lowers_the_level(engine: Engine, answers: dict[str, Any]) -> None:
    base = engine.assess(answers).triage.level
    for worse in _escalations(answers):
        assert engine.assess(worse).triage.level.rank >= base.rank, worse


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=answers_strategy)
def test_unanswered_flags_never_complete(engine: Engine, answers: dict[str, Any]) -> None:
    result = engine.assess(answers)
    answered = sum(v is not None for v in answers.get("red_flags", {}).values())
    if answered < len(RED_FLAG_KEYS):
        assert not result.triage.complete
    if result.triage.level is TriageLevel.EMERGENCY:
        assert result.plan.exercises == ()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=answers_strategy)
def test_answering_unanswered_questions_no_never_raises_the_level_above_any_yes(
    engine: Engine, answers: dict[str, Any]
) -> None:
    # Filling gaps with "no" must give exactly the level of the answered part: the
    # engine does not guess, in either direction, about what was not said.
    filled = {
        **answers,
        "red_flags": {
            k: v if v is not None else False
            for k, v in {**dict.fromkeys(RED_FLAG_KEYS), **answers.get("red_flags", {})}.items()
        },
    }
    assert engine.assess(filled).triage.level is engine.assess(answers).triage.level
