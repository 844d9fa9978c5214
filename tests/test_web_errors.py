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
    assert "Nothing at /nowhere" in response.text
    assert "Error 404." in response.text
    assert "not_found" not in response.text  # the envelope's code is for programs, not people
    api = client.get("/api/v1/nowhere", headers={"accept": "text/html"})
    assert api.headers["content-type"].startswith("application/json")


SECURITY_HEADERS = (
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "cache-control",
)


@pytest.mark.parametrize(
    ("path", "accept", "media"),
    [
        pytest.param("/api/v1/boom", "application/json", "application/json", id="api"),
        pytest.param("/boom", "text/html", "text/html", id="page"),
    ],
)
def test_a_500_carries_the_security_headers(
    engine: Engine, path: str, accept: str, media: str
) -> None:
    app = create_app(engine=engine, settings=engine.settings, database_url="sqlite://")

    @app.get(path)
    async def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, base_url=BASE_URL, raise_server_exceptions=False) as client:
        response = client.get(path, headers={"accept": accept})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith(media)
    for header in SECURITY_HEADERS:
        assert header in response.headers, header
    assert response.headers["cache-control"] == "no-store"
    assert "secret" not in response.text


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_postgresql_down_is_a_503_that_names_no_host_or_port(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("psycopg", reason="the PostgreSQL driver (backcare[postgres])")
    port = _free_port()  # nothing listens there: the server is "down"
    url = f"postgresql+psycopg://backcare_user@127.0.0.1:{port}/diary?connect_timeout=2"
    with web_client(engine, database_url=url) as client:
        response = client.get("/api/v1/diary/episodes")
    assert response.status_code == 503
    _assert_envelope(response.json(), "store_unavailable")
    for secret in ("127.0.0.1", str(port), "backcare_user", "psycopg", "connection"):
        assert secret not in response.text, secret
    assert str(port) in caplog.text  # the details go to the log


def test_a_conflict_from_a_driver_error_does_not_quote_the_constraint(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    import sqlalchemy as sa

    from backcare.errors import ConflictError

    app = create_app(engine=engine, settings=engine.settings, database_url="sqlite://")

    @app.post("/api/v1/race")
    def race() -> None:
        # A real unique violation, translated the way the store translates one.
        db = sa.create_engine("sqlite://")
        table = sa.Table(
            "episodes",
            sa.MetaData(),
            sa.Column("uid", sa.String),
            sa.UniqueConstraint("uid", name="uq_one_active_episode"),
        )
        table.metadata.create_all(db)
        try:
            with db.begin() as conn:
                conn.execute(table.insert(), [{"uid": "a"}, {"uid": "a"}])
        except sa.exc.IntegrityError as error:
            raise ConflictError(f"the change clashes with saved data: {error.orig}") from error
        finally:
            db.dispose()

    with TestClient(app, base_url=BASE_URL) as client:
        response = client.post("/api/v1/race", json={})
    assert response.status_code == 409
    _assert_envelope(response.json(), "conflict")
    assert "UNIQUE" not in response.text
    assert "episodes.uid" not in response.text
    assert "reload and try again" in response.json()["error"]["message"]
    assert "UNIQUE constraint failed" in caplog.text


def test_a_conflict_of_the_diary_keeps_its_own_words(client: TestClient) -> None:
    response = _conflict(client)
    assert response.status_code == 409
    assert "already active" in response.json()["error"]["message"]
