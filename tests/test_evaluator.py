"""One evaluator, two representations: plain dicts and typed models give the same JSON.

The command line's fast path and the web API serialise the plain representation;
everything else uses the typed models. These tests pin that both are byte for byte
the contract's JSON, and that the fast answer reader accepts only what the contract
model accepts, with the same facts.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from backcare import Engine, Settings, load_knowledge_base
from backcare.domain.answers import Answers, Course, History, RedFlags
from backcare.domain.enums import Condition, Trend, Trigger
from backcare.rules.evaluator import COMPACT_JSON, PLAIN, Evaluator
from backcare.rules.protocol import answers_table, compile_protocol, facts_of

SCENARIOS = Path(__file__).parent / "data" / "scenarios"
CASES = [
    pytest.param(case["answers"], id=f"{path.stem}-{case['id']}")
    for path in sorted(SCENARIOS.glob("*.yaml"))
    for case in yaml.safe_load(path.read_text(encoding="utf-8"))
]


@pytest.fixture(scope="module")
def plain(engine: Engine) -> Evaluator:
    return Evaluator(engine.protocol, PLAIN)


def _plain_json(plain: Evaluator, answers: object, *, indent: int | None = None) -> str:
    facts = plain.read_answers(answers)
    assert facts is not None, "the fast reader refused valid answers"
    separators = (",", ":") if indent is None else None
    return json.dumps(plain.assess(facts), ensure_ascii=False, indent=indent, separators=separators)


@pytest.mark.parametrize("answers", CASES)
def test_plain_json_is_the_models_json(
    engine: Engine, plain: Evaluator, answers: dict[str, Any]
) -> None:
    model = engine.assess(answers)
    assert _plain_json(plain, answers) == model.model_dump_json()
    assert _plain_json(plain, answers, indent=2) == model.model_dump_json(indent=2)
    assert engine.assess_json(answers) == model.model_dump_json().encode()
    # Shared parts are encoded once: a second assessment gives the same bytes.
    assert engine.assess_json(answers) == model.model_dump_json().encode()


@pytest.mark.parametrize(
    ("environ", "expect"),
    [
        pytest.param({"emergency_number": "911"}, "Call 911", id="emergency-number"),
        pytest.param({"wake_time": "05:30", "sleep_time": "21:00"}, '"05:30"', id="waking-day"),
    ],
)
def test_settings_reach_both_representations(environ: dict[str, str], expect: str) -> None:
    engine = Engine(load_knowledge_base(), Settings.model_validate(environ))
    plain = Evaluator(engine.protocol, PLAIN)
    answers = {"red_flags": {"chest_pain": True}} if "Call" in expect else {"pain": 3}
    text = _plain_json(plain, answers)
    assert text == engine.assess(answers).model_dump_json()
    assert expect in text


_maybe_bool = st.one_of(st.none(), st.booleans())


def _number(low: float, high: float) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.integers(min_value=math.ceil(low), max_value=math.floor(high)),
        st.floats(min_value=low, max_value=high, allow_nan=False),
    )


valid_answers = st.fixed_dictionaries(
    {},
    optional={
        "age": st.one_of(st.none(), st.integers(min_value=0, max_value=120)),
        "hours_since_onset": _number(0, 24 * 3650),
        "pain": st.one_of(st.none(), st.integers(min_value=0, max_value=10)),
        "height_cm": _number(50.01, 272),
        "weight_kg": _number(10.01, 650),
        "trigger": st.one_of(st.none(), st.sampled_from([t.value for t in Trigger])),
        "red_flags": st.fixed_dictionaries(
            {}, optional=dict.fromkeys(RedFlags.model_fields, _maybe_bool)
        ),
        "history": st.fixed_dictionaries(
            {}, optional=dict.fromkeys(History.model_fields, _maybe_bool)
        ),
        "conditions": st.one_of(
            st.none(), st.lists(st.sampled_from([c.value for c in Condition]), max_size=4)
        ),
        "course": st.fixed_dictionaries(
            {},
            optional={
                "days_of_self_care": st.one_of(st.none(), st.integers(0, 3650)),
                "trend": st.one_of(st.none(), st.sampled_from([t.value for t in Trend])),
                "recurrent_same_spot": _maybe_bool,
                "disrupts_sleep_or_daily_life": _maybe_bool,
            },
        ),
    },
)


@settings(max_examples=300, deadline=None)
@given(answers=valid_answers)
def test_valid_answers_take_the_fast_reader_and_agree(
    engine: Engine, plain: Evaluator, answers: dict[str, Any]
) -> None:
    facts = plain.read_answers(answers)
    assert facts is not None
    assert facts == facts_of(Answers.model_validate(answers))
    model_json = engine.assess(answers).model_dump_json()
    assert _plain_json(plain, answers) == model_json
    assert engine.assess_json(answers) == model_json.encode()
    assert engine.assess_json(Answers.model_validate(answers)) == model_json.encode()


# Anything JSON can hold, including the near misses a person or a script writes.
_junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["5", "", "yes", "lifting", "pregnant", "worse", "true"]),
    st.lists(st.sampled_from(["pregnant", "kidney_disease", "nope", 1]), max_size=3),
    st.just({}),
    st.dictionaries(st.sampled_from(["fever", "typo", "cancer"]), st.booleans(), max_size=2),
)
_keys = [*Answers.model_fields, *RedFlags.model_fields, *Course.model_fields, "typo"]


@settings(max_examples=500, deadline=None)
@given(data=st.dictionaries(st.sampled_from(_keys), _junk, max_size=6))
def test_the_fast_reader_never_accepts_what_the_contract_refuses(
    plain: Evaluator, data: dict[str, Any]
) -> None:
    facts = plain.read_answers(data)
    if facts is None:
        return  # the engine then validates with the contract model, which names the field
    try:
        model = Answers.model_validate(data)
    except ValidationError as exc:  # pragma: no cover - this is the failure being looked for
        pytest.fail(f"fast reader accepted {data!r}, the contract refuses it: {exc}")
    assert facts == facts_of(model)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param([], id="not-an-object"),
        pytest.param({"pain": "5"}, id="string-for-integer"),
        pytest.param({"pain": True}, id="boolean-for-integer"),
        pytest.param({"pain": 5.0}, id="float-for-integer"),
        pytest.param({"pain": 11}, id="above-range"),
        pytest.param({"height_cm": 50}, id="exclusive-minimum"),
        pytest.param({"hours_since_onset": float("nan")}, id="nan"),
        pytest.param({"hours_since_onset": 10**400}, id="huge-integer"),
        pytest.param({"trigger": "Lifting"}, id="unknown-choice"),
        pytest.param({"conditions": "pregnant"}, id="choices-not-a-list"),
        pytest.param({"red_flags": None}, id="null-group"),
        pytest.param({"red_flags": {"fevr": True}}, id="typo-in-group"),
        pytest.param({"red_flags": {"fever": 1}}, id="integer-for-boolean"),
    ],
)
def test_the_fast_reader_leaves_doubtful_input_to_the_contract_model(
    plain: Evaluator, data: object
) -> None:
    assert plain.read_answers(data) is None


def test_the_answers_table_covers_the_whole_contract() -> None:
    table = answers_table()
    assert set(table) == set(Answers.model_fields)
    assert set(table["red_flags"][1]) == set(RedFlags.model_fields)
    assert table["height_cm"] == ("number", (50, True, 272, False))
    assert table["conditions"] == ("choices", frozenset(c.value for c in Condition))


def test_the_protocol_is_plain_data(engine: Engine) -> None:
    import marshal

    protocol = compile_protocol(engine.knowledge, engine.settings)
    assert marshal.loads(marshal.dumps(protocol)) == protocol
    assert protocol == engine.protocol


@pytest.fixture(scope="module")
def small_memo(engine: Engine) -> Evaluator:
    # A tiny memo is emptied often, so the test also crosses that path.
    return Evaluator(engine.protocol, COMPACT_JSON, memo_size=3)


@settings(max_examples=300, deadline=None)
@given(answers=valid_answers)
def test_shared_results_are_exactly_what_a_fresh_evaluator_builds(
    engine: Engine, small_memo: Evaluator, answers: dict[str, Any]
) -> None:
    """The memo keys hold everything a result depends on: sharing never changes a result."""
    fresh = Evaluator(engine.protocol, COMPACT_JSON, memo_size=0)
    facts = fresh.read_answers(answers)
    assert facts is not None
    expected = fresh.assess(facts)
    assert engine.assess_json(answers) == expected  # the engine's long-lived memo
    assert small_memo.assess(dict(facts)) == expected
    assert engine.assess(answers).model_dump_json().encode() == expected
