"""Hosted clinic mode on a real PostgreSQL: who may see whom, sign-in, the audit chain, workers.

Every test runs in its own PostgreSQL schema (``BACKCARE_TEST_POSTGRES_URL``; skipped
with the reason when it is not set). The web tests build the hosted app in-process on
``https://clinic.example``; the last test starts ``backcare server --workers 2`` as a
real process tree and signs in through it.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcare.accounts import (
    ACCOUNT_LIMIT,
    SIGN_IN_REFUSED,
    Accounts,
    SignInError,
    TooManyAttemptsError,
)
from backcare.errors import NotFoundError
from backcare.settings import Settings
from backcare.store import open_store
from backcare.store.records import NewEpisode
from backcare.web.app import create_hosted_app
from backcare.web.hosted import SIGNIN_COOKIE
from store_fixtures import START, database_url

PUBLIC = "https://clinic.example"
PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with database_url("postgresql", tmp_path_factory.mktemp("pg")) as url:
        yield url


@pytest.fixture(scope="module")
def world(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Two patients of care team north, a clinician of north, one of south, an admin."""
    store = open_store(pg_url)
    clients: list[TestClient] = []
    try:
        yield from _world(store, pg_url, tmp_path_factory, clients)
    finally:
        for client in clients:  # ends each app's lifespan: its database connections close
            client.__exit__(None, None, None)
        store.close()


def _world(
    store: Any, pg_url: str, tmp_path_factory: pytest.TempPathFactory, clients: list[TestClient]
) -> Iterator[dict[str, Any]]:
    accounts = Accounts(store)
    people = {
        "alice": accounts.add_person(
            email="alice@example.org", role="patient", password=PASSWORD, care_team="north"
        ),
        "bob": accounts.add_person(
            email="bob@example.org", role="patient", password=PASSWORD, care_team="north"
        ),
        "north": accounts.add_person(
            email="north@example.org", role="clinician", password=PASSWORD, care_team="north"
        ),
        "south": accounts.add_person(
            email="south@example.org", role="clinician", password=PASSWORD, care_team="south"
        ),
        "admin": accounts.add_person(email="admin@example.org", role="admin", password=PASSWORD),
    }
    secrets = {name: accounts.set_totp(people[name].id) for name in ("north", "south", "admin")}
    with store.for_person(people["alice"].id).write() as repo:
        episode = repo.add_episode(
            NewEpisode(
                uid="a" * 32,
                onset_at=START,
                started_at=START,
                trigger="lifting",
                answers={"pain": 6},
                assessment={"triage": {"level": "self_care"}},
            )
        )
    secret_file = tmp_path_factory.mktemp("secret") / "secret"
    secret_file.write_text("k" * 48)
    hosted = Settings(database_url=pg_url, public_url=PUBLIC, secret_file=str(secret_file))
    yield {
        "store": store,
        "accounts": accounts,
        "people": people,
        "totp": secrets,
        "episode": episode,
        "settings": hosted,
        "url": pg_url,
        "secret_file": secret_file,
        "clients": clients,
    }


def _client(world: dict[str, Any]) -> TestClient:
    client = TestClient(create_hosted_app(world["settings"]), base_url=PUBLIC)
    client.__enter__()
    world["clients"].append(client)
    return client


def _csrf(client: TestClient) -> str:
    page = client.get("/signin")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1)


def _signed_in(world: dict[str, Any], name: str) -> TestClient:
    client = _client(world)
    token = _csrf(client)
    email = world["people"][name].email
    response = client.post(
        "/signin",
        data={"csrf_token": token, "email": email, "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303
    if name in world["totp"]:
        code = _fresh_code(world, name)
        done = client.post(
            "/signin/code", data={"csrf_token": token, "code": code}, follow_redirects=False
        )
        assert done.status_code == 303
    return client


def _fresh_code(world: dict[str, Any], name: str) -> str:
    """A TOTP code never used before: a code is refused a second time (replay), and these
    tests sign the same clinician in many times within one 30-second step."""
    world["totp"][name] = world["accounts"].set_totp(world["people"][name].id)
    return pyotp.TOTP(world["totp"][name]).now()


def _counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table: int(
                    connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                )
                for table in (
                    "episodes",
                    "checkins",
                    "medicine_doses",
                    "coach_sessions",
                    "questionnaire_responses",
                    "acknowledgements",
                    "calendar_tokens",
                    "audit_log",
                )
            }
    finally:
        engine.dispose()


# --- the one gate in the store ----------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        pytest.param("alice", True, id="the-patient-herself"),
        pytest.param("north", True, id="clinician-of-her-care-team"),
        pytest.param("bob", False, id="another-patient"),
        pytest.param("south", False, id="clinician-of-another-team"),
        pytest.param("admin", False, id="admin-without-a-care-team"),
    ],
)
def test_who_may_read_a_patients_records(world: dict[str, Any], actor: str, allowed: bool) -> None:
    accounts: Accounts = world["accounts"]
    alice = world["people"]["alice"]
    before = len(accounts.audit_rows(alice.id))
    if not allowed:
        with pytest.raises(NotFoundError):
            accounts.diary_store(world["people"][actor], alice.id, action="read")
        assert len(accounts.audit_rows(alice.id)) == before
        return
    store = accounts.diary_store(
        world["people"][actor], alice.id, action="read", address="10.0.0.9"
    )
    with store.read() as repo:
        assert [e.id for e in repo.episodes()] == [world["episode"].id]
    rows = accounts.audit_rows(alice.id)
    # Only someone other than the patient is audited: who, whom, what and from where.
    if actor == "alice":
        assert len(rows) == before
    else:
        assert len(rows) == before + 1
        last = rows[-1]
        assert (last.actor_id, last.patient_id, last.action, last.address) == (
            world["people"][actor].id,
            alice.id,
            "read",
            "10.0.0.9",
        )


