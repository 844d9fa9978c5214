"""The input contract: strict types, unknown keys refused, errors that name the field."""

from __future__ import annotations

from typing import Any

import pytest

from backcare import InputError, parse_answers


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        pytest.param({"age": "35"}, "age", "whole number", id="age-as-string"),
        pytest.param({"age": 35.5}, "age", "whole number", id="age-fractional"),
        pytest.param({"pain": 11}, "pain", "10 or less", id="pain-above-10"),
        pytest.param({"pain": -1}, "pain", "0 or more", id="pain-negative"),
        pytest.param(
            {"hours_since_onset": -2}, "hours_since_onset", "0 or more", id="negative-hours"
        ),
        pytest.param({"trigger": "sneezing"}, "trigger", "lifting", id="unknown-trigger"),
        pytest.param(
            {"red_flags": {"fevr": True}}, "red_flags.fevr", "unknown key", id="typo-flag"
        ),
        pytest.param(
            {"red_flags": {"fever": "yes"}}, "red_flags.fever", "true or false", id="flag-str"
        ),
        pytest.param(
            {"red_flags": {"fever": 1}}, "red_flags.fever", "true or false", id="flag-int"
        ),
        pytest.param(
            {"history": {"cancer": None, "gout": True}},
            "history.gout",
            "unknown",
            id="unknown-history",
        ),
        pytest.param({"conditions": ["diabetes"]}, "conditions.0", "pregnant", id="bad-condition"),
        pytest.param({"course": {"trend": "up"}}, "course.trend", "better", id="bad-trend"),
        pytest.param({"colour": "red"}, "colour", "unknown key", id="unknown-top-level"),
        pytest.param({"weight_kg": 5}, "weight_kg", "more than 10", id="implausible-weight"),
    ],
)
def test_invalid_answers_name_the_field(data: dict[str, Any], field: str, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_answers(data)
    problems = {p.field: p.problem for p in caught.value.problems}
    assert field in problems, problems
    assert fragment in problems[field]
    assert field in str(caught.value)


@pytest.mark.parametrize(
    "data",
    [pytest.param([], id="list"), pytest.param("age=3", id="string"), pytest.param(3, id="int")],
)
def test_non_object_answers_are_refused(data: Any) -> None:
    with pytest.raises(InputError, match="JSON object"):
        parse_answers(data)


def test_null_means_unanswered_not_no() -> None:
    answers = parse_answers({"red_flags": {"fever": None}})
    assert answers.red_flags.fever is None


def test_integer_hours_and_measurements_are_accepted() -> None:
    answers = parse_answers({"hours_since_onset": 5, "height_cm": 170, "weight_kg": 70})
    assert answers.hours_since_onset == 5.0


def test_merged_lays_new_answers_over_old() -> None:
    first = parse_answers({"age": 40, "red_flags": {"fever": False, "chest_pain": False}})
    second = parse_answers({"red_flags": {"fever": True}})
    merged = first.merged(second)
    assert merged.age == 40
    assert merged.red_flags.fever is True
    assert merged.red_flags.chest_pain is False
