"""Crash and concurrency safety of the SQLite diary, with real processes.

* A writer killed with SIGKILL in the middle of a check-in (paused between its
  inserts by a test-side SQLAlchemy event hook, or at an arbitrary moment of a long
  loop) loses nothing it committed and leaves no half-written check-in.
* Two writer processes at once keep every check-in and never let two doses that
  break the minimum interval both in: "check, then record" is serialised.
* On PostgreSQL, check-ins racing a ``resolve`` never land in the closed episode, and
  the summary ``resolve`` writes counts exactly the check-ins stored; racing doses
  (two check-ins, or an import of another episode against a check-in, with the window
  between reading the doses and recording one widened) never both get in.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from backcare.diary import open_diary

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL"),
]

ONSET = (datetime.now(UTC) - timedelta(days=200)).replace(microsecond=0)

WORKER = textwrap.dedent(
    """
    import sys, time
    from datetime import datetime, timedelta
    from sqlalchemy import event
    from backcare.diary import ActionCount, ActivityScore, CheckInEntry, DoseEntry, SelfCareAction
    from backcare.diary import open_diary
    from backcare.errors import DoseLimitError

    url, mode, first, count, pause_at = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
    onset = datetime.fromisoformat(sys.argv[6])
    diary = open_diary(url)
    state = {"n": 0}

    if pause_at >= 0:
        @event.listens_for(diary.store.engine, "after_cursor_execute")
        def pause(conn, cursor, statement, *args):
            # Between the check-in's inserts, inside its transaction: stop and wait to be killed.
            if statement.startswith("INSERT INTO checkin_actions") and state["n"] == pause_at:
                print("PAUSED", flush=True)
                time.sleep(600)

    for i in range(first, first + count):
        state["n"] = i
        # Slots far enough apart for the label limits: paracetamol 500 mg every 5 h stays
        # under 4 g a day; ibuprofen 400 mg every 8 h is exactly its 1,200 mg a day.
        at = onset + timedelta(hours=(5 if mode == "checkins" else 8) * i)
        if mode == "checkins":
            entry = CheckInEntry(
                pain=i % 11,
                activities=(ActivityScore("sitting", i % 11), ActivityScore("socks", 5)),
                actions=(ActionCount(SelfCareAction.ICE, 1), ActionCount(SelfCareAction.WALK, 2)),
                doses=(DoseEntry("paracetamol", 500, at),),
                note=f"check-in {i}",
                at=at,
            )
            diary.check_in(entry)
            print("COMMITTED", i, flush=True)
        else:  # "race": both processes try the same dose time; only one may get in
            try:
                dose = DoseEntry("ibuprofen", 400, at)
                diary.check_in(CheckInEntry(pain=3, doses=(dose,), at=at))
                print("RECORDED", i, flush=True)
            except DoseLimitError:
                print("REFUSED", i, flush=True)
    diary.close()
    """
)


@pytest.fixture
def worker(tmp_path: Path) -> Path:
    path = tmp_path / "worker.py"
    path.write_text(WORKER)
    return path


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'diary.sqlite3'}"
    with open_diary(url) as diary:
        diary.start_episode(onset=ONSET, answers={"pain": 6, "age": 40, "conditions": []})
    return url


def spawn(worker: Path, url: str, mode: str, first: int, count: int, pause_at: int = -1) -> Any:
    return subprocess.Popen(
        [
            *(sys.executable, str(worker), url, mode),
            *(str(first), str(count), str(pause_at), ONSET.isoformat()),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def database(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def check_integrity(path: Path) -> dict[int, tuple[int, int, int]]:
    """Integrity and foreign-key checks; per check-in (activities, actions, doses)."""
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = connection.execute(
            """
            SELECT c.id,
                   (SELECT count(*) FROM checkin_activities a WHERE a.checkin_id = c.id),
                   (SELECT count(*) FROM checkin_actions t WHERE t.checkin_id = c.id),
                   (SELECT count(*) FROM medicine_doses d WHERE d.checkin_id = c.id)
            FROM checkins c
            """
        ).fetchall()
        orphans = connection.execute(
            "SELECT count(*) FROM medicine_doses WHERE checkin_id IS NULL"
        ).fetchone()
    finally:
        connection.close()
    assert orphans == (0,)
    return {row[0]: tuple(row[1:]) for row in rows}


def committed(output: str) -> list[int]:
    return [int(line.split()[1]) for line in output.splitlines() if line.startswith("COMMITTED")]


def test_sigkill_between_inserts_loses_nothing_committed_and_leaves_no_half_checkin(
    worker: Path, url: str
) -> None:
    child = spawn(worker, url, "checkins", 0, 50, pause_at=7)
    assert child.stdout is not None
    lines = []
    for line in child.stdout:
        lines.append(line)
        if line.startswith("PAUSED"):
            break
    else:
        pytest.fail("the worker never reached the pause: " + child.stderr.read())  # type: ignore[union-attr]
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()
    child.stderr.close()  # type: ignore[union-attr]
    assert committed("".join(lines)) == list(range(7))
    per_checkin = check_integrity(database(url))
    assert len(per_checkin) == 7
    assert set(per_checkin.values()) == {(2, 2, 1)}
    with open_diary(url) as diary:  # the diary carries on after the crash
        notes = [c.note for c in diary.history().checkins]
        assert notes == [f"check-in {i}" for i in range(7)]


def test_sigkill_at_an_arbitrary_moment_keeps_the_database_consistent(
    worker: Path, url: str
) -> None:
    child = spawn(worker, url, "checkins", 0, 400)
    assert child.stdout is not None
    seen = []
    for line in child.stdout:
        seen.append(line)
        if len(seen) >= 25:
            break
    time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    rest = child.stdout.read()
    child.stdout.close()
    child.stderr.close()  # type: ignore[union-attr]
    reported = committed("".join(seen) + rest)
    per_checkin = check_integrity(database(url))
    assert set(per_checkin.values()) <= {(2, 2, 1)}
    # Everything the worker was told is committed is there (and at most one more,
    # committed just before the kill but not yet reported).
    assert len(reported) <= len(per_checkin) <= len(reported) + 1


def test_two_writers_at_once_keep_every_checkin(worker: Path, url: str) -> None:
    children = [spawn(worker, url, "checkins", first, 15) for first in (0, 500)]
    outputs = [child.communicate(timeout=120) for child in children]
    for child, (_, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
    per_checkin = check_integrity(database(url))
    assert len(per_checkin) == 30
    assert set(per_checkin.values()) == {(2, 2, 1)}


def test_two_writers_cannot_both_record_a_dose_that_breaks_the_interval(
    worker: Path, url: str
) -> None:
    children = [spawn(worker, url, "race", 0, 12) for _ in range(2)]
    outputs = [child.communicate(timeout=120) for child in children]
    for child, (_, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
    recorded = [out.count("RECORDED") for out, _ in outputs]
    assert sum(recorded) == 12
    connection = sqlite3.connect(database(url))
    try:
        per_time = connection.execute(
            "SELECT taken_at, count(*) FROM medicine_doses GROUP BY taken_at"
        ).fetchall()
    finally:
        connection.close()
    assert len(per_time) == 12
    assert {count for _, count in per_time} == {1}


# --- PostgreSQL: real processes racing on a real server ------------------------------------

RACE = textwrap.dedent(
    """
    import json, sys, time
    from datetime import datetime, timedelta
    from backcare.diary import CheckInEntry, DoseEntry, open_diary
    from backcare.errors import DoseLimitError, NotFoundError

    url, mode, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    diary = open_diary(url)
    if mode in ("import", "dose-2h"):
        from sqlalchemy import event

        @event.listens_for(diary.store.engine, "after_cursor_execute")
        def widen(conn, cursor, statement, *args):
            # Between reading the doses and recording one: the window a lock must close.
            if "FROM medicine_doses" in statement and "taken_at >=" in statement:
                time.sleep(0.3)
    if mode == "resolve":
        time.sleep(float(sys.argv[4]))
        print("RESOLVED", diary.resolve().id, flush=True)
    elif mode == "checkins":
        for n in range(rounds):
            try:
                diary.check_in(CheckInEntry(pain=4, note=f"{n}"))
            except NotFoundError:
                print("CLOSED", n, flush=True)
                break
            print("COMMITTED", n, flush=True)
    elif mode == "import":  # round n: a past episode with a dose clashing with round n below
        from backcare.export.transfer import import_diary
        from backcare.errors import ImportFormatError

        def stamp(t):
            return t.isoformat()

        onset = datetime.fromisoformat(sys.argv[4])
        for n in range(rounds):
            at = onset + timedelta(hours=8 * n + 1)
            episode = {
                "uid": f"{n:032x}", "onset_at": stamp(at - timedelta(hours=1)),
                "started_at": stamp(at - timedelta(hours=1)), "status": "resolved",
                "resolved_at": stamp(at + timedelta(hours=1)), "answers": {"pain": 5},
                "assessment": {"triage": {"level": "self_care"}},
                "doses": [{"drug": "ibuprofen", "mg": 400, "taken_at": stamp(at)}],
            }
            text = json.dumps({"format": "backcare-diary", "version": 1, "episodes": [episode]})
            try:
                import_diary(diary.store, text)
                print("RECORDED", n, flush=True)
            except ImportFormatError:
                print("REFUSED", n, flush=True)
    else:  # "doses": every process tries the same dose times; the interval lets one in
        onset = diary.episode().onset_at
        for n in range(rounds):
            shift = 2 if mode == "dose-2h" else 0  # 2 h after the import's dose of round n
            at = onset + timedelta(hours=8 * n + 1 + shift)
            try:
                dose = DoseEntry("ibuprofen", 400, at)
                diary.check_in(CheckInEntry(pain=3, doses=(dose,), at=at))
                print("RECORDED", n, flush=True)
            except DoseLimitError:
                print("REFUSED", n, flush=True)
    diary.close()
    """
)


@pytest.fixture
def pg_url(tmp_path: Path) -> Iterator[str]:
    from store_fixtures import database_url

    with database_url("postgresql", tmp_path) as url:
        yield url


def race(path: Path, url: str, mode: str, *args: str) -> Any:
    return subprocess.Popen(
        [sys.executable, str(path), url, mode, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_postgresql_never_records_a_checkin_into_an_episode_resolved_a_moment_earlier(
    tmp_path: Path, pg_url: str
) -> None:
    with open_diary(pg_url) as diary:
        diary.start_episode(
            onset=datetime.now(UTC) - timedelta(hours=2), answers={"pain": 6, "age": 40}
        )
    path = tmp_path / "race.py"
    path.write_text(RACE)
    writers = [race(path, pg_url, "checkins", "150") for _ in range(3)]
    resolver = race(path, pg_url, "resolve", "0", "1.5")
    outputs = [child.communicate(timeout=300) for child in [*writers, resolver]]
    for child, (_, err) in zip([*writers, resolver], outputs, strict=True):
        assert child.returncode == 0, err
    committed = sum(out.count("COMMITTED") for out, _ in outputs[:3])
    with open_diary(pg_url) as diary:
        history = diary.history()
    assert history.episode.resolved_at is not None
    # Every check-in the writers saw committed is stored, and the summary written under
    # the episode's lock counts exactly those: none slipped in after it was read.
    assert len(history.checkins) == committed
    facts = history.episode.summary_facts
    assert facts is not None
    assert facts["checkins"] == committed


def test_postgresql_lets_only_one_of_two_racing_doses_in(tmp_path: Path, pg_url: str) -> None:
    with open_diary(pg_url) as diary:
        diary.start_episode(onset=ONSET, answers={"pain": 6, "age": 40, "conditions": []})
    path = tmp_path / "race.py"
    path.write_text(RACE)
    children = [race(path, pg_url, "doses", "10") for _ in range(2)]
    outputs = [child.communicate(timeout=300) for child in children]
    for child, (_, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
    assert sum(out.count("RECORDED") for out, _ in outputs) == 10
    with open_diary(pg_url) as diary:
        times = [d.taken_at for d in diary.history().doses]
    assert len(times) == len(set(times)) == 10


def test_postgresql_checks_an_import_and_a_checkin_against_each_other_s_doses(
    tmp_path: Path, pg_url: str
) -> None:
    # The imported episodes are not the active one: only the per-person lock orders the
    # import's dose check against the check-in's.
    with open_diary(pg_url) as diary:
        diary.start_episode(onset=ONSET, answers={"pain": 6, "age": 40, "conditions": []})
    path = tmp_path / "race.py"
    path.write_text(RACE)
    children = [
        race(path, pg_url, "import", "8", ONSET.isoformat()),
        race(path, pg_url, "dose-2h", "8"),
    ]
    outputs = [child.communicate(timeout=300) for child in children]
    for child, (_, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
    for n in range(8):
        recorded = [out.count(f"RECORDED {n}\n") for out, _ in outputs]
        assert sum(recorded) == 1, (n, outputs)
