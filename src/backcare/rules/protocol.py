"""Compile the validated knowledge base and the settings into the protocol the rules run.

The compiled protocol is plain data (dicts, lists, tuples, strings, numbers), so it
can be stored and loaded without pydantic (the command line's fast path keeps it in
the user cache) and run by :mod:`backcare.rules.decide` and
:mod:`backcare.rules.build`. Every shared part of a result is stored in its
canonical JSON form - made by the result model itself - so plain and typed results
serialise to the same JSON.

This module also holds the typed side: :data:`TYPED`, the parts that build
:mod:`backcare.domain.results` models, and :func:`facts_of` for answers that are
already validated.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from pydantic import BaseModel

from backcare.domain import results
from backcare.domain.answers import Answers
from backcare.domain.enums import MedicineStatus, Phase, TriageLevel
from backcare.domain.results import (
    Dose,
    PlannedExercise,
    Question,
    Reason,
    RecommendationItem,
    WarningSign,
    trusted_builder,
)
from backcare.knowledge.loader import REQUIRED_MESSAGES
from backcare.knowledge.schema import Condition, KnowledgeBase, Recommendation
from backcare.rules.build import Parts
from backcare.rules.decide import FORMAT
from backcare.rules.facts import Facts, derive
from backcare.settings import Settings

__all__ = ["FORMAT", "TYPED", "answers_table", "compile_protocol", "facts_of"]

_DAY = datetime(2000, 1, 1)  # any date: schedules are clock times within one waking day
# Every result model of the contract, by the kind names the builder uses.
_RESULT_MODELS: dict[str, type[BaseModel]] = {
    name: model
    for name in results.__all__
    if isinstance(model := getattr(results, name), type) and issubclass(model, BaseModel)
}
_ENUMS: dict[str, type[Any]] = {
    "TriageLevel": TriageLevel,
    "Phase": Phase,
    "MedicineStatus": MedicineStatus,
}


class _Typed:
    """Parts as the typed, frozen models of :mod:`backcare.domain.results`."""

    def leaf(self, kind: str, data: dict[str, Any]) -> Any:
        return _RESULT_MODELS[kind].model_validate(data)

    def builder(self, kind: str) -> Callable[..., Any]:
        # The builder gives every field, made from validated data: no need to validate again.
        return trusted_builder(_RESULT_MODELS[kind])

    def value(self, kind: str, raw: str) -> Any:
        return _ENUMS[kind](raw)


TYPED: Parts = _Typed()


_GROUPS = tuple(
    name
    for name, field in Answers.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
)


def facts_of(answers: Answers) -> Facts:
    """Flatten validated answers into facts keyed by answer path, plus the derived values."""
    facts: Facts = dict(answers.__dict__)
    for group in _GROUPS:
        values = facts.pop(group).__dict__
        facts.update({f"{group}.{key}": value for key, value in values.items()})
    return derive(facts)


# --- the answers table -----------------------------------------------------------------

_KNOWN_KEYWORDS = frozenset(
    {
        "type",
        "title",
        "description",
        "default",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "anyOf",
        "$ref",
        "items",
        "uniqueItems",
        "enum",
        "properties",
        "additionalProperties",
    }
)


def answers_table() -> dict[str, Any]:
    """The contract's fields as a table for :class:`backcare.rules.facts.AnswerReader`.

    Made from the JSON Schema of :class:`Answers`, so it cannot drift from the model;
    a keyword it does not know is an error here rather than a silently laxer reader.
    """
    schema = Answers.model_json_schema()
    return _object(schema, schema.get("$defs", {}))


def _object(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if schema.get("additionalProperties") is not False:
        raise ValueError(f"{schema.get('title')}: the contract must forbid unknown keys")
    return {name: _field(name, prop, defs) for name, prop in schema["properties"].items()}


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    return defs[node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node


def _field(name: str, prop: dict[str, Any], defs: dict[str, Any]) -> tuple[str, Any]:
    unknown = set(prop) - _KNOWN_KEYWORDS
    options = prop.get("anyOf", [prop])
    real = [_resolve(o, defs) for o in options if o.get("type") != "null"]
    nullable = len(real) < len(options)
    for node in real:
        unknown |= set(node) - _KNOWN_KEYWORDS
    if unknown or len(real) != 1:
        raise ValueError(f"{name}: contract keywords the fast reader does not know: {unknown}")
    node = real[0]
    if node.get("type") == "object":
        return ("group", _object(node, defs))
    if not nullable:
        raise ValueError(f"{name}: every answer must allow null (unanswered)")
    if "enum" in node:
        return ("choice", frozenset(node["enum"]))
    kind = node["type"]
    if kind == "array":
        items = _resolve(node["items"], defs)
        if "enum" not in items:
            raise ValueError(f"{name}: only lists of choices are supported")
        return ("choices", frozenset(items["enum"]))
    if kind == "boolean":
        return ("boolean", None)
    if kind in ("integer", "number"):
        low_open, high_open = "exclusiveMinimum" in node, "exclusiveMaximum" in node
        bounds = (
            node.get("exclusiveMinimum", node.get("minimum")),
            low_open,
            node.get("exclusiveMaximum", node.get("maximum")),
            high_open,
        )
        return (kind, bounds)
    raise ValueError(f"{name}: unsupported type {kind!r}")


# --- the protocol ----------------------------------------------------------------------


def _dump(model: type[BaseModel], **fields: Any) -> dict[str, Any]:
    """The canonical JSON form of a result part: validated by its model, then dumped."""
    return model(**fields).model_dump(mode="json")


def _condition(condition: Condition) -> tuple[Any, ...]:
    if condition.all is not None:
        return ("all", tuple(_condition(c) for c in condition.all))
    if condition.any is not None:
        return ("any", tuple(_condition(c) for c in condition.any))
    tests = (
        ("is", condition.is_),
        ("at_least", condition.at_least),
        ("below", condition.below),
        ("in", condition.in_),
        ("contains", condition.contains),
    )
    test, argument = next((t, a) for t, a in tests if a is not None)
    return (test, condition.answer, argument, condition.or_unanswered)


def _reason(id_: str, message: str, level: TriageLevel, sources: tuple[str, ...]) -> Any:
    return _dump(Reason, id=id_, message=message, level=level, sources=sources)


def _times(
    wake: time, sleep: time, every_hours: float | None, times_per_day: int | None, offset: int
) -> list[str]:
    """Clock times in the waking day, e.g. every 2 h from wake, or N times spread evenly."""
    start = datetime.combine(_DAY, wake) + timedelta(minutes=offset)
    end = datetime.combine(_DAY, sleep)
    if start >= end:
        return []
    if every_hours is not None:
        step = timedelta(hours=every_hours)
        times, current = [], start
        while current < end:
            times.append(current.strftime("%H:%M"))
            current += step
        return times
    count = times_per_day or 1
    # Spread sessions evenly, the last one at least an hour before sleep.
    usable = max(end - timedelta(hours=1) - start, timedelta(0))
    gap = usable / max(count - 1, 1)
    return [(start + gap * i).strftime("%H:%M") for i in range(count)]


def _recommendation(rec: Recommendation, settings: Settings) -> dict[str, Any]:
    schedule = None
    if rec.schedule is not None:
        sched = rec.schedule
        if sched.anchor == "sleep":
            last = datetime.combine(_DAY, settings.sleep_time)
            clocks = [(last - timedelta(minutes=sched.offset_minutes)).strftime("%H:%M")]
        else:
            clocks = _times(
                settings.wake_time,
                settings.sleep_time,
                sched.every_hours,
                sched.times_per_day,
                sched.offset_minutes,
            )
        schedule = (sched.from_hours, clocks, sched.title, sched.minutes)
    item = _dump(
        RecommendationItem,
        id=rec.id,
        track=rec.track,
        title=rec.title,
        instructions=rec.instructions,
        dose=None if rec.dose is None else Dose(**rec.dose.model_dump()),
        safety=rec.safety,
        stop_if=rec.stop_if,
        sources=rec.sources,
        evidence=rec.evidence,
    )
    return {
        "id": rec.id,
        "exercise": rec.exercise,
        "phases": [phase.value for phase in rec.phases],
        "hours": None if rec.hours is None else list(rec.hours),
        "when": None if rec.when is None else _condition(rec.when),
        "replaces": list(rec.replaces),
        "item": item,
        "schedule": schedule,
    }


def _texts(kb: KnowledgeBase) -> dict[str, Any]:
    """The knowledge base's patient-facing texts, as the builder reads them."""
    levels = [level.value for level in TriageLevel]
    return {
        "summaries": {level: kb.message(f"summary_{level}") for level in levels},
        # Every other message the engine needs (the loader checks each is present).
        **{key: kb.message(key) for key in REQUIRED_MESSAGES if not key.startswith("summary_")},
        "bmi": {
            # The plan cites the sources of every band together, as one classification.
            "sources": list(dict.fromkeys(s for band in kb.bmi_bands for s in band.sources)),
            "bands": [{"below": band.below, "label": band.label} for band in kb.bmi_bands],
        },
    }


