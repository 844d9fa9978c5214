"""Answer factories shared by the tests (importable, unlike conftest)."""

from __future__ import annotations

from typing import Any

from backcare.domain.answers import History, RedFlags

RED_FLAG_KEYS = tuple(RedFlags.model_fields)
HISTORY_KEYS = tuple(History.model_fields)


def all_no(**overrides: Any) -> dict[str, Any]:
    """A complete, typical answer set (lifting spasm, adult, every safety question 'no')."""
    answers: dict[str, Any] = {
        "age": 35,
        "trigger": "lifting",
        "hours_since_onset": 10,
        "pain": 6,
        "conditions": [],
        "red_flags": dict.fromkeys(RED_FLAG_KEYS, False),
        "history": dict.fromkeys(HISTORY_KEYS, False),
    }
    for key, value in overrides.items():
        group, _, field = key.partition("__")
        if field:
            answers.setdefault(group, {})[field] = value
        else:
            answers[key] = value
    return answers
