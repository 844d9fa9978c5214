"""Passkeys (WebAuthn) on a real PostgreSQL: adding, signing in, the staff second step, refusals.

The browser's side is :class:`soft_authenticator.SoftAuthenticator`, a software
authenticator with real keys and signatures, so py_webauthn checks real answers. Each
refusal case makes exactly one thing wrong. The web tests drive the hosted app
in-process on ``https://clinic.example`` like ``test_hosted.py``; one Playwright test
(``tests/e2e/test_passkeys_page.py``) does the same with Chromium's virtual authenticator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcare.accounts import ACCOUNT_LIMIT, Accounts, SignInError, TooManyAttemptsError
from backcare.accounts.passkeys import Passkeys
from backcare.errors import ConflictError, InputError, NotFoundError
from backcare.settings import Settings
from backcare.store import open_store
from backcare.store.database import migrate
from backcare.store.people import PeopleRepository, Person
from backcare.web.app import create_hosted_app
from backcare.web.hosted import SIGNIN_COOKIE
from soft_authenticator import SoftAuthenticator, b64url, unb64url
from store_fixtures import database_url

PUBLIC = "https://clinic.example"
HOST = "clinic.example"
PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with database_url("postgresql", tmp_path_factory.mktemp("pg")) as url:
        yield url


@pytest.fixture(scope="module")
def accounts(pg_url: str) -> Iterator[Accounts]:
    store = open_store(pg_url)
    try:
        yield Accounts(store)
    finally:
        store.close()


@pytest.fixture(scope="module")
def ceremonies(accounts: Accounts) -> Passkeys:
    return Passkeys(accounts, rp_id=HOST, origin=PUBLIC)


_made = iter(range(10_000))
_totp: dict[int, str] = {}  # person id -> TOTP secret


@pytest.fixture
def new_person(accounts: Accounts) -> Callable[..., Person]:
    def make(role: str = "patient", *, totp: bool = False) -> Person:
        email = f"{role}{next(_made)}@example.org"
        person = accounts.add_person(email=email, role=role, password=PASSWORD, care_team="north")
        if totp:
            _totp[person.id] = accounts.set_totp(person.id)
        found = accounts.person_by_email(email)
        assert found is not None
        return found

    return make


def _register(ceremonies: Passkeys, person: Person, browser: str = "b1") -> SoftAuthenticator:
    device = SoftAuthenticator(origin=PUBLIC, rp_id=HOST)
    options = ceremonies.registration_options(
        person, browser=browser, password=PASSWORD, address="x"
    )
    ceremonies.finish_registration(person, device.create(options), browser=browser, name="Phone")
    return device


# --- the service ------------------------------------------------------------------------


def test_a_registered_passkey_signs_in_without_an_email_address(
    ceremonies: Passkeys, accounts: Accounts, new_person: Callable[..., Person]
) -> None:
    person = new_person()
    device = _register(ceremonies, person)
    [kept] = ceremonies.of(person)
    assert (kept.name, kept.transports, kept.sign_count) == ("Phone", ("internal",), 0)
    options = json.loads(ceremonies.signin_options(browser="b2"))
    assert options["allowCredentials"] == []  # discoverable: the browser finds the passkey
    assert options["rpId"] == HOST
    started = ceremonies.finish_signin(device.get(options), browser="b2", address="10.0.0.1")
    assert started.person.id == person.id
    assert not started.needs_code
    assert accounts.session(started.token) == (started.person, True)
    [used] = ceremonies.of(person)
    assert used.sign_count == 1
    assert used.last_used_at is not None


def test_a_switched_off_account_s_passkey_opens_nothing_until_switched_on(
    ceremonies: Passkeys, accounts: Accounts, new_person: Callable[..., Person]
) -> None:
    person = new_person()
    device = _register(ceremonies, person)
    accounts.set_switched_off(person.email or "", True)
    with pytest.raises(SignInError, match="switched off"):
        ceremonies.finish_signin(
            device.get(json.loads(ceremonies.signin_options(browser="b3"))),
            browser="b3",
            address="x",
        )
    accounts.set_switched_off(person.email or "", False)
    started = ceremonies.finish_signin(
        device.get(json.loads(ceremonies.signin_options(browser="b3"))), browser="b3", address="x"
    )
    assert accounts.session(started.token) == (started.person, True)


def test_registration_options_ask_for_a_discoverable_verified_key_and_exclude_known_ones(
    ceremonies: Passkeys, new_person: Callable[..., Person]
) -> None:
    person = new_person()
    device = _register(ceremonies, person)
    options = json.loads(
        ceremonies.registration_options(person, browser="b1", password=PASSWORD, address="x")
    )
    assert options["rp"] == {"name": "backcare", "id": HOST}
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert [c["id"] for c in options["excludeCredentials"]] == [device.create(options)["id"]]
    assert person.email not in options["user"]["id"]


def _registration_refusal(ceremonies: Passkeys, person: Person, case: str) -> Any:
    device = SoftAuthenticator(origin=PUBLIC, rp_id=HOST)
    options = ceremonies.registration_options(person, browser="b1", password=PASSWORD, address="x")
    if case == "wrong origin":
        return device.create(options, origin="https://clinic.example.evil"), "b1"
    if case == "wrong rp id":
        return device.create(options, rp_id="evil.example"), "b1"
    if case == "another browser":
        return device.create(options), "b9"
    assert case == "replayed"
    answer = device.create(options)
    ceremonies.finish_registration(person, answer, browser="b1")
    return answer, "b1"


@pytest.mark.parametrize(
    "case",
    [
        pytest.param("wrong origin", id="wrong-origin"),
        pytest.param("wrong rp id", id="wrong-rp-id"),
        pytest.param("another browser", id="challenge-of-another-browser"),
        pytest.param("replayed", id="replayed-challenge"),
    ],
)
def test_a_bad_registration_is_refused_and_nothing_is_kept(
    ceremonies: Passkeys, new_person: Callable[..., Person], case: str
) -> None:
    person = new_person()
    answer, browser = _registration_refusal(ceremonies, person, case)
    before = len(ceremonies.of(person))
    with pytest.raises(InputError) as refused:
        ceremonies.finish_registration(person, answer, browser=browser)
    assert refused.value.problems[0].field == "credential"
    assert len(ceremonies.of(person)) == before


def test_adding_a_passkey_needs_the_password_again(
    ceremonies: Passkeys, pg_url: str, new_person: Callable[..., Person]
) -> None:
    person = new_person()
    before = _count(pg_url, person)
    with pytest.raises(SignInError, match="no passkey was added"):
        ceremonies.registration_options(
            person, browser="b1", password="not it", address="192.0.2.1"
        )
    assert _count(pg_url, person) == (before[0], before[1] + 1)  # counted like a sign-in


def test_another_persons_registration_challenge_is_refused(
    ceremonies: Passkeys, new_person: Callable[..., Person]
) -> None:
    alice, bob = new_person(), new_person()
    options = ceremonies.registration_options(
        alice, browser="shared", password=PASSWORD, address="x"
    )
    answer = SoftAuthenticator(origin=PUBLIC, rp_id=HOST).create(options)
    with pytest.raises(InputError):
        ceremonies.finish_registration(bob, answer, browser="shared")
    assert ceremonies.of(bob) == []


def _signin_refusal(
    ceremonies: Passkeys, device: SoftAuthenticator, case: str
) -> tuple[dict[str, Any], str]:
    options = ceremonies.signin_options(browser="b2")
    if case == "wrong origin":
        return device.get(options, origin="https://evil.example"), "b2"
    if case == "wrong rp id":
        return device.get(options, rp_id="evil.example"), "b2"
    if case == "lowered sign count":
        ceremonies.finish_signin(device.get(options, count=7), browser="b2", address="x")
        again = ceremonies.signin_options(browser="b2")
        return device.get(again, count=3), "b2"
    if case == "replayed":
        answer = device.get(options)
        ceremonies.finish_signin(answer, browser="b2", address="x")
        return answer, "b2"
    if case == "another browser":
        return device.get(options), "b3"
    if case == "unknown credential":
        stranger = SoftAuthenticator(origin=PUBLIC, rp_id=HOST)
        return stranger.get(options), "b2"
    assert case == "changed authenticator data"
    answer = device.get(options)
    data = bytearray(unb64url(answer["response"]["authenticatorData"]))
    data[36] ^= 0x40  # a higher sign count than the one signed
    answer["response"]["authenticatorData"] = b64url(bytes(data))
    return answer, "b2"


@pytest.mark.parametrize(
    "case",
    [
        pytest.param("wrong origin", id="wrong-origin"),
        pytest.param("wrong rp id", id="wrong-rp-id"),
        pytest.param("lowered sign count", id="lowered-sign-count-a-clone"),
        pytest.param("replayed", id="replayed-challenge"),
        pytest.param("another browser", id="challenge-of-another-browser"),
        pytest.param("unknown credential", id="unknown-credential"),
        pytest.param("changed authenticator data", id="changed-after-signing"),
    ],
)
def test_a_bad_passkey_sign_in_is_refused_counted_and_starts_no_session(
    ceremonies: Passkeys, pg_url: str, new_person: Callable[..., Person], case: str
) -> None:
    person = new_person()
    device = _register(ceremonies, person)
    answer, browser = _signin_refusal(ceremonies, device, case)
    sessions, failures = _count(pg_url, person)
    with pytest.raises(SignInError, match="did not work"):
        ceremonies.finish_signin(answer, browser=browser, address="192.0.2.1")
    assert _count(pg_url, person) == (sessions, failures + 1)


def _count(url: str, person: Person) -> tuple[int, int]:
    """The person's sessions, and the failed sign-ins counted against the test's address."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            sessions = connection.execute(
                sa.text("SELECT count(*) FROM web_sessions WHERE user_id = :p"), {"p": person.id}
            ).scalar_one()
            failures = connection.execute(
                sa.text("SELECT count(*) FROM login_attempts WHERE address = '192.0.2.1'")
            ).scalar_one()
        return int(sessions), int(failures)
    finally:
        engine.dispose()


