"""Settings are typed and documented; the exception tree maps to exit codes and statuses."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path

import pytest

from backcare import errors
from backcare.settings import COMMON_EMERGENCY_NUMBERS, Settings, get_settings

DOCS = Path(__file__).parents[1] / "docs"


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in Settings.model_fields])
def test_every_setting_is_documented(name: str) -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    assert f"BACKCARE_{name.upper()}" in text


def test_every_setting_has_help_text() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description, name


@pytest.mark.parametrize("number", [pytest.param(n, id=n) for n in COMMON_EMERGENCY_NUMBERS])
def test_common_emergency_numbers_are_accepted(number: str) -> None:
    assert Settings(emergency_number=number).emergency_number == number


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        pytest.param(
            {"BACKCARE_EMERGENCY_NUMBER": "nine"}, "BACKCARE_EMERGENCY_NUMBER", id="bad-number"
        ),
        pytest.param(
            {"BACKCARE_WAKE_TIME": "23:00", "BACKCARE_SLEEP_TIME": "07:00"},
            "sleep_time",
            id="sleep-before-wake",
        ),
        pytest.param({"BACKCARE_WAKE_TIME": "soon"}, "BACKCARE_WAKE_TIME", id="bad-time"),
    ],
)
def test_bad_settings_raise_input_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], fragment: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(errors.InputError) as caught:
        get_settings()
    assert fragment in str(caught.value)


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKCARE_EMERGENCY_NUMBER", "911")
    monkeypatch.setenv("BACKCARE_WAKE_TIME", "06:30")
    settings = get_settings()
    assert settings.emergency_number == "911"
    assert settings.wake_time == time(6, 30)


@pytest.mark.parametrize(
    ("cls", "exit_code", "status"),
    [
        pytest.param(errors.InputError, 2, 422, id="input"),
        pytest.param(errors.ImportFormatError, 2, 422, id="import-format"),
        pytest.param(errors.KnowledgeBaseError, 3, 500, id="knowledge-base"),
        pytest.param(errors.NotFoundError, 4, 404, id="not-found"),
        pytest.param(errors.ConflictError, 5, 409, id="conflict"),
        pytest.param(errors.DoseLimitError, 5, 409, id="dose-limit"),
        pytest.param(errors.StoreError, 6, 503, id="store"),
    ],
)
def test_error_classes_carry_exit_code_and_status(
    cls: type[errors.BackcareError], exit_code: int, status: int
) -> None:
    err = cls("boom", problems=[errors.FieldProblem("age", "too old")])
    assert isinstance(err, errors.BackcareError)
    assert (err.exit_code, err.status) == (exit_code, status)
    assert "age: too old" in str(err)


def test_exception_tree_in_docstring_matches_the_classes() -> None:
    doc = errors.__doc__ or ""
    drawn = set(re.findall(r"([A-Z][A-Za-z]+Error)", doc))
    defined = {n for n in errors.__all__ if n.endswith("Error")}
    assert drawn == defined
