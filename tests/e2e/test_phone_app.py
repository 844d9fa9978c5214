"""The phone app in Chromium: installable (manifest and service worker), check-ins made
offline are queued, sent once when back online, and stored once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.test_browser import PHONE, _check_page, _ensure_episode, shots  # noqa: F401

from backcare import __version__

pytestmark = pytest.mark.slow

CONTROLLED = "() => navigator.serviceWorker.controller !== null"
QUEUED = """async () => (await self.backcareQueue.all()).map((i) => ({key: i.key, body: i.body}))"""


def _checkins(server: str) -> list[dict[str, Any]]:
    history = httpx.get(f"{server}/api/v1/diary/history", timeout=10).json()
    return list(history["checkins"])


def _controlled(page: Any, server: str) -> None:
    """Open a page and wait until the service worker is active and controls it."""
    page.goto(f"{server}/today")
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    if not page.evaluate(CONTROLLED):
        page.reload()  # the first page load happened before the worker took over
    page.wait_for_function(CONTROLLED, timeout=10_000)


def test_the_app_is_installable(server: str, page: Any) -> None:
    _ensure_episode(server)
    page.set_viewport_size(PHONE)
    _controlled(page, server)
    cdp = page.context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [], manifest["errors"]
    assert manifest["url"].endswith("/static/manifest.webmanifest")
    assert json.loads(manifest["data"])["start_url"] == "/today"
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    # The worker's cache is named after the package version.
    names = page.evaluate("async () => await caches.keys()")
    assert names == [f"backcare-{__version__}"]
    cached = page.evaluate(
        "async () => (await (await caches.open(await caches.keys().then((k) => k[0]))).keys())"
        ".map((r) => new URL(r.url).pathname)"
    )
    assert {"/today", "/coach", "/diary/check-in", "/static/backcare.css"} <= set(cached)


def test_an_offline_check_in_is_queued_then_sent_once(
    server: str,
    page: Any,
    shots: Path,  # noqa: F811
) -> None:
    _ensure_episode(server)
    before = len(_checkins(server))
    page.set_viewport_size(PHONE)
    _controlled(page, server)
    page.goto(f"{server}/diary/check-in")
    page.context.set_offline(True)
    try:
        # Offline, the check-in page still opens (from the worker's cache).
        page.goto(f"{server}/diary/check-in")
        page.check('input[name="pain"][value="3"]')
        page.select_option("#dose_drug", "paracetamol")
        page.fill("#dose_mg", "500")
        page.click("text=Save check-in")
        status = page.locator("#offline-checkin")
        status.wait_for()
        assert "saved on this phone" in status.inner_text()
        _check_page(page, shots, "checkin-offline")
        queued = page.evaluate(QUEUED)
        assert len(queued) == 1
        assert queued[0]["body"]["pain"] == 3
        assert queued[0]["body"]["doses"] == [{"drug": "paracetamol", "mg": 500}]
        assert len(_checkins(server)) == before  # nothing reached the server
    finally:
        page.context.set_offline(False)
    # Back online: the page sends the queue by itself.
    page.locator("#sent-checkins").wait_for(timeout=15_000)
    assert "Sent 1 check-in made offline" in page.inner_text("#sent-checkins")
    assert page.evaluate(QUEUED) == []
    stored = _checkins(server)
    assert len(stored) == before + 1
    assert stored[-1]["pain"] == 3
    # A second send of the same check-in (a lost answer, another tab) records nothing.
    again = httpx.post(
        f"{server}/api/v1/diary/check-ins",
        json=queued[0]["body"],
        headers={"Idempotency-Key": queued[0]["key"]},
        timeout=10,
    )
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert len(_checkins(server)) == before + 1


def test_a_warning_sign_ticked_offline_says_not_to_wait(server: str, page: Any) -> None:
    _ensure_episode(server)
    page.set_viewport_size(PHONE)
    _controlled(page, server)
    page.goto(f"{server}/diary/check-in")
    page.context.set_offline(True)
    try:
        page.check('input[name="pain"][value="6"]')
        page.click("text=Anything new or worse?")
        page.locator('input[name="flags"]').first.check()
        page.click("text=Save check-in")
        alert = page.get_by_role("alert")
        alert.wait_for()
        assert "call 999 now" in alert.inner_text()
    finally:
        page.context.set_offline(False)
    page.locator("#sent-checkins").wait_for(timeout=15_000)


def test_the_calendar_link_page_shows_a_qr_code_once(
    server: str,
    page: Any,
    shots: Path,  # noqa: F811
) -> None:
    _ensure_episode(server)
    page.set_viewport_size(PHONE)
    page.goto(f"{server}/export")
    page.click("text=Reminders in my phone's calendar")
    page.click("text=Make a calendar link")
    qr = page.get_by_alt_text("QR code of your calendar link")
    assert qr.evaluate("(img) => img.complete && img.naturalWidth > 0")
    url = page.input_value("#calendar-url")
    assert page.get_attribute("#subscribe", "href") == "webcal://" + url.split("://", 1)[1]
    _check_page(page, shots, "calendar-link")
    assert httpx.get(url, timeout=10).text.startswith("BEGIN:VCALENDAR")
    page.click("text=Stop the calendar link")
    page.wait_for_url("**/export/calendar")
    assert httpx.get(url, timeout=10).status_code == 404
