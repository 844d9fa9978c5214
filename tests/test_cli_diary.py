"""The diary commands through Typer's CliRunner, with errors mapped to exit codes as main() does."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import typer
from tests.factories import add_coach_session

from store_fixtures import cli_app, invoke

EXIT_INPUT, EXIT_NOT_FOUND, EXIT_CONFLICT, EXIT_STORE = 2, 4, 5, 6


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    return cli_app()


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'diary.sqlite3'}"


def run(app: typer.Typer, db: str, *args: str, code: int = 0, **kwargs: object) -> str:
    exit_code, result = invoke(app, [*args, "--db", db], **kwargs)
    assert exit_code == code, result.output
    return result.output


@pytest.fixture
def started(app: typer.Typer, db: str) -> str:
    run(
        app,
        db,
        "episode",
        "start",
        "--onset",
        "3d",
        "--trigger",
        "lifting",
        "--pain",
        "7",
        "--age",
        "40",
    )
    return db


def test_episode_start_assesses_and_a_second_start_conflicts(app: typer.Typer, db: str) -> None:
    output = run(
        app, db, "episode", "start", "--onset", "2h", "--pain", "6", "--age", "40",
        "--flag", "fever=no",
    )  # fmt: skip
    assert "Episode 1 started" in output
    # Most safety questions are unanswered: a neutral state, never a self-care verdict.
    assert "We can't tell yet" in output
    assert "SELF-CARE" not in output
    assert "backcare checkin" in output
    run(app, db, "episode", "start", "--pain", "5", code=EXIT_CONFLICT)


def test_episode_start_reads_answers_from_a_file(app: typer.Typer, db: str, tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"pain": 5, "red_flags": {"chest_pain": True}}))
    output = run(app, db, "episode", "start", "--answers", str(answers))
    assert "CALL 999 NOW" in output
    answers.write_text("{oops")
    run(app, db, "episode", "start", "--answers", str(answers), code=EXIT_INPUT)


def test_scripted_checkin_records_everything(app: typer.Typer, started: str) -> None:
    output = run(
        app, started, "checkin", "--pain", "4", "--worst", "6",
        "--activity", "putting on socks=3", "--did", "ice", "--did", "ice", "--did", "walk=2",
        "--med", "paracetamol:1000@1h", "--note", "better after walking",
    )  # fmt: skip
    assert "Your pain is better than when you started (7 → 4, 3 points lower)" in output
    assert "Logged Paracetamol (acetaminophen) 1000 mg" in output
    data = json.loads(run(app, started, "history", "--json"))
    [checkin] = data["checkins"]
    assert checkin["note"] == "better after walking"
    assert checkin["actions"] == [{"action": "ice", "count": 2}, {"action": "walk", "count": 2}]
    assert checkin["activities"] == [{"name": "putting on socks", "score": 3}]
    assert checkin["doses"][0]["drug"] == "paracetamol"
    table = run(app, started, "history")
    assert "Cold pack×2, Walking×2" in table  # actions by their labels, never ids
    assert "self-care" in table


def test_checkin_without_pain_outside_a_terminal_asks_for_the_flag(
    app: typer.Typer, started: str
) -> None:
    exit_code, result = invoke(app, ["checkin", "--db", started], input="")
    assert exit_code == EXIT_INPUT
    assert "--pain" in str(result.exception)


@pytest.mark.parametrize(
    "option",
    [
        pytest.param(["--activity", "socks"], id="activity-without-score"),
        pytest.param(["--activity", "socks=11"], id="activity-score-too-high"),
        pytest.param(["--did", "yoga"], id="unknown-action"),
        pytest.param(["--med", "ibuprofen"], id="dose-without-mg"),
        pytest.param(["--med", "ibuprofen:lots"], id="dose-not-a-number"),
        pytest.param(["--med", "ibuprofen:200@25:99"], id="dose-bad-time"),
        pytest.param(["--flag", "fever=maybe"], id="flag-not-yes-no"),
        pytest.param(["--flag", "feverish=yes"], id="unknown-flag"),
        pytest.param(["--at", "yesterday-ish"], id="bad-time"),
    ],
)
def test_malformed_checkin_options_exit_2_and_record_nothing(
    app: typer.Typer, started: str, option: list[str]
) -> None:
    run(app, started, "checkin", "--pain", "5", *option, code=EXIT_INPUT)
    assert "no check-ins yet" in run(app, started, "history")


@pytest.mark.parametrize(
    "extra",
    [pytest.param([], id="plain"), pytest.param(["--override-dose"], id="old-override-option")],
)
def test_a_dose_over_a_limit_is_recorded_flagged_with_the_rest_and_advice(
    app: typer.Typer, started: str, extra: list[str]
) -> None:
    run(app, started, "checkin", "--pain", "5", "--med", "ibuprofen:400@2h")
    output = run(
        app, started, "checkin", "--pain", "3", "--did", "walk=6", "--med", "ibuprofen:400",
        "--note", "took another", *extra,
    )  # fmt: skip
    assert "recorded as over your limit, not as taken as planned" in output
    assert "leave at least 4 hours between doses" in output
    assert "Do not take any more Ibuprofen before" in output
    assert "NHS 111" in output
    assert "NHS: ibuprofen" in output
    latest = json.loads(run(app, started, "history", "--json"))["checkins"][-1]
    assert (latest["pain"], latest["note"]) == (3, "took another")
    assert latest["actions"] == [{"action": "walk", "count": 6}]
    assert latest["doses"][0]["overridden"] is True
    assert "Ibuprofen 400!" in run(app, started, "history")


def test_new_red_flag_at_checkin_shows_the_emergency_first(app: typer.Typer, started: str) -> None:
    output = run(app, started, "checkin", "--pain", "6", "--flag", "saddle_numbness=yes")
    assert output.index("CALL 999 NOW") < output.index("Check-in recorded")
    assert "raised the level from self-care to emergency" in output


def test_worse_pain_tells_the_person_to_see_a_doctor_with_sources(
    app: typer.Typer, started: str
) -> None:
    output = run(app, started, "checkin", "--pain", "9")
    assert "worse" in output
    assert "See a doctor within the next few days" in output
    assert "NHS: Back pain" in output  # sources by their short titles


def test_trend_draws_terminal_and_image_charts(
    app: typer.Typer, started: str, tmp_path: Path
) -> None:
    for hours, pain in (("60h", 6), ("36h", 5), ("12h", 4)):
        run(app, started, "checkin", "--pain", str(pain), "--at", hours)
    png, svg = tmp_path / "trend.png", tmp_path / "trend.svg"
    output = run(app, started, "trend", "--png", str(png), "--svg", str(svg))
    assert "Your pain is better than when you started (7 → 4, 3 points lower)" in output
    assert "Thresholds: 2 points or 30% (Ostelo 2008, Spine)" in output
    assert "◀ baseline" in output
    assert png.read_bytes().startswith(b"\x89PNG")
    assert b"<svg" in svg.read_bytes()[:500]
    data = json.loads(run(app, started, "trend", "--json"))
    assert data["pain"] | {"sources": None} == {
        "baseline": 7,
        "current": 4,
        "trend": "better",
        "sources": None,
        "points": -3,
        "percent": -42.9,
    }


def test_trend_image_of_an_empty_episode_is_refused(
    app: typer.Typer, started: str, tmp_path: Path
) -> None:
    run(app, started, "trend", "--png", str(tmp_path / "x.png"), code=EXIT_INPUT)


def test_plan_shows_todays_plan_for_the_phase(app: typer.Typer, started: str) -> None:
    output = run(app, started, "plan")
    assert "Phase: subacute" in output


def test_episode_show_and_resolve(app: typer.Typer, started: str) -> None:
    run(app, started, "checkin", "--pain", "1", "--at", "1h")
    shown = run(app, started, "episode", "show")
    assert "Episode 1 (active)" in shown
    assert "trigger    lifting" in shown
    resolved = run(app, started, "episode", "resolve", "--summary", "Gone.")
    assert "Episode 1 resolved." in resolved
    assert "Summary" in run(app, started, "episode", "show", "1")
    run(app, started, "episode", "resolve", "1", code=EXIT_CONFLICT)
    run(app, started, "episode", "show", "7", code=EXIT_NOT_FOUND)
    run(app, started, "checkin", "--pain", "1", code=EXIT_NOT_FOUND)


def test_export_and_import_round_trip_between_databases(
    app: typer.Typer, started: str, tmp_path: Path
) -> None:
    run(app, started, "checkin", "--pain", "5", "--note", 'comma, "quotes"\nand a newline')
    for fmt in ("json", "csv"):
        target = f"sqlite:///{tmp_path / f'copy-{fmt}.sqlite3'}"
        exported = tmp_path / f"diary.{fmt}"
        run(app, started, "export", "--format", fmt, "--output", str(exported))
        assert "Imported 1 episode, 1 check-in and 0 doses." in run(
            app, target, "import", str(exported)
        )
        assert run(app, target, "export") == run(app, started, "export")
        run(app, target, "import", str(exported), code=EXIT_CONFLICT)


def test_import_refuses_foreign_and_missing_files(
    app: typer.Typer, db: str, tmp_path: Path
) -> None:
    foreign = tmp_path / "other.json"
    foreign.write_text('{"resourceType": "Bundle"}')
    exit_code, result = invoke(app, ["import", str(foreign), "--db", db])
    assert exit_code == EXIT_INPUT
    assert "not a backcare diary export" in str(result.exception)
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0")
    run(app, db, "import", str(binary), code=EXIT_INPUT)
    run(app, db, "import", str(tmp_path / "missing.json"), code=EXIT_INPUT)
    run(app, db, "export", "--format", "xml", code=EXIT_INPUT)


def test_import_reads_standard_input(app: typer.Typer, started: str, tmp_path: Path) -> None:
    text = run(app, started, "export")
    target = f"sqlite:///{tmp_path / 'stdin.sqlite3'}"
    assert "Imported 1 episode" in run(app, target, "import", "-", input=text)


def test_commands_on_an_empty_diary_are_not_found(app: typer.Typer, db: str) -> None:
    for command in (["history"], ["trend"], ["plan"], ["episode", "show"], ["episode", "resolve"]):
        run(app, db, *command, code=EXIT_NOT_FOUND)


def test_unusable_database_exits_6(app: typer.Typer) -> None:
    exit_code, _ = invoke(app, ["history", "--db", "nosuchdb://x/y"])
    assert exit_code == EXIT_STORE


def test_database_url_setting_is_used_without_db(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'from-env.sqlite3'}"
    monkeypatch.setenv("BACKCARE_DATABASE_URL", url)
    exit_code, _ = invoke(app, ["episode", "start", "--pain", "5"])
    assert exit_code == 0
    assert (tmp_path / "from-env.sqlite3").exists()


def test_main_cli_has_the_diary_commands() -> None:
    """Fails, rather than skips, when the diary commands are not registered: that is the bug."""
    from backcare.cli.app import app as main_app

    names = {c.name for c in main_app.registered_commands} | {
        g.name for g in main_app.registered_groups
    }
    assert {"episode", "checkin", "history", "trend", "plan", "export", "import"} <= names


@pytest.mark.slow
def test_interactive_checkin_asks_each_question(tmp_path: Path, db: str, app: typer.Typer) -> None:
    pexpect = pytest.importorskip("pexpect")
    run(app, db, "episode", "start", "--onset", "1d", "--pain", "7", "--age", "40")
    script = tmp_path / "cli.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from store_fixtures import cli_app\n"
        "cli_app()(standalone_mode=False)\n"
    )
    env = os.environ | {"COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"}
    child = pexpect.spawn(
        sys.executable,
        [str(script), "checkin", "--db", db],
        env=env,
        encoding="utf-8",
        timeout=30,
    )
    try:
        for prompt, answer in (
            ("Pain now", "4"),
            ("Worst pain", "6"),
            ("Name an activity", "sitting"),
            ("Name an activity", ""),
            ("How well can you do 'sitting'", "5"),
            ("used ice", "2"),
            ("used heat", ""),
            ("used walk", "1"),
            ("used exercises", ""),
            ("Medicine taken", "paracetamol:500@1h"),
            ("Medicine taken", ""),
            ("new or changed symptoms", "n"),
            ("Note", "typed in a terminal"),
        ):
            child.expect(prompt)
            child.sendline(answer)
        child.expect("Check-in recorded")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    data = json.loads(run(app, db, "history", "--json"))
    [checkin] = data["checkins"]
    assert (checkin["pain"], checkin["worst_pain"], checkin["note"]) == (
        4,
        6,
        "typed in a terminal",
    )
    assert checkin["activities"] == [{"name": "sitting", "score": 5}]
    assert checkin["actions"] == [{"action": "ice", "count": 2}, {"action": "walk", "count": 1}]


@pytest.fixture
def typing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend a person is at a terminal, so checkin asks its questions."""
    monkeypatch.setattr("backcare.cli.diary._interactive", lambda: True)


