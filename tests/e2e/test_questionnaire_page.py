"""Filling in STarT Back in Chromium at 360 px: one item per screen, Back, the result.

No page scrolls sideways and axe finds no serious or critical violations, on a phone
and on a desktop (``_check_page``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_browser import PHONE, _check_page, _ensure_episode, shots  # noqa: F401

pytestmark = pytest.mark.slow

# Items 1-8 (agree/disagree) and item 9 (bothersomeness): total 5, distress 4: high risk.
ANSWERS = ["disagree", "disagree", "disagree", "agree", "agree", "agree", "agree", "disagree"]


def test_filling_start_back_on_a_phone(server: str, page: Any, shots: Path) -> None:  # noqa: F811
    _ensure_episode(server)
    page.set_viewport_size(PHONE)
    page.goto(f"{server}/diary")
    page.click("text=Fill in a questionnaire")
    _check_page(page, shots, "questionnaires")
    with page.expect_navigation():
        page.click("text=STarT Back Screening Tool")
    with page.expect_navigation():
        page.click("a.button.primary")
    for number, value in enumerate(ANSWERS, 1):
        assert f"Question {number} of 9" in page.inner_text("main")
        if number == 1:
            _check_page(page, shots, "questionnaire-item")
        page.check(f'input[name="answer"][value="{value}"]')
        with page.expect_navigation():
            page.click("button[type=submit]")
    # Back from item 9 shows item 8 with its answer kept; change it and go on.
    with page.expect_navigation():
        page.click("a.back")
    assert "Question 8 of 9" in page.inner_text("main")
    assert page.is_checked('input[name="answer"][value="disagree"]')
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.check('input[name="answer"][value="very_much"]')
    with page.expect_navigation():
        page.click("text=See my score")
    main = page.inner_text("main")
    assert "High risk" in main
    assert "Total score: 5" in main
    assert "Distress score: 4" in main
    assert "Hill JC et al." in main
    _check_page(page, shots, "questionnaire-result")
    with page.expect_navigation():
        page.click("text=Back to your diary")
    assert "High risk" in page.inner_text("main")
