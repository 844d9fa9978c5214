"""The JSON API: assessment endpoints are the engine's results, diary and coach endpoints work."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.factories import all_no
from tests.web_support import start_episode, web_client

from backcare import Engine


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with web_client(engine) as client:
        yield client


def test_health_says_ok_with_the_version(client: TestClient) -> None:
    body = client.get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["version"]


def test_assess_returns_exactly_the_engines_assessment(client: TestClient, engine: Engine) -> None:
    answers = all_no(pain=7)
    response = client.post("/api/v1/assess", json=answers)
    assert response.status_code == 200
    assert response.json() == engine.assess(answers).model_dump(mode="json")


def test_assess_with_saddle_numbness_is_an_emergency(client: TestClient) -> None:
    body = client.post("/api/v1/assess", json={"red_flags": {"saddle_numbness": True}}).json()
    assert body["triage"]["level"] == "emergency"
    assert body["triage"]["emergency"]["number"] == "999"


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        pytest.param({"age": "35"}, "age", id="string-for-int"),
        pytest.param({"age": 35.0}, "age", id="float-for-int"),
        pytest.param({"pain": 11}, "pain", id="out-of-range"),
        pytest.param({"red_flags": {"fevr": True}}, "red_flags.fevr", id="misspelt-key"),
        pytest.param({"trigger": "falling"}, "trigger", id="unknown-choice"),
        pytest.param({"red_flags": {"fever": "yes"}}, "red_flags.fever", id="string-for-bool"),
    ],
)
def test_assess_rejects_non_contract_input_naming_the_field(
    client: TestClient, answers: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/assess", json=answers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert field in [p["field"] for p in error["problems"]]


def test_next_questions_start_with_the_most_dangerous(client: TestClient) -> None:
    questions = client.post("/api/v1/next-questions", json={}).json()["questions"]
    assert questions[0]["key"] == "red_flags.saddle_numbness"
    answered = client.post(
        "/api/v1/next-questions", json={"red_flags": {"saddle_numbness": False}}
    ).json()["questions"]
    assert answered[0]["key"] != "red_flags.saddle_numbness"
    assert len(answered) == len(questions) - 1


def test_step_stops_at_an_emergency_answer(client: TestClient) -> None:
    body = client.post(
        "/api/v1/assess/step", json={"answers": {"red_flags": {"both_legs": True}}}
    ).json()
    assert body["stage"] == "emergency"
    assert body["question"] is None


def test_step_does_not_reask_skipped_questions_and_ends_incomplete(client: TestClient) -> None:
    answers = all_no()
    del answers["red_flags"]["fever"]
    keys = [
        q["key"] for q in client.post("/api/v1/next-questions", json=answers).json()["questions"]
    ]
    body = client.post("/api/v1/assess/step", json={"answers": answers, "skipped": keys}).json()
    assert body["stage"] == "result"
    assert body["assessment"]["triage"]["complete"] is False
    assert "red_flags.fever" in body["assessment"]["triage"]["missing"]


def test_step_asks_the_first_unanswered_question(client: TestClient) -> None:
    body = client.post(
        "/api/v1/assess/step", json={"answers": {}, "skipped": ["red_flags.saddle_numbness"]}
    ).json()
    assert body["stage"] == "question"
    assert body["question"]["key"] == "red_flags.bladder_or_bowel_change"
    assert body["skipped"] == ["red_flags.saddle_numbness"]


def test_knowledge_lists_sources_and_finds_one_by_id(client: TestClient) -> None:
    sources = client.get("/api/v1/knowledge/sources").json()
    assert sources
    one = client.get(f"/api/v1/knowledge/sources/{sources[0]['id']}").json()
    assert one == sources[0]
    assert client.get("/api/v1/knowledge/sources/nope").json()["error"]["code"] == "not_found"


def test_knowledge_questions_are_every_question_in_asking_order(client: TestClient) -> None:
    every = client.get("/api/v1/knowledge/questions").json()["questions"]
    assert every == client.post("/api/v1/next-questions", json={}).json()["questions"]


def test_diary_endpoints_are_404_in_the_envelope_before_any_episode(client: TestClient) -> None:
    for path in ("/api/v1/diary/history", "/api/v1/diary/today", "/api/v1/coach/plan"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/diary/episodes").json() == {"episodes": []}


def test_starting_an_episode_returns_it_with_its_assessment(client: TestClient) -> None:
    started = start_episode(client)
    assert started["episode"]["status"] == "active"
    assert started["episode"]["level"] == started["assessment"]["triage"]["level"]
    listed = client.get("/api/v1/diary/episodes").json()["episodes"]
    assert [e["id"] for e in listed] == [started["episode"]["id"]]


def test_a_second_active_episode_is_a_conflict(client: TestClient) -> None:
    start_episode(client)
    response = client.post("/api/v1/diary/episodes", json={"answers": {}})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_check_in_records_pain_and_compares_it_with_the_baseline(client: TestClient) -> None:
    start_episode(client)
    response = client.post(
        "/api/v1/diary/check-ins",
        json={
            "pain": 3,
            "actions": [{"action": "ice", "count": 2}],
            "doses": [{"drug": "ibuprofen", "mg": 200}],
            "note": "better after the walk",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["pain"]["baseline"] == 6
    assert body["pain"]["trend"] == "better"
    assert body["checkin"]["actions"] == [{"action": "ice", "count": 2}]
    assert body["doses"][0]["allowed"] is True
    history = client.get("/api/v1/diary/history").json()
    assert [c["pain"] for c in history["checkins"]] == [3]
    assert history["baseline"] == 6
    assert history == client.get(f"/api/v1/diary/episodes/{history['episode']['id']}").json()


def test_check_in_with_a_new_red_flag_escalates(client: TestClient) -> None:
    start_episode(client)
    body = client.post(
        "/api/v1/diary/check-ins",
        json={"pain": 6, "answers": {"red_flags": {"saddle_numbness": True}}},
    ).json()
    assert body["escalation"]["level"] == "emergency"
    assert body["escalation"]["escalated"] is True


@pytest.mark.parametrize(
    "extra",
    [pytest.param({}, id="plain"), pytest.param({"override_dose_limits": True}, id="old-flag")],
)
def test_a_dose_too_soon_is_recorded_flagged_with_the_rest_and_advice(
    client: TestClient, extra: dict[str, Any]
) -> None:
    start_episode(client)
    dose = {"pain": 5, "doses": [{"drug": "ibuprofen", "mg": 400}]}
    assert client.post("/api/v1/diary/check-ins", json=dose).status_code == 201
    again = {**dose, "pain": 4, "actions": [{"action": "walk", "count": 6}], **extra}
    response = client.post("/api/v1/diary/check-ins", json=again)
    assert response.status_code == 201
    body = response.json()
    assert body["doses"][0]["allowed"] is False
    assert body["checkin"]["pain"] == 4
    assert body["checkin"]["actions"] == [{"action": "walk", "count": 6}]
    assert body["checkin"]["doses"][0]["overridden"] is True
    [advice] = body["dose_advice"]
    assert advice["drug"] == "ibuprofen"
    assert advice["over_maximum"] is False
    assert advice["evidence"] == "guideline"
    assert "nhs_ibuprofen_overdose" in advice["sources"]
    assert "NHS 111" in advice["overdose"]
    taken = body["checkin"]["doses"][0]["taken_at"]
    gap = datetime.fromisoformat(advice["next_dose_at"]) - datetime.fromisoformat(taken)
    assert gap == timedelta(hours=4)  # the interval after this dose; 1,000 mg is under 1,200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"pain": 11}, "pain", id="pain-out-of-range"),
        pytest.param({"pain": "5"}, "pain", id="pain-as-string"),
        pytest.param({}, "pain", id="pain-missing"),
        pytest.param({"pain": 5, "mood": "ok"}, "mood", id="unknown-key"),
        pytest.param({"pain": 5, "doses": [{"drug": "ibuprofen", "mg": 0}]}, "doses.0.mg", id="mg"),
        pytest.param({"pain": 5, "at": "2026-01-01T10:00:00"}, "at", id="time-without-zone"),
    ],
)
def test_check_in_rejects_bad_input_naming_the_field(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    start_episode(client)
    response = client.post("/api/v1/diary/check-ins", json=body)
    assert response.status_code == 422
    assert field in [p["field"] for p in response.json()["error"]["problems"]]


def test_today_is_the_diarys_plan_with_a_schedule(client: TestClient) -> None:
    start_episode(client)
    body = client.get("/api/v1/diary/today").json()
    assert body["episode"]["status"] == "active"
    assert body["assessment"]["plan"]["schedule"]


def test_coach_plan_lays_out_the_exercises_with_the_coach_engine(client: TestClient) -> None:
    start_episode(client)
    body = client.get("/api/v1/coach/plan").json()
    assert body["exercises"]
    assert body["segments"][0]["kind"] == "lead_in"
    assert body["total_seconds"] == sum(s["duration_seconds"] for s in body["segments"])
    assert {s["exercise_index"] for s in body["segments"]} == set(range(len(body["exercises"])))


def test_resolving_an_episode_closes_it_with_a_summary(client: TestClient) -> None:
    episode = start_episode(client)["episode"]
    response = client.post(f"/api/v1/diary/episodes/{episode['id']}/resolve", json={})
    assert response.status_code == 200
    assert response.json()["status"] == "resolved"
    assert response.json()["summary"]
    again = client.post(f"/api/v1/diary/episodes/{episode['id']}/resolve", json={})
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("fmt", "media", "first"),
    [
        pytest.param("json", "application/json", '{"format":"backcare-diary"', id="json"),
        pytest.param("csv", "text/csv", "format,backcare-diary", id="csv"),
    ],
)
def test_export_downloads_the_whole_diary(
    client: TestClient, fmt: str, media: str, first: str
) -> None:
    start_episode(client)
    response = client.get(f"/api/v1/diary/export?format={fmt}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert "attachment" in response.headers["content-disposition"]
    assert response.text.replace("\n", "").replace(" ", "").startswith(first)


def test_openapi_schema_documents_the_api_and_the_error_envelope(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/assess" in schema["paths"]
    assert "/assess" not in schema["paths"]  # pages are not part of the API
    responses = schema["paths"]["/api/v1/assess"]["post"]["responses"]
    assert responses["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ErrorEnvelope"
    )


def test_a_repeated_action_adds_up_as_on_the_command_line(client: TestClient) -> None:
    start_episode(client)
    body = client.post(
        "/api/v1/diary/check-ins",
        json={"pain": 5, "actions": [{"action": "ice"}, {"action": "ice", "count": 2}]},
    ).json()
    assert body["checkin"]["actions"] == [{"action": "ice", "count": 3}]


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        pytest.param({"hours_since_onset": 5}, "answers.hours_since_onset", id="timing"),
        pytest.param({"course": {"trend": "worse"}}, "answers.course.trend", id="trend"),
        pytest.param({"pain": 5}, "answers.pain", id="pain"),
    ],
)
def test_check_in_answers_leave_what_the_diary_derives_out_of_the_schema(
    client: TestClient, answers: dict[str, Any], field: str
) -> None:
    start_episode(client)
    response = client.post("/api/v1/diary/check-ins", json={"pain": 5, "answers": answers})
    assert response.status_code == 422
    assert [p["field"] for p in response.json()["error"]["problems"]] == [field]


@pytest.mark.parametrize(
    "onset",
    [pytest.param(0, id="number"), pytest.param("2026-01-01T08:00:00", id="no-zone")],
)
def test_an_onset_must_be_an_iso_time_with_a_zone(client: TestClient, onset: object) -> None:
    response = client.post("/api/v1/diary/episodes", json={"onset": onset})
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["field"] == "onset"


def _session_body(plan: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "started_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "ended_at": datetime.now(UTC).isoformat(),
        "active_seconds": float(plan["total_seconds"]),
        "quit_early": False,
        "exercises": [
            {
                "exercise_id": e["id"],
                "completed_reps": (
                    {"left": e["reps"], "right": e["reps"]}
                    if e["sides"] == "each"
                    else {"both": e["reps"]}
                ),
                "longest_hold_seconds": e["hold_seconds"],
            }
            for e in plan["exercises"]
        ],
        **extra,
    }


def test_a_coach_session_is_saved_with_its_reps(client: TestClient) -> None:
    start_episode(client)
    plan = client.get("/api/v1/coach/plan").json()
    response = client.post("/api/v1/coach/sessions", json=_session_body(plan, pain_before=5))
    assert response.status_code == 201, response.text
    body = response.json()
    expected = sum(e["reps"] * (2 if e["sides"] == "each" else 1) for e in plan["exercises"])
    assert body["reps_done"] == expected
    assert body["symptom"] is None
    assert body["checkin"] is None
    assert client.get("/api/v1/coach/plan").json()["sessions_today"] == 1


def test_a_red_flag_symptom_in_a_session_is_an_emergency_and_a_check_in(
    client: TestClient,
) -> None:
    start_episode(client)
    plan = client.get("/api/v1/coach/plan").json()
    body = _session_body(
        plan, quit_early=True, pain_after=6, symptom="both_legs", stopped_for_symptom=True
    )
    saved = client.post("/api/v1/coach/sessions", json=body).json()
    assert saved["triage_level"] == "emergency"
    assert saved["emergency"]["number"] == "999"
    assert saved["checkin"]["escalation"]["level"] == "emergency"
    blocked = client.get("/api/v1/coach/plan").json()
    assert blocked["exercises"] == []
    assert blocked["blocked_reason"]


def test_a_session_for_an_exercise_not_planned_today_is_refused(client: TestClient) -> None:
    start_episode(client)
    plan = client.get("/api/v1/coach/plan").json()
    body = _session_body(plan)
    body["exercises"][0]["exercise_id"] = "handstand"
    response = client.post("/api/v1/coach/sessions", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["field"] == "exercises.0.exercise_id"


def test_the_calendar_feed_is_icalendar_with_reminders(client: TestClient) -> None:
    episode = start_episode(client)["episode"]
    response = client.get(f"/api/v1/diary/episodes/{episode['id']}/calendar.ics?days=2")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.text.startswith("BEGIN:VCALENDAR")
    assert "BEGIN:VEVENT" in response.text


def test_the_fhir_export_is_a_bundle(client: TestClient) -> None:
    episode = start_episode(client)["episode"]
    response = client.get(f"/api/v1/diary/episodes/{episode['id']}/fhir")
    assert response.status_code == 200
    assert response.json()["resourceType"] == "Bundle"


def test_exports_of_a_missing_episode_are_404(client: TestClient) -> None:
    for path in (
        "/api/v1/diary/episodes/7/calendar.ics",
        "/api/v1/diary/episodes/7/fhir",
        "/api/v1/diary/episodes/7/report",
    ):
        assert client.get(path).status_code == 404, path


def test_the_clinician_report_downloads_for_a_doctor(client: TestClient) -> None:
    episode = start_episode(client)["episode"]
    path = f"/api/v1/diary/episodes/{episode['id']}/report"
    early = client.get(path)
    assert early.status_code == 422
    assert early.json()["error"]["problems"][0]["field"] == "episode"
    assert client.post("/api/v1/diary/check-ins", json={"pain": 5}).status_code == 201
    html = client.get(path, params={"format": "html"})
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert "attachment" in html.headers["content-disposition"]
    assert "backcare clinician report" in html.text


def test_every_api_route_is_documented_in_docs_web_md(client: TestClient) -> None:
    docs = (Path(__file__).parents[1] / "docs" / "web.md").read_text(encoding="utf-8")
    schema = client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method in operations:
            row = f"{method.upper()} {re.sub(r'{[^}]+}', '{id}', path)}"
            assert f"`{row}`" in docs, row