def test_a_patients_store_never_reaches_another_patients_episode(world: dict[str, Any]) -> None:
    bob = world["store"].for_person(world["people"]["bob"].id)
    with bob.read() as repo:
        assert repo.episodes() == []
        with pytest.raises(NotFoundError):
            repo.history(world["episode"].id)
        with pytest.raises(NotFoundError):
            repo.episode(world["episode"].id)


# --- the audit chain --------------------------------------------------------------------


def test_the_audit_log_is_append_only_and_an_edited_row_breaks_the_chain(
    world: dict[str, Any],
) -> None:
    accounts: Accounts = world["accounts"]
    for action in ("read", "export", "read"):
        accounts.record(actor_id=world["people"]["north"].id, patient_id=1, action=action)
    count, broken = accounts.verify_audit()
    assert broken is None
    assert count >= 3
    engine = sa.create_engine(world["url"])
    try:
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(sa.text("UPDATE audit_log SET action = 'nothing'"))
        with engine.begin() as connection:  # a superuser gets round the trigger...
            connection.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            edited = connection.execute(sa.text("SELECT max(id) - 1 FROM audit_log")).scalar_one()
            connection.execute(
                sa.text("UPDATE audit_log SET action = 'nothing' WHERE id = :id"), {"id": edited}
            )
        _, broken = accounts.verify_audit()
        assert broken is not None
        assert broken.id == edited
        with engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE audit_log SET action = 'export' WHERE id = :id"), {"id": edited}
            )
            connection.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    finally:
        engine.dispose()
    assert accounts.verify_audit()[1] is None


# --- sign-in ----------------------------------------------------------------------------


def test_unknown_account_and_wrong_password_get_the_same_words(world: dict[str, Any]) -> None:
    accounts: Accounts = world["accounts"]
    messages = []
    for email, password in (("nobody@example.org", PASSWORD), ("bob@example.org", "wrong one!")):
        with pytest.raises(SignInError) as caught:
            accounts.sign_in(email, password, address="192.0.2.1")
        messages.append(caught.value.message)
    assert messages == [SIGN_IN_REFUSED, SIGN_IN_REFUSED]


def test_sign_in_is_throttled_per_account_even_with_the_right_password(
    world: dict[str, Any],
) -> None:
    accounts: Accounts = world["accounts"]
    for _ in range(ACCOUNT_LIMIT):
        with pytest.raises(SignInError):
            accounts.sign_in("throttled@example.org", "guess", address="192.0.2.2")
    accounts.add_person(email="throttled@example.org", role="patient", password=PASSWORD)
    with pytest.raises(TooManyAttemptsError):
        accounts.sign_in("throttled@example.org", PASSWORD, address="192.0.2.3")


def test_sign_in_is_throttled_per_address(world: dict[str, Any]) -> None:
    accounts: Accounts = world["accounts"]
    for number in range(20):
        with pytest.raises(SignInError):
            accounts.sign_in(f"spray{number}@example.org", "guess", address="192.0.2.4")
    with pytest.raises(TooManyAttemptsError):
        accounts.sign_in("alice@example.org", PASSWORD, address="192.0.2.4")


def test_clinicians_need_their_code_before_anything_opens(world: dict[str, Any]) -> None:
    client = _client(world)
    token = _csrf(client)
    client.post(
        "/signin",
        data={"csrf_token": token, "email": "north@example.org", "password": PASSWORD},
        follow_redirects=False,
    )
    assert client.get("/account", follow_redirects=False).headers["location"] == "/signin/code"
    wrong = client.post("/signin/code", data={"csrf_token": token, "code": "000000"})
    assert wrong.status_code == 401
    code = _fresh_code(world, "north")
    client.post("/signin/code", data={"csrf_token": token, "code": code})
    assert client.get("/account").status_code == 200


def test_sign_ins_refusals_resets_and_sign_outs_are_in_the_audit_log(
    world: dict[str, Any],
) -> None:
    accounts: Accounts = world["accounts"]
    carol = accounts.add_person(
        email="audited@example.org", role="clinician", password=PASSWORD, care_team="north"
    )
    code = pyotp.TOTP(accounts.set_totp(carol.id)).now()
    before = len(accounts.audit_rows())
    for email in ("audited@example.org", "nobody@example.org"):
        with pytest.raises(SignInError):
            accounts.sign_in(email, "not the password", address="192.0.2.50")
    half = accounts.sign_in("audited@example.org", PASSWORD, address="192.0.2.51")
    with pytest.raises(SignInError):
        accounts.check_code(half.token, f"{(int(code) + 1) % 10**6:06d}", address="192.0.2.51")
    accounts.check_code(half.token, code, address="192.0.2.51")
    started = accounts.start_reset("audited@example.org")
    assert started is not None
    accounts.finish_reset(started[1], "another long enough password")
    accounts.sign_out_everywhere(carol.id)
    accounts.sign_in("alice@example.org", PASSWORD, address="192.0.2.52")
    rows = accounts.audit_rows()[before:]
    assert [(r.actor_id, r.patient_id, r.action, r.detail, r.address) for r in rows] == [
        (carol.id, None, "sign_in_refused", "password", "192.0.2.50"),
        (None, None, "sign_in_refused", "password, unknown account", "192.0.2.50"),
        # The password alone signs no clinician in: only the code completes it.
        (carol.id, None, "sign_in_refused", "code", "192.0.2.51"),
        (carol.id, None, "sign_in", "password and code", "192.0.2.51"),
        (carol.id, None, "password_reset", "", ""),
        (carol.id, None, "sign_out_everywhere", "", ""),
        (world["people"]["alice"].id, None, "sign_in", "password", "192.0.2.52"),
    ]
    assert accounts.verify_audit()[1] is None


