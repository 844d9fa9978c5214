"""FHIR R4 export of an episode: a ``collection`` Bundle validated with ``fhir.resources.R4B``.

What the Bundle holds (every resource gets a stable id derived from the episode's
uid, so exporting the same episode twice gives the same ids):

* **Patient**: anonymous, no name, no identifier unless one is given;
* **Condition**: SNOMED CT 279039007 *Low back pain* and ICD-10-CM M62.830 *Muscle
  spasm of back*, ``provisional`` (self-reported, not a diagnosis), active or
  resolved, with the onset and the trigger;
* **Observation** per pain score: LOINC 72514-3, ``valueInteger`` 0-10, the score
  given at the start and each check-in's; the worst pain since the previous
  check-in with a local code; the PSFS mean with a local code;
* **QuestionnaireResponse** per questionnaire filled in (STarT Back, Oswestry,
  Roland-Morris, or any other the knowledge base defines): ``questionnaire`` is the
  definition's canonical URL, one item per answered item (a Coding of backcare's
  ``questionnaire-answer`` system with the answer's label; no licensed item text), the
  scores and band as items, ``basedOn`` the episode's CarePlan; and an Observation per
  score (LOINC where the definition gives one, else the local ``questionnaire-score``
  code) ``derivedFrom`` it, with the band as its ``interpretation``;
* **QuestionnaireResponse**: the red-flag and history answers (at the start and
  whenever a check-in changed them; an unanswered question has no item: it is
  never "no"), the PSFS ratings of each check-in, and any STarT Back, Oswestry or
  Roland-Morris results passed in, each with a scored Observation (ODI: LOINC
  97908-8; the others local codes: no LOINC code was found, fact base §7);
* **CarePlan**: the plan now (or when resolved), its recommendations and exercises
  as activities with their ids, titles and timing, instantiating the protocol's
  PlanDefinition and ActivityDefinitions (:mod:`backcare.export.fhir_knowledge`);
* **RiskAssessment** per triage (the start and each check-in): the level as the
  predicted outcome and every reason (rule id, message) as a ``reasonCode``;
* **Procedure** per exercise-coach session (local code ``exercise-session``,
  ``completed`` or ``stopped``, its period, why it stopped) and, ``partOf`` it, one
  Procedure per exercise done (the exercise's code, ``completed``, ``stopped`` or
  ``not-done``, holds per side), each ``basedOn`` the CarePlan; the CarePlan's
  exercise activity lists them as its ``outcomeReference``. Pain before and after a
  session are pain Observations ``partOf`` the session.

Codes are checked by :func:`backcare.export._fhir.check_codes` before the Bundle
is validated; see ``docs/fhir-export.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from backcare.domain.enums import TriageLevel
from backcare.domain.questionnaire import QuestionnaireDefinition
from backcare.domain.results import Assessment, Reason
from backcare.errors import FieldProblem, InputError
from backcare.export._fhir import (
    CANONICAL_BASE,
    CONDITION_CATEGORY,
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
    EXTERNAL_CODES,
    ICD10CM,
    LOINC,
    OBSERVATION_CATEGORY,
    PROTOCOL_URL,
    SNOMED,
    UCUM,
    activity_url,
    coding,
    dumps,
    fhir_datetime,
    local,
    stable_id,
    validated,
)
from backcare.i18n import N_, label
from backcare.i18n import gettext as _
from backcare.knowledge.questionnaires import Questionnaires, load_questionnaires
from backcare.measures import (
    RMDQ_ITEMS,
    OswestryResult,
    QuestionnaireScore,
    StartBackResult,
    score_questionnaire,
)
from backcare.viewmodels.summary import episode_summary

if TYPE_CHECKING:
    from backcare.diary import Diary, EpisodeHistory
    from backcare.domain.results import Dose
    from backcare.knowledge.schema import KnowledgeBase
    from backcare.rules.assessor import Engine
    from backcare.store import CheckInRecord
    from backcare.store.coach import CoachSessionRecord
    from backcare.store.questionnaires import QuestionnaireResponseRecord

__all__ = [
    "OutcomeRecord",
    "PatientIdentifier",
    "episode_bundle",
    "export_fhir_bundle",
]

_PAIN_TEXT = N_("Pain now (0-10 numeric rating)")


def _pain_around_exercise(side: str) -> str:
    if side == "before":
        return _("Pain before exercise (0-10 numeric rating)")
    return _("Pain after exercise (0-10 numeric rating)")


def _exercise_note(exercise: Any, reps: str) -> str:
    """``Asked for 5 holds of 10 s each side; held left 5, right 5; longest hold 10 s.``"""
    if exercise.sides.value == "each":
        asked = _("Asked for {reps} holds of {hold} s each side")
    else:
        asked = _("Asked for {reps} holds of {hold} s")
    parts = [
        asked.format(reps=exercise.target_reps, hold=exercise.target_hold_seconds),
        _("held {reps}").format(reps=reps),
        _("longest hold {hold} s").format(hold=f"{exercise.achieved_hold_seconds:g}"),
    ]
    if exercise.skipped:
        parts.append(_("skipped"))
    return "; ".join(parts) + "."


@dataclass(frozen=True, slots=True)
class PatientIdentifier:
    """An identifier to put on the Patient (only ever when the person gives one)."""

    system: str
    value: str


@dataclass(frozen=True, slots=True)
class OutcomeRecord:
    """A scored outcome questionnaire to export with the episode.

    Attributes:
        at: when it was completed (aware).
        result: a STarT Back or Oswestry result from :mod:`backcare.measures`, or a
            Roland-Morris score (``int``, 0-24).
    """

    at: datetime
    result: StartBackResult | OswestryResult | int


def _ref(resource: dict[str, Any]) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource['id']}"}


def _concept(*codings: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": list(codings)}
    if text:
        concept["text"] = text
    return concept


class _Builder:
    """Collects the resources of one episode's Bundle."""

    def __init__(
        self,
        history: EpisodeHistory,
        *,
        knowledge: KnowledgeBase,
        identifier: PatientIdentifier | None,
    ) -> None:
        self.history = history
        self.episode = history.episode
        self.knowledge = knowledge
        self.resources: list[dict[str, Any]] = []
        self.patient = self._patient(identifier)
        self.condition = self._condition()
        #: Exercise id -> the Procedures of it done in coach sessions.
        self.exercise_procedures: dict[str, list[dict[str, str]]] = {}

    def add(self, resource: dict[str, Any], *key: object) -> dict[str, Any]:
        kind = resource.pop("resourceType")
        resource = {"resourceType": kind, "id": stable_id(self.episode.uid, kind, *key), **resource}
        self.resources.append(resource)
        return resource

    # --- the person and the problem ------------------------------------------------------

    def _patient(self, identifier: PatientIdentifier | None) -> dict[str, Any]:
        patient: dict[str, Any] = {"resourceType": "Patient"}
        if identifier is not None:
            patient["identifier"] = [{"system": identifier.system, "value": identifier.value}]
        return self.add(patient)

    def _condition(self) -> dict[str, Any]:
        episode = self.episode
        resolved = episode.resolved_at is not None
        condition: dict[str, Any] = {
            "resourceType": "Condition",
            "clinicalStatus": _concept(
                coding(CONDITION_CLINICAL, "resolved" if resolved else "active")
            ),
            "verificationStatus": _concept(coding(CONDITION_VERIFICATION, "provisional")),
            "category": [_concept(coding(CONDITION_CATEGORY, "problem-list-item"))],
            "code": _concept(
                coding(SNOMED, "279039007"),
                coding(ICD10CM, "M62.830"),
                text=_("Acute back muscle spasm (acute non-specific low back pain), self-reported"),
            ),
            "subject": _ref(self.patient),
            "onsetDateTime": fhir_datetime(episode.onset_at),
            "recordedDate": fhir_datetime(episode.started_at),
            "asserter": _ref(self.patient),
        }
        if episode.resolved_at is not None:
            condition["abatementDateTime"] = fhir_datetime(episode.resolved_at)
        notes = []
        if episode.trigger:
            trigger = label("trigger", episode.trigger)
            notes.append({"text": _("Trigger: {trigger}.").format(trigger=trigger)})
        if summary := episode_summary(episode):
            notes.append({"text": summary})
        if notes:
            condition["note"] = notes
        return self.add(condition)

    # --- observations and questionnaires -------------------------------------------------

    def observation(
        self,
        code: dict[str, Any],
        *,
        at: datetime,
        value: dict[str, Any],
        key: tuple[object, ...],
        derived_from: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        observation: dict[str, Any] = {
            "resourceType": "Observation",
            "status": "final",
            "category": [_concept(coding(OBSERVATION_CATEGORY, "survey", "Survey"))],
            "code": code,
            "subject": _ref(self.patient),
            "focus": [_ref(self.condition)],
            "effectiveDateTime": fhir_datetime(at),
            "performer": [_ref(self.patient)],
            **value,
        }
        if derived_from is not None:
            observation["derivedFrom"] = [_ref(derived_from)]
        return self.add(observation, *key)

    def pain(self, score: int, *, at: datetime, key: tuple[object, ...]) -> None:
        self.observation(
            _concept(coding(LOINC, "72514-3"), text=_(_PAIN_TEXT)),
            at=at,
            value={"valueInteger": score},
            key=("pain", *key),
        )

    def questionnaire(
        self, name: str, *, at: datetime, items: list[dict[str, Any]], key: tuple[object, ...]
    ) -> dict[str, Any]:
        return self.add(
            {
                "resourceType": "QuestionnaireResponse",
                "questionnaire": f"{CANONICAL_BASE}/Questionnaire/{name}",
                "status": "completed",
                "subject": _ref(self.patient),
                "authored": fhir_datetime(at),
                "author": _ref(self.patient),
                "source": _ref(self.patient),
                "item": items,
            },
            name,
            *key,
        )

    def _exercise_name(self, exercise_id: str) -> str:
        """The exercise's name in the knowledge base's words, never its id."""
        exercise = self.knowledge.exercise(exercise_id)
        return exercise.name if exercise is not None else exercise_id

    def red_flags(self, answers: dict[str, Any], *, at: datetime, key: tuple[object, ...]) -> None:
        items = []
        for flag in sorted(self.knowledge.red_flags, key=lambda f: f.priority):
            group, _dot, name = flag.answer.partition(".")
            answered = answers.get(group)
            value = answered.get(name) if isinstance(answered, dict) else None
            if isinstance(value, bool):
                items.append(
                    {
                        "linkId": flag.answer,
                        "text": flag.question,
                        "answer": [{"valueBoolean": value}],
                    }
                )
        if items:
            self.questionnaire("red-flags", at=at, items=items, key=key)

    def psfs(self, checkin: CheckInRecord, number: int) -> None:
        items: list[dict[str, Any]] = []
        for position, activity in enumerate(checkin.activities, 1):
            items.append(
                {
                    "linkId": f"activity-{position}",
                    "text": f"Activity {position}",
                    "item": [
                        {
                            "linkId": f"activity-{position}.name",
                            "text": "Activity the person finds hard",
                            "answer": [{"valueString": activity.name}],
                        },
                        {
                            "linkId": f"activity-{position}.score",
                            "text": "Rating: 0 = unable, 10 = able as before the problem",
                            "answer": [{"valueInteger": activity.score}],
                        },
                    ],
                }
            )
        mean = round(sum(a.score for a in checkin.activities) / len(checkin.activities), 2)
        items.append(
            {
                "linkId": "score",
                "text": "PSFS score (mean of the activities)",
                "answer": [{"valueDecimal": mean}],
            }
        )
        response = self.questionnaire(
            "psfs", at=checkin.recorded_at, items=items, key=("checkin", number)
        )
        self.observation(
            _concept(
                coding(local("observation"), "psfs-score", "PSFS score"),
                text="Patient-Specific Functional Scale, mean (0-10)",
            ),
            at=checkin.recorded_at,
            # R4 Observation has no valueDecimal: a unitless UCUM quantity instead.
            value={
                "valueQuantity": {"value": mean, "unit": "score", "system": UCUM, "code": "{score}"}
            },
            key=("psfs", number),
            derived_from=response,
        )

    def filled_questionnaire(
        self, definition: QuestionnaireDefinition, record: QuestionnaireResponseRecord
    ) -> None:
        """A questionnaire the person filled in, with an Observation per score.

        A response whose answers no longer fit the definition (the definition changed
        since) is left out rather than exported with a score it does not have.
        """
        try:
            score = score_questionnaire(definition, record.answers)
        except InputError:
            return
        items: list[dict[str, Any]] = []
        for item in definition.items:
            value = record.answers.get(item.id)
            option = next((o for o in definition.options(item) if o.value == value), None)
            if option is None:
                continue  # a blank optional item has no answer: never a guessed one
            answer = coding(local("questionnaire-answer"), option.value, option.label)
            items.append(_item(item.id, item.text or item.label, {"valueCoding": answer}))
        for spec in definition.scores:
            items.append(
                _item(f"score-{spec.id}", spec.label, {"valueDecimal": _number(score, spec.id)})
            )
        interpretation: list[dict[str, Any]] = []
        if score.band is not None:
            band = score.band
            items.append(_item("band", "Band", {"valueString": band.label}))
            code = band.id.replace("_", "-")
            interpretation = [_concept(coding(local("outcome-band"), code, band.label))]
        key = (definition.id, record.answered_at.isoformat())
        response = self.add(
            {
                "resourceType": "QuestionnaireResponse",
                "questionnaire": definition.fhir.canonical,
                "basedOn": [self.care_plan_ref()],
                "status": "completed",
                "subject": _ref(self.patient),
                "authored": fhir_datetime(record.answered_at),
                "author": _ref(self.patient),
                "source": _ref(self.patient),
                "item": items,
            },
            *key,
        )
        for spec in definition.scores:
            loinc = definition.fhir.loinc.get(spec.id)
            if (LOINC, loinc) not in EXTERNAL_CODES:
                loinc = None  # only codes checked against the fact base are written
            text = f"{definition.title}: {spec.label}"
            code_concept = (
                _concept(coding(LOINC, loinc), text=text)
                if loinc
                else _concept(
                    coding(
                        local("questionnaire-score"),
                        f"{definition.fhir.name}-{spec.id.replace('_', '-')}",
                        text,
                    ),
                    text=text,
                )
            )
            unit = ("%", "%") if spec.method == "percent" else ("score", "{score}")
            observation = self.observation(
                code_concept,
                at=record.answered_at,
                value={
                    "valueQuantity": {
                        "value": _number(score, spec.id),
                        "unit": unit[0],
                        "system": UCUM,
                        "code": unit[1],
                    }
                },
                key=(*key, spec.id),
                derived_from=response,
            )
            if interpretation:
                observation["interpretation"] = interpretation

    def outcome(self, record: OutcomeRecord, number: int) -> None:
        result = record.result
        at = record.at
        if isinstance(result, StartBackResult):
            items = [
                _item("total", "Total score (0-9)", {"valueInteger": result.total}),
                _item(
                    "psychosocial",
                    "Psychosocial subscale, items 5-9 (0-5)",
                    {"valueInteger": result.psychosocial},
                ),
                _item("risk", "Risk group", {"valueString": result.risk.value}),
            ]
            response = self.questionnaire("start-back", at=at, items=items, key=(number,))
            for code, text, value in (
                ("start-back-total", "STarT Back total (0-9)", result.total),
                ("start-back-psychosocial", "STarT Back psychosocial (0-5)", result.psychosocial),
            ):
                self.observation(
                    _concept(coding(local("observation"), code, text), text=text),
                    at=at,
                    value={"valueInteger": value},
                    key=(code, number),
                    derived_from=response,
                )
        elif isinstance(result, OswestryResult):
            percent = round(result.percent, 1)
            items = [
                _item("total", "Sum of section scores", {"valueInteger": result.total}),
                _item("answered", "Sections answered", {"valueInteger": result.answered}),
                _item("percent", "Oswestry Disability Index (%)", {"valueDecimal": percent}),
                _item("band", "Disability band", {"valueString": result.band.value}),
            ]
            response = self.questionnaire("oswestry", at=at, items=items, key=(number,))
            self.observation(
                _concept(coding(LOINC, "97908-8"), text="Oswestry Disability Index (%)"),
                at=at,
                value={
                    "valueQuantity": {"value": percent, "unit": "%", "system": UCUM, "code": "%"}
                },
                key=("oswestry", number),
                derived_from=response,
            )
        else:
            if isinstance(result, bool) or not 0 <= result <= RMDQ_ITEMS:
                raise InputError(
                    _("a Roland-Morris score is out of range"),
                    problems=[
                        FieldProblem(
                            f"outcomes.{number}",
                            _("must be 0-{rmdq_items}").format(rmdq_items=RMDQ_ITEMS),
                        )
                    ],
                )
            items = [_item("total", "Statements ticked (0-24)", {"valueInteger": result})]
            response = self.questionnaire("roland-morris", at=at, items=items, key=(number,))
            self.observation(
                _concept(
                    coding(local("observation"), "roland-morris-score", "Roland-Morris score"),
                    text="Roland-Morris Disability Questionnaire (0-24)",
                ),
                at=at,
                value={"valueInteger": result},
                key=("roland-morris", number),
                derived_from=response,
            )

    # --- triage and plan --------------------------------------------------------------------

    def risk(
        self,
        level: TriageLevel,
        reasons: Sequence[Reason],
        *,
        at: datetime,
        summary: str | None,
        key: tuple[object, ...],
    ) -> None:
        risk: dict[str, Any] = {
            "resourceType": "RiskAssessment",
            "status": "final",
            "method": {"text": _("backcare red-flag triage rules (knowledge base, with sources)")},
            "code": _concept(
                coding(local("assessment"), "red-flag-triage", _("Red-flag triage")),
                text=_("Red-flag triage for back pain"),
            ),
            "subject": _ref(self.patient),
            "occurrenceDateTime": fhir_datetime(at),
            "condition": _ref(self.condition),
            "prediction": [
                {
                    "outcome": _concept(
                        coding(local("triage-level"), level.value, label("level_heading", level)),
                        text=label("level_heading", level),
                    )
                }
            ],
        }
        if reasons:
            risk["reasonCode"] = [
                _concept(
                    coding(local("triage-reason"), r.id, r.message),
                    text=_("{message} (level: {level}; sources: {sources})").format(
                        message=r.message,
                        level=label("level", r.level),
                        sources=", ".join(self.knowledge.source_title(s) for s in r.sources),
                    ),
                )
                for r in reasons
            ]
        if summary:
            risk["mitigation"] = summary
        self.add(risk, *key)

    # --- what the person did ----------------------------------------------------------------

    def care_plan_ref(self) -> dict[str, str]:
        """The reference of the CarePlan, which is added last (its id is stable)."""
        return {"reference": f"urn:uuid:{stable_id(self.episode.uid, 'CarePlan')}"}

    def coach_session(self, session: CoachSessionRecord, number: int) -> None:
        """A coach session as a Procedure, each exercise a Procedure ``partOf`` it."""
        period = {
            "start": fhir_datetime(session.started_at),
            "end": fhir_datetime(session.ended_at),
        }
        stopped = session.quit_early or session.stopped_for_symptom
        procedure: dict[str, Any] = {
            "resourceType": "Procedure",
            "basedOn": [self.care_plan_ref()],
            "status": "stopped" if stopped else "completed",
            "code": _concept(
                coding(local("procedure"), "exercise-session", _("Exercise session")),
                text=_("backcare exercise-coach session"),
            ),
            "subject": _ref(self.patient),
            "performedPeriod": period,
            "performer": [{"actor": _ref(self.patient)}],
            "reasonReference": [_ref(self.condition)],
        }
        if session.stopped_for_symptom and session.symptom is not None:
            procedure["statusReason"] = {
                "text": _("stopped for a symptom: {symptom}").format(
                    symptom=label("symptom", session.symptom)
                )
            }
        elif session.quit_early:
            procedure["statusReason"] = {"text": _("the person stopped early")}
        parent = self.add(procedure, "coach", number)
        for side, score in (("before", session.pain_before), ("after", session.pain_after)):
            if score is not None:
                at = session.started_at if side == "before" else session.ended_at
                pain = self.observation(
                    _concept(coding(LOINC, "72514-3"), text=_pain_around_exercise(side)),
                    at=at,
                    value={"valueInteger": score},
                    key=("pain", "coach", number, side),
                )
                pain["partOf"] = [_ref(parent)]
        for position, exercise in enumerate(session.exercises, 1):
            reps = ", ".join(f"{side.value} {n}" for side, n in exercise.reps.items())
            done = sum(exercise.reps.values())
            status = "completed" if exercise.completed else "not-done" if done == 0 else "stopped"
            child: dict[str, Any] = {
                "resourceType": "Procedure",
                "basedOn": [self.care_plan_ref()],
                "partOf": [_ref(parent)],
                "status": status,
                "code": _concept(
                    coding(local("exercise"), exercise.exercise_id),
                    text=self._exercise_name(exercise.exercise_id),
                ),
                "subject": _ref(self.patient),
                "performedPeriod": period,
                "note": [{"text": _exercise_note(exercise, reps)}],
            }
            if status == "not-done":
                child["statusReason"] = {
                    "text": _("skipped") if exercise.skipped else _("not reached")
                }
            added = self.add(child, "coach", number, position)
            self.exercise_procedures.setdefault(exercise.exercise_id, []).append(_ref(added))

    def care_plan(self, assessment: Assessment) -> None:
        plan = assessment.plan
        resolved = self.episode.resolved_at is not None
        emergency = assessment.triage.level is TriageLevel.EMERGENCY
        status = "completed" if resolved else "on-hold" if emergency else "active"
        activity_status = "completed" if resolved else "on-hold" if emergency else "in-progress"
        period: dict[str, str] = {"start": fhir_datetime(self.episode.onset_at)}
        if self.episode.resolved_at is not None:
            period["end"] = fhir_datetime(self.episode.resolved_at)
        activities: list[dict[str, Any]] = [
            {
                "detail": _detail(
                    kind="recommendation",
                    item_id=rec.id,
                    title=rec.title,
                    description=rec.instructions[0],
                    dose=rec.dose,
                    status=activity_status,
                )
            }
            for rec in plan.recommendations
        ]
        activities += [
            {
                **(
                    {"outcomeReference": self.exercise_procedures[ex.id]}
                    if ex.id in self.exercise_procedures
                    else {}
                ),
                "detail": _detail(
                    kind="exercise",
                    item_id=ex.id,
                    title=ex.name,
                    description=(
                        f"{ex.reps} repetitions{' each side' if ex.sides.value == 'each' else ''}, "
                        f"hold {ex.hold_seconds} s, {ex.times_per_day} times a day."
                    ),
                    dose=None,
                    status=activity_status,
                    per_day=ex.times_per_day,
                ),
            }
            for ex in plan.exercises
        ]
        care_plan: dict[str, Any] = {
            "resourceType": "CarePlan",
            "instantiatesCanonical": [PROTOCOL_URL],
            "status": status,
            "intent": "plan",
            "category": [
                _concept(coding(local("phase"), plan.phase.value, f"{plan.phase.value} phase"))
            ],
            "title": f"backcare self-care plan ({plan.phase.value} phase)",
            "description": plan.phase_note,
            "subject": _ref(self.patient),
            "period": period,
            "author": _ref(self.patient),
            "addresses": [_ref(self.condition)],
            "note": [{"text": assessment.disclaimer}],
        }
        if activities:
            care_plan["activity"] = activities
        self.add(care_plan)


def _number(score: QuestionnaireScore, score_id: str) -> float:
    # One decimal place, as the report shows it; whole numbers stay whole.
    value = score.values[score_id]
    return value if float(value).is_integer() else round(value, 1)


def _item(link: str, text: str, answer: dict[str, Any]) -> dict[str, Any]:
    return {"linkId": link, "text": text, "answer": [answer]}


def _timing(dose: Dose | None, *, per_day: int | None = None) -> dict[str, Any] | None:
    repeat: dict[str, Any] = {}
    if dose is not None and dose.every_hours:
        repeat |= {"frequency": 1, "period": dose.every_hours, "periodUnit": "h"}
    elif dose is not None and dose.times_per_day:
        repeat |= {"frequency": dose.times_per_day, "period": 1, "periodUnit": "d"}
    elif per_day:
        repeat |= {"frequency": per_day, "period": 1, "periodUnit": "d"}
    if dose is not None and dose.minutes:
        repeat |= {"duration": dose.minutes, "durationUnit": "min"}
        if dose.max_minutes:
            repeat["durationMax"] = dose.max_minutes
    return {"repeat": repeat} if repeat else None


def _detail(
    *,
    kind: str,
    item_id: str,
    title: str,
    description: str,
    dose: Dose | None,
    status: str,
    per_day: int | None = None,
) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "instantiatesCanonical": [activity_url(kind, item_id)],
        "code": _concept(coding(local(kind), item_id, title), text=title),
        "status": status,
        "description": description,
    }
    timing = _timing(dose, per_day=per_day)
    if timing is not None:
        detail["scheduledTiming"] = timing
    return detail


