"""The check-in in Chromium at 360 px and on a desktop: counts with − and +, a dose over the
limit that keeps the rest of the check-in, saying a warning sign has gone, and the week view.

Each page is checked with axe (no serious or critical violations) and for sideways
scrolling at both widths, and screenshot (``BACKCARE_SCREENSHOTS=docs/screenshots``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.test_browser import PHONE, _check_page, shots
from tests.factories import all_no

pytestmark = pytest.mark.slow
__all__ = ["shots"]  # the screenshot folder fixture, shared with the other browser tests


@pytest.fixture(scope="module")
def episode(server: str) -> str:
    """An active episode with every safety question answered "no"; the server's URL."""
    answers = {k: v for k, v in all_no().items() if k != "hours_since_onset"}
    response = httpx.post(f"{server}/api/v1/diary/episodes", json={"answers": answers})
    assert response.status_code == 201, response.text
    return server


def _history(server: str) -> list[dict[str, Any]]:
    checkins: list[dict[str, Any]] = httpx.get(f"{server}/api/v1/diary/history").json()["checkins"]
    return checkins


def _submit(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Save check-in").click()


def test_counts_are_entered_with_thumb_sized_steppers(episode: str, page: Any, shots: Path) -> None:
    page.goto(f"{episode}/diary/check-in")
    page.set_viewport_size(PHONE)
    plus = page.get_by_role("button", name="One more: Short walks")
    box = plus.bounding_box()
    assert box is not None
    assert box["width"] >= 44
    assert box["height"] >= 44
    for _ in range(6):
        plus.click()
    for _ in range(4):
        page.get_by_role("button", name="One more: Cold pack").click()
    page.get_by_role("button", name="One fewer: Cold pack").click()
    assert page.locator("#count_walk").input_value() == "6"
    assert page.locator("#count_ice").input_value() == "3"
    page.locator('input[name="pain"][value="5"]').check()
    _check_page(page, shots, "checkin-counts")
    _submit(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Check-in saved"
    assert "Your pain is better than when you started (6 → 5" not in page.inner_text("main")
    assert "about the same as when you started (6 → 5)" in page.inner_text("main")
    latest = _history(episode)[-1]
    assert {a["action"]: a["count"] for a in latest["actions"]} == {"walk": 6, "ice": 3}


def test_a_dose_over_the_limit_keeps_the_rest_and_says_what_to_do(
    episode: str, page: Any, shots: Path
) -> None:
    for note in ("first dose", "took another"):
        page.goto(f"{episode}/diary/check-in")
        page.locator('input[name="pain"][value="4"]').check()
        page.select_option("#dose_drug", "paracetamol")
        page.fill("#dose_mg", "1000")
        page.fill("#note", note)
        _submit(page)
    advice = page.locator(".dose-advice")
    assert advice.count() == 1
    text = advice.inner_text()
    assert "over your limit" in text
    assert "even if you feel well" in text
    assert "Do not take any more Paracetamol (acetaminophen) before" in text
    _check_page(page, shots, "checkin-dose-over-limit")
    latest = _history(episode)[-1]
    assert (latest["pain"], latest["note"]) == (4, "took another")
    assert latest["doses"][0]["overridden"] is True


def test_a_warning_sign_can_be_said_to_have_gone(episode: str, page: Any, shots: Path) -> None:
    page.goto(f"{episode}/diary/check-in")
    page.locator('input[name="pain"][value="5"]').check()
    page.get_by_text("Anything new or worse?").click()
    page.locator('input[name="flags"][value="red_flags.fever"]').check()
    _submit(page)
    assert "Get medical help today" in page.inner_text("main")
    page.goto(f"{episode}/coach")
    assert page.get_by_role("heading", name="No exercises today").count() == 1
    page.goto(f"{episode}/diary/check-in")
    gone = page.locator('input[name="gone"][value="red_flags.fever"]')
    assert gone.is_visible()
    _check_page(page, shots, "checkin-warning-sign-gone")
    page.locator('input[name="pain"][value="4"]').check()
    gone.check()
    _submit(page)
    main = page.inner_text("main")
    assert "You told us these have gone" in main
    assert "Get medical help today" not in main
    page.goto(f"{episode}/coach")
    assert page.get_by_role("heading", name="No exercises today").count() == 0
    updates = [c["answers_update"] for c in _history(episode)]
    assert updates[-2:] == [{"red_flags": {"fever": True}}, {"red_flags": {"fever": False}}]


def test_the_diary_page_shows_the_week(episode: str, page: Any, shots: Path) -> None:
    page.goto(f"{episode}/diary")
    chart = page.locator("#week-chart")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box is not None
    assert box["width"] <= PHONE["width"]
    assert page.locator("#week-chart circle").count() == 1  # every check-in is today
    summary = page.locator("#week-title + p").inner_text()
    assert summary.startswith(f"Last 7 days: {len(_history(episode))} check-ins")
    page.get_by_text("The week as a table").click()
    _check_page(page, shots, "diary-week")


def test_reload_back_and_forward_after_saving_never_send_the_check_in_again(
    episode: str, page: Any
) -> None:
    before = len(_history(episode))
    page.goto(f"{episode}/diary/check-in")
    page.locator('input[name="pain"][value="4"]').check()
    page.select_option("#dose_drug", "ibuprofen")
    page.fill("#dose_mg", "200")
    _submit(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Check-in saved"
    page.reload()  # the saved page's address is now the diary: nothing is sent again
    assert page.get_by_role("heading", level=1).inner_text() == "Diary"
    page.go_back()
    assert page.get_by_role("heading", level=1).inner_text() == "Check in"
    page.go_forward()  # no "Confirm Form Resubmission" (ERR_CACHE_MISS) on the way
    assert page.get_by_role("heading", level=1).inner_text() == "Diary"
    assert len(_history(episode)) == before + 1
