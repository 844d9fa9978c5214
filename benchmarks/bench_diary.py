"""Diary at scale: ten years of daily check-ins (3,650) and 20,000 logged actions.

Measured in one run, interleaved, best of N (15 in process, 3 for new processes):

* ``history_view``: :meth:`Diary.history` - the episode with every check-in, its PSFS
  ratings, self-care actions and doses, as records (the full history view's data);
* ``bare_sql``: the same rows read with four plain ``sqlite3`` queries and
  ``fetchall()`` - the floor any history view pays; reported as a ratio;
* ``trend``: the trend report over the loaded history, and ``history + trend``;
* ``render_table``: the Rich table of ``backcare history`` drawn to memory;
* ``cli_history`` / ``cli_history_json``: wall time of the command in a new process,
  next to ``python -c pass``;
* ``checkin_insert``: check-ins per second through :meth:`Diary.check_in` (triage,
  dose checks and one ``synchronous=FULL`` commit each), on a fresh database.

Target: the full history view (``history_view``) under 200 ms on this machine class.
Results: ``benchmarks/results/diary.json``.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _common import interleaved, write_result

TARGET_HISTORY_MS = 200.0
DAYS = 3650
ACTIONS = ("ice", "heat", "walk", "exercises")
REASON = {
    "id": "not_resolved_6_weeks",
    "message": "Most episodes settle within about six weeks; pain that lasts longer should be "
    "reviewed by a doctor.",
    "level": "see_doctor",
    "sources": ["nhs_back_exercises", "pace_trial"],
}


def ten_year_document(now: datetime) -> tuple[dict[str, Any], int]:
    """An export document of one episode with daily check-ins; returns it and its action count."""
    onset = (now - timedelta(days=DAYS + 1)).replace(microsecond=0)
    checkins = []
    logged = 0
    for day in range(DAYS):
        at = onset + timedelta(days=day, hours=9)
        doses = [{"drug": "paracetamol", "mg": 500, "taken_at": at.isoformat()}]
        if day % 2 == 0:
            doses.append(
                {"drug": "ibuprofen", "mg": 200, "taken_at": (at + timedelta(hours=1)).isoformat()}
            )
        actions = [{"action": a, "count": 1 + (day + i) % 3} for i, a in enumerate(ACTIONS)]
        logged += len(actions) + len(doses)
        checkins.append(
            {
                "recorded_at": at.isoformat(),
                "pain": (day * 7) % 11,
                "worst_pain": min(10, (day * 7) % 11 + 2),
                "days_of_self_care": day,
                "trend": ["better", "same", "worse"][day % 3],
                "triage_level": "see_doctor" if day >= 42 else "self_care",
                "triage_reasons": [REASON] if day >= 42 else [],
                "note": f"day {day}: walked to the shops" if day % 5 == 0 else None,
                "activities": [
                    {"name": "putting on socks", "score": day % 11},
                    {"name": "sitting at work", "score": (day + 3) % 11},
                ],
                "actions": actions,
                "doses": doses,
            }
        )
    episode = {
        "uid": uuid.uuid4().hex,
        "onset_at": onset.isoformat(),
        "started_at": onset.isoformat(),
        "trigger": "lifting",
        "status": "active",
        "answers": {"pain": 7, "trigger": "lifting", "conditions": []},
        "assessment": {"triage": {"level": "self_care"}},
        "checkins": checkins,
    }
    return {"format": "backcare-diary", "version": 1, "episodes": [episode]}, logged


def bare_sql(path: Path, episode_id: int) -> int:
    """Read the history's rows with plain sqlite3: the floor for any history view."""
    connection = sqlite3.connect(path)
    try:
        ids = "SELECT id FROM checkins WHERE episode_id = ?"
        rows = connection.execute(
            "SELECT id, recorded_at, pain, worst_pain, days_of_self_care, trend, triage_level, "
            "triage_reasons, answers_update, note FROM checkins WHERE episode_id = ? "
            "ORDER BY recorded_at, id",
            (episode_id,),
        ).fetchall()
        rows += connection.execute(
            f"SELECT checkin_id, name, score FROM checkin_activities WHERE checkin_id IN ({ids}) "
            "ORDER BY checkin_id, position",
            (episode_id,),
        ).fetchall()
        rows += connection.execute(
            f"SELECT checkin_id, action, count FROM checkin_actions WHERE checkin_id IN ({ids}) "
            "ORDER BY checkin_id, id",
            (episode_id,),
        ).fetchall()
        rows += connection.execute(
            "SELECT id, checkin_id, drug, mg, taken_at, overridden, override_reason "
            "FROM medicine_doses WHERE episode_id = ? ORDER BY taken_at, id",
            (episode_id,),
        ).fetchall()
        return len(rows)
    finally:
        connection.close()


