"""Decide, then build: one policy and one builder, with plain or typed parts.

The command line's fast path builds with plain parts (no pydantic); everything else
with the typed models. These tests pin that both give the contract's JSON byte for
byte, that results kept per decisions are exactly what a fresh builder makes and
cannot be edited, and that the fast answer reader accepts only what the contract
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
from pydantic import BaseModel, ValidationError

from backcare import Engine, Settings, load_knowledge_base
from backcare.domain.answers import Answers, Course, History, RedFlags
from backcare.domain.enums import Condition, Trend, Trigger
from backcare.rules.build import PLAIN, Builder
from backcare.rules.decide import Policy
from backcare.rules.protocol import TYPED, answers_table, compile_protocol, facts_of

SCENARIOS = Path(__file__).parent / "data" / "scenarios"
CASES = [
    pytest.param(case["answers"], id=f"{path.stem}-{case['id']}")
    for path in sorted(SCENARIOS.glob("*.yaml"))
    for case in yaml.safe_load(path.read_text(encoding="utf-8"))
]


class Plain:
    """The fast path's pipeline: the policy and the builder with plain parts."""

    def __init__(self, protocol: dict[str, Any]) -> None:
        self.policy = Policy(protocol)
        self.builder = Builder(self.policy, PLAIN)

    def read_answers(self, data: object) -> dict[str, Any] | None:
        return self.policy.reader.read(data)


@pytest.fixture(scope="module")
def plain(engine: Engine) -> Plain:
    return Plain(engine.protocol)


def _plain_json(plain: Plain, answers: object, *, indent: int | None = None) -> str:
    facts = plain.read_answers(answers)
    assert facts is not None, "the fast reader refused valid answers"
    return plain.builder.json_text(plain.policy.decide(facts), indent=indent)


@pytest.mark.parametrize("answers", CASES)
def test_plain_json_is_the_models_json(
    engine: Engine, plain: Plain, answers: dict[str, Any]
) -> None:
    model = engine.assess(answers)
    assert _plain_json(plain, answers) == model.model_dump_json()
    assert _plain_json(plain, answers, indent=2) == model.model_dump_json(indent=2)
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
    plain = Plain(engine.protocol)
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
    engine: Engine, plain: Plain, answers: dict[str, Any]
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
    plain: Plain, data: dict[str, Any]
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
    plain: Plain, data: object
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


@settings(max_examples=300, deadline=None)
@given(answers=valid_answers)
def test_kept_results_are_exactly_what_a_fresh_builder_builds(
    engine: Engine, answers: dict[str, Any]
) -> None:
    """Decisions hold everything a result depends on: keeping results never changes one."""
    policy = Policy(engine.protocol)
    tiny = Builder(policy, TYPED, kept=1)  # emptied at every new part: crosses that path too
    decisions = engine.decide(answers)
    assert decisions == policy.decide(engine.facts(answers))
    expected = Builder(policy, TYPED).build(decisions).model_dump_json()
    assert engine.assess(answers).model_dump_json() == expected  # the engine's long-lived cache
    assert engine.assess_json(answers) == expected.encode()
    assert tiny.build(decisions).model_dump_json() == expected


def _models(value: object) -> list[object]:
    """Every result model inside ``value``, outermost first."""
    if isinstance(value, tuple):
        return [model for item in value for model in _models(item)]
    if not isinstance(value, BaseModel):
        return []
    found: list[object] = [value]
    for name in type(value).model_fields:
        found += _models(getattr(value, name))
    return found


def test_a_kept_result_cannot_be_edited_so_later_people_get_their_own(engine: Engine) -> None:
    """Results and their parts are shared; editing one must not reach anyone else's."""
    answers = {"pain": 6, "hours_since_onset": 30, "conditions": ["pregnant"], "age": 30}
    before = engine.assess(answers).model_dump_json()
    result = engine.assess(answers)
    models = _models(result)
    assert len(models) > 20  # the plan's recommendations, medicines, schedule...
    for model in models:
        name = next(iter(type(model).model_fields))
        with pytest.raises(ValidationError):
            setattr(model, name, None)
    # Everything a caller may take apart is a copy or immutable.
    dumped = result.model_dump()
    dumped["plan"]["recommendations"][0]["title"] = "edited"
    dumped["triage"]["summary"] = "edited"
    assert engine.assess(answers).model_dump_json() == before
    assert Engine(engine.knowledge, engine.settings).assess(answers).model_dump_json() == before
    assert engine.protocol == compile_protocol(engine.knowledge, engine.settings)


def test_plain_results_leave_the_protocol_as_it_was(engine: Engine) -> None:
    """The fast path's parts are the protocol's own dicts, so it only hands out JSON text."""
    plain = Plain(engine.protocol)
    facts = plain.read_answers({"pain": 6, "red_flags": {"fever": True}})
    assert facts is not None
    first = plain.builder.json_text(plain.policy.decide(facts))
    assert json.loads(first)["triage"]["level"] == "urgent"
    assert plain.builder.json_text(plain.policy.decide(dict(facts))) == first
    assert engine.protocol == compile_protocol(engine.knowledge, engine.settings)
