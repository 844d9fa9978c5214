"""FHIR R4 export: the episode Bundle and the knowledge base, validated by fhir.resources (R4B).

Also home of :func:`episode_specs` / :func:`build_episode`, the hypothesis-generated
episodes (built through the diary services on a temporary SQLite database) that
the calendar and report tests use too.
"""

# ruff: noqa: F811  (pytest fixtures imported from store_fixtures are redefined as arguments)
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.factories import add_coach_session

from backcare import Engine, KnowledgeBase
from backcare.diary import (
    ActionCount,
    ActivityScore,
    CheckInEntry,
    Diary,
    DoseEntry,
    SelfCareAction,
)
from backcare.errors import BackcareError, InputError, NotFoundError
from backcare.export._fhir import check_codes
from backcare.export.fhir import (
    OutcomeRecord,
    PatientIdentifier,
    episode_bundle,
    export_fhir_bundle,
)
from backcare.export.fhir_knowledge import export_knowledge_fhir, knowledge_bundle
from backcare.measures import Bothersomeness, oswestry, start_back
from backcare.store import open_store
from store_fixtures import (  # noqa: F401  (fixtures)
    START,
    FakeClock,
    clock,
    sqlite_diary,
    sqlite_url,
    start_answers,
)

# --- hypothesis-generated episodes (shared with the calendar and report tests) ----------

ACTIVITY_NAMES = ("putting on socks", "sitting at work", "lifting <the> shopping & bags")
FLAGS = (None, "fever", "saddle_numbness", "night_or_rest_pain")


@dataclass(frozen=True)
class CheckInSpec:
    """One check-in of a generated episode."""

    after_hours: float
    pain: int
    worst: int | None
    activities: tuple[tuple[str, int], ...]
    actions: tuple[tuple[SelfCareAction, int], ...]
    doses: tuple[tuple[str, int], ...]
    flag: str | None
    note: str | None


@dataclass(frozen=True)
class EpisodeSpec:
    """A generated episode: onset, start answers, check-ins and whether it is resolved."""

    onset_hours_before: float
    start_pain: int | None
    trigger: str
    checkins: tuple[CheckInSpec, ...]
    resolved: bool


_notes = st.none() | st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=60
)
checkin_specs = st.builds(
    CheckInSpec,
    after_hours=st.floats(min_value=0.5, max_value=40),
    pain=st.integers(0, 10),
    worst=st.none() | st.integers(0, 10),
    activities=st.lists(
        st.tuples(st.sampled_from(ACTIVITY_NAMES), st.integers(0, 10)),
        max_size=3,
        unique_by=lambda a: a[0],
    ).map(tuple),
    actions=st.lists(
        st.tuples(st.sampled_from(list(SelfCareAction)), st.integers(1, 12)),
        max_size=4,
        unique_by=lambda a: a[0],
    ).map(tuple),
    doses=st.lists(
        st.tuples(st.sampled_from(["ibuprofen", "paracetamol"]), st.sampled_from([200, 500])),
        max_size=2,
    ).map(tuple),
    flag=st.sampled_from(FLAGS),
    note=_notes,
)
episode_specs = st.builds(
    EpisodeSpec,
    onset_hours_before=st.floats(min_value=0, max_value=80),
    start_pain=st.none() | st.integers(0, 10),
    trigger=st.sampled_from(["lifting", "twisting_or_sudden_movement", "unknown"]),
    checkins=st.lists(checkin_specs, max_size=8).map(tuple),
    resolved=st.booleans(),
)


def build_episode(diary: Diary, clock: FakeClock, spec: EpisodeSpec) -> int:
    """Record ``spec`` through the diary's use-cases; return the episode id."""
    answers = start_answers(pain=spec.start_pain)
    if spec.start_pain is None:
        answers.pop("pain")
    start = diary.start_episode(
        onset=clock() - timedelta(hours=spec.onset_hours_before),
        trigger=spec.trigger,
        answers=answers,
    )
    for checkin in spec.checkins:
        clock.advance(hours=checkin.after_hours)
        diary.check_in(
            CheckInEntry(
                pain=checkin.pain,
                worst_pain=checkin.worst,
                activities=tuple(ActivityScore(n, s) for n, s in checkin.activities),
                actions=tuple(ActionCount(a, c) for a, c in checkin.actions),
                doses=tuple(DoseEntry(drug, mg) for drug, mg in checkin.doses),
                answers={"red_flags": {checkin.flag: True}} if checkin.flag else None,
                note=checkin.note,
            ),
            override_dose_limits=True,
        )
    if spec.resolved:
        clock.advance(hours=1)
        diary.resolve()
    return start.episode.id


HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- helpers ----------------------------------------------------------------------------


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def parse_bundle(text: str) -> Any:
    from fhir.resources.R4B.bundle import Bundle

    return Bundle.model_validate_json(text)


def typical_episode(diary: Diary, clock: FakeClock) -> None:
    diary.start_episode(onset=START - timedelta(hours=5), answers=start_answers(pain=7))
    clock.advance(hours=20)
    diary.check_in(
        CheckInEntry(
            pain=6,
            worst_pain=8,
            activities=(ActivityScore("putting on socks", 3), ActivityScore("sitting", 4)),
            actions=(ActionCount(SelfCareAction.ICE, 4), ActionCount(SelfCareAction.WALK, 6)),
            doses=(DoseEntry("ibuprofen", 200),),
            note="Worse when sitting.",
        )
    )
    clock.advance(hours=24)
    diary.check_in(
        CheckInEntry(
            pain=4,
            activities=(ActivityScore("putting on socks", 6),),
            answers={"red_flags": {"fever": True}},
        )
    )


@pytest.fixture
def bundle(sqlite_diary: Diary, clock: FakeClock) -> dict[str, Any]:
    typical_episode(sqlite_diary, clock)
    return json.loads(export_fhir_bundle(sqlite_diary))


# --- the episode Bundle -------------------------------------------------------------------


def test_episode_bundle_round_trips_through_fhir_resources(
    sqlite_diary: Diary, clock: FakeClock
) -> None:
    typical_episode(sqlite_diary, clock)
    text = export_fhir_bundle(sqlite_diary)
    parsed = parse_bundle(text)
    assert parsed.type == "collection"
    again = json.loads(parsed.model_dump_json(exclude_none=True))
    assert Counter(e["resource"]["resourceType"] for e in again["entry"]) == Counter(
        e["resource"]["resourceType"] for e in json.loads(text)["entry"]
    )


def test_bundle_holds_each_kind_of_resource(bundle: dict[str, Any]) -> None:
    kinds = Counter(e["resource"]["resourceType"] for e in bundle["entry"])
    assert kinds["Patient"] == 1
    assert kinds["Condition"] == 1
    assert kinds["CarePlan"] == 1
    assert kinds["RiskAssessment"] == 3  # the start and two check-ins
    assert kinds["QuestionnaireResponse"] >= 3  # red flags x2, PSFS x2
    assert bundle["type"] == "collection"


def test_patient_is_anonymous_unless_an_identifier_is_given(
    sqlite_diary: Diary, clock: FakeClock
) -> None:
    typical_episode(sqlite_diary, clock)
    anonymous = resources(json.loads(export_fhir_bundle(sqlite_diary)), "Patient")[0]
    assert set(anonymous) == {"resourceType", "id"}
    named = resources(
        json.loads(
            export_fhir_bundle(
                sqlite_diary, patient=PatientIdentifier("urn:oid:2.16.840.1.113883.2.1.4.1", "9")
            )
        ),
        "Patient",
    )[0]
    assert named["identifier"] == [{"system": "urn:oid:2.16.840.1.113883.2.1.4.1", "value": "9"}]


def test_condition_is_coded_as_low_back_pain_and_muscle_spasm_of_back(
    bundle: dict[str, Any],
) -> None:
    condition = resources(bundle, "Condition")[0]
    codes = {(c["system"], c["code"]) for c in condition["code"]["coding"]}
    assert codes == {
        ("http://snomed.info/sct", "279039007"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "M62.830"),
    }
    assert condition["clinicalStatus"]["coding"][0]["code"] == "active"
    assert condition["onsetDateTime"] == "2026-03-02T03:00:00Z"


