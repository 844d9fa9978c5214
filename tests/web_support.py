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
        "hours_since_onset": ["10"],
        "pain": ["6"],
        "conditions": ["none"],
        "course.days_of_self_care": ["0"],
        "course.trend": ["same"],
        "course.recurrent_same_spot": ["no"],
        "course.disrupts_sleep_or_daily_life": ["no"],
    }.get(key)


def walk_assessment(
    client: TestClient, answer: Callable[[str], list[str] | None] = typical_answer
) -> tuple[str, list[str]]:
    """Answer the question pages until the flow stops; return the last page and the keys asked."""
    page = client.get("/assess").text
    asked: list[str] = []
    for _ in range(100):
        fields = hidden_fields(page)
        if "key" not in fields:
            return page, asked
        asked.append(fields["key"])
        value = answer(fields["key"])
        data: dict[str, Any] = {**fields, "action": "skip" if value is None else "answer"}
        if value is not None:
            data["value"] = value
        response = client.post("/assess", data=data)
        assert response.status_code == 200, response.text
        page = response.text
    raise AssertionError("the assessment did not end")


def start_episode(client: TestClient, **answers: Any) -> dict[str, Any]:
    """Start a diary episode through the JSON API."""
    payload = {"answers": {"age": 35, "trigger": "lifting", "pain": 6, **answers}}
    response = client.post("/api/v1/diary/episodes", json=payload)
    assert response.status_code == 201, response.text
    return dict(response.json())