def compile_protocol(kb: KnowledgeBase, settings: Settings) -> dict[str, Any]:
    """Compile ``kb`` with ``settings`` (emergency number, waking day) into plain data."""
    questions: list[tuple[int, str, dict[str, Any]]] = []
    for flag in kb.red_flags:
        question = _dump(
            Question,
            key=flag.answer,
            text=flag.question,
            kind="boolean",
            level_if_yes=flag.level,
            why=flag.reason,
            sources=flag.sources,
        )
        questions.append((flag.priority, flag.answer, question))
    for intake in kb.intake:
        question = _dump(
            Question,
            key=intake.answer,
            text=intake.question,
            kind=intake.kind,
            choices=intake.choices,
            why=intake.why,
            sources=intake.sources,
        )
        questions.append((intake.priority, intake.answer, question))
    questions.sort(key=lambda entry: entry[0])
    screening = [(flag.priority, flag.answer) for flag in kb.red_flags]
    screening += [(q.priority, q.answer) for q in kb.intake if q.screening]
    per_day = {ex.times_per_day for ex in kb.exercises}
    starts = {rec.schedule.from_hours for rec in kb.recommendations if rec.schedule}
    return {
        "format": FORMAT,
        "texts": _texts(kb),
        "emergency_number": settings.emergency_number,
        "levels": [level.value for level in TriageLevel],  # least to most urgent
        "statuses": [status.value for status in MedicineStatus],  # best to worst
        "answers": answers_table(),
        "flags": [
            (flag.answer, _reason(flag.id, flag.reason, flag.level, flag.sources))
            for flag in kb.red_flags
        ],
        "rules": [
            (_condition(rule.when), _reason(rule.id, rule.message, rule.level, rule.sources))
            for rule in kb.triage_rules
        ],
        "screening": [path for _, path in sorted(screening)],
        # Questions another answer settles as not applicable (never asked, never missing).
        "not_asked": [
            (answer, _condition(when))
            for answer, when in [(f.answer, f.not_asked_when) for f in kb.red_flags]
            + [(q.answer, q.not_asked_when) for q in kb.intake]
            if when is not None
        ],
        "questions": [(key, question) for _, key, question in questions],
        "phases": [
            (phase.id.value, phase.from_hours, phase.until_hours, phase.summary)
            for phase in sorted(kb.phases, key=lambda p: p.from_hours)
        ],
        "recommendations": [_recommendation(rec, settings) for rec in kb.recommendations],
        "exercises": [
            {
                "from_phase": ex.from_phase.value,
                "position": ex.position,
                "item": _dump(
                    PlannedExercise,
                    id=ex.id,
                    name=ex.name,
                    steps=ex.steps,
                    hold_seconds=ex.hold_seconds,
                    reps=ex.reps,
                    sides=ex.sides,
                    rest_seconds=ex.rest_seconds,
                    times_per_day=ex.times_per_day,
                    stop_if=ex.stop_if,
                    sources=ex.sources,
                ),
            }
            for ex in kb.exercises
        ],
        # Exercise sessions are spread over the waking day, as often as the most frequent
        # exercise allowed; one timetable per possible count.
        "session_clocks": {
            n: _times(settings.wake_time, settings.sleep_time, None, n, 60) for n in per_day
        },
        "timetable_from": sorted(starts - {0.0}),
        # Positions whose exercises some people leave out: (id, condition, note).
        "positions": [
            (position.id, _condition(position.left_out_when), position.note)
            for position in kb.positions
            if position.left_out_when is not None
        ],
        "warning_signs": [
            _dump(
                WarningSign, id=w.id, text=w.text, level=w.level, sources=w.sources, covers=w.covers
            )
            for w in kb.warning_signs
        ],
        "medicines": [
            {
                "id": med.id,
                "name": med.name,
                "otc": med.otc,
                "usual_dose": med.usual_dose,
                "min_interval_hours": med.min_interval_hours,
                "max_daily_mg": med.max_daily_mg,
                "max_days": med.max_days,
                "notes": [*med.notes, *med.licence_notes()],
                "sources": list(
                    dict.fromkeys([*med.sources, *(s for lic in med.licences for s in lic.sources)])
                ),
                "rules": [
                    {
                        "when": _condition(rule.when),
                        "status": rule.status.value,
                        "reason": rule.reason,
                        # None: keep; 0: no fixed maximum (a pharmacist or doctor sets it)
                        "max_daily_mg": 0 if rule.no_daily_max else rule.max_daily_mg,
                        "usual_dose": rule.usual_dose,
                        "sources": list(rule.sources),
                    }
                    for rule in med.rules
                ],
            }
            for med in kb.medicines
        ],
    }
