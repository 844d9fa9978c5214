"""``assess --json``'s fast path: the full path's bytes, and it steps aside when unsure.

Each test runs real ``backcare`` processes with their own cache folder, so the first
run takes the full path (and stores the compiled protocol) and later runs can take
the fast one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.factories import all_no

from backcare.cli.fast import json_source, protocol_key, save_protocol
from backcare.locations import cache_folder

# Runs the command line in a fresh interpreter and reports whether pydantic was imported.
_PROBE = (
    "import sys\n"
    "from backcare.cli import main\n"
    "status = main(sys.argv[1:])\n"
    "sys.stderr.write('pydantic-imported=%s\\n' % ('pydantic' in sys.modules))\n"
    "sys.exit(status)\n"
)


def _backcare(
    cache: Path, *args: str, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BACKCARE_")}
    environ.update(BACKCARE_CACHE_DIR=str(cache), **env)
    return subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environ,
        check=False,
        timeout=60,
    )


def _fast(proc: subprocess.CompletedProcess[str]) -> bool:
    return "pydantic-imported=False" in proc.stderr


ANSWERS: dict[str, Any] = all_no(age=40, pain=7, hours_since_onset=30, trigger="lifting")


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        pytest.param(["assess", "--json", "a.json"], "a.json", id="file"),
        pytest.param(["assess", "--json", "-"], "-", id="stdin"),
        pytest.param(["assess", "--json=a.json"], "a.json", id="equals-form"),
        pytest.param(["assess", "--input", "a.json"], None, id="readable-output"),
        pytest.param(["assess", "--json", "a.json", "--input", "b"], None, id="extra-option"),
        pytest.param(["assess"], None, id="no-source"),
        pytest.param(["kb", "check"], None, id="other-command"),
        pytest.param([], None, id="interactive"),
    ],
)
def test_only_exactly_assess_json_takes_the_fast_path(args: list[str], expect: str | None) -> None:
    assert json_source(args) == expect


def test_second_run_is_fast_and_byte_identical(tmp_path: Path) -> None:
    source = tmp_path / "answers.json"
    source.write_text(json.dumps(ANSWERS), encoding="utf-8")
    first = _backcare(tmp_path / "cache", "assess", "--json", str(source))
    second = _backcare(tmp_path / "cache", "assess", "--json", str(source))
    third = _backcare(tmp_path / "cache", "assess", "--json", "-", stdin=json.dumps(ANSWERS))
    assert (first.returncode, second.returncode, third.returncode) == (0, 0, 0)
    assert not _fast(first)
    assert _fast(second)
    assert _fast(third)
    assert second.stdout == first.stdout == third.stdout
    assert json.loads(first.stdout)["triage"]["level"] == "self_care"


@pytest.mark.parametrize(
    ("stdin", "field"),
    [
        pytest.param('{"pain": "7"}', "pain", id="wrong-type"),
        pytest.param('{"red_flags": {"fevr": true}}', "red_flags.fevr", id="typo"),
        pytest.param('{"pain": ', "-", id="not-json"),
    ],
)
def test_doubtful_input_gets_the_full_paths_error(tmp_path: Path, stdin: str, field: str) -> None:
    warm = _backcare(tmp_path, "assess", "--json", "-", stdin=json.dumps(ANSWERS))
    assert warm.returncode == 0
    proc = _backcare(tmp_path, "assess", "--json", "-", stdin=stdin)
    assert proc.returncode == 2
    assert f"  - {field}:" in proc.stderr
    assert proc.stdout == ""


def test_each_setting_gets_its_own_protocol(tmp_path: Path) -> None:
    flag = json.dumps({"red_flags": {"chest_pain": True}})
    for number in ("911", "112", "911"):
        proc = _backcare(
            tmp_path, "assess", "--json", "-", stdin=flag, BACKCARE_EMERGENCY_NUMBER=number
        )
        assert proc.returncode == 0
        assert f"Call {number} now" in proc.stdout
    assert len(list(tmp_path.glob("protocol-*.marshal"))) == 2


def test_a_changed_knowledge_file_changes_the_key(tmp_path: Path) -> None:
    environ = {"BACKCARE_CACHE_DIR": str(tmp_path)}
    path, key = protocol_key(environ)
    assert Path(path).parent == tmp_path
    assert protocol_key(environ) == (path, key)
    assert protocol_key({**environ, "BACKCARE_WAKE_TIME": "06:00"})[1] != key
    assert "red_flags.yaml" in key


def test_a_stale_or_broken_protocol_is_never_used(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BACKCARE_")}
    environ["BACKCARE_CACHE_DIR"] = str(tmp_path)
    path, _ = protocol_key(environ)
    Path(path).write_bytes(b"not marshal data")
    proc = _backcare(tmp_path, "assess", "--json", "-", stdin=json.dumps(ANSWERS))
    assert proc.returncode == 0
    assert not _fast(proc)
    Path(path).unlink()
    save_protocol({"format": 0}, {**environ, "BACKCARE_EMERGENCY_NUMBER": "000"})
    proc = _backcare(tmp_path, "assess", "--json", "-", stdin=json.dumps(ANSWERS))
    assert proc.returncode == 0
    assert not _fast(proc)


@pytest.mark.parametrize(
    ("environ", "expect"),
    [
        pytest.param({"BACKCARE_CACHE_DIR": "/x/y"}, "/x/y", id="configured"),
        pytest.param({"XDG_CACHE_HOME": "/xdg"}, None, id="xdg"),
        pytest.param({"XDG_CACHE_HOME": "  "}, None, id="blank-xdg"),
        pytest.param({}, None, id="home"),
    ],
)
def test_cache_folder_matches_platformdirs(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], expect: str | None
) -> None:
    from platformdirs import user_cache_dir

    for name in ("BACKCARE_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    want = expect or user_cache_dir("backcare", appauthor=False)
    assert cache_folder() == want


def test_a_file_that_is_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    source = tmp_path / "answers.json"
    source.write_bytes(b'{"pain": "\xff"}')
    warm = _backcare(tmp_path / "cache", "assess", "--json", "-", stdin=json.dumps(ANSWERS))
    assert _fast(warm) is False
    assert warm.returncode == 0
    for _ in range(2):
        proc = _backcare(tmp_path / "cache", "assess", "--json", str(source))
        assert proc.returncode == 2
        assert f"  - {source}: not UTF-8 text" in proc.stderr


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[" * 5000 + "]" * 5000, id="nested-5000-deep"),
        pytest.param('{"red_flags": ' * 3000 + "{}" + "}" * 3000, id="objects-3000-deep"),
        pytest.param('{"age": ' + "9" * 5000 + "}", id="5000-digit-integer"),
    ],
)
def test_hostile_json_is_an_input_error_not_a_traceback(tmp_path: Path, text: str) -> None:
    warm = _backcare(tmp_path / "cache", "assess", "--json", "-", stdin=json.dumps(ANSWERS))
    assert warm.returncode == 0
    for _ in range(2):  # the first run may build the stored protocol; the second uses it
        proc = _backcare(tmp_path / "cache", "assess", "--json", "-", stdin=text)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert "  - -: nested too deeply, or a number too large" in proc.stderr
