"""Shared fixtures: the shipped knowledge base, an engine with fixed settings, answer factories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.factories import all_no

from backcare import Engine, KnowledgeBase, Settings, load_knowledge_base


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


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep caches out of the real user cache directory (subprocesses inherit it)."""
    import os

    os.environ["BACKCARE_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
