"""Hosted clinic mode on a real PostgreSQL: each patient's calendar link.

The people, the app and the sign-in helpers are those of ``test_hosted`` (a module-scoped
world of two patients of care team north, a clinician of north, one of south and an
admin); this module gets its own world, in its own PostgreSQL schema.
"""

from __future__ import annotations

import html
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pyotp
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from tests.factories import add_coach_session
from tests.web_support import start_episode

from backcare.accounts import Accounts, SignInError
from backcare.coach.service import CoachService
from backcare.diary import Diary
from backcare.export.report import episode_adherence
from backcare.i18n import label
from backcare.store.feeds import FeedRepository
from backcare.store.people import Person
from test_hosted import PASSWORD, _client, _csrf, _signed_in, pg_url, world  # noqa: F401


def _path(url: str) -> str:
    return urlsplit(url).path


def _make_link(client: TestClient) -> str:
    response = client.post("/api/v1/diary/calendar-link", json={})
    assert response.status_code == 201, response.text
    return _path(response.json()["url"])


def _tokens(url: str) -> list[tuple[int | None, bool]]:
    """Every calendar token row: its owner and whether it still works."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT person_id, revoked_at IS NULL FROM calendar_tokens ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    return [(row[0], bool(row[1])) for row in rows]


@pytest.fixture(scope="module")
def patients(world: dict[str, Any]) -> dict[str, TestClient]:  # noqa: F811
    """Alice (the world's episode) and Bob (an episode of his own), signed in."""
    bob = _signed_in(world, "bob")
    start_episode(bob, pain=3)
    return {"alice": _signed_in(world, "alice"), "bob": bob}


def _episode_uid(client: TestClient) -> str:
    history = client.get("/api/v1/diary/history")
    assert history.status_code == 200, history.text
    return str(history.json()["episode"]["uid"])


def test_each_patients_link_serves_only_their_own_episode(
    world: dict[str, Any],  # noqa: F811
    patients: dict[str, TestClient],
) -> None:
    anonymous = _client(world)
    feeds = {}
    for name, client in patients.items():
        feeds[name] = anonymous.get(_make_link(client))
        assert feeds[name].status_code == 200, (name, feeds[name].text)
        assert feeds[name].text.startswith("BEGIN:VCALENDAR")
    alice_uid, bob_uid = _episode_uid(patients["alice"]), _episode_uid(patients["bob"])
    assert alice_uid in feeds["alice"].text
    assert bob_uid in feeds["bob"].text
    assert bob_uid not in feeds["alice"].text
    assert alice_uid not in feeds["bob"].text


def test_a_patients_new_link_or_stop_leaves_the_other_patients_link_working(
    world: dict[str, Any],  # noqa: F811
    patients: dict[str, TestClient],
) -> None:
    anonymous = _client(world)
    alice_link = _make_link(patients["alice"])
    old_bob, new_bob = _make_link(patients["bob"]), _make_link(patients["bob"])
    assert anonymous.get(old_bob).status_code == 404
    assert anonymous.get(new_bob).status_code == 200
    assert anonymous.get(alice_link).status_code == 200
    stop = patients["bob"].request("DELETE", "/api/v1/diary/calendar-link", json={})
    assert stop.status_code == 204
    assert anonymous.get(new_bob).status_code == 404
    assert anonymous.get(alice_link).status_code == 200
    states = {
        name: client.get("/api/v1/diary/calendar-link").json()["active"]
        for name, client in patients.items()
    }
    assert states == {"alice": True, "bob": False}


def test_a_stopped_link_is_refused_at_once_by_another_worker(
    world: dict[str, Any],  # noqa: F811
    patients: dict[str, TestClient],
) -> None:
    # Two app instances on one database stand for two workers: nothing is cached.
    made_by_one = patients["alice"]
    link = _make_link(made_by_one)
    other_worker = _client(world)
    assert other_worker.get(link).status_code == 200
    csrf = _csrf(made_by_one)
    stopped = made_by_one.post(
        "/export/calendar/stop", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert stopped.status_code == 303
    assert other_worker.get(link).status_code == 404


def test_the_page_makes_and_shows_the_link_once_for_a_hosted_patient(
    world: dict[str, Any],  # noqa: F811
    patients: dict[str, TestClient],
) -> None:
    client = patients["bob"]
    page = client.get("/export/calendar")
    assert page.status_code == 200
    made = client.post("/export/calendar", data={"csrf_token": _csrf(client)})
    assert made.status_code == 201
    url = made.text.split('id="calendar-url" type="text" readonly value="')[1].split('"', 1)[0]
    assert url.startswith("https://clinic.example/calendar/")
    assert _client(world).get(_path(url)).status_code == 200
    assert url not in client.get("/export/calendar").text


@pytest.mark.parametrize("name", ["north", "south", "admin"])
def test_clinicians_and_admins_cannot_make_anyones_link(
    world: dict[str, Any],  # noqa: F811
    name: str,
) -> None:
    client = _signed_in(world, name)
    before = _tokens(world["url"])
    made = client.post("/api/v1/diary/calendar-link", json={})
    assert made.status_code == 404
    page = client.post("/export/calendar", data={"csrf_token": _csrf(client)})
    assert page.status_code == 404
    assert client.get("/api/v1/diary/calendar-link").status_code == 404
    assert _tokens(world["url"]) == before


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("x" * 43, id="guessed"),
        pytest.param("short", id="short"),
        pytest.param("y" * 500, id="long"),
        pytest.param("..%2F..%2Faccount", id="path-like"),
    ],
)
def test_an_anonymous_guessed_token_is_404(
    world: dict[str, Any],  # noqa: F811
    patients: dict[str, TestClient],
    token: str,
) -> None:
    _make_link(patients["alice"])
    response = _client(world).get(f"/calendar/{token}.ics", follow_redirects=False)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_local_persons_token_opens_nothing_on_the_hosted_server(
    world: dict[str, Any],  # noqa: F811
) -> None:
    # A diary upgraded into the hosted database keeps its local links (owner NULL); they
    # belong to no patient, so the hosted feed never serves them.
    import hashlib

    token = "a-local-link-from-before-the-upgrade-0123456789"
    with world["store"].write() as repo:
        FeedRepository(repo.session).replace(
            hashlib.sha256(token.encode()).hexdigest(), now=world["accounts"].now()
        )
    assert (None, True) in _tokens(world["url"])
    assert _client(world).get(f"/calendar/{token}.ics").status_code == 404


