"""Episodes without dead ends: the home page's states and the second-assessment choice.

The web pages and their JSON twin: starting an assessment's diary while an episode is
active asks what to do (update it, close it and start anew, or cancel) instead of
ending on an error; a closed episode's plan is never shown as today's; the home page
says where the person stands and the one thing to do next.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web_support import hidden_fields, start_episode, walk_assessment, web_client

from backcare import Engine


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with web_client(engine) as client:
        yield client


def _main_button(page: str) -> str:
    found = re.search(r'<p class="home-main"><a class="button primary" href="([^"]+)">', page)
    assert found is not None, page
    return found.group(1)


def _token(client: TestClient) -> str:
    return hidden_fields(client.get("/diary/check-in").text)["csrf_token"]


def _checkin(client: TestClient, **fields: object) -> str:
    response = client.post("/diary/check-in", data={"csrf_token": _token(client), **fields})
    assert response.status_code == 201, response.text
    return response.text


def _resolve(client: TestClient) -> None:
    token = hidden_fields(client.get("/diary").text)["csrf_token"]
    assert client.post("/diary/resolve", data={"csrf_token": token}).status_code == 200


def _complete_episode(client: TestClient) -> None:
    """An episode started from a whole assessment (every safety question answered)."""
    page, _ = walk_assessment(client)
    fields = hidden_fields(page)
    response = client.post(
        "/diary/start", data={"csrf_token": fields["csrf_token"], "state": fields["state"]}
    )
    assert response.status_code == 200
    assert response.url.path == "/today"


# --- the home page ------------------------------------------------------------------------


def test_home_without_an_episode_starts_the_assessment(client: TestClient) -> None:
    page = client.get("/").text
    assert "Back muscle spasm: what to do now" in page
    first = page.index('href="/assess"')
    assert first < page.index('class="lead"')  # the button before the explanation


def test_home_with_an_incomplete_episode_asks_the_safety_questions_first(
    client: TestClient,
) -> None:
    start_episode(client)  # age, trigger and pain only
    page = client.get("/").text
    assert "Day 1 of your back spasm" in page
    # A check-in only ticks signs that are present: "no" is answered on pages of just the
    # open questions, saved to the running diary.
    assert _main_button(page) == "/diary/safety-questions"
    assert "Answer the safety questions" in page
    assert "level-self_care" not in page
    assert "No check-in yet" in page
    assert '<a href="/diary/check-in">Check in</a>' in page  # still one tap away


def test_home_leads_to_the_check_in_then_to_the_coach(client: TestClient) -> None:
    _complete_episode(client)
    page = client.get("/").text
    assert _main_button(page) == "/diary/check-in"
    assert "Check in: how is it today?" in page
    assert re.search(r"Phase: <strong>[A-Z]", page)
    assert re.search(r'<h2 id="due-title">(Now|Next at|Nothing more planned today)', page)
    _checkin(client, pain="4")
    page = client.get("/").text
    assert _main_button(page) == "/coach"
    assert "pain 4 out of 10" in page


def test_home_of_an_escalated_episode_says_call_now(client: TestClient) -> None:
    _complete_episode(client)
    _checkin(client, pain="7", flags=["red_flags.bladder_or_bowel_change"])
    page = client.get("/").text
    assert 'class="emergency"' in page
    assert 'href="tel:999"' in page
    assert "Call 999 now" in page
    # An emergency stops the self-care plan: no schedule and no coach on the page.
    assert "due-title" not in page
    assert 'href="/coach"' not in page.split("</main>")[0].split('<main id="main"')[1]


def test_after_closing_an_escalated_episode_home_and_today_show_no_plan(
    client: TestClient,
) -> None:
    _complete_episode(client)
    _checkin(client, pain="7", flags=["red_flags.bladder_or_bowel_change"])
    _resolve(client)
    today = client.get("/today")
    assert today.history
    assert today.history[0].status_code == 303
    assert str(today.url).endswith("/")
    for page in (today.text, client.get("/").text):
        assert "Call 999" not in page
        assert "Your last back spasm is closed" in page
        assert "1 check-in" in page
        assert "Pain 6 at the start, 7 at the last check-in" in page
        assert 'href="/assess"' in page


# --- the second assessment ----------------------------------------------------------------


def _second_result(client: TestClient, pain: str = "3") -> dict[str, str]:
    """A second whole assessment, with pain ``pain``: its result page's form fields."""

    def answer(key: str) -> list[str] | None:
        from tests.web_support import typical_answer

        return [pain] if key == "pain" else typical_answer(key)

    page, _ = walk_assessment(client, answer)
    return hidden_fields(page)


def _start(client: TestClient, fields: dict[str, str], choice: str | None = None) -> Any:
    data = {"csrf_token": fields["csrf_token"], "state": fields["state"]}
    if choice:
        data["choice"] = choice
    return client.post("/diary/start", data=data)


def test_a_second_assessment_offers_a_choice_instead_of_an_error(client: TestClient) -> None:
    _complete_episode(client)
    fields = _second_result(client)
    response = _start(client, fields)
    assert response.status_code == 200  # a question, not an error
    page = response.text
    assert "You already have a diary running" in page
    assert "Error" not in page
    assert page.count('action="/diary/start"') == 2
    assert 'name="choice" value="update"' in page
    assert 'name="choice" value="close"' in page
    cancel = re.search(r'href="(/assess/result\?s=[^"]+)">Cancel', page)
    assert cancel is not None
    back = client.get(cancel.group(1).replace("&amp;", "&"))
    assert back.status_code == 200
    assert 'action="/diary/start"' in back.text  # the same result, still to choose from
    # Shown in answer to a post: its history entry moves to the result, so a reload or
    # Back and Forward show the result again instead of offering to resend the form.
    assert f'src="/static/settle.js" data-url="{cancel.group(1)}"' in page
    assert len(client.get("/api/v1/diary/episodes").json()["episodes"]) == 1


