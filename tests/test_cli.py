"""The command line: JSON contract on stdout, exit codes, knowledge-base commands, interactive."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pexpect
import pytest
from tests.factories import all_no

from backcare.cli import main
from backcare.cli.app import EMERGENCY_EXIT_STATUS

ROOT = Path(__file__).parents[1]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_assess_json_prints_exactly_the_contract_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(all_no()))
    code, out, _ = _run(capsys, "assess", "--json", str(path))
    assert code == 0
    result = json.loads(out)
    assert set(result) >= {"triage", "plan"}
    assert result["triage"]["level"] == "self_care"
    assert result["triage"]["complete"] is True
    assert {
        "phase",
        "recommendations",
        "medications",
        "exercises",
        "schedule",
        "see_doctor_if",
    } <= set(result["plan"])
    ids = {r["id"] for r in result["plan"]["recommendations"]}
    assert {"cold_therapy", "keep_moving"} <= ids


def test_assess_json_reads_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = all_no()
    answers["red_flags"]["chest_pain"] = True
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(answers)))
    code, out, _ = _run(capsys, "assess", "--json", "-")
    assert code == 0
    result = json.loads(out)
    assert result["triage"]["level"] == "emergency"
    assert result["plan"]["exercises"] == []


@pytest.mark.parametrize(
    ("payload", "fragments"),
    [
        pytest.param('{"pain": 12}', ["pain", "10 or less"], id="out-of-range"),
        pytest.param(
            '{"red_flags": {"fevr": true}}', ["red_flags.fevr", "unknown key"], id="unknown-key"
        ),
        pytest.param('{"age": ', ["not valid JSON", "line 1"], id="malformed-json"),
        pytest.param("[1, 2]", ["JSON object"], id="not-an-object"),
    ],
)
def test_invalid_input_exits_2_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], payload: str, fragments: list[str]
) -> None:
    path = tmp_path / "answers.json"
    path.write_text(payload)
    code, out, err = _run(capsys, "assess", "--json", str(path))
    assert code == 2
    assert out == ""
    for fragment in fragments:
        assert fragment in err


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "assess", "--json", "/nonexistent/answers.json")
    assert code == 2
    assert "/nonexistent/answers.json" in err


def test_assess_needs_a_source(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "assess")
    assert code == 2
    assert "--json" in err


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "assess", "--frobnicate")
    assert code == 2
    assert "frobnicate" in err


def test_assess_input_renders_readably(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(all_no(hours_since_onset=5)))
    code, out, _ = _run(capsys, "assess", "--input", str(path))
    assert code == 0
    assert "SELF-CARE" in out
    assert "Sources:" in out
    assert "not a diagnosis" in out


def test_kb_check_prints_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "kb", "check")
    assert code == 0
    assert "knowledge base OK" in out
    assert "red_flags" in out


def test_kb_check_of_a_broken_folder_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "kb", "check", "--dir", str(tmp_path))
    assert code == 3
    assert "sources.yaml" in err


def test_kb_show_renders_the_protocol(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "kb", "show")
    assert code == 0
    assert out.startswith("# The backcare protocol")
    assert out == (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")


def test_emergency_number_setting_reaches_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = all_no()
    answers["red_flags"]["saddle_numbness"] = True
    env = {**os.environ, "BACKCARE_EMERGENCY_NUMBER": "112"}
    proc = subprocess.run(
        [sys.executable, "-m", "backcare.cli", "assess", "--json", "-"],
        input=json.dumps(answers),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["triage"]["emergency"]["number"] == "112"


def test_invalid_emergency_number_setting_is_refused() -> None:
    env = {**os.environ, "BACKCARE_EMERGENCY_NUMBER": "call someone"}
    proc = subprocess.run(
        [sys.executable, "-m", "backcare.cli", "assess", "--json", "-"],
        input="{}",
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 2
    assert "BACKCARE_EMERGENCY_NUMBER" in proc.stderr


# --- Interactive assessment through a real pseudo-terminal ---------------------------


def _spawn(*, story: str | None = "", **extra_env: str) -> Any:
    """Start the interactive assessment; answer (or, with "", skip) its story prompt."""
    env = {
        **os.environ,
        "COLUMNS": "120",
        "TERM": "dumb",
        "BACKCARE_EMERGENCY_NUMBER": "999",
        **extra_env,
    }
    child = pexpect.spawn(
        sys.executable, ["-m", "backcare.cli"], env=env, encoding="utf-8", timeout=30
    )
    if story is not None:
        child.expect("Tell us what happened")
        child.sendline(story)
    return child


@pytest.mark.slow
def test_interactive_stops_at_the_first_emergency_answer() -> None:
    child = _spawn()
    child.expect("Step 1 of 11")  # about you: it settles which questions apply
    child.expect("How old")
    child.sendline("40")
    child.expect("What is your sex")
    child.sendline("2")
    child.expect("Step 2 of 11")
    child.expect("Do any of these apply")  # the nerve signs, listed together
    child.sendline("y")
    child.expect("genitals")
    child.sendline("n")
    child.expect("bladder")
    child.sendline("y")
    child.expect("CALL 999 NOW")
    child.expect(pexpect.EOF)
    transcript = child.before or ""
    assert "Exercise" not in transcript
    child.close()
    assert child.exitstatus == EMERGENCY_EXIT_STATUS == 10  # distinct from 0 and the errors


@pytest.mark.slow
def _answer_everything(child: Any) -> None:
    """Answer every yes/no question "no", choices with their first option, numbers sensibly."""
    replies = {
        "(y/n/s)": "n",
        "Do any of these apply": "n",
        "1=Lifting": "1",
        "How old": "40",
        "1=Female": "1",
        "6h, 2d": "6h",
        "0 (none) to 10": "5",
        "0=none": "0",
        "How many days": "0",
        "1=Better": "1",
        # The unit, not "weight": the weight-loss red flag must get its own "n".
        "in centimetres": "s",
        "in kilograms": "s",
    }
    prompts = [*replies, "SELF-CARE"]
    while True:
        index = child.expect([re.escape(prompt) for prompt in prompts])
        if prompts[index] == "SELF-CARE":
            return
        child.sendline(replies[prompts[index]])


@pytest.mark.slow
def test_interactive_full_assessment_shows_plan_with_sources() -> None:
    child = _spawn()
    _answer_everything(child)
    child.expect("Cold pack")
    child.expect("Sources:")
    child.expect("episode diary")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


@pytest.mark.slow
def test_interactive_assessment_can_start_an_episode(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'diary.db'}"
    child = _spawn(BACKCARE_DATABASE_URL=url)
    _answer_everything(child)
    child.expect("episode diary")
    child.sendline("y")
    child.expect("Episode 1 started")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    shown = subprocess.run(
        [sys.executable, "-m", "backcare.cli", "episode", "show", "--db", url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert "lifting" in shown.stdout.lower()


@pytest.mark.slow
def test_interactive_skip_leaves_the_result_incomplete() -> None:
    child = _spawn()
    child.expect("How old")
    child.sendline("40")
    child.expect("What is your sex")
    child.sendline("s")
    child.expect("Do any of these apply")
    child.sendline("s")  # not sure: each is asked
    child.expect("genitals")
    child.sendline("s")
    for _ in range(60):
        index = child.expect(
            [r"\(y/n/s\)", r"\(1=", r"number,\s+or s", r"6h,\s+2d", "Do any", "We can't tell yet"]
        )
        if index == 5:
            break
        child.sendline("n" if index in {0, 4} else "s")
    child.expect("episode diary")
    shown = child.before or ""
    # A neutral state, the skipped question as a question, and how to answer it.
    assert "SELF-CARE" not in shown
    assert "around your genitals" in shown
    assert "red_flags.saddle_numbness" not in shown
    assert "run `backcare` again" in shown
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()


@pytest.mark.slow
def test_interactive_reprompts_on_a_bad_reply() -> None:
    child = _spawn()
    child.expect("How old")
    child.sendline("forty")
    child.expect("Please enter your age in years, for example 42")
    child.sendline("40")
    child.expect("What is your sex")
    child.sendline("1")
    child.expect("Do any of these apply")
    child.sendline("maybe")
    child.expect("Please answer y")
    child.sendline("y")
    child.expect("genitals")
    child.sendline("maybe")
    child.expect("please answer y")
    child.sendline("y")
    child.expect("CALL 999 NOW")
    child.close()
