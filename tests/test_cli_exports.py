"""``backcare export --format ics|fhir`` and the report commands through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backcare.cli import main


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'diary.db'}"
    assert main(["episode", "start", "--db", url, "--trigger", "lifting"]) == 0
    assert main(["checkin", "--db", url, "--pain", "5", "--did", "ice"]) == 0
    return url


def test_export_ics_writes_a_calendar_with_alarms(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from icalendar import Calendar

    out = tmp_path / "reminders.ics"
    assert main(["export", "--format", "ics", "--days", "2", "-o", str(out), "--db", db]) == 0
    calendar = Calendar.from_ical(out.read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert events
    # One alarm per slot of events that fall together, so fewer alarms than events.
    alarmed = [event for event in events if list(event.walk("VALARM"))]
    assert 0 < len(alarmed) < len(events)
    assert any("Cold" in str(event.get("SUMMARY")) for event in events)


def test_export_fhir_prints_a_bundle(db: str, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["export", "--format", "fhir", "--db", db]) == 0
    bundle = json.loads(capsysbinary.readouterr().out)
    assert bundle["resourceType"] == "Bundle"
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert {"Condition", "Observation", "CarePlan"} <= kinds


def test_export_unknown_format_exits_2_naming_it(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "--format", "xml", "--db", db]) == 2
    assert "xml" in capsys.readouterr().err


def test_report_with_inverted_range_exits_2_and_writes_nothing(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.html"
    code = main(
        [
            "report",
            "--from",
            "2026-03-10",
            "--to",
            "2026-03-01",
            "--format",
            "html",
            "-o",
            str(out),
            "--db",
            db,
        ]
    )
    assert code == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert "from" in err