def test_a_switched_off_clinician_loses_access_at_once_and_gets_it_back_when_switched_on(
    world: dict[str, Any],
) -> None:
    accounts: Accounts = world["accounts"]
    dana = accounts.add_person(
        email="dana@example.org", role="clinician", password=PASSWORD, care_team="north"
    )
    world["people"]["dana"], world["totp"]["dana"] = dana, accounts.set_totp(dana.id)
    phone = _signed_in(world, "dana")
    assert phone.get("/clinic").status_code == 200
    assert "dana@example.org" in accounts.escalation_contacts(world["episode"].id)[1]

    assert accounts.set_switched_off("Dana@example.org", True).disabled
    # The session she had open stops working; her password and e-mail no longer open anything.
    assert phone.get("/clinic", follow_redirects=False).status_code == 303
    with pytest.raises(SignInError, match="switched off"):
        accounts.sign_in("dana@example.org", PASSWORD, address="192.0.2.60")
    with pytest.raises(SignInError, match="not right"):  # no hint without the password
        accounts.sign_in("dana@example.org", "a guess at it", address="192.0.2.60")
    assert accounts.start_reset("dana@example.org") is None
    assert "dana@example.org" not in accounts.escalation_contacts(world["episode"].id)[1]
    assert dana.id not in [p.id for p in accounts.care_team_clinicians()]
    client = _client(world)
    token = _csrf(client)
    refused = client.post(
        "/signin",
        data={"csrf_token": token, "email": "dana@example.org", "password": PASSWORD},
        follow_redirects=False,
    )
    assert refused.status_code == 401
    assert "switched off" in refused.text
    # Switching off and on, and the refusal, are in the audit log.
    assert not accounts.set_switched_off("dana@example.org", False).disabled
    assert _signed_in(world, "dana").get("/clinic").status_code == 200
    actions = [(r.action, r.detail) for r in accounts.audit_rows() if r.actor_id in (None, dana.id)]
    assert ("switched_off", "dana@example.org") in actions
    assert ("switched_on", "dana@example.org") in actions
    assert ("sign_in_refused", "switched off") in actions
    assert accounts.verify_audit()[1] is None
    with pytest.raises(NotFoundError):
        accounts.set_switched_off("nobody-at-all@example.org", True)


def test_a_form_without_its_csrf_token_is_refused(world: dict[str, Any]) -> None:
    client = _client(world)
    _csrf(client)
    response = client.post("/signin", data={"email": "alice@example.org", "password": PASSWORD})
    assert response.status_code == 403
    assert SIGNIN_COOKIE not in client.cookies


def test_sign_in_rotates_the_session_and_a_planted_token_is_worthless(
    world: dict[str, Any],
) -> None:
    client = _client(world)
    token = _csrf(client)
    client.cookies.set(SIGNIN_COOKIE, "planted-by-an-attacker", domain="clinic.example")
    assert client.get("/account", follow_redirects=False).status_code == 303
    client.post(
        "/signin",
        data={"csrf_token": token, "email": "alice@example.org", "password": PASSWORD},
        follow_redirects=False,
    )
    fresh = client.cookies.get(SIGNIN_COOKIE)
    assert fresh not in (None, "planted-by-an-attacker")
    assert client.get("/account").status_code == 200
    # Signing in again ends the first session: its token opens nothing any more.
    client.post(
        "/signin",
        data={"csrf_token": token, "email": "alice@example.org", "password": PASSWORD},
        follow_redirects=False,
    )
    stale = _client(world)
    stale.cookies.set(SIGNIN_COOKIE, str(fresh), domain="clinic.example")
    assert stale.get("/account", follow_redirects=False).status_code == 303


def test_sign_out_everywhere_ends_every_session(world: dict[str, Any]) -> None:
    phone, laptop = _signed_in(world, "bob"), _signed_in(world, "bob")
    token = _csrf(phone)
    phone.post("/signout/everywhere", data={"csrf_token": token}, follow_redirects=False)
    assert laptop.get("/account", follow_redirects=False).status_code == 303


def test_cookies_are_secure_and_hsts_is_sent(world: dict[str, Any]) -> None:
    client = _client(world)
    response = client.get("/signin")
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert all("Secure" in c for c in response.headers.get_list("set-cookie"))
    assert client.get("/signin", headers={"host": "other.example"}).status_code == 400
    # A proxy's health check needs no session; nothing else is open.
    assert client.get("/api/v1/health").status_code == 200
    assert client.get("/api/v1/diary/today").status_code == 401


def test_a_patient_sees_who_looked_at_their_record(world: dict[str, Any]) -> None:
    world["accounts"].diary_store(
        world["people"]["north"], world["people"]["alice"].id, action="read"
    )
    page = _signed_in(world, "alice").get("/account")
    assert "north@example.org" in page.text