def test_each_pain_score_is_a_loinc_72514_3_observation_with_an_integer(
    bundle: dict[str, Any],
) -> None:
    pain = [
        o
        for o in resources(bundle, "Observation")
        if o["code"]["coding"][0]
        == {
            "system": "http://loinc.org",
            "code": "72514-3",
            "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
        }
    ]
    assert [o["valueInteger"] for o in pain] == [7, 6, 4]  # start, then each check-in
    assert all(o["status"] == "final" for o in pain)


def test_psfs_ratings_are_a_questionnaire_response_with_a_scored_observation(
    bundle: dict[str, Any],
) -> None:
    responses = [
        r for r in resources(bundle, "QuestionnaireResponse") if r["questionnaire"].endswith("psfs")
    ]
    assert len(responses) == 2
    first = responses[0]["item"]
    assert first[0]["item"][0]["answer"] == [{"valueString": "putting on socks"}]
    assert first[-1]["answer"] == [{"valueDecimal": 3.5}]
    scores = [
        o["valueQuantity"]["value"]
        for o in resources(bundle, "Observation")
        if o["code"]["coding"][0]["code"] == "psfs-score"
    ]
    assert scores == [3.5, 6.0]


def test_red_flag_answers_are_exported_and_unanswered_ones_are_left_out(
    sqlite_diary: Diary, clock: FakeClock
) -> None:
    sqlite_diary.start_episode(onset=START, answers={"pain": 5, "red_flags": {"fever": False}})
    data = json.loads(export_fhir_bundle(sqlite_diary))
    (response,) = [
        r
        for r in resources(data, "QuestionnaireResponse")
        if r["questionnaire"].endswith("red-flags")
    ]
    assert response["item"] == [
        {
            "linkId": "red_flags.fever",
            "text": response["item"][0]["text"],
            "answer": [{"valueBoolean": False}],
        }
    ]


def test_triage_is_a_risk_assessment_with_its_reasons(bundle: dict[str, Any]) -> None:
    latest = resources(bundle, "RiskAssessment")[-1]
    outcome = latest["prediction"][0]["outcome"]["coding"][0]
    assert outcome["code"] == "urgent"
    assert [c["coding"][0]["code"] for c in latest["reasonCode"]] == ["fever"]
    assert "NHS: Back pain" in latest["reasonCode"][0]["text"]  # sources by short title


def test_care_plan_lists_recommendations_and_exercises_with_their_definitions(
    bundle: dict[str, Any],
) -> None:
    plan = resources(bundle, "CarePlan")[0]
    assert plan["status"] == "active"
    assert plan["intent"] == "plan"
    details = [a["detail"] for a in plan["activity"]]
    codes = {d["code"]["coding"][0]["code"] for d in details}
    assert {"cold_therapy", "keep_moving", "daily_checkin"} <= codes
    cold = next(d for d in details if d["code"]["coding"][0]["code"] == "cold_therapy")
    assert cold["code"]["text"] == "Cold pack on the sore spot"
    assert cold["instantiatesCanonical"][0].endswith(
        "/ActivityDefinition/recommendation-cold-therapy"
    )
    assert cold["scheduledTiming"]["repeat"]["durationMax"] == 20


def test_resolved_episode_exports_a_resolved_condition_and_completed_plan(
    sqlite_diary: Diary, clock: FakeClock
) -> None:
    typical_episode(sqlite_diary, clock)
    clock.advance(hours=2)
    sqlite_diary.resolve(summary="Better after a week.")
    data = json.loads(export_fhir_bundle(sqlite_diary))
    condition = resources(data, "Condition")[0]
    assert condition["clinicalStatus"]["coding"][0]["code"] == "resolved"
    assert "abatementDateTime" in condition
    assert resources(data, "CarePlan")[0]["status"] == "completed"


