"""backcare in a real browser: the assessment, the emergency stop, a check-in and its chart,
the exercise coach's timer, and no serious or critical axe-core violations on any page.

Set ``BACKCARE_SCREENSHOTS=docs/screenshots`` to save the screenshots the README shows
(360 px phone and desktop); otherwise they go to a temporary folder.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.slow

AXE = Path(__file__).parents[1] / "vendor" / "axe.min.js"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
  });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(" "))}));
}"""
TYPICAL = {
    "trigger": "lifting",
    "age": "35",
    "sex": "female",
    "hours_since_onset": "10 hours",
    "pain": "6",
    "course.days_of_self_care": "0",
    "course.trend": "same",
    "conditions": "none",
}
_FORM_FIELDS = {"csrf_token", "state", "page", "action", "story"}


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("BACKCARE_SCREENSHOTS")
    return Path(folder) if folder else tmp_path_factory.mktemp("screenshots")


def _axe_violations(page: Any) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return violations


def _check_page(page: Any, shots: Path, name: str) -> None:
    """No serious/critical axe violations at 360 px and on a desktop; screenshot both."""
    for label, size in (("360", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        assert _axe_violations(page) == [], f"{name} at {label}"
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= size["width"], f"{name} scrolls sideways at {label}: {width}px"
        page.screenshot(path=str(shots / f"{name}-{label}.png"))
    page.set_viewport_size(PHONE)


def _ensure_episode(server: str) -> None:
    response = httpx.post(
        f"{server}/api/v1/diary/episodes",
        json={"answers": {"age": 35, "trigger": "lifting", "pain": 6}},
    )
    assert response.status_code in {201, 409}, response.text


def _keys(page: Any) -> list[str]:
    names: list[str] = page.eval_on_selector_all(
        "form.questions [name]", "els => [...new Set(els.map((e) => e.name))]"
    )
    return [n for n in names if n not in _FORM_FIELDS]


def _answer_page(page: Any, answers: dict[str, str] | None = None) -> list[str]:
    """Answer every question on the page (typically, or as ``answers`` says); Continue."""
    keys = _keys(page)
    for key in keys:
        value = (answers or {}).get(key, TYPICAL.get(key, "no"))
        if key in {"height_cm", "weight_kg"}:
            continue  # optional: left empty
        field = page.locator(f'[name="{key}"]').first
        if field.get_attribute("type") in {"radio", "checkbox"}:
            page.locator(f'[name="{key}"][value="{value}"]').check()
        else:
            field.fill(value)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue", exact=True).click()
    return keys


def _walk_to_check(page: Any, answers: dict[str, str] | None = None) -> int:
    """Answer pages until "Check your answers"; the number of pages seen, the check included."""
    pages = 1
    while page.locator('input[name="page"]').count():
        _answer_page(page, answers)
        pages += 1
    assert page.get_by_role("heading", level=1).inner_text() == "Check your answers"
    return pages


def test_an_emergency_answer_shows_the_instruction_at_once_by_keyboard(
    server: str, page: Any, shots: Path
) -> None:
    page.goto(f"{server}/assess")
    _check_page(page, shots, "question-first")
    _answer_page(page)  # about you
    assert page.locator("text=Step 2 of").count() == 1
    _check_page(page, shots, "question")
    # Keyboard only: the first sign's "Yes", then the page's "Continue", nothing else answered.
    page.locator('input[name="red_flags.saddle_numbness"][value="yes"]').focus()
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Space")
    page.locator('button[value="next"]').focus()
    assert page.evaluate("() => document.activeElement.textContent") == "Continue"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text() == "Get emergency help now"
    assert page.get_by_role("link", name="Call 999").get_attribute("href") == "tel:999"
    assert page.locator('input[name="page"]').count() == 0
    _check_page(page, shots, "emergency")


def test_a_complete_self_care_assessment_takes_at_most_twelve_pages(
    server: str, page: Any, shots: Path
) -> None:
    page.goto(f"{server}/assess")
    pages = _walk_to_check(page)
    _check_page(page, shots, "check-answers")
    with page.expect_navigation():
        page.get_by_role("link", name="See what to do").first.click()
    pages += 1
    assert pages <= 12
    assert page.get_by_role("heading", level=1).inner_text() == "Self-care"
    assert page.locator("#src-nhs_back_pain").count() == 1
    _check_page(page, shots, "result")
    page.get_by_role("button", name="Start my diary with these answers").click()
    page.wait_for_url(f"{server}/today")
    # What is due next from now (the episode began just now), the rest of the day folded.
    assert page.locator("#next-title").count() == 1
    assert page.locator("details.day").count() == 1
    assert page.locator("#diary-started").is_visible()  # said once, right after starting
    _check_page(page, shots, "today")
    page.reload()
    assert page.url == f"{server}/today"
    assert page.locator("#diary-started").count() == 0


def test_the_check_page_offers_what_to_do_on_its_first_phone_screen(server: str, page: Any) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"{server}/assess")
    _walk_to_check(page)
    # Every answer is listed: several screens a person in pain would scroll past.
    assert page.evaluate("() => document.documentElement.scrollHeight") > 3 * PHONE["height"]
    page.evaluate("() => window.scrollTo(0, 0)")
    box = page.get_by_role("link", name="See what to do").first.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"]
    assert box["height"] >= 44


def test_browser_back_mid_assessment_shows_the_earlier_page_without_resubmitting(
    server: str, page: Any
) -> None:
    page.goto(f"{server}/assess")
    _answer_page(page)
    _answer_page(page)
    assert page.locator('input[name="page"]').get_attribute("value") == "emergency_signs"
    page.go_back()  # a GET: no "Confirm Form Resubmission"
    page.locator('input[name="red_flags.both_legs"][value="no"]:checked').wait_for()
    assert page.locator('input[name="page"]').get_attribute("value") == "nerve_signs"
    # The in-page Back link goes one page further back, answers kept.
    with page.expect_navigation():
        page.get_by_role("link", name="Back", exact=True).click()
    assert page.locator('input[name="page"]').get_attribute("value") == "about_you"
    assert page.locator('[name="age"]').input_value() == "35"
    page.locator('[name="age"]').fill("36")
    _answer_page(page, {"age": "36"})
    # The answers in the address are kept: the first page not yet answered comes next.
    assert page.locator('input[name="page"]').get_attribute("value") == "emergency_signs"


def test_browser_back_shows_each_page_with_the_answers_given_on_it(server: str, page: Any) -> None:
    # The history keeps each page as first shown (POST-redirect-GET); Back shows it again
    # with what the person typed and chose there, "None of these" included.
    page.goto(f"{server}/assess")
    page.locator('[name="age"]').fill("47")
    page.locator('input[name="sex"][value="female"]').check()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue", exact=True).click()
    with page.expect_navigation():
        page.get_by_role("button", name="None of these").click()
    assert page.locator('input[name="page"]').get_attribute("value") == "emergency_signs"
    page.go_back()
    page.locator('input[name="red_flags.both_legs"][value="no"]:checked').wait_for()
    assert page.locator('input[name="page"]').get_attribute("value") == "nerve_signs"
    page.go_back()
    page.wait_for_function("() => document.querySelector('[name=age]')?.value === '47'")
    assert page.locator('input[name="sex"][value="female"]').is_checked()
    page.go_forward()
    page.locator('input[name="red_flags.saddle_numbness"][value="no"]:checked').wait_for()


def test_changing_an_answer_from_the_check_page(server: str, page: Any) -> None:
    page.goto(f"{server}/assess")
    _walk_to_check(page)
    row = page.locator(".answer-row", has_text="How bad is the pain")
    assert row.locator(".answer").inner_text() == "6"
    with page.expect_navigation():
        row.get_by_role("link", name="Change").click()
    assert page.locator('input[name="page"]').get_attribute("value") == "how_it_is_going"
    page.locator('[name="pain"]').fill("4")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Check your answers"
    row = page.locator(".answer-row", has_text="How bad is the pain")
    assert row.locator(".answer").inner_text() == "4"


def test_a_bad_answer_is_explained_in_plain_words(
    server: str, browser_context: Any, shots: Path
) -> None:
    # Its own tab: the page comes back with status 422, which Chromium logs as an error.
    page = browser_context.new_page()
    try:
        page.goto(f"{server}/assess")
        page.locator('[name="age"]').fill("forty")
        with page.expect_navigation():
            page.get_by_role("button", name="Continue", exact=True).click()
        problems = page.locator("#problems").inner_text()
        assert "Please enter your age in years, for example 42" in problems
        assert "How old are you?" in problems  # the question, never its key
        assert page.locator('[name="age"]').input_value() == "forty"  # what was typed is kept
        _check_page(page, shots, "question-problem")
    finally:
        page.close()


def test_an_incomplete_assessment_is_neutral_and_leads_back_to_the_question(
    server: str, page: Any, shots: Path
) -> None:
    page.goto(f"{server}/assess")
    _walk_to_check(page, {"red_flags.fever": "not_sure"})
    assert (
        page.locator(".answer-row", has_text="high temperature").locator(".answer").inner_text()
        == "Not sure"
    )
    with page.expect_navigation():
        page.get_by_role("link", name="See what to do").first.click()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "We can't tell yet: 1 safety question unanswered"
    assert page.locator(".level-self_care").count() == 0
    assert "high temperature" in page.locator("section.incomplete").inner_text()
    _check_page(page, shots, "result-incomplete")
    page.get_by_role("button", name="Answer them now").click()
    assert page.locator('input[name="page"]').get_attribute("value") == "illness_signs"


def _earlier_check_ins(server: str) -> None:
    """Two check-ins between the episode's onset and now, so the chart has a line."""
    onset = datetime.fromisoformat(
        httpx.get(f"{server}/api/v1/diary/history").json()["episode"]["onset_at"]
    )
    step = (datetime.now(UTC) - onset) / 3
    for n, pain in ((1, 6), (2, 5)):
        at = (onset + step * n).isoformat()
        response = httpx.post(f"{server}/api/v1/diary/check-ins", json={"pain": pain, "at": at})
        assert response.status_code == 201, response.text


def test_a_check_in_is_saved_and_drawn_on_the_chart(server: str, page: Any, shots: Path) -> None:
    _ensure_episode(server)
    _earlier_check_ins(server)
    page.goto(f"{server}/diary/check-in")
    _check_page(page, shots, "checkin")
    page.locator('input[name="pain"][value="4"]').check()
    page.get_by_role("button", name="One more: Cold pack").click()
    page.fill("#note", "walked to the shop")
    page.get_by_role("button", name="Save check-in").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Check-in saved"
    page.get_by_role("link", name="See the diary and chart").click()
    page.wait_for_url(f"{server}/diary")
    assert page.locator("#pain-chart .pain-point").count() >= 3
    checkins = page.locator("section[aria-labelledby=checkins-title]").inner_text()
    assert "walked to the shop" in checkins
    assert "Cold pack" in checkins  # the action's label, never its id
    _check_page(page, shots, "diary")


def test_the_coach_counts_down_pauses_resumes_and_saves_the_session(
    server: str, page: Any, shots: Path
) -> None:
    _ensure_episode(server)
    planned = httpx.get(f"{server}/api/v1/coach/plan").json()["exercises"]
    every_hold = sum(e["reps"] * (2 if e["sides"] == "each" else 1) for e in planned)
    page.goto(f"{server}/coach?speed=100")
    coach = page.locator("#coach")
    page.wait_for_selector('#coach[data-state="ready"]')
    _check_page(page, shots, "coach")
    page.select_option("#pain-before", "4")
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector('#coach[data-state="running"]')
    page.get_by_role("button", name="Pause").click()
    assert coach.get_attribute("data-state") == "paused"
    shown = page.inner_text("#coach-countdown")
    segment = coach.get_attribute("data-segment")
    page.wait_for_timeout(400)  # 40 s of session time at speed 100: nothing may move
    assert page.inner_text("#coach-countdown") == shown
    assert coach.get_attribute("data-segment") == segment
    page.get_by_role("button", name="Resume").click()
    page.wait_for_selector('#coach[data-state="done"]', timeout=20_000)
    assert page.inner_text("#coach-segment") == "Session complete. Well done!"
    page.select_option("#pain-after", "3")
    page.get_by_role("button", name="Save the session").click()
    page.wait_for_selector('#coach[data-saved="yes"]')
    assert page.inner_text("#coach-result").startswith("Saved:")
    assert httpx.get(f"{server}/api/v1/coach/plan").json()["sessions_today"] >= 1
    assert page.inner_text("#coach-result") == f"Saved: {every_hold} holds done."


@pytest.mark.parametrize(
    ("path", "name"),
    [
        pytest.param("/", "home", id="home"),
        pytest.param("/export", "export", id="export"),
    ],
)
def test_other_pages_have_no_serious_accessibility_violations(
    server: str, page: Any, shots: Path, path: str, name: str
) -> None:
    _ensure_episode(server)
    page.goto(f"{server}{path}")
    _check_page(page, shots, name)


#: What a thumb taps on every page: the site's links, the footer's emergency number, the
#: "Why we ask" folds, lists of links and source numbers ("[1]"; not links inside a sentence
#: or the small print).
TAP_TARGETS = """() => [...document.querySelectorAll(
  'a.brand, nav a, footer.site a[href^="tel:"], details.why summary, ul.links a, .cite a'
)].map((el) => {
  const box = el.getBoundingClientRect();
  return {text: el.textContent.trim(), width: box.width, height: box.height, top: box.top};
})"""


@pytest.mark.parametrize("path", ["/", "/assess", "/export", "/diary"])
def test_the_links_a_thumb_taps_are_44_px_and_the_menu_is_one_row(
    server: str, page: Any, path: str
) -> None:
    _ensure_episode(server)
    page.set_viewport_size(PHONE)
    page.goto(f"{server}{path}")
    targets = page.evaluate(TAP_TARGETS)
    assert any(t["text"] == "999" for t in targets)
    small = [t for t in targets if t["width"] < 44 or t["height"] < 44]
    assert small == [], small
    menu = page.evaluate("() => [...document.querySelectorAll('nav a')].map((a) => a.offsetTop)")
    assert len(set(menu)) == 1, menu  # one row: a second cost every page 60 px at 360 px


def test_the_json_api_link_is_for_a_wide_screen_not_a_phone(server: str, page: Any) -> None:
    api = 'footer.site a[href="/api/v1/openapi.json"]'
    page.set_viewport_size(PHONE)
    page.goto(f"{server}/")
    assert page.locator(api).count() == 1
    assert not page.locator(api).is_visible()  # a person on a phone has no use for it
    page.set_viewport_size(DESKTOP)
    assert page.locator(api).is_visible()
