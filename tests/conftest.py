"""Shared fixtures: the shipped knowledge base, an engine with fixed settings, answer factories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from backcare import Engine, KnowledgeBase, Settings, load_knowledge_base
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


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(emergency_number="999")


@pytest.fixture(scope="session")
def engine(kb: KnowledgeBase, settings: Settings) -> Engine:
    return Engine(kb, settings)


@pytest.fixture
def answers_factory() -> Callable[..., dict[str, Any]]:
    return all_no