def _answers(*lines: str) -> str:
    return "\n".join(lines) + "\n"


@pytest.mark.usefixtures("typing")
def test_interactive_checkin_records_answers_and_a_dose_over_a_limit(
    app: typer.Typer, started: str
) -> None:
    run(app, started, "checkin", "--pain", "5", "--med", "ibuprofen:400@1h")
    answers = _answers(
        "eleven",  # not a number: asked again
        "4",  # pain now
        "",  # worst: skipped
        "sitting",  # an activity
        "",  # no more activities
        "5",  # sitting now
        "2",  # ice
        "",  # heat
        "",  # walk
        "",  # exercises
        "ibuprofen",  # malformed: told and asked again
        "ibuprofen:400",  # too soon after the last dose
        "",  # no more medicines
        "y",  # new symptoms
        "no",  # saddle numbness
        "yes",  # bladder or bowel change: an emergency, no more questions
        "typed at a terminal",  # note
    )
    output = run(app, started, "checkin", input=answers)
    assert "Please type a whole number from 0 to 10" in output
    assert "use DRUG:MG" in output
    assert "leave at least 4 hours between doses" in output
    assert "CALL 999 NOW" in output
    data = json.loads(run(app, started, "history", "--json"))
    latest = data["checkins"][-1]
    assert latest["note"] == "typed at a terminal"
    assert latest["answers_update"] == {
        "red_flags": {"saddle_numbness": False, "bladder_or_bowel_change": True}
    }
    assert latest["doses"][0]["overridden"] is True
    assert latest["activities"] == [{"name": "sitting", "score": 5}]


