"""The diary's files are private: folders 0700, database, WAL/SHM and exports 0600, any umask."""

from __future__ import annotations

import logging
import os
import stat
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer

from backcare.diary import CheckInEntry, open_diary
from backcare.locations import exposed, write_private
from store_fixtures import cli_app, invoke

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o002, 0o000], ids=["umask-022", "umask-002", "umask-000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("umask")
def test_new_diary_folders_are_0700_and_its_files_0600(tmp_path: Path) -> None:
    path = tmp_path / "data" / "backcare" / "diary.sqlite3"
    existing = mode(tmp_path)
    with open_diary(f"sqlite:///{path}") as diary:
        diary.start_episode(onset=datetime.now(UTC) - timedelta(hours=1), answers={"pain": 5})
        diary.check_in(CheckInEntry(pain=4))
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    assert mode(path.parent) == mode(path.parent.parent) == 0o700
    assert mode(tmp_path) == existing  # a folder that was there keeps its mode


@pytest.mark.usefixtures("umask")
def test_exports_and_charts_are_written_0600(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'diary.sqlite3'}"
    app: typer.Typer = cli_app()
    code, result = invoke(app, ["episode", "start", "--onset", "2h", "--pain", "6", "--db", db])
    assert code == 0, result.output
    invoke(app, ["checkin", "--pain", "4", "--db", db])
    outputs = {fmt: tmp_path / f"export.{fmt}" for fmt in ("json", "csv", "ics", "fhir")}
    outputs["fhir"].write_text("old")
    outputs["fhir"].chmod(0o644)  # an existing file is made private too
    for fmt, output in outputs.items():
        code, result = invoke(app, ["export", "--format", fmt, "-o", str(output), "--db", db])
        assert code == 0, result.output
    chart = tmp_path / "pain.png"
    code, result = invoke(app, ["trend", "--png", str(chart), "--db", db])
    assert code == 0, result.output
    assert {p.name: mode(p) for p in [*outputs.values(), chart]} == {
        p.name: 0o600 for p in [*outputs.values(), chart]
    }


def test_an_existing_diary_readable_by_others_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "diary.sqlite3"
    with open_diary(f"sqlite:///{path}"):
        pass
    assert not exposed(path)
    with caplog.at_level(logging.WARNING, logger="backcare.store"), open_diary(f"sqlite:///{path}"):
        pass
    assert caplog.records == []
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="backcare.store"), open_diary(f"sqlite:///{path}"):
        pass
    [record] = caplog.records
    assert "can be read by other users" in record.getMessage()
    assert f"chmod 600 {path}" in record.getMessage()
    assert mode(path) == 0o644  # warned, not changed behind the person's back


def test_write_private_replaces_the_content(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    write_private(path, b"a longer first text")
    write_private(path, b"short")
    assert path.read_bytes() == b"short"
    assert mode(path) == 0o600
