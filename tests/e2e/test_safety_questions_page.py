"""A diary's open safety questions answered where they are, in a real browser at 360 px.

From the home page's "Answer the safety questions" to the diary no longer saying "We can't
tell yet": only the open questions are asked, and the answers are saved to the running
episode. The module has its own server, so the diary starts empty.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.test_browser import PHONE, _check_page, _keys

from backcare.rules.assessor import default_engine

pytestmark = pytest.mark.slow

_GIVEN = {"age": 35, "sex": "female", "trigger": "lifting", "pain": 6, "hours_since_onset": 5}
_OPEN = ("red_flags.fever", "history.cancer")


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os

    folder = os.environ.get("BACKCARE_SCREENSHOTS")
    return Path(folder) if folder else tmp_path_factory.mktemp("screenshots")


def _start_with_open_questions(server: str) -> None:
    answers: dict[str, Any] = {**_GIVEN, "red_flags": {}, "history": {}}
    for key in default_engine().assess(_GIVEN).triage.missing:
        group, _, name = key.partition(".")
        if key not in _OPEN:
            answers[group][name] = False
    response = httpx.post(f"{server}/api/v1/diary/episodes", json={"answers": answers})
    assert response.status_code == 201, response.text


def test_the_open_safety_questions_are_answered_and_saved_to_the_diary(
    server: str, page: Any, shots: Path
) -> None:
    _start_with_open_questions(server)
    page.set_viewport_size(PHONE)
    page.goto(server)
    assert "We can't tell yet: 2 safety questions unanswered" in page.inner_text("main")
    with page.expect_navigation():
        page.get_by_role("link", name="Answer the safety questions").click()
    asked: list[str] = []
    while page.locator('input[name="page"]').count():
        _check_page(page, shots, f"safety-questions-{len(asked)}")
        keys = _keys(page)
        asked += keys
        for key in keys:
            page.locator(f'[name="{key}"][value="no"]').check()
        with page.expect_navigation():
            page.get_by_role("button", name="Continue", exact=True).click()
    assert asked == list(_OPEN)  # nothing answered at the start is asked again
    assert page.get_by_role("heading", level=1).inner_text() == "Check your answers"
    _check_page(page, shots, "safety-questions-save")
    save = page.get_by_role("button", name="Save in my diary")
    assert save.bounding_box()["width"] <= PHONE["width"]
    with page.expect_navigation():
        save.click()
    page.goto(server)
    assert "We can't tell yet" not in page.inner_text("main")
    episodes = httpx.get(f"{server}/api/v1/diary/episodes").json()["episodes"]
    assert [e["status"] for e in episodes] == ["active"]  # the same episode, updated
