"""A diary's open safety questions answered where they are, without the whole assessment again.

"Answer the safety questions" (home) and the "We can't tell yet" box (today, diary, a saved
check-in) open pages of just the open questions, pre-filled from the diary's answers, and
end by saving the new answers to the running episode: nothing answered is asked again or
turned into "no", and an emergency answer stops at once and is recorded.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.web_support import hidden_fields, page_form, page_questions, start_episode, web_client

from backcare import Engine
from backcare.rules.assessor import default_engine

#: What the episodes below start with (answered), and so must never be asked again.
_GIVEN = {"age": 35, "sex": "female", "trigger": "lifting", "pain": 6, "hours_since_onset": 5}


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with web_client(engine) as client:
        yield client


def _all_but(*open_flags: str) -> dict[str, dict[str, bool]]:
    """Every safety question answered "no" except ``open_flags`` (left unanswered)."""
    answers: dict[str, dict[str, bool]] = {"red_flags": {}, "history": {}}
    for key in default_engine().assess(_GIVEN).triage.missing:
        group, _, name = key.partition(".")
        if key not in open_flags:
            answers[group][name] = False
    return answers


def _text(client: TestClient, address: str) -> str:
    return html.unescape(client.get(address).text)


def _open_questions(client: TestClient) -> str:
    """Follow the home page's main button; the first page of the open questions."""
    home = client.get("/").text
    found = re.search(r'<p class="home-main"><a class="button primary" href="([^"]+)">', home)
    assert found is not None, home
    assert found.group(1) == "/diary/safety-questions"
    response = client.get(found.group(1))
    assert response.history
    assert response.history[0].status_code == 303
    return response.text


def _answer(client: TestClient, page: str, answers: dict[str, list[str]]) -> str:
    response = client.post("/assess", data=page_form(page, lambda key: answers.get(key)))
    assert response.status_code == 200, response.text
    return response.text


def test_the_link_asks_only_the_open_questions(client: TestClient) -> None:
    start_episode(client, **_GIVEN, **_all_but("red_flags.fever", "red_flags.saddle_numbness"))
    asked: list[str] = []
    page = _open_questions(client)
    while "page" in hidden_fields(page):
        keys = page_questions(page)
        asked += keys
        page = _answer(client, page, {k: ["no"] for k in keys})
    assert asked == ["red_flags.saddle_numbness", "red_flags.fever"]  # most dangerous first
    assert "Save in my diary" in page


def test_answering_the_open_questions_no_updates_the_diary(client: TestClient) -> None:
    start_episode(client, **_GIVEN, **_all_but("red_flags.fever", "history.cancer"))
    assert "We can't tell yet" in _text(client, "/today")
    page = _open_questions(client)
    while "page" in hidden_fields(page):
        page = _answer(client, page, {k: ["no"] for k in page_questions(page)})
    fields = hidden_fields(page)
    saved = client.post(
        "/diary/safety-answers", data={"csrf_token": fields["csrf_token"], "state": fields["state"]}
    )
    assert saved.status_code == 201, saved.text
    again = client.post(  # a second tap on Save: the questions are answered, nothing to add
        "/diary/safety-answers",
        data={"csrf_token": fields["csrf_token"], "state": fields["state"]},
        follow_redirects=False,
    )
    assert again.status_code == 303
    for address in ("/", "/today", "/diary"):
        assert "We can't tell yet" not in _text(client, address), address
    episode = client.get("/api/v1/diary/history").json()
    assert len(episode["checkins"]) == 1  # one check-in, the episode kept (not a new one)
    episodes = client.get("/api/v1/diary/episodes").json()["episodes"]
    assert [e["status"] for e in episodes] == ["active"]


def test_an_emergency_answer_stops_at_once_and_is_recorded(client: TestClient) -> None:
    start_episode(
        client, **_GIVEN, **_all_but("red_flags.bladder_or_bowel_change", "red_flags.fever")
    )
    page = _open_questions(client)
    assert page_questions(page) == ["red_flags.bladder_or_bowel_change"]
    page = _answer(client, page, {"red_flags.bladder_or_bowel_change": ["yes"]})
    assert 'class="emergency"' in page
    assert "Call 999" in page
    home = client.get("/").text
    assert 'href="tel:999"' in home  # the diary says to call now
    history = client.get("/api/v1/diary/history").json()
    assert history["checkins"][-1]["triage_level"] == "emergency"


def test_answered_questions_are_kept_and_not_sure_stays_open(client: TestClient) -> None:
    # A "yes" to a see-a-doctor sign and a "no" given at the start are never asked again
    # or changed; a "Not sure" is saved as nothing, so the question stays open.
    answers = _all_but("red_flags.fever", "red_flags.unexplained_weight_loss")
    answers["red_flags"]["night_or_rest_pain"] = True
    start_episode(client, **_GIVEN, **answers)
    assert 'href="/diary/safety-questions"' in client.get("/today").text
    page = client.get("/diary/safety-questions").text
    assert page_questions(page) == ["red_flags.fever", "red_flags.unexplained_weight_loss"]
    page = _answer(
        client, page, {"red_flags.fever": ["no"], "red_flags.unexplained_weight_loss": None}
    )
    fields = hidden_fields(page)
    saved = client.post(
        "/diary/safety-answers", data={"csrf_token": fields["csrf_token"], "state": fields["state"]}
    )
    assert saved.status_code == 201
    update = client.get("/api/v1/diary/history").json()["checkins"][-1]["answers_update"]
    assert update == {"red_flags": {"fever": False}}
    today = _text(client, "/today")
    assert "We can't tell yet: 1 safety question unanswered" in today
    assert "weight" in today.split('class="incomplete"')[1].split("</section>")[0]
    assert "night_or_rest_pain" not in str(update)  # the start's "yes" kept, not re-sent


@pytest.mark.parametrize(
    "address",
    [pytest.param("/today", id="today"), pytest.param("/diary", id="diary")],
)
def test_the_cant_tell_yet_box_links_to_the_open_questions(
    client: TestClient, address: str
) -> None:
    start_episode(client, **_GIVEN)
    page = client.get(address).text
    assert 'href="/diary/safety-questions"' in page
    assert 'href="/assess">Answer them in an assessment' not in page


def test_without_an_active_episode_the_link_goes_home(client: TestClient) -> None:
    response = client.get("/diary/safety-questions", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