def insert_rate(folder: Path, count: int = 300) -> float:
    """Check-ins per second through the service on a fresh database."""
    from backcare.diary import CheckInEntry, DoseEntry, open_diary
    from backcare.diary.inputs import parse_action, parse_activity

    now = datetime.now(UTC)
    with open_diary(f"sqlite:///{folder / 'inserts.sqlite3'}") as diary:
        onset = now - timedelta(hours=6 * count + 1)
        diary.start_episode(onset=onset, answers={"pain": 7, "conditions": []})
        entries = [
            CheckInEntry(
                pain=i % 11,
                worst_pain=(i + 2) % 11,
                activities=(parse_activity("socks=4"), parse_activity("sitting=6")),
                actions=(parse_action("ice=2"), parse_action("walk")),
                doses=(DoseEntry("paracetamol", 500, onset + timedelta(hours=6 * i)),),
                at=onset + timedelta(hours=6 * i),
            )
            for i in range(count)
        ]
        start = time.perf_counter()
        for entry in entries:
            diary.check_in(entry)
        return count / (time.perf_counter() - start)


def main() -> dict[str, Any]:
    from rich.console import Console

    from backcare.cli.diary import _render_history
    from backcare.diary import open_diary
    from backcare.export.transfer import import_diary

    folder = Path(tempfile.mkdtemp(prefix="backcare-bench-"))
    path = folder / "diary.sqlite3"
    url = f"sqlite:///{path}"
    document, logged = ten_year_document(datetime.now(UTC))
    text = json.dumps(document)
    with open_diary(url) as diary:
        start = time.perf_counter()
        import_diary(diary.store, text)
        import_seconds = time.perf_counter() - start
        episode_id = diary.episode().id
        history = diary.history()
        assert len(history.checkins) == DAYS

        def render() -> None:
            console = Console(file=io.StringIO(), width=120, color_system=None)
            _render_history(console, diary, episode_id, history.checkins)

        def cli(*args: str) -> None:
            subprocess.run(
                [sys.executable, "-m", "backcare.cli", "history", "--db", url, *args],
                capture_output=True,
                check=True,
            )

        in_process = interleaved(
            15,
            {
                "history_view": diary.history,
                "bare_sql": lambda: bare_sql(path, episode_id),
                "trend": lambda: diary.trend_of(history),
                "history_and_trend": diary.trend,
                "render_table": render,
            },
        )
        processes = interleaved(
            3,
            {
                "bare_python": lambda: subprocess.run([sys.executable, "-c", "pass"], check=True),
                "cli_history": cli,
                "cli_history_json": lambda: cli("--json"),
            },
        )
    rate = insert_rate(folder)
    ms = {name: round(seconds * 1000, 1) for name, seconds in (in_process | processes).items()}
    result: dict[str, Any] = {
        "checkins": DAYS,
        "logged_actions": logged,
        "psfs_ratings": 2 * DAYS,
        "import_seconds": round(import_seconds, 2),
        **{f"{name}_ms": value for name, value in ms.items()},
        "ratio_history_view_to_bare_sql": round(ms["history_view"] / ms["bare_sql"], 1),
        "checkin_inserts_per_second": round(rate, 1),
        "target_history_view_ms": TARGET_HISTORY_MS,
        "history_view_within_target": ms["history_view"] < TARGET_HISTORY_MS,
        # Shared machines are noisy: the load says how busy this one was during the run.
        "load_average_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
    path_written = write_result("diary", result)
    width = max(len(k) for k in result)
    print(f"diary benchmark ({DAYS} check-ins, {logged} logged actions)")
    for key, value in result.items():
        print(f"  {key:<{width}}  {value}")
    print(f"written to {path_written}")
    return result


if __name__ == "__main__":
    main()