def test_deleting_the_account_deletes_its_calendar_links(
    world: dict[str, Any],  # noqa: F811
) -> None:
    accounts = world["accounts"]
    person = accounts.add_person(
        email="erin@example.org", role="patient", password="a long enough password"
    )
    world["people"]["erin"] = person
    client = _signed_in(world, "erin")
    link = _make_link(client)
    assert (person.id, True) in _tokens(world["url"])
    deleted = client.post(
        "/account/delete",
        data={"csrf_token": _csrf(client), "password": "a long enough password"},
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    assert all(owner != person.id for owner, _ in _tokens(world["url"]))
    assert _client(world).get(link).status_code == 404


# --- a TOTP code works once -------------------------------------------------------------


@pytest.fixture
def kim(world: dict[str, Any]) -> tuple[Person, str]:  # noqa: F811
    """A clinician with a new authenticator secret (no code used yet)."""
    accounts: Accounts = world["accounts"]
    person = accounts.add_person(
        email=f"kim{len(world['people'])}@example.org",
        role="clinician",
        password=PASSWORD,
        care_team="north",
    )
    world["people"][f"kim{person.id}"] = person
    return person, accounts.set_totp(person.id)


def _code_step(
    accounts: Accounts, person: Person, code: str, *, address: str = "192.0.2.50"
) -> str:
    """Sign in with the password, then the code: ``"ok"`` or the refusal's words."""
    started = accounts.sign_in(person.email or "", PASSWORD, address=address)
    try:
        accounts.check_code(started.token, code, address=address)
    except SignInError as exc:
        return exc.message
    return "ok"


def test_a_totp_code_is_refused_the_second_time_and_so_is_an_older_one(
    world: dict[str, Any],  # noqa: F811
    kim: tuple[Person, str],
) -> None:
    person, secret = kim
    moment = datetime(2026, 11, 30, 9, 0, 10, tzinfo=UTC)
    accounts = Accounts(world["store"], clock=lambda: moment)
    totp = pyotp.TOTP(secret)
    assert _code_step(accounts, person, totp.at(moment)) == "ok"
    assert "used already" in _code_step(accounts, person, totp.at(moment))
    # The step before is still inside the window, but older than the one used.
    assert "used already" in _code_step(accounts, person, totp.at(moment - timedelta(seconds=30)))
    # The next step's code is new: accepted (and then the current one is older).
    assert _code_step(accounts, person, totp.at(moment + timedelta(seconds=30))) == "ok"
    assert "used already" in _code_step(accounts, person, totp.at(moment))
    assert "not right" in _code_step(accounts, person, "000000")


def test_a_code_used_on_one_worker_is_refused_on_another(
    world: dict[str, Any],  # noqa: F811
    kim: tuple[Person, str],
) -> None:
    person, secret = kim
    code = pyotp.TOTP(secret).now()
    answers = []
    for _ in range(2):  # two app instances on one database: two workers
        client = _client(world)
        token = _csrf(client)
        signed = client.post(
            "/signin",
            data={"csrf_token": token, "email": person.email, "password": PASSWORD},
            follow_redirects=False,
        )
        assert signed.status_code == 303
        done = client.post("/signin/code", data={"csrf_token": token, "code": code})
        answers.append(done.status_code)
        answers.append(client.get("/account", follow_redirects=False).status_code)
    assert answers == [200, 200, 401, 303]


def test_two_workers_given_the_same_code_at_once_accept_it_once(
    world: dict[str, Any],  # noqa: F811
    kim: tuple[Person, str],
) -> None:
    person, secret = kim
    accounts: Accounts = world["accounts"]
    code = pyotp.TOTP(secret).now()
    tokens = [accounts.sign_in(person.email or "", PASSWORD, address="192.0.2.51").token]
    tokens.append(accounts.sign_in(person.email or "", PASSWORD, address="192.0.2.52").token)
    barrier = threading.Barrier(2)

    def submit(token: str) -> str:
        barrier.wait()
        try:
            accounts.check_code(token, code, address="192.0.2.53")
        except SignInError:
            return "refused"
        return "ok"

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(submit, tokens))
    assert results == ["ok", "refused"]
    verified = [accounts.session(token) for token in tokens]
    assert sorted(found[1] for found in verified if found is not None) == [False, True]


