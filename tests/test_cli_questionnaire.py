"""``backcare questionnaire list|fill|show``: asked item by item or from a file, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from backcare.cli.app import app
from store_fixtures import invoke, sqlite_url  # noqa: F401  (fixtures)

START_BACK_KEYS = "2\n1\n" + "b\n" + "2\n" + "2\n1\n1\n2\n1\n2\n" + "4\n"


def run(db: str, *args: str, **kwargs: Any) -> tuple[int, str]:
    code, result = invoke(app, [*args, "--db", db], **kwargs)
    return code, result.output


@pytest.fixture
def started(sqlite_url: str) -> str:  # noqa: F811
    code, _ = run(sqlite_url, "episode", "start", "--pain", "6", "--age", "40", "--onset", "2h")
    assert code == 0
    return sqlite_url


def test_list_names_each_questionnaire_and_its_licence(sqlite_url: str) -> None:  # noqa: F811
    code, output = run(sqlite_url, "questionnaire", "list")
    assert code == 0
    for line in ("start_back: STarT Back Screening Tool", "odi: Oswestry", "rmdq: Roland-Morris"):
        assert line in output
    assert "© 2007 Keele University" in output


def test_fill_asks_item_by_item_and_back_goes_back(started: str) -> None:
    code, output = run(started, "questionnaire", "fill", "start_back", input=START_BACK_KEYS)
    assert code == 0, output
    assert "1 of 9" in output
    assert "9 of 9" in output
    # agree: 1 (then back and re-answered), 2, 5, 7, and "very much" bothersome.
    assert "Total score: 6" in output
    assert "Distress score: 3" in output
    assert "Medium risk" in output
    code, shown = run(started, "questionnaire", "show", "--json")
    (saved,) = json.loads(shown)
    assert saved["answers"]["item2"] == "agree"
    assert saved["band"] == "medium"


def test_fill_from_a_file_and_show(started: str, tmp_path: Path) -> None:
    answers = tmp_path / "rmdq.json"
    ticks = {f"statement{i}": "ticked" if i <= 7 else "not_ticked" for i in range(1, 25)}
    answers.write_text(json.dumps(ticks), encoding="utf-8")
    code, output = run(started, "questionnaire", "fill", "rmdq", "--answers", str(answers))
    assert code == 0, output
    assert "Score: 7" in output
    assert "Still limited" in output
    code, output = run(started, "questionnaire", "show", "rmdq")
    assert code == 0
    assert "Roland-Morris Disability Questionnaire" in output
    assert "Score: 7" in output
    code, output = run(started, "history")
    assert code == 0
    assert "Roland-Morris Disability Questionnaire, score 7: Still limited (3-24)" in output


@pytest.mark.parametrize(
    ("args", "stdin", "exit_code", "words"),
    [
        pytest.param(["fill", "sf36"], "", 4, "no questionnaire called 'sf36'", id="unknown-4"),
        pytest.param(["show", "sf36"], "", 4, "choose one of", id="show-unknown-4"),
        pytest.param(["fill", "rmdq", "--answers", "-"], "[1, 2]", 2, "JSON object", id="list"),
        pytest.param(
            ["fill", "rmdq", "--answers", "-"],
            '{"statement1": "maybe"}',
            2,
            "Statement 1: 'maybe' is not one of the answers",
            id="bad-answer-2",
        ),
        pytest.param(["fill", "start_back"], "2\n", 2, "ended before", id="input-ends-2"),
    ],
)
def test_problems_exit_with_the_error_code_and_say_what_is_wrong(
    started: str, args: list[str], stdin: str, exit_code: int, words: str
) -> None:
    code, result = invoke(app, ["questionnaire", *args, "--db", started], input=stdin)
    assert code == exit_code
    assert words in str(result.exception)
    code, shown = run(started, "questionnaire", "show", "--json")
    assert json.loads(shown) == []  # nothing was saved


def test_show_before_any_episode_is_not_found(sqlite_url: str) -> None:  # noqa: F811
    code, _ = run(sqlite_url, "questionnaire", "show")
    assert code == 4