def test_update_adds_the_answers_to_the_current_episode_as_a_check_in(
    client: TestClient,
) -> None:
    _complete_episode(client)
    response = _start(client, _second_result(client, pain="3"), "update")
    assert response.status_code == 201
    assert "Check-in saved" in response.text
    assert 'src="/static/settle.js" data-url="/diary"' in response.text
    episodes = client.get("/api/v1/diary/episodes").json()["episodes"]
    assert [e["status"] for e in episodes] == ["active"]
    checkins = client.get("/api/v1/diary/history").json()["checkins"]
    assert [c["pain"] for c in checkins] == [3]
    assert checkins[0]["note"] == "Answers updated from a new assessment."


def test_close_ends_the_current_episode_and_starts_a_new_one(client: TestClient) -> None:
    _complete_episode(client)
    response = _start(client, _second_result(client), "close")
    assert response.url.path == "/today"
    episodes = client.get("/api/v1/diary/episodes").json()["episodes"]
    assert [e["status"] for e in episodes] == ["resolved", "active"]
    assert episodes[0]["summary"]  # backcare wrote one
    assert episodes[1]["answers"]["pain"] == 3


def test_update_needs_a_pain_score(client: TestClient) -> None:
    _complete_episode(client)

    def no_pain(key: str) -> list[str] | None:
        from tests.web_support import typical_answer

        return None if key == "pain" else typical_answer(key)

    page, _ = walk_assessment(client, no_pain)
    choice = _start(client, hidden_fields(page)).text
    assert re.search(r'<button type="submit" disabled>Update my current diary</button>', choice)
    assert "how bad the pain is now" in choice


# --- the JSON twin ------------------------------------------------------------------------


def test_the_api_names_the_choice_in_its_conflict(client: TestClient) -> None:
    first = start_episode(client)["episode"]
    response = client.post("/api/v1/diary/episodes", json={"answers": {"pain": 4}})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict"  # as before the choice existed
    assert error["problems"][0]["field"] == "if_active"
    assert "'update'" in error["problems"][0]["problem"]
    assert "'close'" in error["problems"][0]["problem"]
    assert f"episode {first['id']}" in error["message"]


def test_the_api_updates_or_closes_the_active_episode_when_asked(client: TestClient) -> None:
    start_episode(client)
    updated = client.post(
        "/api/v1/diary/episodes?if_active=update",
        json={"answers": {"pain": 4, "red_flags": {"fever": False}}},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["checkin"]["pain"] == 4
    assert len(client.get("/api/v1/diary/episodes").json()["episodes"]) == 1
    closed = client.post("/api/v1/diary/episodes?if_active=close", json={"answers": {"pain": 2}})
    assert closed.status_code == 201, closed.text
    statuses = [e["status"] for e in client.get("/api/v1/diary/episodes").json()["episodes"]]
    assert statuses == ["resolved", "active"]


def test_the_api_refuses_an_unknown_choice(client: TestClient) -> None:
    response = client.post("/api/v1/diary/episodes?if_active=merge", json={"answers": {}})
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["field"] == "if_active"


def test_a_coach_session_shows_in_the_diary_and_moves_home_past_the_coach(
    client: TestClient,
) -> None:
    from datetime import datetime

    from tests.factories import add_coach_session

    _complete_episode(client)
    _checkin(client, pain="4")
    assert _main_button(client.get("/").text) == "/coach"
    diary = client.app.state.backcare.diary()  # type: ignore[attr-defined]
    now = datetime.now().astimezone()
    # The session (6 minutes long) must begin today, even just after midnight.
    now = max(now, now.replace(hour=0, minute=7, second=0, microsecond=0))
    add_coach_session(diary.store, now=now, left=2)
    page = client.get("/diary").text
    section = re.search(r'<section aria-labelledby="sessions-title">.*?</section>', page, re.S)
    assert section is not None
    assert "5 holds done" in section.group(0)  # 2 left + 3 right
    assert "pain 5 before, 4 after" in section.group(0)
    home = client.get("/").text
    assert "Exercise sessions today: 1" in home
    assert _main_button(home) == "/today"


# --- the one button that matters ----------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "checked_today", "sessions", "kind", "href"),
    [
        pytest.param(
            {"red_flags__bladder_or_bowel_change": True}, True, 1, "call", "tel:999", id="emergency"
        ),
        pytest.param({"red_flags__fever": True}, True, 1, "help", "/today", id="urgent"),
        pytest.param(
            None, False, 0, "assess", "/diary/safety-questions", id="safety-questions-open"
        ),
        pytest.param({}, False, 0, "checkin", "/diary/check-in", id="no-check-in-today"),
        pytest.param({}, True, 0, "coach", "/coach", id="checked-in-exercises-to-do"),
        pytest.param({}, True, 1, "today", "/today", id="all-done-today"),
    ],
)
def test_the_main_button_puts_help_first_then_the_check_in_then_the_coach(
    engine: Engine,
    answers: dict[str, Any] | None,
    checked_today: bool,
    sessions: int,
    kind: str,
    href: str,
) -> None:
    from tests.factories import all_no

    from backcare.web.home import main_action

    given = {"age": 35, "pain": 5} if answers is None else all_no(**answers)
    assessment = engine.assess(given)
    action = main_action(
        assessment, checked_today=checked_today, sessions_today=sessions, emergency_number="999"
    )
    assert (action.kind, action.href) == (kind, href)
