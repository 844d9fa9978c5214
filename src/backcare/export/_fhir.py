"""Shared FHIR R4 pieces: code systems, stable ids, citations, and the checks fhir.resources skips.

fhir.resources (``fhir.resources.R4B``) checks the *structure* of a resource, not
its code values: ``"status": "bogus"`` passes. :func:`check_codes` checks every
coded value backcare writes against the value sets of FHIR R4 (required
bindings) and every Coding against the systems and codes backcare knows, and
:func:`validated` runs both before anything leaves the package.

External codes come from the clinical fact base §7: LOINC 72514-3 (pain NRS),
97908-8 (Oswestry Disability Index; seen in the PACIO sample-data IG, to be verified
on loinc.org), SNOMED CT 279039007 (low back pain), ICD-10-CM M62.830 (muscle spasm
of back). No LOINC code was found for the PSFS, STarT Back or Roland-Morris, so
they use backcare's local code system under :data:`CANONICAL_BASE`.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from backcare.domain.enums import TriageLevel
from backcare.errors import BackcareError, FieldProblem, validation_problems
from backcare.i18n import gettext

__all__ = [
    "CANONICAL_BASE",
    "EXTERNAL_CODES",
    "ICD10CM",
    "LOINC",
    "PROTOCOL_URL",
    "SNOMED",
    "UCUM",
    "activity_url",
    "check_codes",
    "citation",
    "coding",
    "fhir_datetime",
    "local",
    "resource_id",
    "stable_id",
    "validated",
]

#: Base of backcare's own canonical URLs and code systems. backcare has no published
#: FHIR home yet; ``.example`` (RFC 2606) says so plainly. Change it here when it does.
CANONICAL_BASE = "https://backcare.example/fhir"
#: The canonical URL of the protocol's PlanDefinition.
PROTOCOL_URL = f"{CANONICAL_BASE}/PlanDefinition/backcare-protocol"

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
_HL7 = "http://terminology.hl7.org/CodeSystem/"
CONDITION_CLINICAL = _HL7 + "condition-clinical"
CONDITION_VERIFICATION = _HL7 + "condition-ver-status"
CONDITION_CATEGORY = _HL7 + "condition-category"
OBSERVATION_CATEGORY = _HL7 + "observation-category"
PLAN_DEFINITION_TYPE = _HL7 + "plan-definition-type"

#: The external codes backcare writes, with their display text (fact base §7).
EXTERNAL_CODES: dict[tuple[str, str], str] = {
    (LOINC, "72514-3"): "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
    (LOINC, "97908-8"): "Oswestry Disability Index [ODI]",
    (SNOMED, "279039007"): "Low back pain",
    (ICD10CM, "M62.830"): "Muscle spasm of back",
}

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_KEBAB = re.compile(r"^[a-z][a-z0-9-]*$")

#: backcare's local code systems and what a code in each must look like.
_LOCAL_SYSTEMS: dict[str, Any] = {
    "observation": frozenset(
        {
            "worst-pain",
            "psfs-score",
            "start-back-total",
            "start-back-psychosocial",
            "roland-morris-score",
        }
    ),
    "assessment": frozenset({"red-flag-triage"}),
    "triage-level": frozenset(level.value for level in TriageLevel),
    "triage-reason": _ID,
    "recommendation": _ID,
    "exercise": _ID,
    "red-flag": _ID,
    "phase": frozenset({"acute", "subacute", "recovery"}),
    "outcome-band": _KEBAB,
    # Questionnaires defined as data: answer values and scores, named by their files.
    "questionnaire-answer": re.compile(r"^[a-z0-9][a-z0-9_]*$"),
    "questionnaire-score": _KEBAB,
    "procedure": frozenset({"exercise-session"}),
}

#: HL7 code systems backcare writes, with the codes it may use.
_HL7_SYSTEMS: dict[str, frozenset[str]] = {
    CONDITION_CLINICAL: frozenset(
        {"active", "recurrence", "relapse", "inactive", "remission", "resolved"}
    ),
    CONDITION_VERIFICATION: frozenset(
        {"unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"}
    ),
    CONDITION_CATEGORY: frozenset({"problem-list-item", "encounter-diagnosis"}),
    OBSERVATION_CATEGORY: frozenset(
        {
            "social-history",
            "vital-signs",
            "imaging",
            "laboratory",
            "procedure",
            "survey",
            "exam",
            "therapy",
            "activity",
        }
    ),
    PLAN_DEFINITION_TYPE: frozenset(
        {"order-set", "clinical-protocol", "eca-rule", "workflow-definition"}
    ),
}

_EVENT_STATUS = frozenset(
    {
        "registered",
        "preliminary",
        "final",
        "amended",
        "corrected",
        "cancelled",
        "entered-in-error",
        "unknown",
    }
)
_PUBLICATION_STATUS = frozenset({"draft", "active", "retired", "unknown"})
_TIME_UNITS = frozenset({"s", "min", "h", "d", "wk", "mo", "a"})
_UNITS = _TIME_UNITS | {"%", "{score}"}

#: Coded (``code``-typed) fields with required bindings in FHIR R4, by path.
_CODE_FIELDS: dict[str, frozenset[str]] = {
    "Bundle.type": frozenset(
        {
            "document",
            "message",
            "transaction",
            "transaction-response",
            "batch",
            "batch-response",
            "history",
            "searchset",
            "collection",
        }
    ),
    "Observation.status": _EVENT_STATUS,
    "RiskAssessment.status": _EVENT_STATUS,
    "QuestionnaireResponse.status": frozenset(
        {"in-progress", "completed", "amended", "entered-in-error", "stopped"}
    ),
    "CarePlan.status": frozenset(
        {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
    ),
    "CarePlan.intent": frozenset({"proposal", "plan", "order", "option"}),
    "CarePlan.activity.detail.status": frozenset(
        {
            "not-started",
            "scheduled",
            "in-progress",
            "on-hold",
            "completed",
            "cancelled",
            "stopped",
            "unknown",
            "entered-in-error",
        }
    ),
    "PlanDefinition.status": _PUBLICATION_STATUS,
    "ActivityDefinition.status": _PUBLICATION_STATUS,
    "Patient.identifier.use": frozenset({"usual", "official", "temp", "secondary", "old"}),
}
_ARTIFACT_TYPES = frozenset(
    {
        "documentation",
        "justification",
        "citation",
        "predecessor",
        "successor",
        "derived-from",
        "depends-on",
        "composed-of",
    }
)
#: The same for data types that appear at many paths, by the end of the path.
_CODE_SUFFIXES: dict[str, frozenset[str]] = {
    "documentation.type": _ARTIFACT_TYPES,
    "relatedArtifact.type": _ARTIFACT_TYPES,
    "repeat.periodUnit": _TIME_UNITS,
    "repeat.durationUnit": _TIME_UNITS,
    "condition.kind": frozenset({"applicability", "start", "stop"}),
    "action.groupingBehavior": frozenset({"visual-group", "logical-group", "sentence-group"}),
    "action.selectionBehavior": frozenset(
        {"any", "all", "all-or-none", "exactly-one", "at-most-one", "one-or-more"}
    ),
}


def activity_url(kind: str, item_id: str) -> str:
    """The canonical URL of the ActivityDefinition of a recommendation or an exercise."""
    return f"{CANONICAL_BASE}/ActivityDefinition/{resource_id(kind, item_id)}"


def resource_id(*parts: str) -> str:
    """A FHIR id (letters, digits, ``-``, ``.``) from knowledge-base ids: ``exercise-cat-cow``."""
    return "-".join(p.replace("_", "-") for p in parts)


def local(system: str) -> str:
    """The URL of one of backcare's local code systems (``observation``, ``triage-level``...)."""
    if system not in _LOCAL_SYSTEMS:
        raise KeyError(system)
    return f"{CANONICAL_BASE}/CodeSystem/{system}"


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    """A Coding; external codes get their display from :data:`EXTERNAL_CODES`."""
    shown = display if display is not None else EXTERNAL_CODES.get((system, code))
    result: dict[str, Any] = {"system": system, "code": code}
    if shown:
        result["display"] = shown
    return result