@given(
    part=st.sampled_from(["clientDataJSON", "authenticatorData", "signature"]),
    where=st.floats(min_value=0, max_value=1, exclude_max=True),
    bit=st.integers(min_value=0, max_value=7),
)
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_changed_bit_of_a_signed_answer_is_refused(
    ceremonies: Passkeys, accounts: Accounts, part: str, where: float, bit: int
) -> None:
    person = _someone(ceremonies, accounts)
    device = _devices[person.id]
    answer = device.get(ceremonies.signin_options(browser="h"))
    data = bytearray(unb64url(answer["response"][part]))
    data[int(where * len(data))] ^= 1 << bit
    answer["response"][part] = b64url(bytes(data))
    with accounts.store.write() as repo:  # each example starts unthrottled
        PeopleRepository(repo.session).clear_failures(person.email or "")
    with pytest.raises((SignInError, InputError)):
        ceremonies.finish_signin(answer, browser="h", address=f"bits-{next(_made)}")
    device.sign_count -= 1  # the refused answer's count was never stored


_devices: dict[int, SoftAuthenticator] = {}


def _someone(ceremonies: Passkeys, accounts: Accounts) -> Person:
    """One patient with one passkey, made once for the property test's examples."""
    found = accounts.person_by_email("changed-bits@example.org")
    if found is None:
        found = accounts.add_person(
            email="changed-bits@example.org", role="patient", password=PASSWORD
        )
        _devices[found.id] = _register(ceremonies, found)
    return found


