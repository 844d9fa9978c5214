"""Compile knowledge-base conditions into fast predicates over the answers.

A condition is compiled once per knowledge base into a closure, so assessing a
person costs a few attribute reads per rule rather than a walk over the YAML
structure. Unanswered values never match unless the rule says ``or_unanswered``.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from backcare.domain.answers import Answers
from backcare.knowledge.schema import Condition

__all__ = ["Getter", "Predicate", "compile_condition", "episode_days", "getter_for"]

Getter = Callable[[Answers], Any]
Predicate = Callable[[Answers], bool]


def episode_days(answers: Answers) -> float | None:
    """Days into the episode: the larger of the diary's days and hours since onset / 24."""
    days = answers.course.days_of_self_care
    hours = answers.hours_since_onset
    candidates = [v for v in (days, None if hours is None else hours / 24) if v is not None]
    return max(candidates) if candidates else None


def body_mass_index(answers: Answers) -> float | None:
    """BMI in kg/m² when both height and weight are given (WHO definition)."""
    if answers.height_cm is None or answers.weight_kg is None:
        return None
    metres = answers.height_cm / 100
    return round(answers.weight_kg / (metres * metres), 1)


_DERIVED: dict[str, Getter] = {"episode_days": episode_days, "bmi": body_mass_index}


def getter_for(path: str) -> Getter:
    """Return a function reading one answer path (``derived.*`` values are computed)."""
    if path.startswith("derived."):
        return _DERIVED[path.removeprefix("derived.")]
    return attrgetter(path)


def compile_condition(condition: Condition) -> Predicate:
    """Compile a condition (checked by the loader) into a predicate."""
    if condition.all is not None:
        parts = tuple(compile_condition(c) for c in condition.all)
        return lambda answers: all(p(answers) for p in parts)
    if condition.any is not None:
        parts = tuple(compile_condition(c) for c in condition.any)
        return lambda answers: any(p(answers) for p in parts)
    assert condition.answer is not None  # guaranteed by the schema validator
    get = getter_for(condition.answer)
    unanswered = condition.or_unanswered
    test = _comparison(condition)

    def predicate(answers: Answers) -> bool:
        value = get(answers)
        if value is None:
            return unanswered
        return test(value)

    return predicate


def _comparison(condition: Condition) -> Callable[[Any], bool]:
    if condition.is_ is not None:
        return lambda value: value is True
    if condition.at_least is not None:
        floor = condition.at_least
        return lambda value: bool(value >= floor)
    if condition.below is not None:
        ceiling = condition.below
        return lambda value: bool(value < ceiling)
    if condition.in_ is not None:
        choices = frozenset(condition.in_)
        return lambda value: value in choices
    item = condition.contains
    return lambda value: item in value
