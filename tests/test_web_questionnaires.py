"""Questionnaire pages and API: fill one item per page, Back, the result, the diary, errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backcare import Engine
from web_support import hidden_fields, web_client

ODI = [
    "pain_intensity",
    "personal_care",
    "lifting",
    "walking",
    "sitting",
    "standing",
    "sleeping",
    "sex_life",
    "social_life",
    "travelling",
]


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with web_client(engine) as opened:
        started = opened.post("/api/v1/diary/episodes", json={"answers": {"age": 40, "pain": 6}})
        assert started.status_code == 201
        yield opened


def _answer(client: TestClient, url: str, answer: str | None) -> Any:
    page = client.get(url)
    assert page.status_code == 200
    fields = hidden_fields(page.text)
    number = re.search(r"/(\d+)(?:\?|$)", url)
    assert number is not None
    action = url.split("?")[0]
    data = {"csrf_token": fields["csrf_token"], "state": fields["state"]}
    if answer is not None:
        data["answer"] = answer
    return client.post(action, data=data, follow_redirects=False)


def test_filling_the_oswestry_index_page_by_page_saves_and_scores_it(client: TestClient) -> None:
    intro = client.get("/questionnaires/odi")
    assert "Fill in your own licensed copy" in intro.text
    url = "/questionnaires/odi/1"
    scores = [2, 2, 2, 2, 2, 2, 1, None, 1, 2]
    for number, score in enumerate(scores, 1):
        page = client.get(url)
        assert f"Question {number} of 10" in page.text
        posted = _answer(client, url, "blank" if score is None else str(score))
        assert posted.status_code == 303
        url = posted.headers["location"]
    assert url.startswith("/questionnaires/results/")
    result = client.get(url).text
    assert "Moderate disability (21-40 %)" in result
    assert "35.6 %" in result
    assert "Fairbank JCT, Pynsent PB. The Oswestry Disability Index" in result
    diary = client.get("/diary").text
    assert "Oswestry Disability Index" in diary
    assert "Moderate disability" in diary
    (saved,) = client.get("/api/v1/diary/questionnaires").json()
    assert saved["scores"]["percent"] == pytest.approx(35.56, abs=0.01)
    assert "sex_life" not in saved["answers"]


def test_back_keeps_the_answers_given_so_far(client: TestClient) -> None:
    first = _answer(client, "/questionnaires/start_back/1", "agree")
    second_url = first.headers["location"]
    page = client.get(second_url).text
    back = re.search(r'<a class="back" href="([^"]+)"', page)
    assert back is not None
    previous = client.get(back.group(1).replace("&amp;", "&")).text
    assert re.search(r'value="agree" checked', previous)


def test_going_on_without_an_answer_says_so_in_words(client: TestClient) -> None:
    posted = _answer(client, "/questionnaires/rmdq/1", None)
    assert posted.status_code == 422
    assert "Please choose one answer to go on." in posted.text
    assert "Question 1 of 24" in posted.text
    # Its history entry becomes the item's own address: Back and Forward never resend it.
    assert '<script src="/static/settle.js" data-url="/questionnaires/rmdq/1"></script>' in (
        posted.text
    )


def test_the_questionnaire_list_is_linked_from_the_diary(client: TestClient) -> None:
    assert 'href="/questionnaires"' in client.get("/diary").text
    listing = client.get("/questionnaires").text
    for title in ("STarT Back Screening Tool", "Oswestry Disability Index", "Roland-Morris"):
        assert title in listing


@pytest.mark.parametrize(
    ("body", "status", "field", "words"),
    [
        pytest.param(
            {"questionnaire": "odi", "answers": {"walking": 7}},
            422,
            "walking",
            "'7' is not one of the answers",
            id="bad-answer",
        ),
        pytest.param(
            {"questionnaire": "start_back", "answers": {}},
            422,
            "item1",
            "please choose an answer",
            id="missing-item",
        ),
        pytest.param(
            {"questionnaire": "sf36", "answers": {}},
            404,
            "questionnaire",
            "choose one of",
            id="404",
        ),
    ],
)
def test_the_api_refuses_bad_responses_naming_the_item(
    client: TestClient, body: dict[str, Any], status: int, field: str, words: str
) -> None:
    response = client.post("/api/v1/diary/questionnaires", json=body)
    assert response.status_code == status
    problems = {p["field"]: p["problem"] for p in response.json()["error"]["problems"]}
    assert words in problems[field]
    assert client.get("/api/v1/diary/questionnaires").json() == []


def test_the_api_lists_definitions_without_licensed_texts_and_records(client: TestClient) -> None:
    definitions = client.get("/api/v1/questionnaires").json()
    assert {d["id"] for d in definitions} >= {"start_back", "odi", "rmdq"}
    assert all(item["text"] is None for d in definitions for item in d["items"])
    answers = dict.fromkeys(ODI, 1)
    created = client.post(
        "/api/v1/diary/questionnaires", json={"questionnaire": "odi", "answers": answers}
    )
    assert created.status_code == 201
    assert created.json()["scores"] == {"percent": 20}
    assert created.json()["band"]["id"] == "minimal"
