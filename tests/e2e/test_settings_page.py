"""The settings page in Chromium at 360 px: choosing 911 reaches the emergency instruction,
a bad number is not sent, no axe violations, nothing wider than the screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_browser import PHONE, _answer_page, _check_page, shots  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow


def test_choosing_911_on_a_phone(server: str, page: Any, shots: Path) -> None:  # noqa: F811
    page.set_viewport_size(PHONE)
    page.goto(f"{server}/")
    page.click("footer >> text=Settings")
    assert page.url.endswith("/settings")
    _check_page(page, shots, "settings")

    page.fill("#emergency_number", "911")
    page.fill("#wake_time", "08:00")
    page.click("text=Save settings")
    page.wait_for_url("**/settings?saved=true")
    assert "Saved" in page.inner_text("main")
    assert page.get_attribute("footer a[href^='tel:']", "href") == "tel:911"

    page.goto(f"{server}/assess")
    _answer_page(page)  # about you
    page.check('input[name="red_flags.saddle_numbness"][value="yes"]')
    with page.expect_navigation():
        page.click('button[value="next"]')
    assert page.get_by_role("heading", level=1).inner_text() == "Get emergency help now"
    assert page.get_by_role("link", name="Call 911").get_attribute("href") == "tel:911"
    assert "999" not in page.inner_text("body")

    # A number that is not one is stopped before it is sent (the server's own check, in
    # plain words, is in tests/test_web_settings.py); the stored 911 stays.
    page.goto(f"{server}/settings")
    page.fill("#emergency_number", "9-1-1")
    page.click("text=Save settings")
    assert (
        page.evaluate("() => document.querySelector('#emergency_number').validity.valid") is False
    )
    assert page.url.endswith("/settings")
    page.goto(f"{server}/settings")
    assert page.input_value("#emergency_number") == "911"