_NAMESPACE = uuid.UUID("6f0c1f8e-2a7b-5d5e-9c43-1b2d3e4f5a6b")


def stable_id(*parts: object) -> str:
    """A UUID (version 5) from ``parts``: the same episode exports the same ids."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in parts)))


def fhir_datetime(value: datetime) -> str:
    """An aware datetime as a FHIR ``dateTime``/``instant`` in UTC, to the second."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(gettext("FHIR date-times need a time zone"))
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def citation(source: Any) -> dict[str, Any]:
    """A knowledge-base source as a RelatedArtifact citation."""
    artifact: dict[str, Any] = {"type": "citation", "label": source.id, "display": source.title}
    if source.url:
        artifact["url"] = source.url
        artifact["citation"] = f"{source.title}. {source.url}"
    else:
        artifact["citation"] = f"{source.title} (backcare seed file {source.file})"
    return artifact


def _walk(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, Mapping):
        if "resourceType" in node:
            path = str(node["resourceType"])
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
        yield path, node
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, path)


def _coding_problem(node: Mapping[str, Any]) -> str | None:
    system, code = node.get("system"), node.get("code")
    if not isinstance(system, str) or not isinstance(code, str):
        return "a Coding needs a system and a code"
    if (system, code) in EXTERNAL_CODES:
        return None
    if system in (LOINC, SNOMED, ICD10CM):
        return f"{code} is not one of the {system} codes backcare may write"
    if system in _HL7_SYSTEMS:
        return None if code in _HL7_SYSTEMS[system] else f"{code} is not in {system}"
    if system == UCUM:
        return None if code in _UNITS else f"{code} is not a UCUM unit backcare uses"
    prefix = f"{CANONICAL_BASE}/CodeSystem/"
    allowed = _LOCAL_SYSTEMS.get(system.removeprefix(prefix)) if system.startswith(prefix) else None
    if allowed is None:
        return f"unknown code system {system}"
    if isinstance(allowed, frozenset):
        return None if code in allowed else f"{code} is not in {system}"
    return None if allowed.match(code) else f"{code!r} is not a valid code of {system}"


