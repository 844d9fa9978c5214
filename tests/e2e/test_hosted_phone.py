"""The phone app against the hosted server: a check-in made offline is sent once when back
online, through a real ``backcare server`` (two workers, PostgreSQL) and a signed-in session.

The browser opens the server at ``http://localhost:PORT`` and the public address is
``https://localhost``: the session cookie is ``Secure`` as in production, and Chromium
keeps and sends ``Secure`` cookies (and runs service workers) on ``localhost`` without
TLS, as it treats it as a secure origin. Skipped, saying why, without PostgreSQL
(``BACKCARE_TEST_POSTGRES_URL``) or Chromium.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from tests.e2e.conftest import SERVER_TIMEOUT_S, _free_port
from tests.e2e.test_browser import PHONE, _check_page, shots  # noqa: F401
from tests.e2e.test_phone_app import QUEUED, _controlled
from tests.store_fixtures import database_url

from backcare.accounts import Accounts
from backcare.diary import Diary
from backcare.store import open_store
from backcare.web.hosted import SIGNIN_COOKIE

pytestmark = pytest.mark.slow

EMAIL = "patient@example.org"
PASSWORD = "a long enough password"
ANSWERS = {"age": 35, "trigger": "lifting", "pain": 6}
#: The same check-in sent again from the page, as a phone does after a lost answer.
RESEND = """async (item) => {
  const response = await fetch("/api/v1/diary/check-ins", {
    method: "POST",
    credentials: "same-origin",
    headers: {"Content-Type": "application/json", "Idempotency-Key": item.key},
    body: JSON.stringify(item.body),
  });
  return {status: response.status, replayed: response.headers.get("Idempotent-Replayed")};
}"""


@pytest.fixture(scope="module")
def hosted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``backcare server --workers 2`` on a fresh PostgreSQL schema, with one patient."""
    folder = tmp_path_factory.mktemp("hosted-e2e")
    with database_url("postgresql", folder) as url:
        store = open_store(url)
        try:
            patient = Accounts(store).add_person(
                email=EMAIL, role="patient", password=PASSWORD, care_team="north"
            )
            Diary(store.for_person(patient.id)).start_episode(answers=ANSWERS)
        finally:
            store.close()
        secret = folder / "secret"
        secret.write_text("s" * 48)
        port = _free_port()
        env = {
            **os.environ,
            "BACKCARE_DATABASE_URL": url,
            "BACKCARE_PUBLIC_URL": "https://localhost",
            "BACKCARE_SECRET_FILE": str(secret),
            "BACKCARE_EMERGENCY_NUMBER": "999",
        }
        log = (folder / "server.log").open("wb")
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "backcare"), "server", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://localhost:{port}"
        try:
            deadline = time.monotonic() + SERVER_TIMEOUT_S * 3
            while True:
                try:
                    if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail((folder / "server.log").read_text()[-2000:])
                time.sleep(0.2)
            yield {"base": base, "url": url}
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
            log.close()


def _stored(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text("SELECT count(*) FROM checkins")).scalar_one())
    finally:
        engine.dispose()


def test_an_offline_check_in_reaches_the_hosted_server_once(
    hosted: dict[str, Any],
    page: Any,
    shots: Path,  # noqa: F811
) -> None:
    base = hosted["base"]
    page.set_viewport_size(PHONE)
    # The worker script is served before signing in (the sign-in page registers it; a
    # browser refuses a worker script behind a redirect), and nothing else is.
    assert httpx.get(f"{base}/sw.js", timeout=10).status_code == 200
    assert httpx.get(f"{base}/today", timeout=10).status_code == 303
    page.goto(f"{base}/today")
    assert page.url.endswith("/signin")  # nothing opens without signing in
    page.fill('input[name="email"]', EMAIL)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(lambda url: "/signin" not in url)
    cookie = next(c for c in page.context.cookies() if c["name"] == SIGNIN_COOKIE)
    assert cookie["secure"]  # kept by the browser as in production, without TLS on localhost
    assert cookie["httpOnly"]
    _controlled(page, base)
    before = _stored(hosted["url"])
    page.goto(f"{base}/diary/check-in")
    page.context.set_offline(True)
    try:
        # Offline, the check-in page still opens (from the worker's cache).
        page.goto(f"{base}/diary/check-in")
        page.check('input[name="pain"][value="3"]')
        page.click("text=Save check-in")
        status = page.locator("#offline-checkin")
        status.wait_for()
        assert "saved on this phone" in status.inner_text()
        _check_page(page, shots, "hosted-checkin-offline")
        queued = page.evaluate(QUEUED)
        assert len(queued) == 1
        assert _stored(hosted["url"]) == before  # nothing reached the server
    finally:
        page.context.set_offline(False)
    # Back online: the page sends the queue by itself, with the session cookie.
    page.locator("#sent-checkins").wait_for(timeout=15_000)
    assert "Sent 1 check-in made offline" in page.inner_text("#sent-checkins")
    assert page.evaluate(QUEUED) == []
    assert _stored(hosted["url"]) == before + 1
    # The same request again (a lost answer, another tab): answered, recorded once.
    again = page.evaluate(RESEND, queued[0])
    assert again == {"status": 201, "replayed": "true"}
    assert _stored(hosted["url"]) == before + 1
    history = page.evaluate(
        "async () => (await (await fetch('/api/v1/diary/history')).json()).checkins"
    )
    assert [c["pain"] for c in history][-1] == 3
    # Signing out leaves nothing behind for the next person on a shared phone: the service
    # worker's copies of the pages and the offline queue's database are gone.
    page.goto(f"{base}/account")
    page.evaluate("async () => { await self.backcareQueue.add({pain: 2}); }")  # not yet sent
    assert len(page.evaluate(QUEUED)) == 1
    assert page.evaluate("async () => (await caches.keys()).length") > 0
    with page.expect_navigation():
        page.locator('form[action="/signout"] button').click()
    assert page.evaluate("async () => (await caches.keys()).length") == 0
    assert page.evaluate(QUEUED) == []