def test_passkey_sign_in_is_throttled_per_account(
    ceremonies: Passkeys, new_person: Callable[..., Person]
) -> None:
    person = new_person()
    device = _register(ceremonies, person)
    for _ in range(ACCOUNT_LIMIT):
        options = ceremonies.signin_options(browser="b2")
        with pytest.raises(SignInError):
            ceremonies.finish_signin(
                device.get(options, origin="https://evil.example"), browser="b2", address="x"
            )
    options = ceremonies.signin_options(browser="b2")
    with pytest.raises(TooManyAttemptsError):  # even a good answer waits now
        ceremonies.finish_signin(device.get(options), browser="b2", address="y")


def test_staff_passkey_sign_in_needs_the_person_verified(
    ceremonies: Passkeys, accounts: Accounts, new_person: Callable[..., Person]
) -> None:
    clinician = new_person("clinician")
    device = _register(ceremonies, clinician)
    device.user_verified = False  # touched, but no PIN or fingerprint
    with pytest.raises(SignInError):
        ceremonies.finish_signin(
            device.get(ceremonies.signin_options(browser="b")), browser="b", address="x"
        )
    device.user_verified = True
    started = ceremonies.finish_signin(
        device.get(ceremonies.signin_options(browser="b")), browser="b", address="x"
    )
    assert not started.needs_code
    audit = [(r.actor_id, r.action, r.detail) for r in accounts.audit_rows()][-2:]
    assert audit == [
        (clinician.id, "sign_in_refused", "passkey"),
        (clinician.id, "sign_in", "passkey"),
    ]


