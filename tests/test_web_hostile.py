"""Hostile input against the JSON API: no 500, no traceback, the field named, nothing written.

Two halves:

* named payloads from the security review (deep JSON, 2**63, NaN and Infinity,
  year 1 and 9999, wrong types, control characters, very long strings, invalid UTF-8,
  other episodes' ids), each with the status and the field or problem it must name;
* generated input: hypothesis over arbitrary JSON sent to every body endpoint, and
  schemathesis over the API's own OpenAPI schema, with the same invariants.

Every refusal must leave the diary exactly as it was (compared by its lossless export).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.web_support import hidden_fields, start_episode, web_client

from backcare import Engine
from backcare.web import create_app
from backcare.web.security import LOOPBACK_HOSTS

JSON = {"content-type": "application/json"}
BODY_ENDPOINTS = (
    "/api/v1/assess",
    "/api/v1/next-questions",
    "/api/v1/assess/step",
    "/api/v1/diary/episodes",
    "/api/v1/diary/check-ins",
    "/api/v1/diary/episodes/1/resolve",
    "/api/v1/coach/sessions",
)
TRACEBACK_MARKERS = ("Traceback", 'File "', "Error:", "sqlalchemy", "psycopg", "sqlite3")


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with web_client(engine) as client:
        start_episode(client)
        yield client


def _diary(client: TestClient) -> Any:
    response = client.get("/api/v1/diary/export")
    assert response.status_code == 200
    return response.json()


def _assert_refused_cleanly(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    for marker in TRACEBACK_MARKERS:
        assert marker not in response.text, marker
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    return body["error"]


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- named payloads -------------------------------------------------------------------

DEEP = [
    pytest.param(path, body, id=f"{path.rsplit('/', 1)[-1]}-{name}")
    for path in BODY_ENDPOINTS
    for name, body in (
        ("deep-1000", _nested(1000)),
        ("deep-3000-in-a-field", '{"answers": ' + _nested(3000) + "}"),
        ("deep-objects", '{"a":' * 1500 + "1" + "}" * 1500),
    )
]


@pytest.mark.parametrize(("path", "body"), DEEP)
def test_deep_json_is_a_400_naming_the_nesting(client: TestClient, path: str, body: str) -> None:
    before = _diary(client)
    error = _assert_refused_cleanly(client.post(path, content=body, headers=JSON), 400)
    assert error["code"] == "malformed_json"
    assert "nest" in error["problems"][0]["problem"]
    assert _diary(client) == before


def test_brackets_inside_strings_are_not_nesting(client: TestClient) -> None:
    note = "[{" * 100
    response = client.post("/api/v1/diary/check-ins", json={"pain": 3, "note": note})
    assert response.status_code == 201
    assert response.json()["checkin"]["note"] == note


def test_a_leading_byte_order_mark_is_ignored(client: TestClient) -> None:
    body = "\ufeff" + json.dumps({"pain": 3})
    response = client.post("/api/v1/diary/check-ins", content=body.encode(), headers=JSON)
    assert response.status_code == 201


def test_escaped_quotes_do_not_hide_nesting(client: TestClient) -> None:
    body = '{"note": "\\"", "answers": ' + _nested(40) + "}"
    error = _assert_refused_cleanly(
        client.post("/api/v1/diary/check-ins", content=body, headers=JSON), 400
    )
    assert "nest" in error["problems"][0]["problem"]


CHECKIN_REFUSALS = [
    # (body, status, field or "" for the whole body, words the problem contains)
    pytest.param('{"pain": NaN}', 400, "", "NaN", id="nan"),
    pytest.param(
        '{"pain": 3, "doses": [{"drug": "ibuprofen", "mg": Infinity}]}',
        400,
        "",
        "Infinity",
        id="infinity",
    ),
    pytest.param('{"pain": -Infinity}', 400, "", "Infinity", id="minus-infinity"),
    pytest.param('{"pain": 1' + "0" * 5000 + "}", 400, "", "digits", id="5000-digit-int"),
    pytest.param(json.dumps({"pain": 2**63}), 422, "pain", "", id="pain-2-63"),
    pytest.param(
        json.dumps({"pain": 3, "doses": [{"drug": "ibuprofen", "mg": 2**63}]}),
        422,
        "doses.0.mg",
        "",
        id="mg-2-63",
    ),
    pytest.param(
        json.dumps({"pain": 3, "doses": [{"drug": "ibuprofen", "mg": -(2**63)}]}),
        422,
        "doses.0.mg",
        "",
        id="mg-minus-2-63",
    ),
    pytest.param(
        json.dumps({"pain": 3, "actions": [{"action": "ice", "count": 2**64}]}),
        422,
        "actions.0.count",
        "",
        id="count-2-64",
    ),
    pytest.param(
        json.dumps(
            {
                "pain": 3,
                "doses": [{"drug": "ibuprofen", "mg": 200, "taken_at": "0001-01-01T00:00:00Z"}],
            }
        ),
        422,
        "doses.0.taken_at",
        "1970",
        id="taken-at-year-1",
    ),
    pytest.param(
        json.dumps({"pain": 3, "at": "9999-12-31T23:59:59-14:00"}),
        422,
        "at",
        "2100",
        id="at-year-9999",
    ),
    pytest.param(
        json.dumps({"pain": 3, "at": "2026-03-01T08:00:00+23:59"}),
        422,
        "at",
        "offset",
        id="at-offset-23-59",
    ),
    pytest.param(
        json.dumps({"pain": 3, "at": 1767225600}), 422, "at", "ISO 8601", id="at-epoch-number"
    ),
    pytest.param(
        json.dumps({"pain": 3, "at": "2026-03-01T08:00:00"}), 422, "at", "", id="at-without-zone"
    ),
    pytest.param(json.dumps({"pain": "3"}), 422, "pain", "", id="pain-as-text"),
    pytest.param(json.dumps({"pain": 3.5}), 422, "pain", "", id="pain-as-fraction"),
    pytest.param(json.dumps({"pain": True}), 422, "pain", "", id="pain-as-bool"),
    pytest.param(
        json.dumps({"pain": 3, "doses": {"drug": "ibuprofen"}}),
        422,
        "doses",
        "",
        id="doses-as-object",
    ),
    pytest.param(json.dumps({"pain": 3, "answers": []}), 422, "answers", "", id="answers-as-list"),
    pytest.param(json.dumps([]), 422, "", "", id="top-level-list"),
    pytest.param("null", 422, "", "", id="top-level-null"),
    pytest.param(
        json.dumps({"pain": 3, "note": "hi\x1b]0;pwned\x07"}),
        422,
        "note",
        "control character",
        id="note-terminal-escape",
    ),
    pytest.param(json.dumps({"pain": 3, "note": "a\x00b"}), 422, "note", "", id="note-nul"),
    pytest.param(
        json.dumps({"pain": 3, "doses": [{"drug": "ibu\x1bprofen", "mg": 200}]}),
        422,
        "doses.0.drug",
        "control character",
        id="drug-escape",
    ),
    pytest.param('{"pain": 3, "note": "a\\ud800b"}', 422, "note", "", id="note-lone-surrogate"),
    pytest.param(
        json.dumps({"pain": 3, "note": "x" * 4001}), 422, "note", "4000", id="note-4001-chars"
    ),
    pytest.param(
        json.dumps({"pain": 3, "doses": [{"drug": "i" * 81, "mg": 200}]}),
        422,
        "doses.0.drug",
        "80",
        id="drug-81-chars",
    ),
    pytest.param(json.dumps({"pain": 3, "pian": 4}), 422, "pian", "unknown key", id="unknown-key"),
    pytest.param(
        json.dumps({"pain": 3, "answers": {"pain": 9}}),
        422,
        "answers.pain",
        "unknown key",
        id="derived-field-in-answers",
    ),
    pytest.param(
        json.dumps({"pain": 3, "answers": {"hours_since_onset": 1}}),
        422,
        "answers.hours_since_onset",
        "unknown key",
        id="derived-hours-in-answers",
    ),
    pytest.param(b'{"pain": 3, "note": "\xff\xfe"}', 400, "", "UTF-8", id="invalid-utf8"),
    pytest.param('{"pain": 3,}', 400, "", "line 1", id="trailing-comma"),
]


@pytest.mark.parametrize(("body", "status", "field", "words"), CHECKIN_REFUSALS)
def test_a_hostile_checkin_is_refused_naming_the_field_and_writes_nothing(
    client: TestClient, body: str | bytes, status: int, field: str, words: str
) -> None:
    before = _diary(client)
    response = client.post("/api/v1/diary/check-ins", content=body, headers=JSON)
    error = _assert_refused_cleanly(response, status)
    assert error["problems"], error
    assert field in {p["field"] for p in error["problems"]}, error
    assert any(words in p["problem"] for p in error["problems"]), error
    assert _diary(client) == before


OTHER_REFUSALS = [
    pytest.param(
        "/api/v1/diary/episodes", {"onset": "0001-01-01T00:00:00Z"}, 422, "onset", id="onset-year-1"
    ),
    pytest.param(
        "/api/v1/diary/episodes", {"answers": {"age": 2**63}}, 422, "answers.age", id="age-2-63"
    ),
    pytest.param("/api/v1/assess", {"age": 2**63}, 422, "age", id="assess-age-2-63"),
    pytest.param(
        "/api/v1/assess", {"height_cm": 1e308}, 422, "height_cm", id="assess-height-1e308"
    ),
    pytest.param(
        "/api/v1/assess",
        {"hours_since_onset": -1},
        422,
        "hours_since_onset",
        id="assess-negative-hours",
    ),
    pytest.param(
        "/api/v1/assess/step", {"skipped": ["x" * 65]}, 422, "skipped.0", id="step-long-skip-key"
    ),
    pytest.param(
        "/api/v1/diary/episodes/1/resolve",
        {"summary": "done\x1b[2J"},
        422,
        "summary",
        id="summary-clear-screen",
    ),
    pytest.param(
        "/api/v1/coach/sessions",
        {
            "started_at": "0001-01-01T00:00:00Z",
            "ended_at": "9999-12-31T23:59:59-14:00",
            "active_seconds": 10,
            "quit_early": False,
            "exercises": [],
        },
        422,
        "started_at",
        id="coach-extreme-dates",
    ),
    pytest.param(
        "/api/v1/coach/sessions",
        {
            "started_at": "2026-03-02T08:00:00Z",
            "ended_at": "2026-03-02T08:10:00Z",
            "active_seconds": 10,
            "quit_early": False,
            "exercises": [
                {"exercise_id": "x", "completed_reps": {"both": 2**63}, "longest_hold_seconds": 1}
            ],
        },
        422,
        "exercises.0.completed_reps.both",
        id="coach-reps-2-63",
    ),
]


@pytest.mark.parametrize(("path", "body", "status", "field"), OTHER_REFUSALS)
def test_other_hostile_bodies_are_refused_naming_the_field(
    client: TestClient, path: str, body: Any, status: int, field: str
) -> None:
    before = _diary(client)
    error = _assert_refused_cleanly(client.post(path, json=body), status)
    assert field in {p["field"] for p in error["problems"]}, error
    assert _diary(client) == before


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("GET", "/api/v1/diary/episodes/2", 404, id="another-episode"),
        pytest.param("POST", "/api/v1/diary/episodes/2/resolve", 404, id="resolve-another"),
        pytest.param("GET", "/api/v1/diary/episodes/2/fhir", 404, id="fhir-another"),
        pytest.param("GET", "/api/v1/diary/episodes/2/calendar.ics", 404, id="calendar-another"),
        pytest.param("GET", f"/api/v1/diary/episodes/{2**63}", 422, id="id-2-63"),
        pytest.param("GET", "/api/v1/diary/episodes/0", 422, id="id-zero"),
        pytest.param("GET", "/api/v1/diary/episodes/-1", 422, id="id-negative"),
        pytest.param("GET", "/api/v1/diary/episodes/1e3", 422, id="id-float"),
        pytest.param("GET", f"/api/v1/diary/history?episode_id={2**64}", 422, id="query-2-64"),
        pytest.param(
            "GET",
            "/api/v1/diary/episodes/1/calendar.ics?days=99999999999999999999",
            422,
            id="days-huge",
        ),
        pytest.param("GET", "/api/v1/knowledge/sources/" + "s" * 101, 422, id="source-id-long"),
    ],
)
def test_ids_of_other_episodes_and_huge_ids_are_refused(
    client: TestClient, method: str, path: str, status: int
) -> None:
    before = _diary(client)
    body = {} if method == "POST" else None
    response = client.request(method, path, json=body)
    error = _assert_refused_cleanly(response, status)
    assert error["code"] in {"not_found", "invalid_input"}
    assert _diary(client) == before


# --- generated input ------------------------------------------------------------------

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["0001-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00", "ibuprofen", "ice"])
)
_KEYS = st.sampled_from(
    [
        "pain",
        "worst_pain",
        "doses",
        "drug",
        "mg",
        "taken_at",
        "at",
        "note",
        "answers",
        "red_flags",
        "onset",
        "summary",
        "age",
        "actions",
        "action",
        "count",
        "skipped",
        "started_at",
        "exercises",
        "override_dose_limits",
    ]
) | st.text(max_size=8)
ANY_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def shared_client() -> Iterator[TestClient]:
    with web_client() as client:
        start_episode(client)
        yield client


@given(path=st.sampled_from(BODY_ENDPOINTS), body=ANY_JSON)
@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_arbitrary_json_never_reaches_a_500_and_a_refusal_writes_nothing(
    shared_client: TestClient, path: str, body: Any
) -> None:
    before = _diary(shared_client)
    response = shared_client.post(path, content=json.dumps(body), headers=JSON)
    assert response.status_code < 500, response.text
    for marker in ("Traceback", 'File "'):
        assert marker not in response.text
    if response.status_code >= 400:
        error = response.json()["error"]
        if response.status_code == 422:
            assert error["problems"], error
        assert _diary(shared_client) == before


# schemathesis over the published schema, with this file's invariants added to its checks.
APP = create_app(database_url="sqlite://", allowed_hosts=LOOPBACK_HOSTS | {"testserver"})
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_schema_generated_requests_never_leak_internals(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, response.text
    for marker in ("Traceback", 'File "', "sqlalchemy", "psycopg"):
        assert marker not in response.text
    if response.status_code in {400, 422}:
        error = json.loads(response.content)["error"]
        assert error["problems"], error
        if response.status_code == 422:
            assert all(isinstance(p["field"], str) for p in error["problems"])


# --- the page forms -------------------------------------------------------------------


def _token(client: TestClient, page: str) -> str:
    return hidden_fields(client.get(page).text)["csrf_token"]


def test_a_page_resolve_with_a_terminal_escape_is_refused_and_keeps_the_episode(
    client: TestClient,
) -> None:
    before = _diary(client)
    response = client.post(
        "/diary/resolve",
        data={"csrf_token": _token(client, "/diary"), "summary": "done\x1b]52;c;aGk=\x07"},
        headers={"accept": "text/html"},
    )
    assert response.status_code == 422
    assert "control character" in response.text
    assert _diary(client) == before


def test_a_page_checkin_with_a_terminal_escape_reshows_the_form_and_writes_nothing(
    client: TestClient,
) -> None:
    before = _diary(client)
    response = client.post(
        "/diary/check-in",
        data={"csrf_token": _token(client, "/diary/check-in"), "pain": "3", "note": "x\x1b[2J"},
    )
    assert response.status_code == 422
    assert "control character" in response.text
    assert 'name="pain"' in response.text  # the form again, with the problem
    assert _diary(client) == before


# --- the published limits -------------------------------------------------------------


def _request_schemas(openapi: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema node a request body can reach, with its JSON path (refs followed)."""
    components = openapi["components"]["schemas"]
    seen: set[str] = set()

    def walk(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
        if not isinstance(node, dict):
            return
        ref = node.get("$ref")
        if ref is not None:
            name = ref.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                yield from walk(components[name], name)
            return
        yield path, node
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            for i, option in enumerate(node.get(key, [])):
                yield from walk(option, f"{path}[{i}]")
        for name, prop in node.get("properties", {}).items():
            yield from walk(prop, f"{path}.{name}")
        for key in ("items", "additionalProperties"):
            yield from walk(node.get(key), f"{path}.{key}")

    for operation in (op for item in openapi["paths"].values() for op in item.values()):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        yield from walk(body.get("schema"), "body")


def _enum_items(openapi: dict[str, Any], node: dict[str, Any]) -> bool:
    items = node.get("items", {})
    if "$ref" in items:
        items = openapi["components"]["schemas"][items["$ref"].rsplit("/", 1)[-1]]
    return "enum" in items


def test_every_number_text_and_list_in_a_request_is_bounded_in_the_schema() -> None:
    openapi = APP.openapi()
    checked = 0
    for path, node in _request_schemas(openapi):
        kind = node.get("type")
        if kind in {"integer", "number"}:
            assert "minimum" in node or "exclusiveMinimum" in node, path
            assert "maximum" in node or "exclusiveMaximum" in node, path
        elif kind == "string" and "enum" not in node and "const" not in node:
            if node.get("format") == "date-time":
                assert "between 1970-01-01 and 2100-01-01" in node["description"], path
            else:
                assert "maxLength" in node, path
        elif kind == "array" and not _enum_items(openapi, node):
            assert "maxItems" in node, path  # (a list of choices is a set: bounded by them)
        elif kind == "object" and isinstance(node.get("additionalProperties"), dict):
            assert "maxProperties" in node, path  # an open map: bounded in size
        checked += kind is not None
    assert checked > 50  # the walk reached the request models
