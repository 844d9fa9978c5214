"""Remote mode through the test client: host allow-list, access code, session cookie.

``backcare serve --allow-remote`` must not answer a rebinding attacker's ``Host``, and
must serve nothing but the access page without the code printed at start.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.web_support import hidden_fields, web_client

from backcare import Engine
from backcare.web.security import LOOPBACK_HOSTS, SESSION_COOKIE, AccessGuard

LAN = "192.168.1.20"
TOKEN = "the-long-random-access-code-printed-once-at-start"
CHECKIN = {
    "pain": 3,
    "doses": [{"drug": "ibuprofen", "mg": 1200}],
    "override_dose_limits": True,
}


@pytest.fixture
def guard() -> AccessGuard:
    return AccessGuard(TOKEN)


@pytest.fixture
def remote(engine: Engine, guard: AccessGuard) -> Iterator[TestClient]:
    with web_client(
        engine,
        allowed_hosts=LOOPBACK_HOSTS | {LAN, "backcare.home.example"},
        access=guard,
    ) as client:
        client.base_url = client.base_url.copy_with(host=LAN, port=8000)
        yield client


def _bearer() -> dict[str, str]:
    return {"authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize(
    ("host", "status"),
    [
        pytest.param(f"{LAN}:8000", 401, id="lan-address-asks-for-the-code"),
        pytest.param("backcare.home.example", 401, id="allowed-name-asks-for-the-code"),
        pytest.param("rebind.attacker.example:8000", 400, id="rebinding-name"),
        pytest.param("192.168.1.21:8000", 400, id="other-address"),
        pytest.param("", 400, id="missing"),
    ],
)
def test_remote_mode_answers_only_its_allow_list(
    remote: TestClient, host: str, status: int
) -> None:
    response = remote.get("/api/v1/diary/export", headers={"host": host})
    assert response.status_code == status
    assert response.json()["error"]["code"] == {400: "bad_host", 401: "unauthorized"}[status]


def test_a_rebinding_host_is_refused_even_with_the_code(remote: TestClient) -> None:
    response = remote.get(
        "/api/v1/diary/export", headers={"host": "rebind.attacker.example", **_bearer()}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_host"


def test_a_browser_with_a_foreign_host_gets_the_error_page(remote: TestClient) -> None:
    response = remote.get("/", headers={"host": "rebind.attacker.example", "accept": "text/html"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "This server does not answer to that host name" in response.text
    assert "bad_host" not in response.text  # the envelope's code is for programs
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/api/v1/diary/export", id="export"),
        pytest.param("/api/v1/diary/episodes", id="episodes"),
        pytest.param("/api/v1/health", id="health"),
        pytest.param("/api/v1/openapi.json", id="schema"),
    ],
)
def test_no_code_no_data_from_the_api(remote: TestClient, path: str) -> None:
    response = remote.get(path)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert "x-content-type-options" in response.headers


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/", id="home"),
        pytest.param("/diary", id="diary"),
        pytest.param("/export", id="export"),
        pytest.param("/assess", id="assess"),
    ],
)
def test_pages_without_a_session_redirect_to_the_access_page(remote: TestClient, path: str) -> None:
    response = remote.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/access"


def test_a_forged_checkin_with_override_is_refused_without_the_code(remote: TestClient) -> None:
    start = remote.post(
        "/api/v1/diary/episodes", json={"answers": {"age": 35, "pain": 5}}, headers=_bearer()
    )
    assert start.status_code == 201
    forged = remote.post("/api/v1/diary/check-ins", json=CHECKIN)
    assert forged.status_code == 401
    history = remote.get("/api/v1/diary/history", headers=_bearer()).json()
    assert history["checkins"] == []


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Bearer wrong-code", id="wrong-code"),
        pytest.param(f"Basic {TOKEN}", id="wrong-scheme"),
        pytest.param(f"Bearer {TOKEN[:-1]}", id="prefix-of-the-code"),
        pytest.param("Bearer ", id="empty"),
    ],
)
def test_a_wrong_bearer_code_is_refused(remote: TestClient, authorization: str) -> None:
    response = remote.get("/api/v1/diary/episodes", headers={"authorization": authorization})
    assert response.status_code == 401


def test_the_access_form_exchanges_the_code_for_a_strict_httponly_session(
    remote: TestClient,
) -> None:
    page = remote.get("/access")
    assert page.status_code == 200
    assert "Enter your access code" in page.text
    fields = hidden_fields(page.text)
    response = remote.post("/access", data={**fields, "code": TOKEN}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)
    )
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert TOKEN not in cookie
    assert remote.get("/api/v1/diary/episodes").status_code == 200
    assert remote.get("/", follow_redirects=False).status_code == 200


def test_the_qr_link_grants_a_session_and_links_home(remote: TestClient) -> None:
    response = remote.get("/access", params={"code": TOKEN})
    assert response.status_code == 200
    assert 'href="/"' in response.text
    assert remote.cookies.get(SESSION_COOKIE)
    assert remote.get("/api/v1/diary/export").status_code == 200


def test_a_wrong_code_on_the_form_is_refused_and_grants_nothing(
    remote: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    fields = hidden_fields(remote.get("/access").text)
    response = remote.post("/access", data={**fields, "code": "guess"})
    assert response.status_code == 401
    assert "wrong access code" in caplog.text
    assert "not the code" in response.text
    assert remote.cookies.get(SESSION_COOKIE) is None
    assert remote.get("/api/v1/diary/episodes").status_code == 401


def test_the_access_form_needs_its_csrf_token(remote: TestClient) -> None:
    remote.get("/access")
    response = remote.post("/access", data={"code": TOKEN}, follow_redirects=False)
    assert response.status_code == 403
    assert remote.get("/api/v1/diary/episodes").status_code == 401


def test_a_session_from_another_server_run_is_refused(remote: TestClient) -> None:
    stale = AccessGuard(TOKEN).new_session()  # same code, another process's signing key
    remote.cookies.set(SESSION_COOKIE, stale)
    assert remote.get("/api/v1/diary/episodes").status_code == 401


def test_an_expired_session_is_refused(engine: Engine) -> None:
    guard = AccessGuard(TOKEN, max_age=-1)
    with web_client(engine, access=guard) as client:
        client.cookies.set(SESSION_COOKIE, guard.new_session())
        assert client.get("/api/v1/diary/episodes").status_code == 401


def test_static_files_load_without_a_session_for_the_access_page(remote: TestClient) -> None:
    assert remote.get("/static/backcare.css").status_code == 200


def test_local_mode_needs_no_code_and_has_no_access_page(engine: Engine) -> None:
    with web_client(engine) as client:
        assert client.get("/api/v1/diary/episodes").status_code == 200
        response = client.get("/access", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/"


def test_a_session_cookie_over_https_is_secure(engine: Engine, guard: AccessGuard) -> None:
    with web_client(engine, access=guard, allowed_hosts={"backcare.home.example"}) as client:
        client.base_url = client.base_url.copy_with(scheme="https", host="backcare.home.example")
        response = client.get("/access", params={"code": TOKEN})
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)
        )
        assert "secure" in {part.strip().lower() for part in cookie.split(";")}