def test_outcome_measures_use_loinc_for_oswestry_and_local_codes_for_the_others(
    sqlite_diary: Diary, clock: FakeClock, engine: Engine
) -> None:
    typical_episode(sqlite_diary, clock)
    history = sqlite_diary.history()
    outcomes = [
        OutcomeRecord(clock(), start_back([True] * 4 + [False] * 4, bothersomeness="very_much")),
        OutcomeRecord(clock(), oswestry([2, 2, 2, 2, 2, 2, 2, None, 2, 2])),
        OutcomeRecord(clock(), 9),
    ]
    data = episode_bundle(history, engine=engine, now=clock(), outcomes=outcomes)
    questionnaires = {
        r["questionnaire"].rsplit("/", 1)[1] for r in resources(data, "QuestionnaireResponse")
    }
    assert {"start-back", "oswestry", "roland-morris"} <= questionnaires
    codings = {
        (o["code"]["coding"][0]["system"], o["code"]["coding"][0]["code"]): o
        for o in resources(data, "Observation")
    }
    odi = codings[("http://loinc.org", "97908-8")]
    assert odi["valueQuantity"]["value"] == 40.0  # 18 of 45: one section not applicable
    assert any(code == "roland-morris-score" for _, code in codings)
    assert any(code == "start-back-total" for _, code in codings)
    assert Bothersomeness.VERY_MUCH.scores


@pytest.mark.parametrize(
    ("outcome", "field"),
    [
        pytest.param(OutcomeRecord(START, 25), "outcomes.1", id="roland-morris-above-24"),
        pytest.param(
            OutcomeRecord(datetime(2026, 3, 2, 8, 0), 3), "outcomes.1.at", id="naive-time"
        ),
    ],
)
def test_invalid_outcome_record_is_an_input_error_naming_it(
    sqlite_diary: Diary, clock: FakeClock, engine: Engine, outcome: OutcomeRecord, field: str
) -> None:
    typical_episode(sqlite_diary, clock)
    with pytest.raises(InputError) as caught:
        episode_bundle(sqlite_diary.history(), engine=engine, now=clock(), outcomes=[outcome])
    assert caught.value.problems[0].field == field


def test_same_episode_exports_the_same_resource_ids(sqlite_diary: Diary, clock: FakeClock) -> None:
    typical_episode(sqlite_diary, clock)
    first = json.loads(export_fhir_bundle(sqlite_diary))
    clock.advance(minutes=5)
    second = json.loads(export_fhir_bundle(sqlite_diary))
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]


def test_empty_diary_has_nothing_to_export(sqlite_diary: Diary) -> None:
    with pytest.raises(NotFoundError):
        export_fhir_bundle(sqlite_diary)


# --- code checks (fhir.resources checks structure only) -------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        pytest.param(("status",), "bogus", "CarePlan.status", id="careplan-status"),
        pytest.param(("intent",), "wish", "CarePlan.intent", id="careplan-intent"),
        pytest.param(
            ("activity", 0, "detail", "status"),
            "done",
            "CarePlan.activity.detail.status",
            id="activity-status",
        ),
    ],
)
def test_code_check_catches_values_fhir_resources_accepts(
    bundle: dict[str, Any], path: tuple[Any, ...], value: str, field: str
) -> None:
    from fhir.resources.R4B.bundle import Bundle

    plan = resources(bundle, "CarePlan")[0]
    node: Any = plan
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    Bundle.model_validate(bundle)  # structure is still fine...
    assert [p.field for p in check_codes(bundle)] == [field]  # ...the code is not


@pytest.mark.parametrize(
    ("coding", "message"),
    [
        pytest.param(
            {"system": "http://loinc.org", "code": "12345-6"}, "not one of", id="unknown-loinc"
        ),
        pytest.param(
            {"system": "http://snomed.info/sct", "code": "161891005"},
            "not one of",
            id="snomed-not-in-the-fact-base-list",
        ),
        pytest.param(
            {"system": "https://backcare.example/fhir/CodeSystem/triage-level", "code": "soon"},
            "is not in",
            id="unknown-triage-level",
        ),
        pytest.param({"system": "http://example.org/x", "code": "a"}, "unknown", id="foreign"),
    ],
)
def test_code_check_rejects_codes_backcare_does_not_know(
    bundle: dict[str, Any], coding: dict[str, str], message: str
) -> None:
    condition = resources(bundle, "Condition")[0]
    condition["code"]["coding"].append(coding)
    problems = check_codes(bundle)
    assert len(problems) == 1
    assert message in problems[0].problem