def test_a_staff_passkey_is_the_second_step_after_the_password(
    ceremonies: Passkeys, accounts: Accounts, new_person: Callable[..., Person]
) -> None:
    clinician, other = new_person("clinician", totp=True), new_person("clinician")
    device = _register(ceremonies, clinician)
    others = _register(ceremonies, other)
    started = accounts.sign_in(clinician.email or "", PASSWORD, address="x")
    assert started.needs_code
    options = ceremonies.signin_options(browser=started.token, person=clinician)
    assert [c["id"] for c in json.loads(options)["allowCredentials"]] == [device.get(options)["id"]]
    with pytest.raises(SignInError):  # another person's passkey is no second factor
        ceremonies.finish_second(others.get(options), token=started.token, address="x")
    assert accounts.session(started.token) == (clinician, False)
    options = ceremonies.signin_options(browser=started.token, person=clinician)
    assert ceremonies.finish_second(device.get(options), token=started.token, address="x") == (
        clinician
    )
    assert accounts.session(started.token) == (clinician, True)
    assert [(r.actor_id, r.action, r.detail) for r in accounts.audit_rows()][-1] == (
        clinician.id,
        "sign_in",
        "password and passkey",
    )


@pytest.mark.parametrize(
    ("role", "totp", "refused"),
    [
        pytest.param("clinician", False, True, id="clinician-without-totp-keeps-the-last"),
        pytest.param("admin", False, True, id="admin-without-totp-keeps-the-last"),
        pytest.param("clinician", True, False, id="clinician-with-totp-may-remove-it"),
        pytest.param("patient", False, False, id="patient-may-remove-it"),
    ],
)
def test_staff_cannot_remove_their_last_second_factor(
    ceremonies: Passkeys, new_person: Callable[..., Person], role: str, totp: bool, refused: bool
) -> None:
    person = new_person(role, totp=totp)
    _register(ceremonies, person)
    [passkey] = ceremonies.of(person)
    if refused:
        with pytest.raises(ConflictError):
            ceremonies.remove(person, passkey.id)
        assert ceremonies.of(person) == [passkey]
        _register(ceremonies, person)  # with a second one, either may go
        ceremonies.remove(person, passkey.id)
        assert len(ceremonies.of(person)) == 1
    else:
        ceremonies.remove(person, passkey.id)
        assert ceremonies.of(person) == []


def test_nobody_removes_another_persons_passkey(
    ceremonies: Passkeys, new_person: Callable[..., Person]
) -> None:
    alice, bob = new_person(), new_person()
    _register(ceremonies, alice)
    [passkey] = ceremonies.of(alice)
    with pytest.raises(NotFoundError):
        ceremonies.remove(bob, passkey.id)
    assert ceremonies.of(alice) == [passkey]


