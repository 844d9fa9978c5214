"""The web coach in a real browser: its drawings, spoken cues, wake lock, Skip and Repeat.

Speech synthesis and the Screen Wake Lock API are replaced, before the page loads, by
stubs that record what the page asked for (``window.__spoken``, ``window.__wakeLog``): a
headless browser has neither a voice nor a screen to keep awake. The clock runs 20 times
faster (``?speed=20``), so a four-minute session takes about ten seconds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.test_browser import DESKTOP, PHONE, _axe_violations, _ensure_episode

pytestmark = pytest.mark.slow

STUBS = """
window.__spoken = [];
window.__wakeLog = [];
Object.defineProperty(window, "speechSynthesis", {
  configurable: true,
  value: {
    speak(words) { window.__spoken.push(words.text); },
    cancel() {},
    getVoices() { return []; },
  },
});
Object.defineProperty(Navigator.prototype, "wakeLock", {
  configurable: true,
  get() {
    return {
      request(type) {
        window.__wakeLog.push("request:" + type);
        return Promise.resolve({
          // The browser's own release (the page was hidden), for the test to trigger.
          addEventListener(type, handler) { window.__dropWakeLock = handler; },
          release() { window.__wakeLog.push("release"); return Promise.resolve(); },
        });
      },
    };
  },
});
"""
# Pause the moment the timeline enters a hold: a click from the test would come too late
# at 20 times speed.
PAUSE_AT_HOLD = """() => new Promise((resolve) => {
  const coach = document.getElementById("coach");
  const watch = new MutationObserver(() => {
    if (coach.dataset.phase === "hold") {
      watch.disconnect();
      document.getElementById("coach-pause").click();
      resolve(coach.dataset.segment);
    }
  });
  watch.observe(coach, {attributes: true});
})"""
REPEAT_AND_READ = """() => {
  document.getElementById("coach-repeat").click();
  const coach = document.getElementById("coach");
  return [coach.dataset.segment, coach.dataset.phase];
}"""
HELD_POSE_SHOWN = """() => {
  const pose = document.querySelector('.coach-figure:not([hidden]) .drawing-motion .pose-end');
  return getComputedStyle(pose).opacity === "1";
}"""


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("BACKCARE_SCREENSHOTS")
    return Path(folder) if folder else tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def coach_page(server: str, page: Any) -> Any:
    _ensure_episode(server)
    page.add_init_script(STUBS)
    page.goto(f"{server}/coach?speed=20")
    page.wait_for_selector('#coach[data-state="ready"]')
    return page


def _first_segment(plan: dict[str, Any], exercise: int) -> int:
    return next(i for i, s in enumerate(plan["segments"]) if s["exercise_index"] == exercise)


def _box(element: Any) -> dict[str, float]:
    box: dict[str, float] = element.bounding_box()
    return box


def _no_overflow(page: Any, label: str) -> None:
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= size["width"], f"{label} scrolls sideways at {size['width']}px: {width}px"
        assert _axe_violations(page) == [], f"{label} at {size['width']}px"
    page.set_viewport_size(PHONE)


@pytest.mark.parametrize(
    "viewport", [pytest.param(PHONE, id="phone-360"), pytest.param(DESKTOP, id="desktop")]
)
def test_a_whole_session_shows_speaks_skips_repeats_and_is_saved(
    server: str, coach_page: Any, shots: Path, viewport: dict[str, int]
) -> None:
    page = coach_page
    page.set_viewport_size(viewport)
    plan = httpx.get(f"{server}/api/v1/coach/plan").json()
    exercises = plan["exercises"]
    assert len(exercises) >= 2
    figure = page.locator('.coach-figure:not([hidden]) [role="img"]').first
    assert figure.get_attribute("aria-label") == exercises[0]["drawing_alt"]
    assert page.locator(".coach-figure:not([hidden]) .drawing-motion svg .pose-end").count() == 1
    assert not page.evaluate(HELD_POSE_SHOWN)  # the start position until a hold begins

    page.get_by_role("button", name="Start").click()
    held_segment = page.evaluate(PAUSE_AT_HOLD)
    assert plan["segments"][int(held_segment)]["kind"] == "hold"
    assert page.get_by_role("button", name="Start").is_disabled()
    # Into the held position while paused in a hold (the CSS transition runs to its end).
    page.wait_for_function(HELD_POSE_SHOWN)
    page.evaluate("() => document.getElementById('coach').scrollIntoView()")
    label = "360" if viewport is PHONE else "desktop"
    page.screenshot(path=str(shots / f"coach-running-{label}.png"))
    spoken = page.evaluate("() => window.__spoken")
    first_name = exercises[0]["name"].split(" (")[0]
    assert spoken[0].startswith(first_name), spoken
    # The hold's cue was said last: a tick late under load says "Hold." with the countdown's
    # first number due in the same tick ("Hold. 3"), never anything of a later segment.
    assert spoken[-1].split(" 3")[0].endswith("Hold."), spoken
    assert page.evaluate("() => window.__wakeLog") == ["request:screen", "release"]

    # Skip the rest of the first exercise while paused in its first hold (so no hold of it
    # is done): the second one's drawing and steps come up.
    page.get_by_role("button", name="Skip exercise").click()
    second = _first_segment(plan, 1)
    assert page.locator("#coach").get_attribute("data-segment") == str(second)
    assert page.locator("#coach-exercise").inner_text() == exercises[1]["name"]
    assert page.locator('.coach-figure[data-exercise="1"]').is_visible()
    assert page.locator('.coach-figure[data-exercise="0"]').is_hidden()
    steps = page.locator("#coach-steps li").all_inner_texts()
    assert steps == exercises[1]["steps"]

    # Buttons keep their size when Resume becomes Pause; the screen is kept awake again.
    pause = page.locator("#coach-pause")
    assert pause.inner_text() == "Resume"
    boxes = page.locator(".coach-controls button")
    paused = [(b["x"], b["width"], b["height"]) for b in map(_box, boxes.all())]
    page.get_by_role("button", name="Resume").click()
    assert pause.inner_text() == "Pause"
    # Same place across and same size (the text above may change height as the timer runs).
    assert [(b["x"], b["width"], b["height"]) for b in map(_box, boxes.all())] == paused
    page.wait_for_function("() => window.__wakeLog.length === 3")

    # Repeat the second exercise once it is under way: back to its lead-in.
    under_way = f"() => Number(document.getElementById('coach').dataset.segment) > {second}"
    page.wait_for_function(under_way)
    # Read the timeline in the same task as the click: at 20 times speed the lead-in is over
    # in a quarter of a second.
    repeated = page.evaluate(REPEAT_AND_READ)
    assert repeated == [str(second), "lead_in"]

    page.wait_for_selector('#coach[data-state="done"]', timeout=30_000)
    spoken = page.evaluate("() => window.__spoken")
    assert spoken[-1] == plan["closing_cue"]
    assert "Relax." in spoken
    assert page.evaluate("() => window.__wakeLog")[-1] == "release"
    assert page.get_by_role("button", name="Start again").is_enabled()

    page.select_option("#symptom", index=1)  # the longest labels: must not run off the card
    _no_overflow(page, "the finished coach")
    page.select_option("#symptom", "")
    page.get_by_role("button", name="Save the session").click()
    page.wait_for_selector('#coach[data-saved="yes"]')
    rest_of_plan = sum(e["reps"] * (2 if e["sides"] == "each" else 1) for e in exercises[1:])
    assert page.inner_text("#coach-result") == f"Saved: {rest_of_plan} holds done."

    # The saved session is in the diary page and in the clinician report.
    page.goto(f"{server}/diary")
    sessions = page.locator('section[aria-labelledby="sessions-title"] li')
    assert f"{rest_of_plan} holds done" in sessions.first.inner_text()
    _no_overflow(page, "the diary with its sessions")
    episode = httpx.get(f"{server}/api/v1/diary/history").json()["episode"]["id"]
    checked = httpx.post(f"{server}/api/v1/diary/check-ins", json={"pain": 4})
    assert checked.status_code == 201, checked.text  # the report needs a check-in
    report = httpx.get(f"{server}/api/v1/diary/episodes/{episode}/export?format=html").text
    assert "Exercise coach sessions" in report
    assert "No exercise coach sessions" not in report


def test_stopping_early_speaks_the_stop_and_leaves_no_overflow(
    server: str, coach_page: Any
) -> None:
    page = coach_page
    plan = httpx.get(f"{server}/api/v1/coach/plan").json()
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="Stop").click()
    page.wait_for_selector('#coach[data-state="done"]')
    assert page.evaluate("() => window.__spoken")[-1] == plan["stopped_cue"]
    assert page.evaluate("() => window.__wakeLog")[-1] == "release"
    assert page.locator("#coach-after").is_visible()
    _no_overflow(page, "the stopped coach")


def test_the_voice_switch_is_remembered_and_silences_the_cues(server: str, coach_page: Any) -> None:
    page = coach_page
    page.get_by_label("Speak the steps").uncheck()
    page.reload()
    page.wait_for_selector('#coach[data-state="ready"]')
    assert not page.get_by_label("Speak the steps").is_checked()
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector('#coach[data-phase="hold"]')
    page.get_by_role("button", name="Stop").click()
    assert page.evaluate("() => window.__spoken") == []
    page.get_by_label("Speak the steps").check()  # leave the profile as it was


def test_reduced_motion_shows_both_positions_still(server: str, coach_page: Any) -> None:
    page = coach_page
    page.emulate_media(reduced_motion="reduce")
    shown = page.locator(".coach-figure:not([hidden])")
    assert shown.locator(".drawing-motion").is_hidden()
    still = shown.locator(".drawing-still")
    assert still.is_visible()
    assert still.locator("svg.pose-start").is_visible()
    assert still.locator("svg.pose-end").is_visible()
    page.emulate_media(reduced_motion="no-preference")


def test_the_screen_is_kept_awake_again_when_the_page_comes_back(
    server: str, coach_page: Any
) -> None:
    page = coach_page
    page.get_by_role("button", name="Start").click()
    page.wait_for_function("() => window.__dropWakeLock !== undefined")
    page.evaluate("() => window.__dropWakeLock()")  # hidden: the browser let the lock go
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    assert page.evaluate("() => window.__wakeLog") == ["request:screen", "request:screen"]
    page.get_by_role("button", name="Stop").click()
    assert page.evaluate("() => window.__wakeLog")[-1] == "release"


def test_a_device_with_only_network_voices_stays_silent_and_says_why(
    server: str, page: Any
) -> None:
    _ensure_episode(server)
    page.add_init_script(STUBS)
    network_voice = '[{name: "Cloud", lang: "en-GB", localService: false, default: true}]'
    page.add_init_script(f"window.speechSynthesis.getVoices = () => {network_voice};")
    page.goto(f"{server}/coach?speed=20")
    page.wait_for_selector('#coach[data-state="ready"]')
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("#coach-voice-note:not([hidden])")
    assert "no offline voice" in page.inner_text("#coach-voice-note")
    page.get_by_role("button", name="Stop").click()
    assert page.evaluate("() => window.__spoken") == []