def test_the_account_page_lists_the_persons_own_recent_sign_ins_newest_first(
    world: dict[str, Any],
) -> None:
    accounts: Accounts = world["accounts"]
    with pytest.raises(SignInError):
        accounts.sign_in("bob@example.org", "someone guessing", address="198.51.100.7")
    with pytest.raises(SignInError):  # alice's refusal is not bob's business
        accounts.sign_in("alice@example.org", "someone guessing", address="198.51.100.8")
    page = _signed_in(world, "bob").get("/account")
    items = re.findall(r"<li>(.*?)</li>", page.text.split("Recent sign-ins", 1)[1], re.S)
    first, second = (re.sub(r"<[^>]+>", " ", item) for item in items[:2])
    assert "signed in with the password" in first
    assert "a sign-in was refused: wrong password" in second
    assert "from address 198.51.100.7" in second
    assert "198.51.100.8" not in page.text
    assert 'href="/reset"' in page.text


def test_an_invitation_works_once(world: dict[str, Any]) -> None:
    accounts: Accounts = world["accounts"]
    invite = accounts.invite(world["people"]["north"])
    client = _client(world)
    token = _csrf(client)
    form = {"csrf_token": token, "invite": invite, "password": PASSWORD}
    first = client.post(
        "/join", data={**form, "email": "carol@example.org"}, follow_redirects=False
    )
    assert first.status_code == 303
    carol = accounts.person_by_email("carol@example.org")
    assert carol is not None
    assert carol.care_team_id == world["people"]["alice"].care_team_id
    other = _client(world)
    again = other.post(
        "/join", data={**form, "csrf_token": _csrf(other), "email": "dave@example.org"}
    )
    assert again.status_code == 404
    assert accounts.person_by_email("dave@example.org") is None
    # Its history entry becomes the invitation's address: Back and Forward never resend it.
    assert f'<script src="/static/settle.js" data-url="/join?invite={invite}"></script>' in (
        again.text
    )


# --- the authorisation matrix, from the app's routes -------------------------------------


#: Parameters naming a patient's record (in a path or a query string), and which of the
#: patient's ids each takes. A new route taking one of them is in the matrix by itself.
OWNED_PARAMETERS = {
    "episode_id": "episode",
    "episode": "episode",
    "patient_id": "patient",
    "response_id": "response",
}


def _parameters(dependant: Any) -> set[tuple[str, str]]:
    """(name, "path" or "query") of a route's parameters, its dependencies' included."""
    found = {(p.name, "path") for p in dependant.path_params}
    found |= {(p.name, "query") for p in dependant.query_params}
    for sub in dependant.dependencies:
        found |= _parameters(sub)
    return found


def _owned_routes(app: Any) -> list[tuple[str, str, str]]:
    """Every route of the app (pages and downloads too, not only the OpenAPI schema's)
    taking a patient's id: its method, a URL with ``{id}`` and which id it takes."""
    from fastapi.routing import APIRoute, iter_route_contexts

    routes = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue
        for name, where in sorted(_parameters(route.dependant)):
            kind = OWNED_PARAMETERS.get(name)
            if kind is None:
                continue
            path = str(context.path)
            url = (
                path.replace(f"{{{name}}}", "{id}") if where == "path" else f"{path}?{name}={{id}}"
            )
            routes.extend((method, url, kind) for method in sorted(route.methods))
    return routes


@pytest.fixture(scope="module")
def callers(world: dict[str, Any]) -> dict[str, tuple[TestClient, str]]:
    """Everyone who must not reach Alice's records, each with their CSRF token."""
    clients = {
        "anonymous": _client(world),
        "another-patient": _signed_in(world, "bob"),
        "clinician-of-another-team": _signed_in(world, "south"),
        "admin": _signed_in(world, "admin"),
    }
    return {name: (client, _csrf(client)) for name, client in clients.items()}


@pytest.fixture(scope="module")
def alices_ids(world: dict[str, Any]) -> dict[str, int]:
    """Alice's ids of each kind: her account, her episode, a questionnaire response."""
    alice = _signed_in(world, "alice")
    items = [item["id"] for item in alice.get("/api/v1/questionnaires/odi").json()["items"]]
    saved = alice.post(
        "/api/v1/diary/questionnaires",
        json={"questionnaire": "odi", "answers": dict.fromkeys(items, 1)},
    )
    assert saved.status_code == 201, saved.text
    return {
        "patient": world["people"]["alice"].id,
        "episode": world["episode"].id,
        "response": int(saved.json()["id"]),
    }


def test_the_matrix_covers_every_route_taking_a_patients_id(world: dict[str, Any]) -> None:
    routes = {(method, url) for method, url, _ in _owned_routes(_client(world).app)}
    assert ("POST", "/api/v1/diary/episodes/{id}/resolve") in routes
    assert ("GET", "/api/v1/diary/history?episode_id={id}") in routes
    assert ("GET", "/api/v1/diary/questionnaires?episode_id={id}") in routes
    # Outside the OpenAPI schema: the clinician's pages and downloads, the patient's pages.
    assert {
        ("GET", "/clinic/patients/{id}"),
        ("POST", "/clinic/patients/{id}/acknowledge"),
        ("GET", "/clinic/patients/{id}/report"),
        ("GET", "/clinic/patients/{id}/fhir"),
        ("GET", "/api/v1/diary/episodes/{id}/report"),
        ("GET", "/questionnaires/results/{id}"),
    } <= routes
    assert all("{" not in url.replace("{id}", "") for _, url in routes)  # nothing left to fill


