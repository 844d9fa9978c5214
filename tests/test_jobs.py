"""Background work: a real PostgreSQL queue, a real ``backcare worker`` process, and an
SMTP server (aiosmtpd) that captures what it sends.

Runs when ``BACKCARE_TEST_POSTGRES_URL`` is set (skips, saying so, otherwise). Each test
gets its own schema, so the queue's tables are made by the worker it starts. The
hosted tests sign people of two care teams in to the hosted app on the worker's schema:
escalation notices reach the patient's care team only, a password reset goes through
the worker, and the daily digests go once a day even with two workers at once.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.store_fixtures import database_url
from tests.web_support import start_episode, web_client

from backcare import Engine
from backcare.accounts import Accounts
from backcare.jobs import queue_for
from backcare.jobs.tasks import DAILY_DIGESTS, PASSWORD_RESET, SEND_EMAIL
from backcare.settings import Settings
from backcare.store import open_store
from backcare.store.people import Person

pytestmark = pytest.mark.slow

CLINIC = "clinic@example.org"
WAIT_S = 45.0
PUBLIC = "https://clinic.example"
PASSWORD = "a long enough password"


class _Inbox:
    """An aiosmtpd handler keeping every message."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.original_content))
        )
        return "250 OK"

    def wait(self, count: int) -> list[Any]:
        deadline = time.monotonic() + WAIT_S
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.messages


@pytest.fixture
def inbox() -> Iterator[tuple[_Inbox, int]]:
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # aiosmtpd checks it started by connecting: no port 0
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    handler = _Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def pg_url(tmp_path: Path) -> Iterator[str]:
    with database_url("postgresql", tmp_path) as url:
        yield url


