"""Compile knowledge-base conditions into fast predicates over the answers.

Answers are flattened once per assessment into a ``Facts`` dict keyed by answer
path (``red_flags.fever``, ``derived.episode_days``), and every condition is
compiled once per knowledge base into a closure over that dict, so assessing a
person costs a few dict lookups per rule. Unanswered values are ``None`` and never
match unless the rule says ``or_unanswered``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backcare.domain.answers import Answers, Course, History, RedFlags
from backcare.knowledge.schema import Condition

__all__ = ["Facts", "Predicate", "body_mass_index", "compile_condition", "episode_days", "facts_of"]

Facts = dict[str, Any]
Predicate = Callable[[Facts], bool]

_GROUPS = (
    ("red_flags", tuple(f"red_flags.{k}" for k in RedFlags.model_fields)),
    ("history", tuple(f"history.{k}" for k in History.model_fields)),
    ("course", tuple(f"course.{k}" for k in Course.model_fields)),
)


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


def facts_of(answers: Answers) -> Facts:
    """Flatten validated answers (and the derived values) into one dict by answer path."""
    facts: Facts = dict(answers.__dict__)
    for group, keys in _GROUPS:
        # Field order of a pydantic model's __dict__ is its declaration order.
        facts.update(zip(keys, getattr(answers, group).__dict__.values(), strict=True))
    facts["derived.episode_days"] = episode_days(answers)
    facts["derived.bmi"] = body_mass_index(answers)
    return facts


def compile_condition(condition: Condition) -> Predicate:
    """Compile a condition (checked by the loader) into a predicate over facts."""
    if condition.all is not None:
        parts = tuple(compile_condition(c) for c in condition.all)
        return lambda facts: all(p(facts) for p in parts)
    if condition.any is not None:
        parts = tuple(compile_condition(c) for c in condition.any)
        return lambda facts: any(p(facts) for p in parts)
    assert condition.answer is not None  # guaranteed by the schema validator
    path = condition.answer
    unanswered = condition.or_unanswered
    test = _comparison(condition)

    def predicate(facts: Facts) -> bool:
        value = facts[path]
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