def _start_assessment(data: dict[str, Any]) -> tuple[TriageLevel, tuple[Reason, ...], str | None]:
    triage = data.get("triage", {})
    try:
        level = TriageLevel(triage.get("level", TriageLevel.SELF_CARE.value))
    except ValueError:
        level = TriageLevel.SELF_CARE
    reasons = tuple(Reason.model_validate(r) for r in triage.get("reasons", ()))
    summary = triage.get("summary")
    return level, reasons, summary if isinstance(summary, str) else None


def episode_bundle(
    history: EpisodeHistory,
    *,
    engine: Engine,
    now: datetime,
    patient: PatientIdentifier | None = None,
    outcomes: Sequence[OutcomeRecord] = (),
    questionnaires: Questionnaires | None = None,
) -> dict[str, Any]:
    """Build and validate the FHIR Bundle of one episode, as JSON data.

    Args:
        history: the episode with its check-ins and doses.
        engine: the engine (plan and knowledge base).
        now: the time of the export (``Bundle.timestamp``; the plan of an active episode).
        patient: an identifier for the Patient; default: none (anonymous).
        outcomes: scored questionnaires to include (the diary records only NRS and PSFS).
        questionnaires: the definitions of the questionnaires the episode holds; default:
            the shipped knowledge base's. A response to one it does not define is left out.

    Returns:
        The Bundle (``type`` collection) as JSON-ready data.

    Raises:
        InputError: an outcome record is out of range or has no time zone.
        BackcareError: the Bundle would not validate (a bug).
    """
    from backcare.export._context import answers_at

    builder = _Builder(history, knowledge=engine.knowledge, identifier=patient)
    episode = history.episode
    level, reasons, summary = _start_assessment(episode.assessment)
    builder.risk(level, reasons, at=episode.started_at, summary=summary, key=("start",))
    builder.red_flags(episode.answers, at=episode.started_at, key=("start",))
    start_pain = episode.answers.get("pain")
    if isinstance(start_pain, int) and not isinstance(start_pain, bool):
        builder.pain(start_pain, at=episode.started_at, key=("start",))
    for number, checkin in enumerate(history.checkins, 1):
        key = ("checkin", number)
        builder.pain(checkin.pain, at=checkin.recorded_at, key=key)
        if checkin.worst_pain is not None:
            builder.observation(
                _concept(
                    coding(local("observation"), "worst-pain", _("Worst pain since last check-in")),
                    text=_("Worst pain since the previous check-in (0-10 numeric rating)"),
                ),
                at=checkin.recorded_at,
                value={"valueInteger": checkin.worst_pain},
                key=("worst-pain", number),
            )
        if checkin.activities:
            builder.psfs(checkin, number)
        if checkin.answers_update:
            builder.red_flags(checkin.answers_update, at=checkin.recorded_at, key=key)
        builder.risk(
            checkin.triage_level,
            checkin.triage_reasons,
            at=checkin.recorded_at,
            summary=None,
            key=key,
        )
    for number, record in enumerate(outcomes, 1):
        if record.at.tzinfo is None or record.at.utcoffset() is None:
            raise InputError(
                _("an outcome record needs a time zone"),
                problems=[FieldProblem(f"outcomes.{number}.at", record.at.isoformat())],
            )
        builder.outcome(record, number)
    known = {d.id: d for d in (questionnaires or load_questionnaires()).definitions}
    for response in history.questionnaires:
        definition = known.get(response.questionnaire)
        if definition is not None:
            builder.filled_questionnaire(definition, response)
    for number, session in enumerate(history.coach_sessions, 1):
        builder.coach_session(session, number)
    until = episode.resolved_at or now
    builder.care_plan(engine.assess(answers_at(history, at=until)))
    bundle = {
        "resourceType": "Bundle",
        "id": stable_id(episode.uid, "Bundle", fhir_datetime(now)),
        "meta": {"lastUpdated": fhir_datetime(now)},
        "type": "collection",
        "timestamp": fhir_datetime(now),
        "entry": [
            {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
            for resource in builder.resources
        ],
    }
    return validated(bundle)


def export_fhir_bundle(
    diary: Diary,
    *,
    episode_id: int | None = None,
    patient: PatientIdentifier | None = None,
    outcomes: Sequence[OutcomeRecord] = (),
) -> str:
    """The FHIR R4 Bundle of an episode, as JSON text (for ``backcare export --format fhir``).

    Args:
        diary: the open diary.
        episode_id: default: the active episode, else the latest.
        patient: an identifier for the Patient; default: anonymous.
        outcomes: scored STarT Back / Oswestry / Roland-Morris results to include.

    Raises:
        NotFoundError: no such episode, or the diary is empty.
        InputError: an outcome record is invalid.
    """
    history = diary.history(episode_id)
    return dumps(
        episode_bundle(
            history,
            engine=diary.engine,
            now=diary.now(),
            patient=patient,
            outcomes=outcomes,
            questionnaires=diary.questionnaires,
        )
    )
