"""One error envelope for every error the app returns, pinned here.

Shape: ``{"error": {"code": str, "message": str, "problems": [{"field", "problem"}]}}``,
nothing else, for validation errors, malformed JSON, 404, 405, 409, 413, 415, 403, 400
and unexpected 500s; browsers asking for a page get the same error as HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web_support import BASE_URL, start_episode, web_client

from backcare import Engine
from backcare.web import create_app

Call = Callable[[TestClient], Any]


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with web_client(engine) as client:
        yield client


def _assert_envelope(body: Any, code: str) -> None:
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "problems"}
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    for problem in error["problems"]:
        assert set(problem) == {"field", "problem"}
        assert isinstance(problem["field"], str)
        assert isinstance(problem["problem"], str)


def _conflict(client: TestClient) -> Any:
    start_episode(client)
    return client.post("/api/v1/diary/episodes", json={})


CASES = [
    pytest.param(
        lambda c: c.post("/api/v1/assess", json={"pain": 11}), 422, "invalid_input", id="422"
    ),
    pytest.param(
        lambda c: c.post(
            "/api/v1/assess", content=b"{not json", headers={"content-type": "application/json"}
        ),
        400,
        "malformed_json",
        id="400-malformed-json",
    ),
    pytest.param(lambda c: c.get("/api/v1/nowhere"), 404, "not_found", id="404-route"),
    pytest.param(lambda c: c.get("/api/v1/diary/episodes/9"), 404, "not_found", id="404-episode"),
    pytest.param(lambda c: c.delete("/api/v1/assess"), 405, "method_not_allowed", id="405"),
    pytest.param(_conflict, 409, "conflict", id="409"),
    pytest.param(
        lambda c: c.post(
            "/api/v1/assess",
            content=b"[" + b"0," * 40_000 + b"0]",
            headers={"content-type": "application/json"},
        ),
        413,
        "payload_too_large",
        id="413",
    ),
    pytest.param(
        lambda c: c.post("/api/v1/assess", content=b"{}", headers={"content-type": "text/plain"}),
        415,
        "unsupported_media_type",
        id="415",
    ),
    pytest.param(lambda c: c.post("/assess", data={"key": "age"}), 403, "forbidden", id="403"),
    pytest.param(
        lambda c: c.get("/", headers={"host": "evil.example"}), 400, "bad_host", id="400-host"
    ),
]


@pytest.mark.parametrize(("call", "status", "code"), CASES)
def test_every_error_has_the_one_envelope(
    client: TestClient, call: Call, status: int, code: str
) -> None:
    response = call(client)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    _assert_envelope(response.json(), code)


def test_validation_problems_name_each_field(client: TestClient) -> None:
    body = client.post("/api/v1/assess", json={"pain": 11, "red_flags": {"fevr": True}}).json()
    fields = sorted(p["field"] for p in body["error"]["problems"])
    assert fields == ["pain", "red_flags.fevr"]


def test_405_lists_every_allowed_method_of_the_path(client: TestClient) -> None:
    response = client.put("/api/v1/diary/episodes")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


def test_an_unexpected_error_is_a_500_envelope_without_internals(engine: Engine) -> None:
    app = create_app(engine=engine, settings=engine.settings, database_url="sqlite://")

    @app.get("/api/v1/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, base_url=BASE_URL, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/boom")
    assert response.status_code == 500
    _assert_envelope(response.json(), "internal_error")
    assert "secret" not in response.text


def test_a_browser_gets_the_error_as_a_page(client: TestClient) -> None:
    response = client.get("/nowhere", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "not_found" in response.text
    api = client.get("/api/v1/nowhere", headers={"accept": "text/html"})
    assert api.headers["content-type"].startswith("application/json")
