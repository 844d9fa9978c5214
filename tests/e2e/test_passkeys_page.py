"""Passkeys in a real Chromium: add one on the account page, sign out, sign in with it.

The hosted server (``backcare server``, one worker, PostgreSQL) runs on
``http://localhost:PORT``, a secure context, so the page may use WebAuthn. Chromium's
DevTools virtual authenticator plays the phone's screen lock (a resident key with user
verification). ``BACKCARE_SCREENSHOTS=docs/screenshots`` keeps the screenshots.
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
from tests.e2e.conftest import SERVER_TIMEOUT_S, _free_port
from tests.e2e.test_browser import _check_page, shots  # noqa: F401  (fixture)

from backcare.accounts import Accounts
from backcare.store import open_store
from store_fixtures import database_url

pytestmark = pytest.mark.slow

EMAIL = "pat@example.org"
PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def hosted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of ``backcare server`` on PostgreSQL with one patient account."""
    folder = tmp_path_factory.mktemp("hosted")
    with database_url("postgresql", folder) as url:
        store = open_store(url)
        try:
            Accounts(store).add_person(
                email=EMAIL, role="patient", password=PASSWORD, care_team="north"
            )
        finally:
            store.close()
        port = _free_port()
        base = f"http://localhost:{port}"
        secret = folder / "secret"
        secret.write_text("s" * 48)
        env = {
            **os.environ,
            "BACKCARE_DATABASE_URL": url,
            "BACKCARE_PUBLIC_URL": base,
            "BACKCARE_SECRET_FILE": str(secret),
        }
        log = (folder / "server.log").open("wb")
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "backcare"),
                "server",
                "--port",
                str(port),
                "--workers",
                "1",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + SERVER_TIMEOUT_S
        try:
            while True:
                try:
                    if httpx.get(f"{base}/signin", timeout=1.0).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail((folder / "server.log").read_text()[-2000:])
                time.sleep(0.1)
            yield base
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)
            log.close()


def test_add_a_passkey_then_sign_in_with_it(
    hosted: str,
    page: Any,
    browser_context: Any,
    shots: Path,  # noqa: F811
) -> None:
    cdp = browser_context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )["authenticatorId"]
    try:
        page.goto(f"{hosted}/signin")
        page.fill("#email", EMAIL)
        page.fill("#password", PASSWORD)
        page.click("form[action='/signin'] button[type=submit]")
        page.wait_for_url(f"{hosted}/")

        page.goto(f"{hosted}/account")
        page.fill("#passkey-name", "My phone")
        page.fill("#passkey-password", PASSWORD)
        page.get_by_role("button", name="Add a passkey").click()
        page.locator("ul.passkeys li").wait_for()  # the page reloads with the new passkey
        assert page.url == f"{hosted}/account#passkeys"
        assert page.locator("ul.passkeys li").count() == 1
        assert "My phone" in page.locator("ul.passkeys").inner_text()
        [kept] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})[
            "credentials"
        ]
        assert kept["isResidentCredential"]
        page.locator("#passkeys").scroll_into_view_if_needed()
        _check_page(page, shots, "hosted-passkeys")  # axe, no sideways scroll, screenshots

        page.get_by_role("button", name="Sign out", exact=True).click()
        page.wait_for_url(f"{hosted}/signin")
        button = page.get_by_role("button", name="Sign in with a passkey")
        assert button.is_visible()
        _check_page(page, shots, "hosted-signin-passkey")

        button.click()  # no e-mail address: the browser offers the passkey it holds
        page.wait_for_url(f"{hosted}/")
        page.goto(f"{hosted}/account")
        assert EMAIL in page.locator("main").inner_text()
        [used] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})[
            "credentials"
        ]
        assert used["signCount"] > kept["signCount"]

        # A browser that holds no passkey for this site: the person is told in plain words.
        page.get_by_role("button", name="Sign out", exact=True).click()
        page.wait_for_url(f"{hosted}/signin")
        cdp.send("WebAuthn.clearCredentials", {"authenticatorId": authenticator})
        page.get_by_role("button", name="Sign in with a passkey").click()
        told = "Try again, or sign in with your e-mail address and password."
        page.locator("[data-passkey-status]", has_text=told).wait_for()
        assert page.url == f"{hosted}/signin"
    finally:
        cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": authenticator})
