"""Read JSON answers into *facts*, and compile the knowledge base's conditions over them.

Facts are one person's answers flattened by answer path (``red_flags.fever``), plus
the derived values rules may test. Everything here is standard library only, so the
command line's fast path can read answers without importing pydantic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["AnswerReader", "Facts", "Predicate", "compile_condition", "derive"]

Facts = dict[str, Any]
Predicate = Callable[[Facts], bool]


def derive(facts: Facts) -> Facts:
    """Add the derived values rules may test: ``derived.episode_days`` and ``derived.bmi``.

    The episode's age in days is the larger of ``course.days_of_self_care`` and
    ``hours_since_onset / 24`` (the diary fills both from its onset), so every timed
    rule and the phase read one age whichever timing the person gave; the larger is
    the safer reading when they disagree. BMI (kg/m², WHO definition, one decimal)
    needs both height and weight.
    """
    days = facts["course.days_of_self_care"]
    hours = facts["hours_since_onset"]
    if hours is not None and (days is None or hours / 24 > days):
        days = hours / 24
    facts["derived.episode_days"] = days
    height, weight = facts["height_cm"], facts["weight_kg"]
    if height is None or weight is None:
        facts["derived.bmi"] = None
    else:
        metres = height / 100
        facts["derived.bmi"] = round(weight / (metres * metres), 1)
    return facts


_BAD = object()


def _checker(kind: str, argument: Any) -> Callable[[Any], Any] | None:
    """A check of one answer's JSON value: the value to keep, or ``_BAD``; ``None`` for a
    yes/no answer, which the reader checks inline (most answers are yes/no)."""
    if kind == "boolean":
        return None
    if kind == "choice":
        return lambda value: value if type(value) is str and value in argument else _BAD
    if kind == "choices":

        def choices(value: Any) -> Any:
            if type(value) is list and all(type(v) is str and v in argument for v in value):
                return frozenset(value)
            return _BAD

        return choices
    if kind not in ("integer", "number"):
        raise ValueError(f"unknown answer kind {kind!r}")
    low, low_open, high, high_open = argument
    types = (int,) if kind == "integer" else (int, float)

    def number(value: Any) -> Any:
        if type(value) not in types:
            return _BAD
        # Range before float(): a huge integer must be refused, not overflow. Each bound
        # is tested as "within" (not "beyond"), so NaN, within nothing, is refused.
        if low is not None and not (value > low if low_open else value >= low):
            return _BAD
        if high is not None and not (value < high if high_open else value <= high):
            return _BAD
        return value if kind == "integer" else float(value)

    return number


# Reads a group's nested answers into facts; False when it is not plainly valid.
_Group = Callable[[dict[Any, Any], Facts], bool]
# answer key -> (fact key, check, reader of a group)
_Fields = dict[str, tuple[str, Callable[[Any], Any] | None, _Group | None]]


class AnswerReader:
    """Read JSON answers straight into facts, or say it is not sure they are valid.

    Built from the compiled protocol's ``answers`` table, which is made from the
    contract's JSON Schema. Only plainly valid input is accepted - exact JSON types,
    values in range, no unknown keys - and it gives exactly the facts the pydantic
    contract model gives (a property test checks both directions on generated input).
    Anything else, valid or not, gets ``None`` so the caller validates it with the
    contract model, which names each bad field.
    """

    def __init__(self, table: Mapping[str, Any]) -> None:
        blank: Facts = {}
        self._fields = self._compile(table, "", blank)
        self._blank = blank

    @classmethod
    def _compile(cls, table: Mapping[str, Any], prefix: str, blank: Facts) -> _Fields:
        fields: _Fields = {}
        for key, (kind, argument) in table.items():
            if kind == "group":
                fields[key] = ("", None, _group(cls._compile(argument, key + ".", blank)))
            else:
                blank[prefix + key] = None
                fields[key] = (prefix + key, _checker(kind, argument), None)
        return fields

    def read(self, data: object) -> Facts | None:
        """The facts of ``data`` (with derived values), or ``None``."""
        if type(data) is not dict:
            return None
        facts = self._blank.copy()
        if not _read(data, self._fields, facts):
            return None
        return derive(facts)


def _group(fields: _Fields) -> _Group:
    """The reader of one group of answers."""
    if any(check is not None or nested is not None for _, check, nested in fields.values()):
        return lambda data, facts: _read(data, fields, facts)
    paths = {key: path for key, (path, _, _) in fields.items()}

    def yes_no(data: dict[Any, Any], facts: Facts) -> bool:
        # The red flags and history are groups of yes/no answers, most of every answer
        # set: one tight loop reads them.
        try:
            for key, value in data.items():
                if not (value is True or value is False or value is None):
                    return False
                facts[paths[key]] = value
        except KeyError:  # not an answer of this group
            return False
        return True

    return yes_no


def _read(data: dict[Any, Any], fields: _Fields, facts: Facts) -> bool:
    for key, value in data.items():
        spec = fields.get(key)
        if spec is None:
            return False
        path, check, nested = spec
        if nested is not None:
            if type(value) is not dict or not nested(value, facts):
                return False
        elif value is not None:
            if check is None:
                if value is not True and value is not False:
                    return False
            else:
                value = check(value)
                if value is _BAD:
                    return False
            facts[path] = value
    return True


def compile_condition(condition: Sequence[Any]) -> Predicate:
    """Compile a condition of the compiled protocol into a predicate over facts.

    Forms: ``("all", parts)``, ``("any", parts)`` and ``(test, path, argument,
    or_unanswered)`` with test one of ``is``, ``at_least``, ``below``, ``in``,
    ``contains``. An unanswered value (``None``) matches only with ``or_unanswered``.
    """
    if condition[0] in ("all", "any"):
        parts = tuple(compile_condition(c) for c in condition[1])
        if condition[0] == "all":

            def every(facts: Facts) -> bool:
                # A loop, not all() over a generator: this runs for every rule of every
                # assessment, and the generator costs more than the tests it runs.
                for part in parts:  # noqa: SIM110
                    if not part(facts):
                        return False
                return True

            return every

        def some(facts: Facts) -> bool:
            for part in parts:  # noqa: SIM110
                if part(facts):
                    return True
            return False

        return some
    test, path, argument, unanswered = condition
    return _leaf(test, path, argument, bool(unanswered))


def _leaf(test: str, path: str, argument: Any, unanswered: bool) -> Predicate:
    """One test of one answer. Each test is its own small function (not a shared one
    calling a comparison) because these run for every rule of every assessment."""
    if test == "is":
        if unanswered:
            return lambda facts: (value := facts[path]) is None or value is True
        return lambda facts: facts[path] is True
    if test == "at_least":

        def at_least(facts: Facts) -> bool:
            value = facts[path]
            return unanswered if value is None else bool(value >= argument)

        return at_least
    if test == "below":

        def below(facts: Facts) -> bool:
            value = facts[path]
            return unanswered if value is None else bool(value < argument)

        return below
    if test == "in":
        choices = frozenset(argument)

        def in_(facts: Facts) -> bool:
            value = facts[path]
            return unanswered if value is None else value in choices

        return in_
    if test == "contains":

        def contains(facts: Facts) -> bool:
            value = facts[path]
            return unanswered if value is None else argument in value

        return contains
    raise ValueError(f"unknown condition test {test!r}")