def test_invalid_bundle_is_refused_before_it_leaves_backcare(
    sqlite_diary: Diary, clock: FakeClock, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backcare.export import fhir

    typical_episode(sqlite_diary, clock)
    monkeypatch.setattr(fhir, "fhir_datetime", lambda value: "not a date")
    with pytest.raises(BackcareError, match="invalid FHIR Bundle"):
        episode_bundle(sqlite_diary.history(), engine=engine, now=clock())


# --- every generated episode exports a valid Bundle -----------------------------------------


@HYPOTHESIS
@given(spec=episode_specs)
def test_every_generated_episode_exports_a_valid_bundle(engine: Engine, spec: EpisodeSpec) -> None:
    clock = FakeClock()
    with Diary(open_store("sqlite://"), engine=engine, clock=clock, tz=UTC) as diary:
        episode_id = build_episode(diary, clock, spec)
        text = export_fhir_bundle(diary, episode_id=episode_id)
        history = diary.history(episode_id)
    data = json.loads(text)
    parse_bundle(text)
    assert check_codes(data) == []
    pain = [
        o["valueInteger"]
        for o in resources(data, "Observation")
        if o["code"]["coding"][0]["code"] == "72514-3"
    ]
    expected = ([spec.start_pain] if spec.start_pain is not None else []) + [
        c.pain for c in spec.checkins
    ]
    assert pain == expected
    assert len(resources(data, "RiskAssessment")) == 1 + len(spec.checkins)
    levels = [
        r["prediction"][0]["outcome"]["coding"][0]["code"]
        for r in resources(data, "RiskAssessment")[1:]
    ]
    assert levels == [c.triage_level.value for c in history.checkins]
    plan = resources(data, "CarePlan")[0]
    latest = levels[-1] if levels else history.episode.assessment["triage"]["level"]
    if spec.resolved:
        assert plan["status"] == "completed"
    else:
        assert plan["status"] == ("on-hold" if latest == "emergency" else "active")
    ids = [e["resource"]["id"] for e in data["entry"]]
    assert len(ids) == len(set(ids))


# --- the knowledge base as PlanDefinition + ActivityDefinitions -----------------------------


@pytest.fixture(scope="module")
def knowledge(kb: KnowledgeBase) -> dict[str, Any]:
    return knowledge_bundle(kb, version="test")


def test_knowledge_bundle_round_trips_through_fhir_resources() -> None:
    text = export_knowledge_fhir()
    parsed = parse_bundle(text)
    assert parsed.entry is not None
    assert check_codes(json.loads(text)) == []


def test_every_recommendation_and_exercise_has_an_activity_definition(
    kb: KnowledgeBase, knowledge: dict[str, Any]
) -> None:
    urls = {r["url"] for r in resources(knowledge, "ActivityDefinition")}
    base = "https://backcare.example/fhir/ActivityDefinition/"
    assert urls == {
        base + "recommendation-" + r.id.replace("_", "-") for r in kb.recommendations
    } | {base + "exercise-" + e.id.replace("_", "-") for e in kb.exercises}


def test_every_phase_action_points_at_existing_activity_definitions(
    knowledge: dict[str, Any],
) -> None:
    urls = {r["url"] for r in resources(knowledge, "ActivityDefinition")}
    (protocol,) = resources(knowledge, "PlanDefinition")
    phases = protocol["action"][1:]
    assert [p["code"][0]["coding"][0]["code"] for p in phases] == ["acute", "subacute", "recovery"]
    for phase in phases:
        for action in phase["action"]:
            assert action["definitionCanonical"] in urls


def test_cold_therapy_is_only_in_the_acute_phase_window(knowledge: dict[str, Any]) -> None:
    (protocol,) = resources(knowledge, "PlanDefinition")
    acute = protocol["action"][1]
    assert acute["timingRange"]["high"]["value"] == 72
    phases_with_cold = [
        phase["title"]
        for phase in protocol["action"][1:]
        if any(a["definitionCanonical"].endswith("-cold-therapy") for a in phase["action"])
    ]
    assert phases_with_cold == ["Acute phase"]


def test_every_source_is_cited_on_the_protocol(
    kb: KnowledgeBase, knowledge: dict[str, Any]
) -> None:
    (protocol,) = resources(knowledge, "PlanDefinition")
    cited = {a["label"] for a in protocol["relatedArtifact"]}
    assert cited == {s.id for s in kb.sources}
    assert all(a["type"] == "citation" for a in protocol["relatedArtifact"])


def test_activity_definitions_cite_their_own_sources(
    kb: KnowledgeBase, knowledge: dict[str, Any]
) -> None:
    by_url = {r["url"]: r for r in resources(knowledge, "ActivityDefinition")}
    cold = by_url["https://backcare.example/fhir/ActivityDefinition/recommendation-cold-therapy"]
    spec = next(r for r in kb.recommendations if r.id == "cold_therapy")
    assert [a["label"] for a in cold["relatedArtifact"]] == list(spec.sources)
    assert cold["status"] == "draft"


def test_triage_rules_carry_their_condition_as_json(
    kb: KnowledgeBase, knowledge: dict[str, Any]
) -> None:
    (protocol,) = resources(knowledge, "PlanDefinition")
    triage = protocol["action"][0]
    rule = next(a for a in triage["action"] if a["code"][0]["coding"][0]["code"] == "major_trauma")
    expression = rule["condition"][0]["expression"]
    assert expression["language"] == "text/x-backcare-condition"
    assert json.loads(expression["expression"]) == {"answer": "trigger", "in": ["serious_accident"]}
    flags = [
        a for a in triage["action"] if a["code"][0]["coding"][0]["system"].endswith("red-flag")
    ]
    assert len(flags) == len(kb.red_flags)


# --- exercise-coach sessions ---------------------------------------------------------------


def test_coach_sessions_are_procedures_linked_to_the_care_plan_activity(
    sqlite_diary: Diary,
    clock: FakeClock,
) -> None:
    sqlite_diary.start_episode(onset=START - timedelta(hours=5), answers=start_answers(pain=6))
    clock.advance(hours=2)
    sqlite_diary.check_in(CheckInEntry(pain=5))
    clock.advance(hours=1)
    add_coach_session(sqlite_diary.store, now=sqlite_diary.now())
    clock.advance(hours=4)
    add_coach_session(sqlite_diary.store, now=sqlite_diary.now(), left=1, quit_early=True)
    text = export_fhir_bundle(sqlite_diary)
    parse_bundle(text)  # fhir.resources accepts it
    bundle = json.loads(text)
    assert check_codes(bundle) == []
    resources = [e["resource"] for e in bundle["entry"]]
    procedures = [r for r in resources if r["resourceType"] == "Procedure"]
    (care_plan,) = [r for r in resources if r["resourceType"] == "CarePlan"]
    sessions = [p for p in procedures if "partOf" not in p]
    exercises = [p for p in procedures if "partOf" in p]
    assert [s["status"] for s in sessions] == ["completed", "stopped"]
    assert sessions[1]["statusReason"]["text"] == "the person stopped early"
    assert [e["status"] for e in exercises] == ["completed", "stopped"]
    plan_ref = f"urn:uuid:{care_plan['id']}"
    assert all(p["basedOn"] == [{"reference": plan_ref}] for p in procedures)
    for session, exercise in zip(sessions, exercises, strict=True):
        assert exercise["partOf"] == [{"reference": f"urn:uuid:{session['id']}"}]
        assert exercise["code"]["coding"][0]["code"] == "knee_to_chest"
    (activity,) = [
        a
        for a in care_plan["activity"]
        if a["detail"]["code"]["coding"][0]["code"] == "knee_to_chest"
    ]
    assert activity["outcomeReference"] == [{"reference": f"urn:uuid:{e['id']}"} for e in exercises]
    pains = [
        r["valueInteger"]
        for r in resources
        if r["resourceType"] == "Observation" and r.get("partOf")
    ]
    assert pains == [5, 4, 5, 4]