def test_the_same_passkey_cannot_be_registered_twice(
    ceremonies: Passkeys, new_person: Callable[..., Person]
) -> None:
    alice, bob = new_person(), new_person()
    device = _register(ceremonies, alice)
    options = ceremonies.registration_options(bob, browser="b1", password=PASSWORD, address="x")
    with pytest.raises(ConflictError):
        ceremonies.finish_registration(bob, device.create(options), browser="b1")


def test_downgrade_drops_only_the_passkey_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'diary.sqlite3'}"
    engine = sa.create_engine(url)
    try:
        migrate(engine)
        assert {"webauthn_credentials", "webauthn_challenges"} <= set(
            sa.inspect(engine).get_table_names()
        )
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", "backcare.store:migrations")
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0008")
        tables = set(sa.inspect(engine).get_table_names())
        assert not tables & {"webauthn_credentials", "webauthn_challenges"}
        assert {"users", "web_sessions", "episodes"} <= tables
    finally:
        engine.dispose()


# --- the web routes -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_settings(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    secret = tmp_path_factory.mktemp("secret") / "secret"
    secret.write_text("k" * 48)
    return Settings(database_url=pg_url, public_url=PUBLIC, secret_file=str(secret))


@pytest.fixture
def client(app_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_hosted_app(app_settings), base_url=PUBLIC) as made:
        yield made


def _csrf(client: TestClient, path: str = "/signin") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match is not None
    return match.group(1)


def test_add_a_passkey_then_sign_in_with_it_on_the_web(
    client: TestClient, new_person: Callable[..., Person]
) -> None:
    person = new_person()
    token = _csrf(client)
    client.post("/signin", data={"csrf_token": token, "email": person.email, "password": PASSWORD})
    account = client.get("/account")
    assert f'data-passkey="register" data-csrf="{token}"' in account.text
    assert "You have no passkeys yet." in account.text
    options = client.post(
        "/account/passkeys/options", json={"csrf_token": token, "password": PASSWORD}
    )
    assert options.status_code == 200
    device = SoftAuthenticator(origin=PUBLIC, rp_id=HOST)
    added = client.post(
        "/account/passkeys",
        json={"csrf_token": token, "credential": device.create(options.text), "name": "My phone"},
    )
    assert added.status_code == 201
    assert added.json() == {"redirect": "/account#passkeys"}
    assert "My phone" in client.get("/account").text
    old_session = client.cookies.get(SIGNIN_COOKIE)
    client.post("/signout", data={"csrf_token": token})
    # Signed out: sign in again with the passkey alone.
    asked = client.post("/signin/passkey/options", json={"csrf_token": token})
    assert asked.status_code == 200
    done = client.post(
        "/signin/passkey", json={"csrf_token": token, "credential": device.get(asked.text)}
    )
    assert done.status_code == 200
    assert done.json() == {"redirect": "/"}
    assert client.cookies.get(SIGNIN_COOKIE) not in {None, old_session}
    assert client.get("/account").status_code == 200


