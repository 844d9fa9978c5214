"""The terminal coach speaks its cue script through ``espeak-ng`` when it is installed.

A fake ``espeak-ng`` on ``PATH`` (a shell script) records each thing it is asked to say,
one line per call, and may then hang, to show that the timer never waits for speech.
"""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer

from backcare.cli.coach import SPEAK_ENV, TIME_SCALE_ENV, register
from backcare.cli.speech import Speaker
from backcare.coach import Side
from backcare.coach.service import CoachService
from backcare.diary import open_diary
from store_fixtures import invoke, start_answers


def coach_app() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

    @app.callback()
    def _root() -> None:
        """backcare (coach only)."""

    register(app)
    return app


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'diary.sqlite3'}"
    with open_diary(url) as diary:
        diary.start_episode(onset=datetime.now(UTC) - timedelta(hours=10), answers=start_answers())
    return url


def fake_espeak(folder: Path, *, hang: bool = False) -> Path:
    """Put a recording ``espeak-ng`` in ``folder``; return the file it writes to."""
    log = folder / "spoken.txt"
    program = folder / "espeak-ng"
    # The words are the last argument; "-v en" comes first.
    tail = "exec sleep 60\n" if hang else ""
    record = f'printf "%s\\n" "$last" >> "{log}"\n'
    program.write_text(f"#!/bin/sh\nfor last; do :; done\n{record}{tail}")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return log


def run_coach(db: str, path: Path, *extra: str, scale: str = "20") -> tuple[int, str]:
    code, result = invoke(
        coach_app(),
        ["coach", "--exercise", "pelvic_tilt", "--quiet", "--db", db, *extra],
        input="5\n4\n0\n",
        env={TIME_SCALE_ENV: scale, "PATH": f"{path}{os.pathsep}{os.environ['PATH']}"},
    )
    return code, result.output


def test_the_coach_says_the_cue_script_through_espeak_ng(db: str, tmp_path: Path) -> None:
    log = fake_espeak(tmp_path)
    code, output = run_coach(db, tmp_path)
    assert code == 0, output
    assert "Saying the steps aloud with espeak-ng" in output
    spoken = log.read_text().splitlines()
    assert spoken[0] == "Pelvic tilt."
    assert any(line.endswith("Hold.") for line in spoken)
    assert spoken[-1] == "Relax. Session complete. Well done."


@pytest.mark.parametrize(
    ("flag", "env"),
    [
        pytest.param(["--no-speak"], {}, id="flag"),
        pytest.param([], {SPEAK_ENV: "0"}, id="environment"),
    ],
)
def test_no_speak_keeps_the_coach_silent(
    db: str, tmp_path: Path, flag: list[str], env: dict[str, str]
) -> None:
    log = fake_espeak(tmp_path)
    code, result = invoke(
        coach_app(),
        ["coach", "--exercise", "pelvic_tilt", "--quiet", "--db", db, *flag],
        input="5\n4\n0\n",
        env={TIME_SCALE_ENV: "200", "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}", **env},
    )
    assert code == 0, result.output
    assert "espeak-ng" not in result.output
    assert not log.exists()


def test_without_espeak_ng_the_coach_runs_silently(db: str, tmp_path: Path) -> None:
    code, result = invoke(
        coach_app(),
        ["coach", "--exercise", "pelvic_tilt", "--quiet", "--db", db],
        input="5\n4\n0\n",
        env={TIME_SCALE_ENV: "200", "PATH": str(tmp_path)},  # nothing to find here
    )
    assert code == 0, result.output
    assert "espeak-ng" not in result.output


def test_speech_that_hangs_never_holds_up_the_timer(db: str, tmp_path: Path) -> None:
    log = fake_espeak(tmp_path, hang=True)  # every call would take a minute
    code, output = run_coach(db, tmp_path)
    assert code == 0, output
    assert len(log.read_text().splitlines()) > 2  # each cue cut the hanging one short
    with open_diary(db) as diary:
        [session] = CoachService(diary).sessions()
    [tilt] = session.exercises
    assert tilt.reps == {Side.BOTH: 5}


def test_a_missing_program_makes_a_silent_speaker(tmp_path: Path) -> None:
    speaker = Speaker(str(tmp_path / "no-such-espeak"))
    assert speaker.available
    speaker.say("Hold.")  # cannot start: no error, and silence from then on
    assert not speaker.available
    speaker.close()
