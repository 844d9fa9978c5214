"""Pydantic's validation errors in plain catalogue words: one mapping, used everywhere.

Each error type a person meets (a web form, a JSON body, an answers file, a setting, an
import file) becomes a sentence of the message catalogue with the error's own values;
an unmapped type falls back to pydantic's text. Under the pseudo-locale every mapped
sentence comes out marked, so none escapes the catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from enum import Enum
from typing import Annotated, Any, Literal

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from tests.pseudo_locale import _ACCENTS, CLOSE, OPEN, PseudoTranslations, pseudo
from tests.web_support import web_client

from backcare import Engine
from backcare.domain.answers import parse_answers
from backcare.errors import (
    FieldProblem,
    InputError,
    json_syntax,
    problem_text,
    validation_problems,
)
from backcare.i18n import gettext, installed
from backcare.settings import Settings, get_settings, with_personal

#: The pseudo-locale's accents undone, to compare a marked sentence with its English.
_PLAIN = {accented: plain for plain, accented in _ACCENTS.items()}


class Colour(Enum):
    RED = "red"
    BLUE = "blue"


class Sample(BaseModel):
    """A model with one field per kind of constraint people trip over."""

    model_config = ConfigDict(extra="forbid", strict=False)

    count: int = 0
    strict_count: Annotated[int, Field(strict=True)] = 0
    ratio: float = 0.0
    flag: bool = False
    name: Annotated[str, Field(strict=True)] = "x"
    score: Annotated[int, Field(ge=0, le=10)] = 0
    weight: Annotated[float, Field(gt=10, lt=500)] = 70.0
    code: Annotated[str, Field(min_length=2, max_length=4)] = "ab"
    one: Annotated[str, Field(min_length=1)] = "a"
    tags: Annotated[list[int], Field(min_length=1, max_length=2)] = [1]
    kind: Literal["ice", "heat"] = "ice"
    colour: Colour = Colour.RED
    at: datetime | None = None
    day: date | None = None
    wake: time | None = None
    inner: dict[str, int] = {}
    items: list[int] = []
    sides: frozenset[str] = frozenset()
    note: str = ""
    required_field: int

    @field_validator("note")
    @classmethod
    def _no_shouting(cls, value: str) -> str:
        if value.isupper():
            raise ValueError(gettext("please do not write in capitals"))
        return value


def _problem(data: dict[str, Any]) -> FieldProblem:
    try:
        Sample.model_validate({"required_field": 1, **data})
    except ValidationError as exc:
        problems = validation_problems(exc.errors())
        assert len(problems) == 1, problems
        return problems[0]
    raise AssertionError(f"{data} was accepted")


CASES = [
    pytest.param(
        {"required_field": None}, "required_field", "must be a whole number", id="int_type"
    ),
    pytest.param({"count": "three"}, "count", "must be a whole number", id="int_parsing"),
    pytest.param(
        {"count": 2.5}, "count", "must be a whole number, without a fraction", id="int_from_float"
    ),
    pytest.param({"ratio": "half"}, "ratio", "must be a number", id="float_parsing"),
    pytest.param({"flag": "perhaps"}, "flag", "must be true or false", id="bool_parsing"),
    pytest.param({"name": 5}, "name", "must be text", id="string_type"),
    pytest.param({"strict_count": "5"}, "strict_count", "must be a whole number", id="strict-int"),
    pytest.param({"score": 11}, "score", "must be 10 or less", id="less_than_equal"),
    pytest.param({"score": -1}, "score", "must be 0 or more", id="greater_than_equal"),
    pytest.param({"weight": 500}, "weight", "must be less than 500", id="less_than"),
    pytest.param({"weight": 10}, "weight", "must be more than 10", id="greater_than"),
    pytest.param(
        {"code": "a"}, "code", "must be at least 2 characters long", id="string_too_short"
    ),
    pytest.param({"one": ""}, "one", "must be at least 1 character long", id="too-short-one"),
    pytest.param(
        {"code": "abcde"}, "code", "must be at most 4 characters long", id="string_too_long"
    ),
    pytest.param({"tags": [1, 2, 3]}, "tags", "must have at most 2 items", id="too_long"),
    pytest.param({"tags": []}, "tags", "must have at least 1 item", id="too_short"),
    pytest.param({"kind": "cold"}, "kind", "must be one of 'ice', 'heat'", id="literal_error"),
    pytest.param({"colour": "green"}, "colour", "must be one of 'red', 'blue'", id="enum"),
    pytest.param(
        {"at": "yesterday"},
        "at",
        "must be a date and time, such as 2026-01-05T08:00:00Z",
        id="datetime_parsing",
    ),
    pytest.param(
        {"at": "2026-13-01"},
        "at",
        "must be a date and time, such as 2026-01-05T08:00:00Z",
        id="datetime_from_date_parsing",
    ),
    pytest.param({"day": "soon"}, "day", "must be a date, such as 2026-01-05", id="date_parsing"),
    pytest.param({"wake": "early"}, "wake", "must be a time of day, such as 07:00", id="time"),
    pytest.param({"inner": [1]}, "inner", "must be an object of named values", id="dict_type"),
    pytest.param({"items": 3}, "items", "must be a list", id="list_type"),
    pytest.param({"sides": 3}, "sides", "must be a list (use [] for none)", id="frozen_set_type"),
    pytest.param(
        {"colur": "red"}, "colur", "unknown key (check the spelling", id="extra_forbidden"
    ),
    pytest.param({"note": "HELP"}, "note", "please do not write in capitals", id="value_error"),
]


@pytest.mark.parametrize(("data", "field", "words"), CASES)
def test_each_error_type_has_a_plain_sentence(data: dict[str, Any], field: str, words: str) -> None:
    problem = _problem(data)
    assert problem.field == field
    assert problem.problem.startswith(words), problem.problem
    assert "Input should" not in problem.problem


@pytest.mark.parametrize(("data", "field", "words"), CASES)
def test_each_error_type_is_a_catalogue_sentence(
    data: dict[str, Any], field: str, words: str
) -> None:
    english = _problem(data).problem
    with installed("en", PseudoTranslations()):
        marked = _problem(data).problem
    # The whole sentence is one marked message; only its values (limits, choices) are as given.
    assert marked.startswith(OPEN), marked
    assert marked.endswith(CLOSE), marked
    assert marked[1:-1].translate(_PLAIN) == english


def _errors(data: Any) -> list[Any]:
    validate = Sample.model_validate_json if isinstance(data, str) else Sample.model_validate
    with pytest.raises(ValidationError) as caught:
        validate(data)
    return list(caught.value.errors())


def test_a_missing_field_is_required() -> None:
    assert validation_problems(_errors({})) == [FieldProblem("required_field", "required")]


def test_invalid_json_names_the_line_and_column() -> None:
    (problem,) = validation_problems(_errors('{"count": '))
    assert problem.problem == "line 1 column 10: the JSON ends too soon"


def test_an_unmapped_type_falls_back_to_pydantic_text() -> None:
    error = {"type": "url_parsing", "loc": ("site",), "msg": "Input should be a valid URL"}
    assert problem_text(error) == "Input should be a valid URL"


def test_limit_and_field_choice() -> None:
    errors = _errors({"count": "x", "inner": {"a": "b"}, "flag": "z"})
    problems = validation_problems(errors, field=lambda loc: "/".join(map(str, loc)))
    assert [p.field for p in problems] == ["count", "flag", "inner/a", "required_field"]
    assert [p.field for p in validation_problems(errors, limit=2)] == ["count", "flag"]


# --- the same words reach people through each way in --------------------------------------


def test_answers_speak_the_catalogue() -> None:
    with installed("en", PseudoTranslations()), pytest.raises(InputError) as caught:
        parse_answers({"pain": 12, "age": "old"})
    assert caught.value.message == pseudo("invalid answers")
    assert {p.field: p.problem for p in caught.value.problems} == {
        "pain": pseudo("must be {limit} or less").format(limit=10),
        "age": pseudo("must be a whole number"),
    }


def test_environment_settings_speak_the_catalogue() -> None:
    with installed("en", PseudoTranslations()), pytest.raises(InputError) as caught:
        get_settings({"BACKCARE_EMERGENCY_NUMBER": "12345", "BACKCARE_WAKE_TIME": "early"})
    assert caught.value.message == pseudo("invalid setting")
    assert caught.value.problems == (
        FieldProblem(
            "BACKCARE_EMERGENCY_NUMBER",
            pseudo("must be a short phone number of 2-4 digits, such as 999, 911 or 112"),
        ),
        FieldProblem("BACKCARE_WAKE_TIME", pseudo("must be a time of day, such as 07:00")),
    )


def test_personal_settings_speak_the_catalogue() -> None:
    base = Settings()
    with installed("en", PseudoTranslations()), pytest.raises(InputError) as caught:
        with_personal(base, {"wake_time": "20:00", "sleep_time": "07:00"})
    assert caught.value.problems == (
        FieldProblem("sleep_time", pseudo("must be later in the day than the wake time")),
    )


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with web_client(engine) as client:
        yield client


def test_a_json_body_speaks_the_catalogue(client: TestClient) -> None:
    with installed("en", PseudoTranslations()):
        body = client.post("/api/v1/assess", json={"pain": 12, "colour": "red"}).json()
    error = body["error"]
    assert error["message"] == pseudo("invalid input")
    assert {p["field"]: p["problem"] for p in error["problems"]} == {
        "pain": pseudo("must be {limit} or less").format(limit=10),
        "colour": pseudo("unknown key (check the spelling; see docs/json-api.md for the contract)"),
    }


@pytest.mark.parametrize(
    ("text", "words"),
    [
        pytest.param('{"a": ', "the JSON ends too soon", id="cut-short"),
        pytest.param('{"a": 3,}', "a comma is followed by nothing", id="trailing-comma"),
        pytest.param("{a: 1}", "a key must be in double quotes", id="bare-key"),
        pytest.param('{"a": 1} x', "something follows the end of the JSON", id="extra-data"),
        pytest.param('{"a" 1}', "a colon is missing", id="no-colon"),
        pytest.param('{"a": "x', "a text has no closing quote", id="open-string"),
        pytest.param("[1 2]", "a comma is missing", id="no-comma"),
        pytest.param("nope", "a value is missing or not valid", id="not-a-value"),
    ],
)
def test_a_json_syntax_error_is_named_in_plain_words(text: str, words: str) -> None:
    (problem,) = validation_problems(_errors(text))
    assert problem.problem.endswith(f": {words}"), problem.problem
    assert problem.problem.startswith("line 1 column ")


def test_python_json_errors_get_the_same_words() -> None:
    assert json_syntax("Expecting ':' delimiter", 2, 7) == "line 2 column 7: a colon is missing"
    assert json_syntax("something new", None, None) == "this is not valid JSON"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 500) | st.floats(-1, 1e4) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
_KEYS = st.sampled_from(
    [
        "age",
        "pain",
        "sex",
        "trigger",
        "height_cm",
        "weight_kg",
        "hours_since_onset",
        "red_flags",
        "history",
        "course",
        "conditions",
        "colour",
    ]
)


@given(st.dictionaries(_KEYS, _JSON, max_size=6))
@settings(max_examples=150, deadline=None)
def test_any_bad_answers_are_told_in_catalogue_words(data: dict[str, Any]) -> None:
    """Whatever the answers, every problem a person reads is a catalogue sentence."""
    with installed("en", PseudoTranslations()):
        try:
            parse_answers(data)
        except InputError as exc:
            message, problems = exc.message, exc.problems
        else:
            return  # valid answers: nothing to tell
    assert message.startswith(OPEN)
    assert problems
    assert all(p.problem.startswith(OPEN) for p in problems), problems
