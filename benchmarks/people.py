"""A seeded generator of varied people's answers, shared by the benchmarks.

Replaying the golden scenarios measures little: a handful of distinct answer sets,
almost none with height and weight, so any cache serves them. These people vary in
everything the engine reads - ages from infants to the very old, onsets of hours
to weeks, heights and weights, conditions (pregnancy included), history, course
and, for a few, red flags - and the same seed always gives the same people.
"""

from __future__ import annotations

import random
from typing import Any

from backcare.domain.answers import Course, History, RedFlags
from backcare.domain.enums import Condition, Trend, Trigger

__all__ = ["people"]

_FLAGS = tuple(RedFlags.model_fields)
_HISTORY = tuple(History.model_fields)
_CONDITIONS = tuple(c.value for c in Condition)
_TRIGGERS = tuple(t.value for t in Trigger)
_TRENDS = tuple(t.value for t in Trend)
assert set(Course.model_fields) >= {"days_of_self_care", "trend"}


def _person(rng: random.Random) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    roll = rng.random()
    if roll < 0.08:
        answers["age"] = rng.randint(3, 15)  # children
    elif roll < 0.25:
        answers["age"] = rng.randint(65, 95)
    elif roll < 0.95:
        answers["age"] = rng.randint(16, 64)
    # else: age not given
    if rng.random() < 0.9:
        if rng.random() < 0.5:
            answers["hours_since_onset"] = round(rng.uniform(0.5, 72), 1)
        else:
            answers["hours_since_onset"] = round(rng.uniform(72, 24 * 60), 1)
    if rng.random() < 0.85:
        answers["pain"] = rng.randint(0, 10)
    if rng.random() < 0.6:
        answers["height_cm"] = round(rng.uniform(120, 200), 1)
        answers["weight_kg"] = round(rng.uniform(30, 140), 1)
    if rng.random() < 0.8:
        answers["trigger"] = rng.choice(_TRIGGERS)
    # Most people answer every screening question "no"; a few have a flag.
    flags = dict.fromkeys(_FLAGS, False)
    if rng.random() < 0.08:
        flags[rng.choice(_FLAGS)] = True
    if rng.random() < 0.1:
        del flags[rng.choice(_FLAGS)]  # one left unanswered
    answers["red_flags"] = flags
    if rng.random() < 0.85:
        answers["history"] = {key: rng.random() < 0.05 for key in _HISTORY}
    if rng.random() < 0.85:
        conditions = set(rng.sample(_CONDITIONS, k=rng.choice((0, 0, 0, 1, 1, 2))))
        age = answers.get("age")
        if age is not None and 18 <= age <= 45 and rng.random() < 0.1:
            conditions.add("pregnant")
        answers["conditions"] = sorted(conditions)
    course: dict[str, Any] = {}
    if rng.random() < 0.5:
        course["days_of_self_care"] = rng.randint(0, 56)
    if rng.random() < 0.6:
        course["trend"] = rng.choice(_TRENDS)
    if rng.random() < 0.4:
        course["recurrent_same_spot"] = rng.random() < 0.3
    if course:
        answers["course"] = course
    return answers


def people(count: int = 2000, seed: int = 12) -> list[dict[str, Any]]:
    """``count`` varied answer sets in the public contract's JSON form, same for a seed."""
    rng = random.Random(seed)
    return [_person(rng) for _ in range(count)]
