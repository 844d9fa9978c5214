"""Fill advice text with the numbers of the triage rules, so words and rules agree.

A recommendation may write ``{rule_id:answer.path}`` where it states a threshold, e.g.
``about {no_improvement_2_weeks:derived.episode_days} days``; the placeholder becomes the
number that rule compares ``answer.path`` with (its ``at_least`` or ``below``);
``{rule_id:answer.path/7}`` divides it first, to state 42 days as 6 weeks. The
loader refuses a placeholder that names no such rule or comparison and fills the rest, so
every reader of the knowledge base sees the rules' own numbers and a card cannot drift
from triage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from backcare.knowledge.schema import Condition, TriageRule

__all__ = ["fill_thresholds", "threshold_problems"]

_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*):([a-z_]+(?:\.[a-z_]+)*)(?:/([1-9][0-9]*))?\}")


def _comparisons(condition: Condition) -> Iterator[Condition]:
    if condition.answer is not None:
        yield condition
    for child in condition.all or condition.any or ():
        yield from _comparisons(child)


def _threshold(rules: Mapping[str, TriageRule], rule_id: str, path: str) -> float:
    rule = rules.get(rule_id)
    if rule is None:
        raise LookupError(f"names unknown triage rule '{rule_id}'")
    numbers = {
        value
        for c in _comparisons(rule.when)
        if c.answer == path
        for value in (c.at_least, c.below)
        if value is not None
    }
    if len(numbers) != 1:
        raise LookupError(f"rule '{rule_id}' has no single number for '{path}'")
    return numbers.pop()


def fill_thresholds(text: str, rules: Iterable[TriageRule]) -> str:
    """``text`` with every ``{rule_id:answer.path[/divisor]}`` replaced by that rule's number.

    Raises:
        LookupError: a placeholder names no rule, or a rule without one number for it.
    """
    if "{" not in text:
        return text
    by_id = {rule.id: rule for rule in rules}
    return _PLACEHOLDER.sub(lambda m: f"{_threshold(by_id, m[1], m[2]) / int(m[3] or 1):g}", text)


def threshold_problems(text: str, rules: Iterable[TriageRule]) -> list[str]:
    """Why ``text``'s placeholders cannot be filled (empty when they all can)."""
    by_id = {rule.id: rule for rule in rules}
    problems = []
    for match in _PLACEHOLDER.finditer(text):
        try:
            _threshold(by_id, match[1], match[2])
        except LookupError as exc:
            problems.append(f"placeholder {match[0]} {exc}")
    if "{" in _PLACEHOLDER.sub("", text):
        problems.append("has a '{' that is not a {rule_id:answer.path[/divisor]} placeholder")
    return problems
