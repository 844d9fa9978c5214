"""``backcare episode start`` without dead ends: never a diary on no answers, and a choice
when an episode is already active (``--update-current``, ``--close-current`` or a prompt).

CliRunner runs without a terminal; the terminal cases run the real command under pexpect.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest
import typer
from tests.factories import all_no
from tests.test_cli import _answer_everything

from store_fixtures import cli_app, invoke

EXIT_INPUT, EXIT_CONFLICT = 2, 5


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    return cli_app()


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'diary.sqlite3'}"


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(all_no(pain=3)))
    return path


def run(app: typer.Typer, db: str, *args: str, code: int = 0) -> Any:
    exit_code, result = invoke(app, [*args, "--db", db])
    assert exit_code == code, result.output
    return result


def _episodes(app: typer.Typer, db: str) -> str:
    return str(run(app, db, "history", "--json").output)


@pytest.mark.parametrize(
    "options",
    [pytest.param([], id="nothing"), pytest.param(["--onset", "2d"], id="only-a-time")],
)
def test_without_answers_or_a_terminal_it_says_how_to_give_them(
    app: typer.Typer, db: str, options: list[str]
) -> None:
    exit_code, result = invoke(app, ["episode", "start", *options, "--db", db])
    assert exit_code == EXIT_INPUT
    message = str(result.exception)
    assert "--answers" in message
    assert "terminal" in message
    assert not isinstance(result.exception, (KeyError, TypeError, AttributeError))
    # Nothing was started.
    exit_code, _ = invoke(app, ["episode", "show", "--db", db])
    assert exit_code == 4


def test_a_second_start_without_a_terminal_names_the_two_options(
    app: typer.Typer, db: str, answers: Path
) -> None:
    run(app, db, "episode", "start", "--answers", str(answers))
    result = run(app, db, "episode", "start", "--answers", str(answers), code=EXIT_CONFLICT)
    assert "already active" in str(result.exception)
    assert "--update-current" in result.stderr
    assert "--close-current" in result.stderr


def test_update_current_adds_the_answers_as_a_check_in(
    app: typer.Typer, db: str, answers: Path
) -> None:
    run(app, db, "episode", "start", "--answers", str(answers), "--onset", "1d")
    output = run(
        app, db, "episode", "start", "--answers", str(answers), "--pain", "2", "--update-current"
    ).output
    assert "Episode 2" not in output
    history = json.loads(_episodes(app, db))
    assert history["status"] == "active"
    assert [c["pain"] for c in history["checkins"]] == [2]
    run(app, db, "episode", "show", "2", code=4)  # no second episode
    assert history["checkins"][0]["note"] == "Answers updated from a new assessment."


def test_close_current_closes_it_and_starts_a_new_one(
    app: typer.Typer, db: str, answers: Path
) -> None:
    run(app, db, "episode", "start", "--answers", str(answers))
    output = run(app, db, "episode", "start", "--answers", str(answers), "--close-current").output
    assert "Episode 2 started" in output
    shown = run(app, db, "episode", "show", "1").output
    assert "(resolved)" in shown


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param(["--update-current", "--close-current"], id="both-choices"),
        pytest.param(["--update-current", "--onset", "2d"], id="update-with-an-onset"),
    ],
)
def test_contradictory_options_are_refused(
    app: typer.Typer, db: str, answers: Path, extra: list[str]
) -> None:
    run(app, db, "episode", "start", "--answers", str(answers), *extra, code=EXIT_INPUT)


def _spawn(db: str, *args: str, before_questions: str = "") -> Any:
    env = {**os.environ, "COLUMNS": "120", "TERM": "dumb", "BACKCARE_EMERGENCY_NUMBER": "999"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "backcare.cli", *args, "--db", db],
        env=env,
        encoding="utf-8",
        timeout=30,
    )
    if before_questions:
        child.expect_exact(before_questions)
    child.expect("Tell us what happened")
    child.sendline("")
    return child


@pytest.mark.slow
def test_in_a_terminal_it_asks_the_assessment_first_then_offers_the_choice(db: str) -> None:
    child = _spawn(db, "episode", "start")
    _answer_everything(child)  # every safety question answered: a real self-care result
    child.expect("Episode 1 started")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    # Said before the questions, so nobody answers them all to find out at the end.
    child = _spawn(db, "episode", "start", before_questions="diary running (episode 1)")
    _answer_everything(child)
    child.expect("You already have a diary running")
    child.expect(r"What should happen\?")
    child.sendline("c")
    child.expect("Episode 2 started")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    shown = subprocess.run(
        [sys.executable, "-m", "backcare.cli", "episode", "show", "1", "--db", db],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "(resolved)" in shown.stdout, shown.stderr


@pytest.mark.slow
def test_in_a_terminal_cancel_changes_nothing(db: str, answers: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "backcare.cli", "episode", "start", "--answers", str(answers)],
        env={**os.environ, "BACKCARE_DATABASE_URL": db},
        check=True,
        capture_output=True,
    )
    child = _spawn(db, "episode", "start")
    _answer_everything(child)
    child.expect(r"What should happen\?")
    child.sendline("x")
    child.expect("Nothing changed")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    listed = subprocess.run(
        [sys.executable, "-m", "backcare.cli", "episode", "show", "--db", db],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Episode 1 (active)" in listed.stdout, listed.stderr
