"""The "Tell us what happened" box in a real browser (Debian Chromium at 360 px).

A mentioned emergency sign is the first question and "Yes" stops at once; a denied sign
is still asked as usual; a value read from the words is pre-filled and can be changed.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.slow


def _tell(page: Any, server: str, story: str) -> None:
    page.goto(f"{server}/assess")
    page.get_by_label("Tell us what happened").fill(story)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue with my words").click()


def _key(page: Any) -> str:
    value: str = page.locator('input[name="key"]').get_attribute("value")
    return value


def test_a_mentioned_emergency_sign_is_confirmed_on_the_first_page(server: str, page: Any) -> None:
    _tell(page, server, "Hurt my back lifting on Tuesday. Now I can't feel my bum when I wipe.")
    assert _key(page) == "red_flags.saddle_numbness"
    assert "You mentioned" in page.locator("legend").inner_text()
    assert page.locator('input[name="value"]:checked').count() == 0  # never pre-answered
    page.get_by_label("Yes", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Next").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Get emergency help now"


def test_a_denied_sign_is_still_asked_and_a_prefilled_age_can_be_changed(
    server: str, page: Any
) -> None:
    _tell(page, server, "no numbness around my bottom. I'm 42 and twisted it gardening")
    assert _key(page) == "red_flags.saddle_numbness"
    assert "You mentioned" not in page.locator("legend").inner_text()
    for _ in range(30):
        key = _key(page)
        if key == "age":
            break
        if key == "trigger":
            assert page.locator('input[value="twisting_or_sudden_movement"]').is_checked()
        else:
            page.get_by_label("No", exact=True).check()
        with page.expect_navigation():
            page.get_by_role("button", name="Next").click()
    assert page.locator("#answer").input_value() == "42"
    page.fill("#answer", "43")
    with page.expect_navigation():
        page.get_by_role("button", name="Next").click()
    assert _key(page) != "age"