def check_codes(resource: Mapping[str, Any]) -> list[FieldProblem]:
    """Check the coded values of a resource (and any resources inside it).

    Args:
        resource: a resource or Bundle as JSON data.

    Returns:
        One problem per wrong value, naming its path; empty when all are allowed.
    """
    problems: list[FieldProblem] = []
    for path, node in _walk(resource, ""):
        if not isinstance(node, Mapping):
            continue
        if "code" in node and "system" in node and not isinstance(node.get("value"), int | float):
            problem = _coding_problem(node)
            if problem:
                problems.append(FieldProblem(path, problem))
        if "value" in node and node.get("system") == UCUM and node.get("code") not in _UNITS:
            problems.append(FieldProblem(path, gettext("a UCUM quantity needs a known unit code")))
        for key, value in node.items():
            field = f"{path}.{key}"
            allowed = _CODE_FIELDS.get(field)
            if allowed is None:
                allowed = next(
                    (v for suffix, v in _CODE_SUFFIXES.items() if field.endswith("." + suffix)),
                    None,
                )
            if allowed is not None and value not in allowed:
                problems.append(
                    FieldProblem(
                        field, gettext("{value!r} is not an allowed code").format(value=value)
                    )
                )
    return problems


def validated(data: dict[str, Any]) -> dict[str, Any]:
    """Check a Bundle's codes and validate it with fhir.resources (R4B models).

    Returns:
        ``data`` unchanged.

    Raises:
        BackcareError: the Bundle would be invalid (a bug in backcare, not the user's input).
    """
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    problems = check_codes(data)
    try:
        Bundle.model_validate(data)
    except ValidationError as exc:
        problems += validation_problems(
            exc.errors(), field=lambda loc: ".".join(map(str, loc)), limit=20
        )
    if problems:
        raise BackcareError(
            gettext("backcare built an invalid FHIR Bundle"), problems=problems[:20]
        )
    return data


def dumps(data: Mapping[str, Any]) -> str:
    """FHIR JSON text: UTF-8, two-space indent, a final newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