@pytest.mark.usefixtures("typing")
def test_interactive_checkin_offers_to_resolve_after_a_week_at_0_to_1(
    app: typer.Typer, db: str
) -> None:
    run(app, db, "episode", "start", "--onset", "10d", "--pain", "6", "--trigger", "lifting")
    for days in range(7, 0, -1):
        run(app, db, "checkin", "--pain", "0", "--at", f"{days}d", "--did", "walk")
    output = run(app, db, "checkin", input=_answers("0", "0", "", "", "", "", "", "", "n", "", "y"))
    assert "that counts as recovered" in output
    assert "Episode 1 resolved." in output
    assert "Recovered (pain 0-1 for 7 days in a row" in output
    assert "Self-care: Walking ×7." in output


@pytest.mark.parametrize(
    "command",
    [pytest.param(("history",), id="history"), pytest.param(("plan",), id="plan")],
)
def test_an_incomplete_episode_shows_its_open_questions_not_self_care(
    app: typer.Typer, started: str, command: tuple[str, ...]
) -> None:
    output = run(app, started, *command)
    assert "We can't tell yet" in output
    assert "SELF-CARE" not in output
    assert "around your genitals" in output  # the first open question, as a question
    assert "backcare checkin" in output


def test_plan_shows_what_is_due_next_today(app: typer.Typer, started: str) -> None:
    output = run(app, started, "plan")
    assert "╭─ Today" in output
    assert "Next " in output or "Nothing more today" in output