def _queue_ready(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            found = connection.execute(sa.text("SELECT to_regclass('procrastinate_jobs')"))
            return found.scalar() is not None
    finally:
        engine.dispose()


def _jobs(url: str) -> list[tuple[str, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT task_name, status FROM procrastinate_jobs ORDER BY id")
            )
            return [(str(name), str(status)) for name, status in rows]
    finally:
        engine.dispose()


@pytest.fixture
def worker(pg_url: str, inbox: tuple[_Inbox, int], tmp_path: Path) -> Iterator[str]:
    """A ``backcare worker`` process on the test's schema, mailing through the inbox."""
    _, port = inbox
    env = {
        **os.environ,
        "BACKCARE_SMTP_HOST": "127.0.0.1",
        "BACKCARE_SMTP_PORT": str(port),
        "BACKCARE_SMTP_SECURITY": "none",
        "BACKCARE_MAIL_FROM": "backcare@clinic.example.org",
        "BACKCARE_CLINIC_NOTIFY_EMAIL": CLINIC,
        "BACKCARE_PUBLIC_URL": PUBLIC,
        "BACKCARE_CACHE_DIR": str(tmp_path / "cache"),
        # The periodic digest is deferred when a worker starts shortly after its hour; put that
        # hour half a day away so a test's job list holds only the jobs the test caused.
        "BACKCARE_DIGEST_HOUR": str((datetime.now(UTC).hour + 12) % 24),
    }
    log = (tmp_path / "worker.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "backcare.cli", "worker", "--db", pg_url, "--concurrency", "1"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + WAIT_S
        while not _queue_ready(pg_url):
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"backcare worker did not start: {log.read()[-3000:]}")
            time.sleep(0.2)
        yield pg_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:  # pragma: no cover - it stops on SIGTERM
            process.kill()
            process.wait(timeout=5)
        log.close()


def test_an_emergency_check_in_mails_the_clinic_through_the_worker(
    worker: str, inbox: tuple[_Inbox, int], engine: Engine
) -> None:
    handler, _ = inbox
    with web_client(engine, database_url=worker) as client:
        start_episode(client)
        calm = client.post("/api/v1/diary/check-ins", json={"pain": 4})
        assert calm.status_code == 201
        assert _jobs(worker) == []  # nothing to tell
        body = {"pain": 8, "answers": {"red_flags": {"saddle_numbness": True}}}
        key = str(uuid.uuid4())
        headers = {"Idempotency-Key": key}
        first = client.post("/api/v1/diary/check-ins", json=body, headers=headers)
        assert first.status_code == 201
        assert first.json()["escalation"]["level"] == "emergency"
        again = client.post("/api/v1/diary/check-ins", json=body, headers=headers)
        assert again.headers["idempotent-replayed"] == "true"
    messages = handler.wait(1)
    assert len(messages) == 1
    recipients, message = messages[0]
    assert recipients == [CLINIC]
    assert message["From"] == "backcare@clinic.example.org"
    assert "emergency" in message["Subject"]
    text = message.get_payload()
    assert "saddle" not in text.lower()  # no health details in an e-mail
    assert "numb" not in text.lower()
    time.sleep(1.0)  # a second notice, if one were wrongly queued, would have come by now
    assert len(handler.messages) == 1
    assert [name for name, _ in _jobs(worker)] == ["backcare.escalation_notice"]


def test_a_deferred_email_is_sent_by_the_worker(worker: str, inbox: tuple[_Inbox, int]) -> None:
    handler, _ = inbox
    queue = queue_for(worker)
    assert queue is not None
    try:
        queue.defer(
            SEND_EMAIL, queue="mail", to=["someone@example.org"], subject="Hello", body="Plain."
        )
    finally:
        queue.close()
    messages = handler.wait(1)
    assert len(messages) == 1
    assert messages[0][0] == ["someone@example.org"]
    assert messages[0][1]["Subject"] == "Hello"
    deadline = time.monotonic() + WAIT_S
    while _jobs(worker) != [(SEND_EMAIL, "succeeded")] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _jobs(worker) == [(SEND_EMAIL, "succeeded")]


def test_a_local_sqlite_diary_has_no_queue() -> None:
    assert queue_for("sqlite:///diary.sqlite3") is None
    assert queue_for("sqlite://") is None


def test_the_worker_refuses_a_sqlite_database(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "backcare.cli", "worker", "--db", f"sqlite:///{tmp_path}/d"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "PostgreSQL" in result.stderr


# --- hosted: care teams, password reset, daily digests --------------------------------------


def _wait_jobs(url: str, count: int) -> list[tuple[str, str]]:
    """The queue's jobs once ``count`` of them have finished (succeeded or failed)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        jobs = _jobs(url)
        if sum(status in {"succeeded", "failed"} for _, status in jobs) >= count:
            return jobs
        time.sleep(0.1)
    return _jobs(url)


#: Care teams north and south: (name, role, team). Nell's account is deleted.
PEOPLE = (
    ("alice", "patient", "north"),
    ("nora", "clinician", "north"),
    ("ned", "clinician", "north"),
    ("nell", "clinician", "north"),
    ("bob", "patient", "north"),
    ("sam", "patient", "south"),
    ("sue", "clinician", "south"),
    ("tom", "patient", None),
    ("ada", "admin", None),
)


@contextmanager
def _teams(url: str) -> Iterator[tuple[Accounts, dict[str, Person]]]:
    """The people of :data:`PEOPLE` on ``url``, nell deleted again."""
    from backcare.store.people import PeopleRepository

    store = open_store(url)
    accounts = Accounts(store)
    people = {
        name: accounts.add_person(
            email=f"{name}@example.org", role=role, password=PASSWORD, care_team=team
        )
        for name, role, team in PEOPLE
    }
    with store.write() as repo:
        PeopleRepository(repo.session).delete_person(people["nell"].id)
    try:
        yield accounts, people
    finally:
        store.close()


@pytest.fixture
def clinic(worker: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """:data:`PEOPLE` on the worker's schema, and the hosted app's settings."""
    secret = tmp_path / "secret"
    secret.write_text("k" * 48)
    settings = Settings(database_url=worker, public_url=PUBLIC, secret_file=str(secret))
    with _teams(worker) as (accounts, people):
        yield {"accounts": accounts, "people": people, "settings": settings, "url": worker}


def _hosted(clinic: dict[str, Any]) -> Any:
    from fastapi.testclient import TestClient

    from backcare.web.app import create_hosted_app

    return TestClient(create_hosted_app(clinic["settings"]), base_url=PUBLIC)


def _csrf(client: Any) -> str:
    from tests.web_support import hidden_fields

    return hidden_fields(client.get("/signin").text)["csrf_token"]


def _sign_in(client: Any, email: str) -> None:
    form = {"csrf_token": _csrf(client), "email": email, "password": PASSWORD}
    assert client.post("/signin", data=form, follow_redirects=False).status_code == 303


def test_an_escalation_mails_the_patients_care_team_once_and_no_other_team(
    clinic: dict[str, Any], inbox: tuple[_Inbox, int]
) -> None:
    handler, _ = inbox
    alice = clinic["people"]["alice"]
    with _hosted(clinic) as client:
        _sign_in(client, "alice@example.org")
        start_episode(client)
        body = {"pain": 8, "answers": {"red_flags": {"saddle_numbness": True}}}
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        first = client.post("/api/v1/diary/check-ins", json=body, headers=headers)
        assert first.status_code == 201, first.text
        again = client.post("/api/v1/diary/check-ins", json=body, headers=headers)
        assert again.headers["idempotent-replayed"] == "true"  # an offline retry
    assert _wait_jobs(clinic["url"], 1) == [("backcare.escalation_notice", "succeeded")]
    messages = handler.wait(1)
    time.sleep(1.0)  # a second notice, if one were wrongly queued, would have come by now
    assert len(messages) == 1
    recipients, message = messages[0]
    # The north team's clinicians, then the clinic: not south's sue, the admin or deleted nell.
    assert recipients == ["nora@example.org", "ned@example.org", CLINIC]
    text = message.get_payload(decode=True).decode()
    assert f"{PUBLIC}/clinic/patients/{alice.id}" in text
    assert "emergency" in message["Subject"]
    for private in ("saddle", "numbness", "alice", "pain", "8/10"):
        assert private not in text.lower()


def test_a_password_reset_goes_through_the_worker_and_the_request_does_the_same_work(
    clinic: dict[str, Any], inbox: tuple[_Inbox, int]
) -> None:
    handler, _ = inbox
    with _hosted(clinic) as old, _hosted(clinic) as client:
        _sign_in(old, "alice@example.org")
        token = _csrf(client)
        answers = [
            client.post("/reset", data={"csrf_token": token, "email": email})
            for email in ("alice@example.org", "nobody@example.org")
        ]
        # The same page, and one job each: the request cannot tell the two apart.
        assert [a.status_code for a in answers] == [200, 200]
        assert answers[0].text.replace(token, "") == answers[1].text.replace(token, "")
        assert [name for name, _ in _jobs(clinic["url"])] == [PASSWORD_RESET, PASSWORD_RESET]
        assert _wait_jobs(clinic["url"], 2) == [(PASSWORD_RESET, "succeeded")] * 2
        messages = handler.wait(1)
        assert [to for to, _ in messages] == [["alice@example.org"]]  # nobody@ was dropped
        body = messages[0][1].get_payload(decode=True).decode()
        link = re.search(rf"{re.escape(PUBLIC)}/reset/new\?token=(\S+)", body)
        assert link is not None
        form = {"csrf_token": token, "token": link.group(1), "password": "a brand new password"}
        assert client.post("/reset/new", data=form, follow_redirects=False).status_code == 303
        assert client.post("/reset/new", data=form).status_code == 404  # the link works once
        assert old.get("/account", follow_redirects=False).status_code == 303  # signed out
    # The worker made the link: no secret of it sits in the queue's arguments.
    assert link.group(1) not in str(_job_arguments(clinic["url"]))


def _job_arguments(url: str) -> list[Any]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.text("SELECT args FROM procrastinate_jobs")))
    finally:
        engine.dispose()


def _urgent_unacknowledged(accounts: Accounts, patient: Person) -> None:
    from backcare.domain.enums import TriageLevel
    from backcare.store.records import NewCheckIn

    episode = _episode_of(accounts, patient)
    with accounts.store.for_person(patient.id).write() as repo:
        repo.add_checkin(
            episode,
            NewCheckIn(
                recorded_at=accounts.now(),
                pain=8,
                worst_pain=8,
                days_of_self_care=0,
                trend=None,
                triage_level=TriageLevel.URGENT,
                triage_reasons=(),
            ),
        )


def test_the_daily_digests_go_once_a_day_with_two_workers_and_hold_no_health_data(
    clinic: dict[str, Any], inbox: tuple[_Inbox, int]
) -> None:
    handler, _ = inbox
    accounts: Accounts = clinic["accounts"]
    people = clinic["people"]
    _urgent_unacknowledged(accounts, people["alice"])
    accounts.set_daily_reminder(people["alice"].id, True)
    accounts.set_daily_reminder(people["sam"].id, True)  # no episode: nothing to remind of
    queue = queue_for(clinic["url"])
    assert queue is not None
    try:  # the periodic tick deferred twice (two workers, or a manual run): one e-mail each
        for _ in range(2):
            queue.defer(DAILY_DIGESTS, queue="digests", timestamp=int(time.time()))
    finally:
        queue.close()
    assert _wait_jobs(clinic["url"], 2) == [(DAILY_DIGESTS, "succeeded")] * 2
    messages = handler.wait(2)
    time.sleep(1.0)
    mails = {to[0]: message for to, message in handler.messages}
    assert sorted(mails) == ["alice@example.org", "ned@example.org", "nora@example.org"]
    assert len(messages) == 3
    reminder = mails["alice@example.org"].get_payload(decode=True).decode()
    assert f"{PUBLIC}/today" in reminder
    digest = mails["nora@example.org"]
    assert digest["Subject"] == "backcare: 1 patient needs attention"
    assert f"{PUBLIC}/clinic" in digest.get_payload(decode=True).decode()
    for text in (reminder, digest.get_payload(decode=True).decode()):
        for private in ("alice", "pain", "urgent", "8/10"):
            assert private not in text.lower()


# --- in process: who is told, and the once-a-day claim ---------------------------------------


@pytest.fixture
def teams(pg_url: str) -> Iterator[tuple[Accounts, dict[str, Person]]]:
    with _teams(pg_url) as found:
        yield found


def _episode_of(accounts: Accounts, patient: Person) -> int:
    from backcare.store.records import NewEpisode

    start = accounts.now()
    with accounts.store.for_person(patient.id).write() as repo:
        return repo.add_episode(
            NewEpisode(
                uid=uuid.uuid4().hex,
                onset_at=start,
                started_at=start,
                trigger="lifting",
                answers={"pain": 6},
                assessment={"triage": {"level": "self_care"}},
            )
        ).id


@pytest.mark.parametrize(
    ("patient", "clinic_address", "expected"),
    [
        pytest.param("alice", CLINIC, ("nora", "ned", CLINIC), id="care-team-then-clinic"),
        pytest.param("alice", None, ("nora", "ned"), id="care-team-without-clinic-address"),
        pytest.param(
            "alice", "NORA@example.org", ("nora", "ned"), id="clinic-address-of-a-member-once"
        ),
        pytest.param("sam", None, ("sue",), id="the-other-team"),
        pytest.param("tom", CLINIC, (CLINIC,), id="patient-without-team-clinic-only"),
        pytest.param("tom", None, (), id="patient-without-team-nobody"),
        pytest.param(None, CLINIC, (CLINIC,), id="unknown-episode-clinic-only"),
    ],
)
def test_escalation_recipients(
    teams: tuple[Accounts, dict[str, Person]],
    patient: str | None,
    clinic_address: str | None,
    expected: tuple[str, ...],
) -> None:
    from backcare.jobs import escalation_recipients

    accounts, people = teams
    episode = _episode_of(accounts, people[patient]) if patient else 987654
    settings = Settings(clinic_notify_email=clinic_address)
    found = escalation_recipients(settings, accounts, episode_id=episode)
    addresses = tuple(a if "@" in a else f"{a}@example.org" for a in expected)
    assert found.addresses == addresses
    assert found.patient_id == (people[patient].id if patient else None)


def _mailing(port: int) -> Settings:
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        public_url=PUBLIC,
        mail_from="backcare@clinic.example.org",
    )


def test_two_workers_at_once_send_each_digest_once_and_a_failed_send_is_retried(
    teams: tuple[Accounts, dict[str, Person]],
    inbox: tuple[_Inbox, int],
    pg_url: str,
    engine: Engine,
) -> None:
    import threading
    from datetime import timedelta

    from backcare.jobs.tasks import send_daily_digests

    handler, port = inbox
    accounts, people = teams
    _urgent_unacknowledged(accounts, people["alice"])
    _episode_of(accounts, people["bob"])  # an episode, but bob did not ask for reminders
    for name in ("alice", "sam"):  # sam asked, but has no episode going
        accounts.set_daily_reminder(people[name].id, True)
    day = accounts.now().date()
    with socket.socket() as closed:  # a port nothing listens on: the mail server is down
        closed.bind(("127.0.0.1", 0))
        down = int(closed.getsockname()[1])
    with pytest.raises(ConnectionRefusedError):
        send_daily_digests(_mailing(down), accounts, day=day, engine=engine)
    assert handler.messages == []  # and nobody's day is claimed: the retry sends them all

    stores = [open_store(pg_url) for _ in range(2)]  # two workers, each its own connections
    counts: list[int] = []
    start = threading.Barrier(2)

    def work(store: Any) -> None:
        start.wait()
        counts.append(send_daily_digests(_mailing(port), Accounts(store), day=day, engine=engine))

    threads = [threading.Thread(target=work, args=(store,)) for store in stores]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=WAIT_S)
    finally:
        for store in stores:
            store.close()
    assert sum(counts) == 3
    sent = sorted(to[0] for to, _ in handler.messages)
    assert sent == ["alice@example.org", "ned@example.org", "nora@example.org"]
    assert send_daily_digests(_mailing(port), accounts, day=day, engine=engine) == 0
    # Counting read alice's diary for her clinicians: audited, as a dashboard look is.
    digest_reads = {
        r.actor_id for r in accounts.audit_rows(people["alice"].id) if r.action == "digest"
    }
    assert digest_reads == {people["nora"].id, people["ned"].id}
    next_day = day + timedelta(days=1)
    assert send_daily_digests(_mailing(port), accounts, day=next_day, engine=engine) == 3


@pytest.mark.parametrize(
    ("hour", "cron"),
    [
        pytest.param(None, "0 7 * * *", id="default-07-utc"),
        pytest.param("18", "0 18 * * *", id="set"),
    ],
)
def test_the_daily_digest_is_a_periodic_task_at_the_configured_hour(
    monkeypatch: pytest.MonkeyPatch, hour: str | None, cron: str
) -> None:
    from backcare.jobs.tasks import make_app

    if hour is None:
        monkeypatch.delenv("BACKCARE_DIGEST_HOUR", raising=False)
    else:
        monkeypatch.setenv("BACKCARE_DIGEST_HOUR", hour)
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none")
    periodic = list(app.periodic_registry.periodic_tasks.values())
    assert [(p.task.name, p.cron, p.task.queue) for p in periodic] == [
        (DAILY_DIGESTS, cron, "digests")
    ]


def _session_body(plan: dict[str, Any], **extra: Any) -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    return {
        "started_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "ended_at": datetime.now(UTC).isoformat(),
        "active_seconds": float(plan["total_seconds"]),
        "quit_early": True,
        "exercises": [
            {
                "exercise_id": e["id"],
                "completed_reps": {"left": 1, "right": 1} if e["sides"] == "each" else {"both": 1},
                "longest_hold_seconds": 1.0,
            }
            for e in plan["exercises"]
        ],
        **extra,
    }


def test_a_symptom_in_a_coach_session_notifies_the_care_team_once(
    worker: str, inbox: tuple[_Inbox, int], engine: Engine
) -> None:
    handler, _ = inbox
    with web_client(engine, database_url=worker) as client:
        start_episode(client)
        plan = client.get("/api/v1/coach/plan").json()
        body = _session_body(
            plan, pain_before=4, pain_after=6, symptom="both_legs", stopped_for_symptom=True
        )
        answers = [client.post("/api/v1/coach/sessions", json=body) for _ in range(2)]
    # The emergency blocks the coach, so the session sent again is refused: no second notice.
    assert [a.status_code for a in answers] == [201, 422]
    assert answers[0].json()["triage_level"] == "emergency"
    messages = handler.wait(1)
    time.sleep(1.0)  # a second notice, if one were wrongly queued, would have come by now
    assert len(messages) == 1
    assert "coach session is an emergency" in messages[0][1]["Subject"]
    assert [name for name, _ in _jobs(worker)] == ["backcare.escalation_notice"]
