"""The knowledge base as FHIR R4: one PlanDefinition (the protocol) and its ActivityDefinitions.

* **PlanDefinition** ``backcare-protocol`` (type ``clinical-protocol``, status
  ``draft``: backcare is not a validated clinical protocol), for low back pain
  (SNOMED CT 279039007). Its actions are

  - *Triage*: one action per red-flag question (what a "yes" means, and why) and
    per triage rule, its condition as the rule's JSON (language
    ``text/x-backcare-condition``, the condition language of ``triage_rules.yaml``);
  - one action per phase (acute, subacute, recovery) with its hours since onset as
    ``timingRange``, holding the recommendations and exercises of that phase, each
    pointing at its ActivityDefinition (``definitionCanonical``), with its own hour
    window and condition where it has one.

* **ActivityDefinition** per recommendation (``recommendation-<id>``) and per exercise
  (``exercise-<id>``): the instructions, safety and stop rules, the timing of its
  dose, and its sources.

* **Questionnaire** per outcome questionnaire of the knowledge base
  (``knowledge/data/questionnaires/``), at its canonical URL: one ``choice`` item per
  item (its text only where the licence allows shipping it, otherwise its neutral
  label), its answers as Codings of backcare's ``questionnaire-answer`` system, the
  licence terms and notice as ``copyright``.

Every source is a ``relatedArtifact`` citation (the PlanDefinition lists all of them;
each action and ActivityDefinition its own), so the evidence travels with the advice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from backcare.domain.enums import Phase, Sides
from backcare.domain.questionnaire import QuestionnaireDefinition
from backcare.export._fhir import (
    PLAN_DEFINITION_TYPE,
    PROTOCOL_URL,
    SNOMED,
    UCUM,
    activity_url,
    citation,
    coding,
    dumps,
    local,
    resource_id,
    validated,
)
from backcare.i18n import gettext as _
from backcare.i18n import label
from backcare.knowledge.questionnaires import Questionnaires, load_questionnaires
from backcare.knowledge.schema import (
    Condition,
    DoseSpec,
    Exercise,
    KnowledgeBase,
    PhaseSpec,
    Recommendation,
)

__all__ = ["CONDITION_LANGUAGE", "export_knowledge_fhir", "knowledge_bundle"]

#: The media type of a backcare condition (the rule language of the knowledge base) as JSON.
CONDITION_LANGUAGE = "text/x-backcare-condition"
_PHASES = list(Phase)


def _name(*parts: str) -> str:
    """A computer-friendly FHIR name (``[A-Z][A-Za-z0-9_]*``) from ids."""
    return "".join(word.capitalize() for part in parts for word in part.split("_"))


def _citations(kb: KnowledgeBase, ids: Iterable[str]) -> list[dict[str, Any]]:
    return [citation(kb.source(source_id)) for source_id in dict.fromkeys(ids)]


def _hours(value: float) -> dict[str, Any]:
    return {"value": value, "unit": "h", "system": UCUM, "code": "h"}


def _range(low: float, high: float | None) -> dict[str, Any]:
    window: dict[str, Any] = {"low": _hours(low)}
    if high is not None:
        window["high"] = _hours(high)
    return window


def _condition(when: Condition) -> dict[str, Any]:
    text = json.dumps(
        when.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True),
        separators=(",", ":"),
    )
    return {
        "kind": "applicability",
        "expression": {
            "description": "Applies when the answers meet this condition",
            "language": CONDITION_LANGUAGE,
            "expression": text,
        },
    }


def _timing(dose: DoseSpec | None) -> dict[str, Any] | None:
    if dose is None:
        return None
    repeat: dict[str, Any] = {}
    if dose.every_hours:
        repeat |= {"frequency": 1, "period": dose.every_hours, "periodUnit": "h"}
    elif dose.times_per_day:
        repeat |= {"frequency": dose.times_per_day, "period": 1, "periodUnit": "d"}
    if dose.minutes:
        repeat |= {"duration": dose.minutes, "durationUnit": "min"}
        if dose.max_minutes:
            repeat["durationMax"] = dose.max_minutes
    return {"repeat": repeat} if repeat else None


def _bullets(lines: Iterable[str]) -> str:
    return "\n".join(f"* {line}" for line in lines)


def _recommendation(kb: KnowledgeBase, rec: Recommendation, version: str) -> dict[str, Any]:
    usage = [*rec.safety, *(f"Stop if: {s}" for s in rec.stop_if)]
    if rec.dose is not None and rec.dose.notes:
        usage += rec.dose.notes
    definition: dict[str, Any] = {
        "resourceType": "ActivityDefinition",
        "id": resource_id("recommendation", rec.id),
        "url": activity_url("recommendation", rec.id),
        "version": version,
        "name": _name("recommendation", rec.id),
        "title": rec.title,
        "status": "draft",
        "experimental": True,
        "publisher": "backcare contributors",
        "description": _bullets(rec.instructions),
        "topic": [{"text": f"{rec.track.value} track"}],
        "relatedArtifact": _citations(kb, rec.sources),
        "code": {
            "coding": [coding(local("recommendation"), rec.id, rec.title)],
            "text": rec.title,
        },
    }
    if usage:
        definition["usage"] = _bullets(usage)
    timing = _timing(rec.dose)
    if timing is not None:
        definition["timingTiming"] = timing
    return definition


def _exercise(kb: KnowledgeBase, ex: Exercise, version: str) -> dict[str, Any]:
    side = " on each side" if ex.sides is Sides.EACH else ""
    dose = (
        f"Start with {ex.reps} repetitions{side}, holding {ex.hold_seconds} s with "
        f"{ex.rest_seconds} s rest, {ex.times_per_day} times a day; add up to "
        f"{ex.progression.max_reps} repetitions and {ex.progression.max_hold_seconds} s "
        "holds as comfort allows."
    )
    return {
        "resourceType": "ActivityDefinition",
        "id": resource_id("exercise", ex.id),
        "url": activity_url("exercise", ex.id),
        "version": version,
        "name": _name("exercise", ex.id),
        "title": ex.name,
        "status": "draft",
        "experimental": True,
        "publisher": "backcare contributors",
        "description": _bullets(ex.steps),
        "usage": _bullets([dose, *(f"Stop if: {s}" for s in ex.stop_if)]),
        "topic": [{"text": f"{ex.kind} exercise, from the {ex.from_phase.value} phase"}],
        "relatedArtifact": _citations(kb, ex.sources),
        "code": {"coding": [coding(local("exercise"), ex.id, ex.name)], "text": ex.name},
        "timingTiming": {"repeat": {"frequency": ex.times_per_day, "period": 1, "periodUnit": "d"}},
    }


def _triage_actions(kb: KnowledgeBase) -> dict[str, Any]:
    flags = [
        {
            # The flag's own words (knowledge-base text), never its id title-cased.
            "title": flag.may_suggest,
            "description": " ".join(
                (
                    flag.question,
                    _("A 'yes' means: {level}.").format(level=label("level_heading", flag.level)),
                    flag.reason,
                )
            ),
            "code": [{"coding": [coding(local("red-flag"), flag.id, flag.may_suggest)]}],
            "documentation": _citations(kb, flag.sources),
        }
        for flag in sorted(kb.red_flags, key=lambda f: f.priority)
    ]
    rules = [
        {
            "description": " ".join(
                (
                    rule.message,
                    _("Level: {level}.").format(level=label("level_heading", rule.level)),
                )
            ),
            "code": [{"coding": [coding(local("triage-reason"), rule.id)]}],
            "condition": [_condition(rule.when)],
            "documentation": _citations(kb, rule.sources),
        }
        for rule in kb.triage_rules
    ]
    return {
        "title": _("Triage"),
        "description": _(
            "Ask the red-flag questions first, most dangerous first; an unanswered question "
            "is never taken as 'no'. The most urgent level that applies wins."
        ),
        "groupingBehavior": "logical-group",
        "action": flags + rules,
    }


def _phase_action(kb: KnowledgeBase, spec: PhaseSpec) -> dict[str, Any]:
    phase = spec.id
    actions: list[dict[str, Any]] = []
    for rec in kb.recommendations:
        if phase not in rec.phases:
            continue
        action: dict[str, Any] = {
            "title": rec.title,
            "definitionCanonical": activity_url("recommendation", rec.id),
        }
        if rec.hours is not None:
            action["timingRange"] = _range(rec.hours[0], rec.hours[1])
        if rec.when is not None:
            action["condition"] = [_condition(rec.when)]
        actions.append(action)
    actions += [
        {"title": ex.name, "definitionCanonical": activity_url("exercise", ex.id)}
        for ex in kb.exercises
        if _PHASES.index(ex.from_phase) <= _PHASES.index(phase)
    ]
    return {
        "title": _("{phase} phase").format(phase=label("phase", phase)),
        "description": spec.summary,
        "code": [
            {
                "coding": [
                    coding(
                        local("phase"),
                        phase.value,
                        _("{phase} phase").format(phase=label("phase", phase)),
                    )
                ]
            }
        ],
        "timingRange": _range(spec.from_hours, spec.until_hours),
        "documentation": _citations(kb, spec.sources),
        "groupingBehavior": "logical-group",
        "selectionBehavior": "all",
        "action": actions,
    }


def _questionnaire(definition: QuestionnaireDefinition) -> dict[str, Any]:
    licence = definition.licence
    return {
        "resourceType": "Questionnaire",
        "id": resource_id("questionnaire", definition.id),
        "url": definition.fhir.canonical,
        "version": definition.version,
        "name": _name("questionnaire", definition.id),
        "title": definition.title,
        "status": "draft",
        "publisher": licence.holder,
        "description": f"{definition.description}\n\n{definition.instructions}",
        "copyright": " ".join(t for t in (licence.terms, licence.notice) if t),
        "subjectType": ["Patient"],
        "item": [
            {
                "linkId": item.id,
                "text": item.text or item.label,
                "type": "choice",
                "required": not item.optional,
                "answerOption": [
                    {"valueCoding": coding(local("questionnaire-answer"), o.value, o.label)}
                    for o in definition.options(item)
                ],
            }
            for item in definition.items
        ],
    }


def knowledge_bundle(
    kb: KnowledgeBase,
    *,
    version: str | None = None,
    questionnaires: Questionnaires | None = None,
) -> dict[str, Any]:
    """The knowledge base as a validated FHIR ``collection`` Bundle (JSON data).

    Args:
        kb: the knowledge base.
        version: the protocol's business version; default: backcare's version.
        questionnaires: the questionnaires to include; default: the shipped ones.

    Raises:
        BackcareError: the Bundle would not validate (a bug).
    """
    if version is None:
        from backcare._version import __version__

        version = __version__
    definitions = [_recommendation(kb, rec, version) for rec in kb.recommendations]
    definitions += [_exercise(kb, ex, version) for ex in kb.exercises]
    phases = sorted(kb.phases, key=lambda p: p.from_hours)
    protocol: dict[str, Any] = {
        "resourceType": "PlanDefinition",
        "id": "backcare-protocol",
        "url": PROTOCOL_URL,
        "version": version,
        "name": "BackcareProtocol",
        "title": "backcare: red-flag triage and phased self-care for acute back muscle spasm",
        "type": {
            "coding": [coding(PLAN_DEFINITION_TYPE, "clinical-protocol", "Clinical Protocol")]
        },
        "status": "draft",
        "experimental": True,
        "subjectCodeableConcept": {"coding": [coding(SNOMED, "279039007")]},
        "publisher": "backcare contributors",
        "description": (
            "Screen for red flags first; then a self-care plan in three tracks (relief, cause, "
            "prevention) that changes with the phase of the episode (acute 0-72 h, subacute to "
            "day 14, recovery after), with gentle exercises and over-the-counter medicine checks."
        ),
        "purpose": (
            "Self-care guidance for acute non-specific low back pain with muscle spasm. Not a "
            "diagnosis or a prescription; it does not replace a doctor, pharmacist or "
            "physiotherapist."
        ),
        "usage": _bullets(w.text for w in kb.warning_signs),
        "relatedArtifact": [citation(source) for source in kb.sources],
        "action": [_triage_actions(kb), *(_phase_action(kb, spec) for spec in phases)],
    }
    chosen = questionnaires if questionnaires is not None else load_questionnaires()
    resources = [protocol, *definitions, *(_questionnaire(q) for q in chosen.definitions)]
    bundle = {
        "resourceType": "Bundle",
        "id": f"backcare-knowledge-{version}".replace("+", "-"),
        "type": "collection",
        "entry": [{"fullUrl": resource["url"], "resource": resource} for resource in resources],
    }
    return validated(bundle)


def export_knowledge_fhir(kb: KnowledgeBase | None = None) -> str:
    """The knowledge base as FHIR JSON text (for ``backcare kb fhir``).

    Args:
        kb: default: the shipped knowledge base.
    """
    if kb is None:
        from backcare.knowledge.loader import load_knowledge_base

        kb = load_knowledge_base()
    return dumps(knowledge_bundle(kb))