def test_history_lists_coach_sessions_in_the_table_and_the_json(
    app: typer.Typer, started: str
) -> None:
    from datetime import UTC, datetime

    from backcare.store import open_store

    run(app, started, "checkin", "--pain", "5")
    with open_store(started) as store:
        add_coach_session(store, now=datetime.now(UTC))
    table = run(app, started, "history")
    assert "Exercise sessions: 1" in table
    assert "1 of 1 exercises done, 6 holds, 5 min, pain 5 → 4: finished" in table
    data = json.loads(run(app, started, "history", "--json"))
    assert [s["pain_after"] for s in data["coach_sessions"]] == [4]


@pytest.mark.usefixtures("typing")
@pytest.mark.parametrize(
    ("reply", "level", "update"),
    [
        pytest.param("y", "self_care", {"red_flags": {"fever": False}}, id="said-gone"),
        pytest.param("n", "urgent", None, id="still-there"),
    ],
)
def test_interactive_checkin_asks_whether_an_earlier_warning_sign_has_gone(
    app: typer.Typer, started: str, reply: str, level: str, update: object
) -> None:
    run(app, started, "checkin", "--pain", "5", "--flag", "fever=yes")
    answers = _answers("4", "", "", "", "", "", "", "", reply, "n", "")
    output = run(app, started, "checkin", input=answers)
    assert "You told us earlier:" in output
    assert "PSFS" in output
    data = json.loads(run(app, started, "history", "--json"))
    assert [c["triage_level"] for c in data["checkins"]] == ["urgent", level]
    assert data["checkins"][-1]["answers_update"] == update
