"""The HTML pages: the one-question-at-a-time assessment, the diary pages and the coach page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.web_support import (
    hidden_fields,
    start_episode,
    typical_answer,
    walk_assessment,
    web_client,
)

from backcare import Engine


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with web_client(engine) as client:
        yield client


def _post_answer(client: TestClient, page: str, *values: str, action: str = "answer") -> str:
    response = client.post(
        "/assess", data={**hidden_fields(page), "value": list(values), "action": action}
    )
    return response.text


def test_the_first_question_is_the_most_dangerous_one(client: TestClient) -> None:
    page = client.get("/assess").text
    assert hidden_fields(page)["key"] == "red_flags.saddle_numbness"
    assert "<legend><h1>" in page
    assert "safety question" in page


def test_a_typical_assessment_ends_with_a_complete_self_care_plan(client: TestClient) -> None:
    page, asked = walk_assessment(client)
    assert asked[0] == "red_flags.saddle_numbness"
    assert 'class="level level-self_care"' in page
    assert "We can&#39;t tell yet" not in page
    assert 'class="incomplete"' not in page
    assert "Today&#39;s schedule" in page or "Today's schedule" in page
    assert 'id="src-' in page  # the plan's sources are listed
    assert 'action="/diary/start"' in page


def test_an_emergency_answer_stops_the_questions_at_once(client: TestClient) -> None:
    page = _post_answer(client, client.get("/assess").text, "yes")
    assert "Get emergency help now" in page
    assert 'href="tel:999"' in page
    assert 'name="key"' not in page  # no further question


def test_skipped_questions_stay_unanswered_and_the_result_is_incomplete(
    client: TestClient,
) -> None:
    page, asked = walk_assessment(
        client, lambda key: None if key == "red_flags.fever" else typical_answer(key)
    )
    assert asked.count("red_flags.fever") == 1  # never asked again
    # A neutral state, never the green self-care verdict.
    assert 'class="level level-incomplete"' in page
    assert "level-self_care" not in page
    assert "We can&#39;t tell yet: 1 safety question unanswered" in page
    fever = re.search(r'<section class="incomplete".*?</section>', page, re.S)
    assert fever is not None
    assert "high temperature" in fever.group(0)  # the question itself, not its key
    assert ">red_flags.fever<" not in fever.group(0)


def test_an_incomplete_result_leads_back_to_the_first_unanswered_question(
    client: TestClient,
) -> None:
    page, _ = walk_assessment(
        client, lambda key: None if key == "red_flags.fever" else typical_answer(key)
    )
    box = re.search(r'<section class="incomplete".*?</section>', page, re.S)
    assert box is not None
    fields = hidden_fields(box.group(0))
    button = re.search(r'<button type="submit" name="key" value="([^"]+)"', box.group(0))
    assert button is not None
    assert fields["action"] == "resume"
    response = client.post("/assess", data={**fields, "key": button.group(1)})
    assert response.status_code == 200
    assert hidden_fields(response.text)["key"] == "red_flags.fever"
    # Answering it (and skipping the optional questions again) gives a complete verdict.
    done = _post_answer(client, response.text, "no")
    while "key" in hidden_fields(done):
        key = hidden_fields(done)["key"]
        value = typical_answer(key)
        done = _post_answer(client, done, *(value or []), action="answer" if value else "skip")
    assert 'class="level level-self_care"' in done
    assert 'class="incomplete"' not in done


@pytest.mark.parametrize(
    ("key_answers", "value", "problem"),
    [
        pytest.param(1, "abc", "whole number", id="not-a-number"),
        pytest.param(1, "130", "less than or equal to 120", id="age-out-of-range"),
        pytest.param(0, "", "Yes or No", id="nothing-chosen"),
    ],
)
def test_a_bad_answer_shows_the_same_question_with_the_problem(
    client: TestClient, key_answers: int, value: str, problem: str
) -> None:
    page = client.get("/assess").text
    if key_answers:
        # Answer "no" until the age question.
        while hidden_fields(page)["key"] != "age":
            key = hidden_fields(page)["key"]
            page = _post_answer(client, page, *(typical_answer(key) or ["no"]))
    key = hidden_fields(page)["key"]
    response = client.post("/assess", data={**hidden_fields(page), "value": value})
    assert response.status_code == 422
    assert hidden_fields(response.text)["key"] == key
    assert problem in response.text


def test_none_of_these_cannot_go_with_other_conditions(client: TestClient) -> None:
    page = client.get("/assess").text
    while hidden_fields(page)["key"] != "conditions":
        key = hidden_fields(page)["key"]
        page = _post_answer(client, page, *(typical_answer(key) or ["no"]))
    response = client.post("/assess", data={**hidden_fields(page), "value": ["none", "pregnant"]})
    assert response.status_code == 422
    assert "cannot go with other choices" in response.text


def test_starting_the_diary_from_the_result_shows_todays_plan(client: TestClient) -> None:
    page, _ = walk_assessment(client)
    fields = hidden_fields(page)
    response = client.post(
        "/diary/start", data={"csrf_token": fields["csrf_token"], "state": fields["state"]}
    )
    assert response.status_code == 200
    assert str(response.url).endswith("/today")
    assert 'class="schedule"' in response.text
    episode = client.get("/api/v1/diary/episodes").json()["episodes"][0]
    assert episode["answers"]["age"] == 35


@pytest.mark.parametrize("path", ["/today", "/coach", "/diary", "/diary/check-in"])
def test_diary_pages_before_any_episode_point_to_the_assessment(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "Nothing here yet" in response.text
    assert 'href="/assess"' in response.text


def _checkin(client: TestClient, **fields: object) -> tuple[int, str]:
    token = hidden_fields(client.get("/diary/check-in").text)["csrf_token"]
    response = client.post("/diary/check-in", data={"csrf_token": token, **fields})
    return response.status_code, response.text


def test_a_check_in_is_saved_and_compared_with_the_baseline(client: TestClient) -> None:
    start_episode(client)
    status, page = _checkin(client, pain="3", actions=["ice", "walk"], note="walked twice")
    assert status == 201
    assert "Check-in saved" in page
    assert "Pain 6 → 3" in page
    checkins = client.get("/api/v1/diary/history").json()["checkins"]
    assert checkins[0]["pain"] == 3
    assert [a["action"] for a in checkins[0]["actions"]] == ["ice", "walk"]


def test_diary_pages_of_an_incomplete_episode_never_show_a_self_care_verdict(
    client: TestClient,
) -> None:
    start_episode(client)  # age, trigger and pain only: the safety questions are open
    status, checkin = _checkin(client, pain="5")
    assert status == 201
    pages = {
        "check-in": checkin,
        "today": client.get("/today").text,
        "diary": client.get("/diary").text,
    }
    for name, page in pages.items():
        assert "We can&#39;t tell yet:" in page, name
        assert "level-self_care" not in page, name
        assert "Carry on with self-care" not in page, name
        box = re.search(r'<section class="incomplete".*?</section>', page, re.S)
        assert box is not None, name
        assert "genitals" in box.group(0), name  # the question itself, first
        assert 'href="/diary/check-in"' in box.group(0), name


def test_a_check_in_without_pain_shows_the_form_again(client: TestClient) -> None:
    start_episode(client)
    status, page = _checkin(client, note="forgot")
    assert status == 422
    assert 'role="alert"' in page
    assert "choose a score" in page
    assert "forgot" in page  # what was typed is kept


def test_a_new_red_flag_at_check_in_shows_the_emergency(client: TestClient) -> None:
    start_episode(client)
    status, page = _checkin(client, pain="6", flags=["red_flags.bladder_or_bowel_change"])
    assert status == 201
    assert "Get emergency help now" in page


def test_a_dose_over_the_limit_is_refused_then_recorded_with_an_override(
    client: TestClient,
) -> None:
    start_episode(client)
    dose = {"pain": "5", "dose_drug": "ibuprofen", "dose_mg": "400"}
    assert _checkin(client, **dose)[0] == 201
    status, page = _checkin(client, **dose)
    assert status == 409
    assert 'name="override"' in page
    status, page = _checkin(client, **dose, override="yes")
    assert status == 201
    assert "recorded over a limit" in page


def test_a_dose_time_is_read_as_a_clock_time(client: TestClient) -> None:
    start_episode(client, hours_since_onset=48)
    status, _ = _checkin(
        client, pain="5", dose_drug="paracetamol", dose_mg="500", dose_time="00:01"
    )
    assert status == 201
    dose = client.get("/api/v1/diary/history").json()["doses"][0]
    assert dose["drug"] == "paracetamol"


def test_the_diary_page_draws_the_pain_chart_of_the_history_twin(client: TestClient) -> None:
    start_episode(client)
    for pain in ("5", "4", "2"):
        assert _checkin(client, pain=pain)[0] == 201
    page = client.get("/diary").text
    twin = client.get("/api/v1/diary/history").json()
    svg = re.search(r"<svg.*?</svg>", page, re.S)
    assert svg is not None
    assert svg.group(0).count('class="pain-point"') == len(twin["checkins"]) == 3
    assert 'class="baseline"' in svg.group(0)
    for line in twin["trend"]["lines"]:
        assert line.replace("'", "&#39;") in page


def test_closing_the_episode_from_the_diary_page(client: TestClient) -> None:
    start_episode(client)
    token = hidden_fields(client.get("/diary").text)["csrf_token"]
    response = client.post("/diary/resolve", data={"csrf_token": token, "summary": "gone"})
    assert response.status_code == 200
    assert "Resolved" in response.text
    assert client.get("/api/v1/diary/episodes").json()["episodes"][0]["summary"] == "gone"
    assert "Nothing here yet" in client.get("/diary/check-in").text


def test_the_coach_page_loads_its_timeline_from_its_twin(client: TestClient) -> None:
    start_episode(client)
    page = client.get("/coach?speed=20").text
    url = re.search(r'data-plan-url="([^"]+)"', page)
    assert url is not None
    assert 'data-speed="20"' in page
    assert '<script src="/static/coach.js" defer></script>' in page
    twin = client.get(url.group(1).replace("&amp;", "&")).json()
    for exercise in twin["exercises"]:
        assert exercise["name"].replace("'", "&#39;") in page


def test_the_coach_speed_is_bounded(client: TestClient) -> None:
    start_episode(client)
    assert client.get("/coach?speed=1000").status_code == 422


def test_the_export_page_links_the_downloads(client: TestClient) -> None:
    episode = start_episode(client)["episode"]
    page = client.get("/export").text
    assert f'href="/api/v1/diary/episodes/{episode["id"]}/calendar.ics"' in page
    assert f'href="/api/v1/diary/episodes/{episode["id"]}/fhir"' in page
    assert 'href="/api/v1/diary/export?format=json"' in page
    assert 'href="/api/v1/diary/export?format=csv"' in page
    assert "backcare import FILE" in page
    assert "backcare diary import" not in page
    assert "Share with my doctor" in page
    # No check-in yet: nothing to report, so no link that would only fail.
    assert "/report?format=pdf" not in page
    checked = client.post("/api/v1/diary/check-ins", json={"pain": 5})
    assert checked.status_code == 201, checked.text
    page = client.get("/export").text
    assert f'href="/api/v1/diary/episodes/{episode["id"]}/report?format=pdf"' in page


@pytest.mark.parametrize("path", ["/", "/assess", "/export", "/today", "/diary"])
def test_pages_have_a_language_a_title_one_h1_and_a_main_landmark(
    client: TestClient, path: str
) -> None:
    start_episode(client)
    page = client.get(path).text
    assert '<html lang="en">' in page
    assert re.search(r"<title>[^<]+</title>", page)
    assert page.count("<h1") == 1
    assert '<main id="main"' in page
    assert 'name="viewport"' in page


def test_the_assessment_page_weighs_under_100_kb(client: TestClient) -> None:
    page = client.get("/assess")
    total = len(page.content)
    assets = re.findall(
        r'<(?:link rel="stylesheet"|script) (?:href|src)="(/static/[^"]+)"', page.text
    )
    assert assets  # the stylesheet at least
    for asset in assets:
        total += len(client.get(asset).content)
    assert total < 100 * 1024, total