def _refused(client: TestClient, response: httpx.Response) -> httpx.Response | None:
    """``None`` if refused: 401/403/404 (422: an id out of range), or a page sending the
    caller to sign in; an old address's permanent redirect is followed (it leads to a
    route of the matrix). Otherwise the response that was not a refusal."""
    if response.status_code in {307, 308}:
        return _refused(client, client.get(response.headers["location"], follow_redirects=False))
    if response.status_code == 303 and response.headers["location"] in {"/signin", "/signin/code"}:
        return None
    return None if response.status_code in {401, 403, 404, 422} else response


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(other_id=st.integers(min_value=1, max_value=2**31 - 1))
def test_nobody_else_reaches_a_patients_records(
    world: dict[str, Any],
    callers: dict[str, tuple[TestClient, str]],
    alices_ids: dict[str, int],
    other_id: int,
) -> None:
    routes = _owned_routes(callers["anonymous"][0].app)
    before = _counts(world["url"])
    alice = world["people"]["alice"]
    for name, (client, csrf) in callers.items():
        for method, url_of, kind in routes:
            for target in (alices_ids[kind], other_id):
                url = url_of.replace("{id}", str(target))
                if method == "GET":
                    response = client.get(url, follow_redirects=False)
                elif url.startswith("/api/"):
                    response = client.request(method, url, json={}, follow_redirects=False)
                else:  # a form: with the caller's own valid CSRF token, so access decides
                    form = {"csrf_token": csrf, "checkin": str(target)}
                    response = client.request(method, url, data=form, follow_redirects=False)
                assert _refused(client, response) is None, (name, method, url, response)
                assert world["episode"].uid not in response.text, (name, url)
                assert str(alice.email) not in response.text, (name, url)
    assert _counts(world["url"]) == before  # nothing written, not even an audit row
    with world["store"].for_person(alice.id).read() as repo:
        assert repo.episode(world["episode"].id).status.value == "active"


# --- real worker processes --------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_two_real_workers_share_sessions_and_forms(world: dict[str, Any], tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "BACKCARE_DATABASE_URL": world["url"],
        "BACKCARE_PUBLIC_URL": PUBLIC,
        "BACKCARE_SECRET_FILE": str(world["secret_file"]),
        "BACKCARE_TRUSTED_PROXIES": "127.0.0.1",
    }
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "backcare"),
            "server",
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"host": "clinic.example", "x-forwarded-proto": "https"}
    try:
        for _ in range(300):  # wait until it answers (not a timing assertion)
            try:
                httpx.get(f"{base}/signin", headers=headers)
                break
            except httpx.TransportError:
                if server.poll() is not None:
                    pytest.fail((tmp_path / "server.log").read_text())
                time.sleep(0.1)
        pids = set(_children(server.pid))
        assert len(pids) == 2, "gunicorn should run two worker processes"
        cookies: dict[str, str] = {}

        def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
            cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
            sent = {**kwargs.pop("headers", headers), "cookie": cookie}
            response = httpx.request(method, base + path, headers=sent, **kwargs)
            for line in response.headers.get_list("set-cookie"):
                key, _, value = line.split(";")[0].partition("=")
                cookies[key] = value
            return response

        page = call("GET", "/signin")
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match is not None
        token = match.group(1)
        # Many requests, so both workers check forms and sessions made by the other.
        for _ in range(6):
            signed = call(
                "POST",
                "/signin",
                data={"csrf_token": token, "email": "alice@example.org", "password": PASSWORD},
            )
            assert signed.status_code == 303
        statuses = {call("GET", "/account").status_code for _ in range(20)}
        assert statuses == {200}
        # The configured proxy (127.0.0.1 here) says who the client is: a failed sign-in
        # is counted against the address it forwards.
        call(
            "POST",
            "/signin",
            data={"csrf_token": token, "email": "nobody@example.org", "password": "x"},
            headers={**headers, "x-forwarded-for": "203.0.113.7"},
        )
        engine = sa.create_engine(world["url"])
        try:
            with engine.connect() as connection:
                addresses = connection.execute(
                    sa.text("SELECT address FROM login_attempts WHERE account = :a"),
                    {"a": "nobody@example.org"},
                ).scalars()
                assert "203.0.113.7" in set(addresses)
        finally:
            engine.dispose()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        log.close()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


# --- password reset (the e-mail goes through the job queue: tests/test_jobs.py) -------------


def test_a_password_reset_without_a_job_queue_says_so_for_every_address(
    world: dict[str, Any],
) -> None:
    # This schema has no queue tables (no job worker ever started): nothing can be sent,
    # and the page says so whatever the address, so it still reveals no account.
    client = _client(world)
    token = _csrf(client)
    answers = [
        client.post("/reset", data={"csrf_token": token, "email": email})
        for email in ("alice@example.org", "nobody@example.org")
    ]
    assert [a.status_code for a in answers] == [503, 503]
    assert all("E-mail is not set up here" in a.text for a in answers)
    assert answers[0].text.replace(token, "") == answers[1].text.replace(token, "")
    assert '<script src="/static/settle.js" data-url="/reset"></script>' in answers[0].text


def test_a_refused_new_password_keeps_the_link_and_never_resends_the_form(
    world: dict[str, Any],
) -> None:
    client = _client(world)
    refused = client.post(
        "/reset/new",
        data={"csrf_token": _csrf(client), "token": "not-a-real-token", "password": PASSWORD},
    )
    assert refused.status_code >= 400
    assert (
        '<script src="/static/settle.js" data-url="/reset/new?token=not-a-real-token"></script>'
        in refused.text
    )


# --- the daily reminder e-mail: a patient's choice, off by default -------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        pytest.param("alice", 200, id="patient"),
        pytest.param("north", 404, id="clinician-has-no-reminders"),
        pytest.param("admin", 404, id="admin-has-no-reminders"),
    ],
)
def test_the_reminder_page_is_a_patients(world: dict[str, Any], who: str, status: int) -> None:
    client = _signed_in(world, who)
    assert client.get("/account/reminders").status_code == status


