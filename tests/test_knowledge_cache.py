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


def test_a_pickle_naming_a_moved_class_is_rebuilt_not_a_crash(cache_dir: Path) -> None:
    kb = loader.load_knowledge_base()
    (path,) = cache_dir.glob("knowledge-*.pickle")
    # What a cache written before a class moved holds: a reference to a module that is gone.
    path.write_bytes(b"cbackcare.knowledge.moved_away\nKnowledgeBase\n.")
    loader._load_default.cache_clear()
    assert loader.load_knowledge_base() == kb
    assert isinstance(pickle.loads(path.read_bytes()), type(kb))


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("knowledge/schema.py", id="schema"),
        pytest.param("knowledge/loader.py", id="loader"),
        pytest.param("domain/enums.py", id="domain-types"),
    ],
)
def test_the_cache_key_changes_with_the_code_the_pickle_is_made_of(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, source: str
) -> None:
    """A new field or a moved class changes a source file, so a stale pickle is never read."""
    package = Path(loader.__file__).parents[1]
    data = package / "knowledge" / "data"
    copy = tmp_path / "src"
    folders = []
    for folder in loader._SOURCE_FOLDERS:
        target = copy / folder.name
        target.mkdir(parents=True)
        for file in folder.glob("*.py"):
            (target / file.name).write_bytes(file.read_bytes())
        folders.append(target)
    monkeypatch.setattr(loader, "_SOURCE_FOLDERS", tuple(folders))
    before = loader._cache_path(data, "en")
    edited = copy / source
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# a new field\n", encoding="utf-8")
    after = loader._cache_path(data, "en")
    assert before is not None
    assert before != after
