"""The result and the day's plan on a 360 px phone, as a tired person in pain reads them.

The first screen holds the verdict, what to do now and "Get help if"; the whole result
fits in eight phone screens with the details folded; and no page with an active episode
shows a raw identifier (snake_case ids, dotted answer keys, source ids) in its text.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_browser import (
    PHONE,
    TAP_TARGETS,
    _check_page,
    _ensure_episode,
    _walk_to_check,
    shots,
)

pytestmark = pytest.mark.slow
__all__ = ["shots"]  # the screenshot folder fixture, shared with the other browser tests

#: Screens of 740 px a whole result may take on a 360 px phone, details folded.
MAX_SCREENS = 8
#: What a raw identifier looks like in visible text: snake_case, dotted keys, source ids.
RAW_ID = re.compile(
    r"\b[a-z]+(?:_[a-z0-9]+)+\b"  # twisting_or_sudden_movement, seed_000, nice_ng59
    r"|\b(?:red_flags|history|course|conditions|medicines)\.[a-z_]+\b"  # red_flags.fever
)
#: Every page a person reaches with an active episode.
PAGES = ["/", "/assess", "/today", "/coach", "/diary", "/diary/check-in", "/export"]


def _self_care_result(server: str, page: Any) -> None:
    page.goto(f"{server}/assess")
    _walk_to_check(page)
    with page.expect_navigation():
        page.get_by_role("link", name="See what to do").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Self-care"


def _top(page: Any, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    top: float = box["y"] + page.evaluate("() => window.scrollY")
    return top


def test_the_first_screen_says_what_to_do_now_and_when_to_get_help(
    server: str, page: Any, shots: Path
) -> None:
    _self_care_result(server, page)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(shots / "result-full-360.png"), full_page=True)
    actions = page.locator(".do-now li")
    assert 3 <= actions.count() <= 5
    assert "Cold pack" in actions.first.inner_text()
    # Verdict, every do-now action and the "Get help if" heading on the first screen.
    assert _top(page, "#level-title") < PHONE["height"]
    last_action = actions.last.bounding_box()
    assert last_action is not None
    assert last_action["y"] + last_action["height"] <= PHONE["height"]
    assert _top(page, "#warn-title") < PHONE["height"]
    # Every warning sign is on the page, unfolded; the details are folded.
    assert page.locator(".get-help li").count() >= 10
    assert page.locator("details.fold[open]").count() == 0
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height <= MAX_SCREENS * PHONE["height"], f"{height / PHONE['height']:.1f} screens"
    _check_page(page, shots, "result-first-screen")


def test_source_numbers_are_44_px_to_a_thumb_and_keep_the_line_height(
    server: str, page: Any
) -> None:
    page.set_viewport_size(PHONE)
    _self_care_result(server, page)
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    numbers = [t for t in page.evaluate(TAP_TARGETS) if re.fullmatch(r"\[\d+\]", t["text"])]
    assert len(numbers) >= 3
    small = [t for t in numbers if t["width"] < 44 or t["height"] < 44]
    assert small == [], small
    # A paragraph holding only "Sources: [1] [2]" keeps ordinary lines (its height over its
    # number of lines), not 44 px ones.
    lines = page.evaluate(
        """() => [...document.querySelectorAll('p')]
          .filter((p) => p.children.length === 1 && p.firstElementChild.matches('.cite')
                         && p.textContent.trim() === p.firstElementChild.textContent.trim())
          .map((p) => p.getBoundingClientRect().height
                      / p.firstElementChild.getClientRects().length)"""
    )
    assert lines
    assert max(lines) < 30, lines


def test_the_details_open_by_keyboard_and_sources_come_most_trusted_first(
    server: str, page: Any
) -> None:
    _self_care_result(server, page)
    summary = page.locator("#advice summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert page.locator("#advice").get_attribute("open") is not None
    assert "minutes, every 2 hours" in page.locator("#advice").inner_text()
    kinds = page.locator("ol.sources li .small").all_text_contents()
    trust = [text.split("; ")[1].split(" ")[0] for text in kinds]
    order = {"high": 0, "moderate": 1, "low": 2}
    assert trust == sorted(trust, key=order.__getitem__)
    # The medicines a doctor gives are not among those you can buy.
    bought = page.locator("#meds-1").text_content() or ""
    assert "Ibuprofen" in bought
    assert "Muscle relaxants" not in bought
    assert "injection" not in bought
    assert "Muscle relaxants" in (page.locator("#meds-2").text_content() or "")


def test_today_shows_now_and_next_and_folds_the_day(server: str, page: Any, shots: Path) -> None:
    _ensure_episode(server)
    page.goto(f"{server}/today")
    assert page.locator("#next-title").count() == 1
    assert page.locator("details.day").count() == 1
    _check_page(page, shots, "today-now-next")


@pytest.mark.parametrize("path", PAGES, ids=[p.strip("/") or "home" for p in PAGES])
def test_no_page_shows_a_raw_identifier(server: str, page: Any, path: str) -> None:
    _ensure_episode(server)
    page.goto(f"{server}{path}")
    # Open every fold: folded text is still text a person reads.
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    text = page.locator("main").inner_text() + "\n" + page.locator("header").inner_text()
    found = sorted(set(RAW_ID.findall(text)))
    assert found == [], f"{path} shows {found}"
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} scrolls sideways: {width}px"


def test_the_result_page_shows_no_raw_identifier(server: str, page: Any) -> None:
    _self_care_result(server, page)
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    found = sorted(set(RAW_ID.findall(page.locator("main").inner_text())))
    assert found == [], f"the result shows {found}"
