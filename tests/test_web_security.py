"""Security of the local web app: headers, hosts, cross-site writes, CSRF, signed state, limits."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web_support import BASE_URL, hidden_fields, web_client

from backcare import Engine
from backcare.web.errors import BadRequestError
from backcare.web.security import CSRF_COOKIE, Signer, is_loopback

WEB = Path(__file__).parents[1] / "src" / "backcare" / "web"


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with web_client(engine) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/", id="home"),
        pytest.param("GET", "/assess", id="page"),
        pytest.param("GET", "/static/backcare.css", id="static"),
        pytest.param("GET", "/api/v1/health", id="api"),
        pytest.param("GET", "/api/v1/nowhere", id="404"),
        pytest.param("POST", "/assess", id="403"),
        pytest.param("GET", "/api/v1/openapi.json", id="schema"),
    ],
)
def test_every_response_carries_the_security_headers(
    client: TestClient, method: str, path: str
) -> None:
    headers = client.request(method, path).headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"


def test_health_data_is_not_cached_but_static_files_revalidate(client: TestClient) -> None:
    assert client.get("/api/v1/health").headers["cache-control"] == "no-store"
    assert client.get("/assess").headers["cache-control"] == "no-store"
    assert client.get("/static/backcare.css").headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    "host",
    [
        pytest.param("127.0.0.1:8000", id="ipv4"),
        pytest.param("localhost", id="localhost"),
        pytest.param("[::1]:8000", id="ipv6"),
    ],
)
def test_loopback_hosts_are_answered(client: TestClient, host: str) -> None:
    assert client.get("/api/v1/health", headers={"host": host}).status_code == 200


@pytest.mark.parametrize(
    "host",
    [
        pytest.param("evil.example", id="rebinding-name"),
        pytest.param("192.168.1.20:8000", id="lan-address"),
        pytest.param("", id="missing"),
    ],
)
def test_other_hosts_are_refused_against_dns_rebinding(client: TestClient, host: str) -> None:
    response = client.get("/api/v1/health", headers={"host": host})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_host"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"sec-fetch-site": "cross-site"}, id="fetch-metadata-cross-site"),
        pytest.param({"sec-fetch-site": "same-site"}, id="fetch-metadata-same-site"),
        pytest.param({"origin": "http://evil.example"}, id="foreign-origin"),
        pytest.param(
            {"origin": "null", "sec-fetch-site": "cross-site"}, id="opaque-origin-cross-site"
        ),
    ],
)
def test_cross_site_writes_are_refused(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/api/v1/assess", json={}, headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"origin": BASE_URL, "sec-fetch-site": "same-origin"}, id="same-origin"),
        # Under Referrer-Policy: no-referrer, Chromium sends Origin: null for its own forms.
        pytest.param({"origin": "null", "sec-fetch-site": "same-origin"}, id="null-origin"),
    ],
)
def test_same_origin_writes_are_accepted(client: TestClient, headers: dict[str, str]) -> None:
    assert client.post("/api/v1/assess", json={}, headers=headers).status_code == 200


def test_a_json_write_without_a_content_type_is_refused(client: TestClient) -> None:
    # A cross-site page can POST a Blob with no Content-Type; it must not be read as JSON.
    response = client.post("/api/v1/diary/episodes", content=b"{}")
    assert response.status_code == 415


def _form(client: TestClient) -> dict[str, str]:
    return hidden_fields(client.get("/assess").text)


def test_a_form_post_with_the_matching_token_is_accepted(client: TestClient) -> None:
    fields = _form(client)
    response = client.post("/assess", data={**fields, "age": "40"})
    assert response.status_code == 200
    assert hidden_fields(response.text)["page"] != fields["page"]


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(None, id="missing"),
        pytest.param("forged.token", id="wrong"),
        pytest.param(Signer(b"another server").new_csrf_token(), id="from-another-server"),
    ],
)
def test_a_form_post_without_the_right_csrf_token_is_refused(
    client: TestClient, token: str | None
) -> None:
    fields = _form(client)
    data = {**fields, "value": "no"}
    if token is None:
        del data["csrf_token"]
    else:
        data["csrf_token"] = token
    response = client.post("/assess", data=data)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_a_form_post_without_the_cookie_is_refused(client: TestClient) -> None:
    fields = _form(client)
    client.cookies.delete(CSRF_COOKIE)
    assert client.post("/assess", data={**fields, "value": "no"}).status_code == 403


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(
            lambda state: state[:20] + ("A" if state[20] != "A" else "B") + state[21:],
            id="one-character-changed",
        ),
        pytest.param(lambda state: state[:-4], id="cut-short"),
        pytest.param(lambda state: state + "AAAA", id="lengthened"),
        pytest.param(
            lambda _: Signer().sign({"answers": {}}, purpose="assessment"), id="another-key"
        ),
    ],
)
def test_a_tampered_assessment_state_is_refused(
    client: TestClient, tamper: Callable[[str], str]
) -> None:
    fields = _form(client)
    response = client.post(
        "/assess", data={**fields, "state": tamper(fields["state"]), "value": "no"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_the_answers_in_an_address_cannot_be_read_from_it(client: TestClient) -> None:
    # Addresses end up in browser history and a clinic proxy's access log: the answers
    # they carry are sealed, not only signed.
    signer = Signer(b"k")
    answers = {"age": 42, "red_flags": {"saddle_numbness": True, "both_legs": False}}
    token = signer.sign({"answers": answers}, purpose="assessment")
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    for word in (b"saddle", b"answers", b"42", b"true"):
        assert word not in raw
    assert signer.unsign(token, purpose="assessment") == {"answers": answers}
    # Two seals of the same value differ (a fresh nonce each), so equal answers do not show.
    assert signer.sign({"answers": answers}, purpose="assessment") != token


def test_a_body_over_the_limit_is_refused_even_without_a_length(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"note": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}'

    response = client.post(
        "/api/v1/assess", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_signed_values_round_trip_only_for_their_purpose() -> None:
    signer = Signer(b"k")
    token = signer.sign({"a": [1, 2]}, purpose="one")
    assert signer.unsign(token, purpose="one") == {"a": [1, 2]}
    with pytest.raises(BadRequestError):
        signer.unsign(token, purpose="two")
    with pytest.raises(BadRequestError):
        Signer(b"other").unsign(token, purpose="one")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        pytest.param("127.0.0.1", True, id="ipv4"),
        pytest.param("127.1.2.3", True, id="ipv4-range"),
        pytest.param("::1", True, id="ipv6"),
        pytest.param("[::1]", True, id="ipv6-brackets"),
        pytest.param("localhost", True, id="localhost"),
        pytest.param("0.0.0.0", False, id="any"),
        pytest.param("192.168.1.2", False, id="lan"),
        pytest.param("example.org", False, id="name"),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_no_template_or_asset_has_inline_scripts_styles_or_remote_urls() -> None:
    assets = [p for p in WEB.glob("static/**/*") if p.is_file() and p.suffix != ".png"]
    for path in [*WEB.glob("templates/*.html"), *WEB.glob("templates/*.j2"), *assets]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path.name
        assert "<style" not in text, path.name
        assert not re.search(r"\sstyle=", text), path.name
        assert not re.search(r"\son[a-z]+=", text), path.name
        assert not re.search(r"(src|href)=\"(https?:)?//", text), path.name
