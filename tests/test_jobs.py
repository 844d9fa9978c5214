"""Background work: a real PostgreSQL queue, a real ``backcare worker`` process, and an
SMTP server (aiosmtpd) that captures what it sends.

Runs when ``BACKCARE_TEST_POSTGRES_URL`` is set (skips, saying so, otherwise). Each test
gets its own schema, so the queue's tables are made by the worker it starts.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.store_fixtures import database_url
from tests.web_support import start_episode, web_client

from backcare import Engine
from backcare.jobs import queue_for
from backcare.jobs.tasks import SEND_EMAIL

pytestmark = pytest.mark.slow

CLINIC = "clinic@example.org"
WAIT_S = 45.0


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
        "BACKCARE_CACHE_DIR": str(tmp_path / "cache"),
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