# --- the clinician's patient page ------------------------------------------------------


def test_the_patient_page_shows_chart_coach_adherence_and_questionnaires(
    world: dict[str, Any],  # noqa: F811
) -> None:
    accounts: Accounts = world["accounts"]
    fay = accounts.add_person(
        email="fay@example.org", role="patient", password=PASSWORD, care_team="north"
    )
    world["people"]["fay"] = fay
    patient = _signed_in(world, "fay")
    start_episode(patient)
    checkin = patient.post(
        "/api/v1/diary/check-ins",
        json={"pain": 4, "actions": [{"action": "walk", "count": 2}]},
    )
    assert checkin.status_code == 201, checkin.text
    add_coach_session(world["store"].for_person(fay.id), now=accounts.now())
    items = [item["id"] for item in patient.get("/api/v1/questionnaires/odi").json()["items"]]
    odi = patient.post(
        "/api/v1/diary/questionnaires",
        json={"questionnaire": "odi", "answers": dict.fromkeys(items, 1)},
    )
    assert odi.status_code == 201, odi.text
    reads_before = [r.action for r in accounts.audit_rows(fay.id)]

    page = _signed_in(world, "north").get(f"/clinic/patients/{fay.id}")

    assert page.status_code == 200
    text = page.text
    assert 'id="pain-chart"' in text  # the diary's pain chart
    diary = Diary(world["store"].for_person(fay.id))
    coach = CoachService(diary).adherence()
    assert coach.episode.done == 1
    assert coach.episode.line() in text  # the coach's own summary, not a copy of it
    day = coach.per_day[-1]
    assert f"<td>{day.day:%a %d %b}</td><td>1</td><td>{day.planned}</td>" in text
    # The report's self-care table over the episode: walking done twice, against the plan.
    walking = label("action", "walk")
    [row] = [r for r in episode_adherence(diary, diary.history()) if r.label == walking]
    assert row.done == 2
    assert (f"{walking} 2/{row.planned}" if row.planned else f"{walking} 2 (") in text
    assert "Oswestry Disability Index" in text
    assert odi.json()["band"]["label"] in text
    assert "/questionnaires/results/" not in text  # the patient's own pages, not linked
    # The trend is written about the patient for the care team, not spoken to them.
    trend = diary.history_page(limit=1).trend
    for line in trend.lines(voice="record"):
        assert html.escape(line, quote=False) in text
    assert "Your pain" not in text
    assert "check in to set" not in text
    reads_after = [r.action for r in accounts.audit_rows(fay.id)]
    assert reads_after == [*reads_before, "read"]  # one page, one audited read


def test_the_patient_page_never_shows_an_empty_self_care_heading(
    world: dict[str, Any],  # noqa: F811
) -> None:
    # An episode whose safety questions are still open has no self-care planned yet.
    accounts: Accounts = world["accounts"]
    ida = accounts.add_person(
        email="ida@example.org", role="patient", password=PASSWORD, care_team="north"
    )
    world["people"]["ida"] = ida
    patient = _signed_in(world, "ida")
    start_episode(patient)
    assert patient.post("/api/v1/diary/check-ins", json={"pain": 4}).status_code == 201
    page = _signed_in(world, "north").get(f"/clinic/patients/{ida.id}")
    assert page.status_code == 200
    section = page.text.split('id="actions-title"', 1)[1].split("</section>", 1)[0]
    assert "Nothing planned or done yet." in section
    assert "<ul>" not in section


def test_the_patient_page_of_a_patient_without_an_episode_says_so(
    world: dict[str, Any],  # noqa: F811
) -> None:
    accounts: Accounts = world["accounts"]
    gus = accounts.add_person(
        email="gus@example.org", role="patient", password=PASSWORD, care_team="north"
    )
    page = _signed_in(world, "north").get(f"/clinic/patients/{gus.id}")
    assert page.status_code == 200
    assert "No episode recorded yet." in page.text
