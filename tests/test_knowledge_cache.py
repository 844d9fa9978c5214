"""The validated knowledge base is cached by file stats and versions, and never trusted blindly."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from backcare.knowledge import loader


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BACKCARE_CACHE_DIR", str(tmp_path))
    loader._load_default.cache_clear()
    yield tmp_path
    loader._load_default.cache_clear()


def test_first_load_writes_the_cache_and_second_load_reads_it(cache_dir: Path) -> None:
    first = loader.load_knowledge_base()
    files = list(cache_dir.glob("knowledge-*.pickle"))
    assert len(files) == 1
    loader._load_default.cache_clear()
    second = loader.load_knowledge_base()
    assert second == first
    assert list(cache_dir.glob("*.tmp")) == []


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"not a pickle", id="garbage"),
        pytest.param(pickle.dumps({"red_flags": []}), id="wrong-type"),
    ],
)
def test_a_corrupt_cache_is_ignored_and_rebuilt(cache_dir: Path, content: bytes) -> None:
    kb = loader.load_knowledge_base()
    (path,) = cache_dir.glob("knowledge-*.pickle")
    path.write_bytes(content)
    loader._load_default.cache_clear()
    assert loader.load_knowledge_base() == kb
    assert isinstance(pickle.loads(path.read_bytes()), type(kb))


def test_an_unwritable_cache_folder_only_costs_speed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("BACKCARE_CACHE_DIR", str(blocker / "cache"))
    loader._load_default.cache_clear()
    try:
        assert loader.load_knowledge_base().red_flags
    finally:
        loader._load_default.cache_clear()