def test_passkey_routes_refuse_a_missing_csrf_token(client: TestClient) -> None:
    _csrf(client)
    refused = client.post("/signin/passkey/options", json={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"


def test_adding_a_passkey_needs_a_signed_in_session(client: TestClient) -> None:
    token = _csrf(client)
    refused = client.post("/account/passkeys/options", json={"csrf_token": token})
    assert refused.status_code == 401


def test_a_refused_web_sign_in_says_so_in_plain_words(
    client: TestClient, new_person: Callable[..., Person], ceremonies: Passkeys
) -> None:
    person = new_person()
    device = _register(ceremonies, person)
    token = _csrf(client)
    asked = client.post("/signin/passkey/options", json={"csrf_token": token})
    answer = device.get(asked.text, origin="https://evil.example")
    refused = client.post("/signin/passkey", json={"csrf_token": token, "credential": answer})
    assert refused.status_code == 401
    assert "did not work" in refused.json()["error"]["message"]
    assert client.cookies.get(SIGNIN_COOKIE) is None


def test_a_clinician_uses_a_passkey_instead_of_the_code_on_the_web(
    client: TestClient, new_person: Callable[..., Person], ceremonies: Passkeys
) -> None:
    clinician = new_person("clinician", totp=True)
    device = _register(ceremonies, clinician)
    token = _csrf(client)
    signed = client.post(
        "/signin",
        data={"csrf_token": token, "email": clinician.email, "password": PASSWORD},
        follow_redirects=False,
    )
    assert signed.headers["location"] == "/signin/code"
    page = client.get("/signin/code")
    assert f'data-passkey="second" data-csrf="{token}"' in page.text
    assert client.get("/clinic", follow_redirects=False).status_code == 303  # not yet
    asked = client.post("/signin/code/passkey/options", json={"csrf_token": token})
    done = client.post(
        "/signin/code/passkey", json={"csrf_token": token, "credential": device.get(asked.text)}
    )
    assert done.json() == {"redirect": "/clinic"}
    assert client.get("/clinic", follow_redirects=False).status_code == 200


def test_the_code_page_offers_no_passkey_to_someone_without_one(
    client: TestClient, new_person: Callable[..., Person]
) -> None:
    clinician = new_person("clinician", totp=True)
    token = _csrf(client)
    client.post(
        "/signin", data={"csrf_token": token, "email": clinician.email, "password": PASSWORD}
    )
    page = client.get("/signin/code")
    assert "data-passkey" not in page.text
    assert "passkeys.js" not in page.text
    code = pyotp.TOTP(_totp[clinician.id]).now()  # the code works as before
    done = client.post(
        "/signin/code", data={"csrf_token": token, "code": code}, follow_redirects=False
    )
    assert done.headers["location"] == "/clinic"


def test_removing_the_last_staff_factor_is_refused_on_the_account_page(
    client: TestClient, new_person: Callable[..., Person], ceremonies: Passkeys
) -> None:
    clinician = new_person("clinician")
    device = _register(ceremonies, clinician)
    token = _csrf(client)
    client.post(
        "/signin", data={"csrf_token": token, "email": clinician.email, "password": PASSWORD}
    )
    asked = client.post("/signin/code/passkey/options", json={"csrf_token": token})
    client.post(
        "/signin/code/passkey", json={"csrf_token": token, "credential": device.get(asked.text)}
    )
    [passkey] = ceremonies.of(clinician)
    refused = client.post(f"/account/passkeys/{passkey.id}/remove", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "only second factor" in refused.text
    assert ceremonies.of(clinician) == [passkey]


@pytest.mark.parametrize(
    ("totp", "passkey", "shown", "hidden"),
    [
        pytest.param(True, False, ['action="/signin/code"'], ["data-passkey"], id="code-only"),
        pytest.param(
            True, True, ['action="/signin/code"', 'data-passkey="second"'], [], id="code-or-passkey"
        ),
        pytest.param(
            False, True, ['data-passkey="second"'], ['action="/signin/code"'], id="passkey-only"
        ),
        pytest.param(
            False, False, ["no second step set up"], ["data-passkey", 'name="code"'], id="neither"
        ),
    ],
)
def test_the_second_step_page_offers_what_the_person_has(
    client: TestClient,
    new_person: Callable[..., Person],
    ceremonies: Passkeys,
    totp: bool,
    passkey: bool,
    shown: list[str],
    hidden: list[str],
) -> None:
    admin = new_person("admin", totp=totp)
    if passkey:
        _register(ceremonies, admin)
    token = _csrf(client)
    client.post("/signin", data={"csrf_token": token, "email": admin.email, "password": PASSWORD})
    page = client.get("/signin/code").text
    assert [text for text in shown if text not in page] == []
    assert [text for text in hidden if text in page] == []


def test_an_erased_account_takes_its_passkeys_with_it(
    ceremonies: Passkeys, accounts: Accounts, pg_url: str, new_person: Callable[..., Person]
) -> None:
    person = new_person()
    _register(ceremonies, person)
    accounts.erase(person, PASSWORD)
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as connection:
            left = connection.execute(
                sa.text("SELECT count(*) FROM webauthn_credentials WHERE user_id = :p"),
                {"p": person.id},
            ).scalar_one()
    finally:
        engine.dispose()
    assert left == 0