def test_a_patient_switches_the_daily_reminder_on_and_off(world: dict[str, Any]) -> None:
    accounts: Accounts = world["accounts"]
    bob = world["people"]["bob"]
    client = _signed_in(world, "bob")
    assert 'href="/account/reminders"' in client.get("/account").text
    page = client.get("/account/reminders")
    assert "Send me a daily reminder e-mail" in page.text
    assert "checked" not in page.text  # off by default
    assert not accounts.daily_reminder(bob.id)
    token = _csrf(client)
    on = client.post("/account/reminders", data={"csrf_token": token, "daily": "on"})
    assert on.status_code == 200
    assert "checked" in on.text
    assert accounts.daily_reminder(bob.id)
    assert not accounts.daily_reminder(world["people"]["alice"].id)  # only bob's account
    off = client.post("/account/reminders", data={"csrf_token": token})
    assert "checked" not in off.text
    assert not accounts.daily_reminder(bob.id)
    refused = client.post("/account/reminders", data={"daily": "on"})  # no CSRF token
    assert refused.status_code == 403
    assert not accounts.daily_reminder(bob.id)


def test_the_reminder_page_needs_a_sign_in(world: dict[str, Any]) -> None:
    client = _client(world)
    answer = client.get("/account/reminders", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/signin")


def _signed_in_as(world: dict[str, Any], email: str, password: str) -> TestClient:
    client = _client(world)
    token = _csrf(client)
    response = client.post(
        "/signin",
        data={"csrf_token": token, "email": email, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return client


@pytest.mark.parametrize(
    ("allowed", "status"),
    [
        pytest.param(False, 404, id="off-by-default"),
        pytest.param(True, 303, id="when-the-setting-allows-it"),
    ],
)
def test_self_registration_is_a_setting(world: dict[str, Any], allowed: bool, status: int) -> None:
    hosted = world["settings"].model_copy(update={"self_registration": allowed})
    client = TestClient(create_hosted_app(hosted), base_url=PUBLIC)
    client.__enter__()
    world["clients"].append(client)
    assert client.get("/join", follow_redirects=False).status_code == (200 if allowed else 404)
    email = f"self{int(allowed)}@example.org"
    form = {"csrf_token": _csrf(client), "invite": "", "email": email, "password": PASSWORD}
    assert client.post("/join", data=form, follow_redirects=False).status_code == status
    assert (world["accounts"].person_by_email(email) is not None) is allowed


# --- the clinician's dashboard -----------------------------------------------------------


def test_the_dashboard_puts_an_unacknowledged_urgent_check_in_first(
    world: dict[str, Any],
) -> None:
    from backcare.domain.enums import TriageLevel
    from backcare.store.records import NewCheckIn

    accounts: Accounts = world["accounts"]
    frank = accounts.add_person(
        email="frank@example.org", role="patient", password=PASSWORD, care_team="north"
    )
    with world["store"].for_person(frank.id).write() as repo:
        episode = repo.add_episode(
            NewEpisode(
                uid="f" * 32,
                onset_at=START,
                started_at=START,
                trigger=None,
                answers={"pain": 7},
                assessment={"triage": {"level": "self_care"}},
            )
        )
        urgent = repo.add_checkin(
            episode.id,
            NewCheckIn(
                recorded_at=START,
                pain=8,
                worst_pain=9,
                days_of_self_care=1,
                trend=None,
                triage_level=TriageLevel.URGENT,
                triage_reasons=(),
            ),
        )
    north = _signed_in(world, "north")
    before = len(accounts.audit_rows(frank.id))
    page = north.get("/clinic")
    assert page.status_code == 200
    names = re.findall(r'href="/clinic/patients/\d+">([^<]+)</a>', page.text)
    assert names[0] == "frank@example.org"
    assert "Urgent advice" in page.text
    assert "south" not in page.text  # other teams' people never appear
    assert [r.action for r in accounts.audit_rows(frank.id)][before:] == ["dashboard"]
    token = _csrf(north)
    seen = north.post(
        f"/clinic/patients/{frank.id}/acknowledge",
        data={"csrf_token": token, "checkin": str(urgent.id)},
        follow_redirects=False,
    )
    assert seen.status_code == 303
    by, _ = accounts.acknowledged(frank.id)[urgent.id]
    assert by == world["people"]["north"].id
    assert "Urgent advice" not in north.get("/clinic").text
    # Another team's clinician cannot read or acknowledge; a patient has no dashboard.
    south = _signed_in(world, "south")
    assert south.get(f"/clinic/patients/{frank.id}").status_code == 404
    refused = south.post(
        f"/clinic/patients/{frank.id}/acknowledge",
        data={"csrf_token": _csrf(south), "checkin": str(urgent.id)},
    )
    assert refused.status_code == 404
    assert _signed_in(world, "alice").get("/clinic").status_code == 404


def test_a_dashboard_view_audits_each_team_patient_once_in_one_unbroken_run(
    world: dict[str, Any],
) -> None:
    accounts: Accounts = world["accounts"]
    north = world["people"]["north"]
    team = [p.id for p in accounts.patients_of(north)]
    assert len(team) >= 2
    count_before, _ = accounts.verify_audit()
    assert _signed_in(world, "north").get("/clinic").status_code == 200
    count, broken = accounts.verify_audit()
    assert broken is None
    rows = [r for r in accounts.audit_rows() if r.action == "dashboard"][-len(team) :]
    assert sorted(r.patient_id for r in rows) == sorted(team)
    assert {r.actor_id for r in rows} == {north.id}
    # Written together: consecutive rows, each chained to the one before.
    assert [r.id for r in rows] == list(range(rows[0].id, rows[0].id + len(team)))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert count >= count_before + len(team)


def test_a_patient_can_delete_their_account_and_the_audit_log_keeps_only_that(
    world: dict[str, Any],
) -> None:
    accounts: Accounts = world["accounts"]
    gina = accounts.add_person(
        email="gina@example.org", role="patient", password=PASSWORD, care_team="north"
    )
    with world["store"].for_person(gina.id).write() as repo:
        repo.add_episode(
            NewEpisode(
                uid="9" * 32,
                onset_at=START,
                started_at=START,
                trigger=None,
                answers={"pain": 5, "secret": "my private words"},
                assessment={"triage": {"level": "self_care"}},
            )
        )
    client = _signed_in_as(world, "gina@example.org", PASSWORD)
    token = _csrf(client)
    wrong = client.post("/account/delete", data={"csrf_token": token, "password": "not it!"})
    assert wrong.status_code == 401
    assert '<script src="/static/settle.js" data-url="/account"></script>' in wrong.text
    assert accounts.person_by_email("gina@example.org") is not None
    gone = client.post(
        "/account/delete", data={"csrf_token": token, "password": PASSWORD}, follow_redirects=False
    )
    assert gone.status_code == 303
    assert accounts.person_by_email("gina@example.org") is None
    engine = sa.create_engine(world["url"])
    try:
        with engine.connect() as connection:
            left = connection.execute(
                sa.text("SELECT count(*) FROM episodes WHERE patient_id = :p"), {"p": gina.id}
            ).scalar_one()
            log = connection.execute(sa.text("SELECT * FROM audit_log")).mappings().all()
    finally:
        engine.dispose()
    assert left == 0
    erased = [row for row in log if row["patient_id"] == gina.id]
    assert [row["action"] for row in erased] == ["erase"]
    assert "private" not in repr(log)
    assert accounts.verify_audit()[1] is None
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_a_patient_downloads_only_their_own_records(world: dict[str, Any]) -> None:
    alice, bob = _signed_in(world, "alice"), _signed_in(world, "bob")
    page = alice.get("/export")
    assert page.status_code == 200
    # No computer of hers runs this backcare: the page does not tell her to move it to one.
    assert "Download everything backcare has recorded, to keep." in page.text
    assert "the computer that runs backcare" not in page.text
    mine = alice.get("/api/v1/diary/export")
    assert mine.status_code == 200
    assert world["episode"].uid in mine.text
    theirs = bob.get("/api/v1/diary/export")
    assert world["episode"].uid not in theirs.text


def test_a_clinician_invites_from_the_dashboard_with_a_qr_code(world: dict[str, Any]) -> None:
    north = _signed_in(world, "north")
    page = north.post("/clinic/invite", data={"csrf_token": _csrf(north)})
    assert page.status_code == 200
    link = re.search(r'href="(https://clinic\.example/join\?invite=[^"]+)"', page.text)
    assert link is not None
    assert 'src="data:image/svg+xml;base64,' in page.text
    assert _signed_in(world, "alice").post("/clinic/invite", data={}).status_code in {403, 404}


@pytest.mark.parametrize(
    ("path", "media"),
    [
        pytest.param("report", "application/pdf", id="report-pdf"),
        pytest.param("fhir", "application/fhir+json", id="fhir-bundle"),
    ],
)
def test_a_clinician_downloads_a_care_team_patients_report_and_fhir(
    world: dict[str, Any], path: str, media: str
) -> None:
    from backcare.domain.enums import TriageLevel
    from backcare.store.records import NewCheckIn

    accounts: Accounts = world["accounts"]
    hana = accounts.add_person(
        email=f"hana-{path}@example.org", role="patient", password=PASSWORD, care_team="north"
    )
    with world["store"].for_person(hana.id).write() as repo:
        episode = repo.add_episode(
            NewEpisode(
                uid=(path * 32)[:32],
                onset_at=START,
                started_at=START,
                trigger=None,
                answers={"pain": 6},
                assessment={"triage": {"level": "self_care"}},
            )
        )
        repo.add_checkin(
            episode.id,
            NewCheckIn(
                recorded_at=START,
                pain=5,
                worst_pain=6,
                days_of_self_care=0,
                trend=None,
                triage_level=TriageLevel.SELF_CARE,
                triage_reasons=(),
            ),
        )
    before = len(accounts.audit_rows(hana.id))
    download = _signed_in(world, "north").get(f"/clinic/patients/{hana.id}/{path}")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith(media)
    assert [r.action for r in accounts.audit_rows(hana.id)][before:] == [path]
    refused = _signed_in(world, "south").get(f"/clinic/patients/{hana.id}/{path}")
    assert refused.status_code == 404


# --- backup and restore ----------------------------------------------------------------


def test_a_backup_restores_with_its_audit_chain_intact(
    world: dict[str, Any], tmp_path: Path
) -> None:
    schema = re.search(r"search_path%3D(\w+)", world["url"])
    assert schema is not None
    script = Path(__file__).parents[1] / "scripts" / "backup-restore.sh"
    env = {**os.environ, "BACKCARE": str(Path(sys.executable).parent / "backcare")}
    world["accounts"].record(actor_id=None, patient_id=None, action="backup-test")
    before = _counts(world["url"])
    audit_before = len(world["accounts"].audit_rows())
    dump = tmp_path / "backcare.dump"
    subprocess.run(
        [script, "backup", world["url"], dump, "--schema", schema.group(1)],
        check=True,
        env=env,
        capture_output=True,
    )
    engine = sa.create_engine(os.environ["BACKCARE_TEST_POSTGRES_URL"])
    try:
        with engine.begin() as connection:  # the disaster
            connection.execute(sa.text(f"DROP SCHEMA {schema.group(1)} CASCADE"))
    finally:
        engine.dispose()
    world["store"].engine.dispose()  # pooled connections of the dropped schema
    restored = subprocess.run(
        [script, "restore", world["url"], dump], env=env, capture_output=True, text=True
    )
    assert restored.returncode == 0, restored.stderr
    assert "intact" in restored.stdout
    assert _counts(world["url"]) == before
    assert len(world["accounts"].audit_rows()) == audit_before


# --- the home page ------------------------------------------------------------------------


def test_a_patients_home_page_shows_her_own_episode_and_who_can_see_it(
    world: dict[str, Any],
) -> None:
    page = _signed_in(world, "alice").get("/")
    assert page.status_code == 200
    assert "of your back spasm</h1>" in page.text  # her episode, not "Start the assessment"
    assert "the clinicians of your care team can see it" in page.text
    assert "Nothing is sent anywhere" not in page.text  # untrue of a hosted service
    other = _signed_in(world, "bob").get("/").text  # no episode of his own: the assessment
    assert "Start the assessment" in other
    assert "of your back spasm" not in other


@pytest.mark.parametrize(
    ("actor", "start"),
    [
        pytest.param("north", "/clinic", id="clinician-to-the-dashboard"),
        pytest.param("admin", "/account", id="admin-to-the-account"),
    ],
)
def test_staff_at_the_home_page_go_to_their_own_start_page(
    world: dict[str, Any], actor: str, start: str
) -> None:
    response = _signed_in(world, actor).get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == start


def test_a_refused_sign_in_page_keeps_the_address_and_never_resends_the_password(
    world: dict[str, Any],
) -> None:
    client = _client(world)
    token = _csrf(client)
    refused = client.post(
        "/signin", data={"csrf_token": token, "email": "bob@example.org", "password": "wrong one!"}
    )
    assert refused.status_code == 401
    assert 'value="bob@example.org"' in refused.text  # what was typed is kept
    # Its history entry becomes the sign-in page's address: Back and Forward fetch that.
    assert '<script src="/static/settle.js" data-url="/signin"></script>' in refused.text


def test_a_patient_answers_their_own_open_safety_questions_and_nobody_elses(
    world: dict[str, Any],
) -> None:
    accounts = world["accounts"]
    carol = accounts.add_person(
        email="carla@example.org", role="patient", password=PASSWORD, care_team="east"
    )
    dan = accounts.add_person(
        email="dmitri@example.org", role="patient", password=PASSWORD, care_team="east"
    )
    world["people"] |= {"carla": carol, "dmitri": dan}
    start = {"age": 40, "sex": "male", "trigger": "lifting", "pain": 5}
    for who, uid in ((carol, "c" * 32), (dan, "d" * 32)):
        with world["store"].for_person(who.id).write() as repo:
            repo.add_episode(
                NewEpisode(
                    uid=uid,
                    onset_at=START,
                    started_at=START,
                    trigger="lifting",
                    answers=start,
                    assessment={"triage": {"level": "self_care"}},
                )
            )
    client = _signed_in(world, "carla")
    page = client.get("/diary/safety-questions").text  # carol's own diary, no id anywhere
    assert 'name="red_flags.saddle_numbness"' in page
    assert 'name="age"' not in page  # answered at the start: not asked again
    state = re.search(r'name="state" value="([^"]+)"', page)
    assert state is not None
    # Dan posting carol's answers saves nothing anywhere: the state names carol's episode.
    other = _signed_in(world, "dmitri")
    refused = other.post(
        "/diary/safety-answers",
        data={"csrf_token": _csrf(other), "state": state.group(1)},
        follow_redirects=False,
    )
    assert refused.status_code == 303
    for who in (carol, dan):
        with world["store"].for_person(who.id).read() as repo:
            (episode,) = repo.episodes()
            assert repo.history(episode.id)[0] == []
    # Carol answers hers "no" page by page and saves them to her own diary.
    for _ in range(10):
        assert 'class="emergency"' not in page
        fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', page))
        if "page" not in fields:
            break
        keys = dict.fromkeys(
            re.findall(r'type="radio" name="((?:red_flags|history)\.[a-z_]+)"', page)
        )
        page = client.post("/assess", data={**fields, **dict.fromkeys(keys, "no")}).text
    assert "Save in my diary" in page
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', page))
    saved = client.post(
        "/diary/safety-answers",
        data={"csrf_token": fields["csrf_token"], "state": fields["state"]},
    )
    assert saved.status_code == 201
    assert "We can&#39;t tell yet" not in client.get("/today").text
    assert "We can&#39;t tell yet" in other.get("/today").text  # dan's diary is untouched


@pytest.mark.parametrize(
    ("who", "path", "offline"),
    [
        pytest.param(None, "/signin", "off", id="signed-out-sign-in-page"),
        pytest.param("alice", "/today", "on", id="patient-today"),
        pytest.param("north", "/clinic", "off", id="clinician-dashboard"),
    ],
)
def test_the_offline_app_is_installed_only_for_a_signed_in_patient(
    world: dict[str, Any], who: str | None, path: str, offline: str
) -> None:
    # After signing out the browser drops the site's caches (Clear-Site-Data); a service
    # worker installed by the sign-in page would fill them again on a shared phone.
    client = _client(world) if who is None else _signed_in(world, who)
    page = client.get(path)
    assert page.status_code == 200
    assert re.findall(r'<script src="/static/phone.js"[^>]*data-offline="(\w+)"', page.text) == [
        offline
    ]
