"""Helpers for the web tests: an app on an in-memory diary, form fields, the question walk."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient

from backcare import Engine
from backcare.web import create_app

BASE_URL = "http://127.0.0.1"
_HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


@contextmanager
def web_client(engine: Engine | None = None, **kwargs: Any) -> Iterator[TestClient]:
    """A test client of a fresh app on a fresh in-memory diary."""
    kwargs.setdefault("database_url", "sqlite://")
    app = create_app(engine=engine, settings=engine.settings if engine else None, **kwargs)
    with TestClient(app, base_url=BASE_URL) as client:
        yield client


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of a page (csrf_token, state, key)."""
    return dict(_HIDDEN.findall(html))


def typical_answer(key: str) -> list[str] | None:
    """A 'typical self-care' answer for a question key (``None``: skip it)."""
    if key.startswith(("red_flags.", "history.")):
        return ["no"]
    return {
        "trigger": ["lifting"],
        "age": ["35"],
        "sex": ["female"],
        "hours_since_onset": ["10 hours"],
        "pain": ["6"],
        "conditions": ["none"],
        "course.days_of_self_care": ["0"],
        "course.trend": ["same"],
        "course.recurrent_same_spot": ["no"],
        "course.disrupts_sleep_or_daily_life": ["no"],
    }.get(key)


_QUESTION = re.compile(r'name="((?:red_flags|history|course)\.[a-z_]+|[a-z_]+)" (?:type|value)="')
_NOT_FORM = frozenset({"csrf_token", "state", "page", "action", "story"})


def page_questions(html: str) -> list[str]:
    """The question keys of an assessment page, in page order."""
    keys = [k for k in _QUESTION.findall(html) if k not in _NOT_FORM]
    return list(dict.fromkeys(keys))


def page_form(html: str, answer: Callable[[str], list[str] | None]) -> dict[str, Any]:
    """The form data answering a page: ``answer(key)``, or Not sure / blank for ``None``."""
    data: dict[str, Any] = {**hidden_fields(html), "action": "next"}
    for key in page_questions(html):
        value = answer(key)
        if value is None:
            value = ["not_sure"] if 'value="not_sure"' in _item(html, key) else []
        data[key] = value
    return data


def _item(html: str, key: str) -> str:
    anchor = f'id="item-{key.replace(".", "-")}"'
    start = html.find(anchor)
    end = html.find('class="item', start + 1)
    return html[start : end if end > 0 else len(html)]


def walk_assessment(
    client: TestClient, answer: Callable[[str], list[str] | None] = typical_answer
) -> tuple[str, list[str]]:
    """Answer the pages until the flow stops; return the last page and the keys asked.

    The "check your answers" step is passed through to the result.
    """
    page = client.get("/assess").text
    asked: list[str] = []
    for _ in range(40):
        fields = hidden_fields(page)
        if "page" not in fields:
            result = re.search(r'href="(/assess/result\?[^"]+)"', page)
            if result:
                page = client.get(result.group(1).replace("&amp;", "&")).text
            return page, asked
        asked += page_questions(page)
        response = client.post("/assess", data=page_form(page, answer))
        assert response.status_code == 200, response.text
        page = response.text
    raise AssertionError("the assessment did not end")


def start_episode(client: TestClient, **answers: Any) -> dict[str, Any]:
    """Start a diary episode through the JSON API."""
    payload = {"answers": {"age": 35, "trigger": "lifting", "pain": 6, **answers}}
    response = client.post("/api/v1/diary/episodes", json=payload)
    assert response.status_code == 201, response.text
    return dict(response.json())
