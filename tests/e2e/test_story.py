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


def _page_id(page: Any) -> str:
    value: str = page.locator('input[name="page"]').get_attribute("value")
    return value


def test_a_mentioned_emergency_sign_is_confirmed_on_the_first_page(server: str, page: Any) -> None:
    _tell(page, server, "Hurt my back lifting on Tuesday. Now I can't feel my bum when I wipe.")
    assert _page_id(page) == "nerve_signs"  # the mentioned sign's page comes first
    item = page.locator("#item-red_flags-saddle_numbness")
    assert "You mentioned" in item.locator("legend").inner_text()
    assert page.locator("form.questions input:checked").count() == 0  # never pre-answered
    item.get_by_label("Yes", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Get emergency help now"


def test_a_denied_sign_is_still_asked_and_a_prefilled_age_can_be_changed(
    server: str, page: Any
) -> None:
    _tell(page, server, "no numbness around my bottom. I'm 42 and twisted it gardening")
    assert _page_id(page) == "about_you"
    assert page.locator('[name="age"]').input_value() == "42"
    page.locator('[name="age"]').fill("43")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue", exact=True).click()
    assert _page_id(page) == "nerve_signs"
    # The denied sign is asked in its usual place, unanswered and without "You mentioned".
    item = page.locator("#item-red_flags-saddle_numbness")
    assert item.count() == 1
    assert item.locator("input:checked").count() == 0
    assert "You mentioned" not in page.locator("form.questions").inner_text()
    # The changed age is the one kept (Back shows the about-you page as answered).
    with page.expect_navigation():
        page.locator("a.back").click()
    assert _page_id(page) == "about_you"
    assert page.locator('[name="age"]').input_value() == "43"
    with page.expect_navigation():
        page.get_by_role("button", name="Continue", exact=True).click()
    for _ in range(3):
        if _page_id(page) == "how_it_started":
            break
        for radio in page.locator('form.questions input[value="no"]').all():
            radio.check()
        with page.expect_navigation():
            page.get_by_role("button", name="Continue", exact=True).click()
    assert page.locator('input[value="twisting_or_sudden_movement"]').is_checked()
