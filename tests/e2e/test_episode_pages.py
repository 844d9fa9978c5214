"""Episodes without dead ends in a real browser: the home page's states and the choice a
second assessment offers while an episode is active.

Each page is checked at 360 px and on a desktop: no serious or critical axe violations,
no sideways scrolling; ``BACKCARE_SCREENSHOTS=docs/screenshots`` keeps the screenshots.
The module has its own server, so the diary starts empty.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.test_browser import _check_page, _walk_to_check

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os

    folder = os.environ.get("BACKCARE_SCREENSHOTS")
    return Path(folder) if folder else tmp_path_factory.mktemp("screenshots")


def _to_result(page: Any, server: str, pain: str = "6") -> None:
    page.goto(f"{server}/assess")
    _walk_to_check(page, {"pain": pain})
    with page.expect_navigation():
        page.get_by_role("link", name="See what to do").first.click()


def _start_diary(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Start my diary with these answers").click()


def _episodes(server: str) -> list[dict[str, Any]]:
    episodes: list[dict[str, Any]] = httpx.get(f"{server}/api/v1/diary/episodes").json()["episodes"]
    return episodes


def test_home_states_and_the_second_assessment_choice(server: str, page: Any, shots: Path) -> None:
    # No episode: start the assessment, first on the screen.
    page.goto(server)
    start = page.get_by_role("link", name="Start the assessment")
    assert start.is_visible()
    assert start.bounding_box()["y"] < 740 / 2
    _check_page(page, shots, "home-new")

    # An episode: its day and the one button that matters.
    _to_result(page, server)
    _start_diary(page)
    assert page.url == f"{server}/today"
    page.goto(server)
    # The typical answers put the onset 10 hours ago: before 10:00 that is yesterday, day 2.
    onset = datetime.fromisoformat(_episodes(server)[0]["onset_at"]).astimezone()
    day = (date.today() - onset.date()).days + 1
    assert day in {1, 2}
    assert page.get_by_role("heading", level=1).inner_text() == f"Day {day} of your back spasm"
    main = page.locator(".home-main a")
    assert main.inner_text() == "Check in: how is it today?"
    assert main.bounding_box()["y"] < 740  # on the first phone screen
    assert page.locator("#due-title").is_visible()
    _check_page(page, shots, "home-active")

    # A second assessment: a choice, not an error page.
    _to_result(page, server, pain="4")
    _start_diary(page)
    assert page.get_by_role("heading", level=1).inner_text() == "You already have a diary running"
    assert "Error" not in page.inner_text("main")
    _check_page(page, shots, "episode-choice")
    page.get_by_role("link", name="Cancel: back to my result").click()
    page.wait_for_url(f"{server}/assess/result*")
    assert len(_episodes(server)) == 1
    _start_diary(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Update my current diary").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Check-in saved"
    assert len(_episodes(server)) == 1
    page.goto(server)
    assert "pain 4 out of 10" in page.inner_text(".home-facts")

    # Escalated at a check-in: the home page says call now, before anything else.
    checked = httpx.post(
        f"{server}/api/v1/diary/check-ins",
        json={"pain": 7, "answers": {"red_flags": {"bladder_or_bowel_change": True}}},
    )
    assert checked.status_code == 201, checked.text
    page.goto(server)
    call = page.get_by_role("link", name="Call 999 now")
    assert call.get_attribute("href") == "tel:999"
    assert call.bounding_box()["y"] < 740
    _check_page(page, shots, "home-escalated")

    # Close it and start a new one from a new assessment.
    _to_result(page, server, pain="3")
    _start_diary(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Close it and start a new diary").click()
    assert page.url == f"{server}/today"
    assert [e["status"] for e in _episodes(server)] == ["resolved", "active"]

    # Closed: /today goes home, which shows a short summary and a new assessment.
    page.goto(f"{server}/diary")
    page.locator("summary", has_text="It has gone").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Close the episode").click()
    page.goto(f"{server}/today")
    assert page.url == f"{server}/"
    assert "Call 999" not in page.inner_text("main")
    assert page.get_by_role("heading", level=1).inner_text() == "Your last back spasm is closed"
    assert page.get_by_role("link", name="Start a new assessment").is_visible()
    _check_page(page, shots, "home-closed")
