"""Every time and free text the diary service accepts is bounded: CLI, web and import alike.

Onsets within the last year and not in the future (beyond a few minutes of clock
skew); check-ins within the episode; doses from the day before the onset; the ends
of the calendar refused in words rather than overflowing; control characters other
than newline and tab refused in new text, and stripped whenever the CLI prints text.
"""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcare.diary import (
    ActionCount,
    ActivityScore,
    CheckInEntry,
    Diary,
    DoseEntry,
    SelfCareAction,
)
from backcare.diary.inputs import parse_activity
from backcare.errors import InputError
from store_fixtures import (  # noqa: F401  (fixtures)
    START,
    FakeClock,
    cli_app,
    clock,
    invoke,
    sqlite_diary,
    sqlite_url,
)

YEAR_1 = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
YEAR_9999 = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14)))


@pytest.mark.parametrize(
    ("onset", "message"),
    [
        pytest.param(START + timedelta(minutes=6), "in the future", id="future"),
        pytest.param(START - timedelta(days=366), "before a year ago", id="older-than-a-year"),
        pytest.param(YEAR_1, "before a year ago", id="year-1-overflowing"),
        pytest.param(YEAR_9999, "in the future", id="year-9999-overflowing"),
        pytest.param(datetime(2026, 3, 2, 8), "without a time zone", id="naive"),
    ],
)
def test_impossible_onsets_are_refused_naming_the_field(
    sqlite_diary: Diary,  # noqa: F811
    onset: datetime,
    message: str,
) -> None:
    with pytest.raises(InputError, match=message) as caught:
        sqlite_diary.start_episode(onset=onset)
    assert [p.field for p in caught.value.problems] == ["onset"]
    assert sqlite_diary.episodes() == []


def test_an_onset_given_as_hours_ago_names_that_field(sqlite_diary: Diary) -> None:  # noqa: F811
    with pytest.raises(InputError, match="before a year ago") as caught:
        sqlite_diary.start_episode(answers={"hours_since_onset": 24 * 400})
    assert [p.field for p in caught.value.problems] == ["hours_since_onset"]


@pytest.mark.parametrize(
    "onset",
    [
        pytest.param(START + timedelta(minutes=4), id="clock-skew"),
        pytest.param(START - timedelta(days=364), id="almost-a-year-ago"),
    ],
)
def test_onsets_within_the_bounds_are_accepted(
    sqlite_diary: Diary,  # noqa: F811
    onset: datetime,
) -> None:
    assert sqlite_diary.start_episode(onset=onset).episode.onset_at == onset


@pytest.mark.parametrize(
    ("entry", "field", "message"),
    [
        pytest.param(CheckInEntry(pain=3, at=YEAR_9999), "at", "in the future", id="at-9999"),
        pytest.param(CheckInEntry(pain=3, at=YEAR_1), "at", "before the episode", id="at-year-1"),
        pytest.param(
            CheckInEntry(pain=3, at=START + timedelta(days=1)), "at", "future", id="at-tomorrow"
        ),
        pytest.param(
            CheckInEntry(pain=3, doses=(DoseEntry("ibuprofen", 200, YEAR_1),)),
            "doses.ibuprofen",
            "before the day before",
            id="dose-year-1",
        ),
        pytest.param(
            CheckInEntry(pain=3, doses=(DoseEntry("ibuprofen", 200, START - timedelta(days=2)),)),
            "doses.ibuprofen",
            "before the day before",
            id="dose-two-days-before-onset",
        ),
        pytest.param(
            CheckInEntry(pain=3, doses=(DoseEntry("ibuprofen", 200, YEAR_9999),)),
            "doses.ibuprofen",
            "in the future",
            id="dose-9999",
        ),
        pytest.param(
            CheckInEntry(pain=3, doses=(DoseEntry("ibuprofen", 2**63),)),
            "doses.ibuprofen",
            "whole number from 1",
            id="dose-2-to-the-63",
        ),
        pytest.param(
            CheckInEntry(pain=3, note="hello\x1b]0;pwned\x07"), "note", "control", id="esc-note"
        ),
        pytest.param(CheckInEntry(pain=3, note="a\x00b"), "note", "control", id="nul-note"),
        pytest.param(CheckInEntry(pain=3, note="a\x9bb"), "note", "control", id="c1-note"),
        pytest.param(
            CheckInEntry(pain=3, activities=(parse_activity("so\x1bcks=3"),)),
            "activities",
            "the check-in has problems",
            id="esc-activity",
        ),
        pytest.param(
            CheckInEntry(pain=3, answers={"pain": 4}), "pain", "works this out", id="pain-update"
        ),
        pytest.param(
            CheckInEntry(pain=3, actions=(ActionCount(SelfCareAction.ICE, 2**63),)),
            "actions.ice",
            "the check-in has problems",
            id="action-count-2-to-the-63",
        ),
        pytest.param(
            CheckInEntry(pain=3, activities=(ActivityScore("x" * 81, 3),)),
            "activities",
            "the check-in has problems",
            id="activity-name-too-long",
        ),
        pytest.param(
            CheckInEntry(pain=3, worst_pain=2**63), "worst_pain", "problems", id="worst-2-to-63"
        ),
    ],
)
def test_impossible_checkins_are_refused_naming_the_field_and_record_nothing(
    sqlite_diary: Diary,  # noqa: F811
    entry: CheckInEntry,
    field: str,
    message: str,
) -> None:
    sqlite_diary.start_episode(onset=START - timedelta(hours=3), answers={"pain": 6})
    with pytest.raises(InputError, match=message) as caught:
        sqlite_diary.check_in(entry)
    assert any(p.field.startswith(field) for p in caught.value.problems), caught.value.problems
    assert sqlite_diary.history().checkins == ()


def test_newlines_and_tabs_are_kept_in_notes(sqlite_diary: Diary) -> None:  # noqa: F811
    sqlite_diary.start_episode(onset=START - timedelta(hours=3), answers={"pain": 6})
    result = sqlite_diary.check_in(CheckInEntry(pain=3, note="line one\n\tline two"))
    assert result.checkin.note == "line one\n\tline two"


def test_a_dose_taken_the_morning_before_the_onset_counts(
    sqlite_diary: Diary,  # noqa: F811
) -> None:
    sqlite_diary.start_episode(onset=START, answers={"pain": 6, "age": 40})
    dose = DoseEntry("ibuprofen", 200, START - timedelta(hours=5))
    assert sqlite_diary.check_in(CheckInEntry(pain=3, doses=(dose,))).doses[0].allowed


# --- terminal escapes in the CLI's views ------------------------------------------------------

HOSTILE_NOTE = "calm\x1b]0;pwned\x07\x1b[2J\x1b]52;c;ZXZpbA==\x07\x9b31m end"


@pytest.fixture
def escaped_db(tmp_path: Path) -> str:
    """A diary whose note holds escapes, as an older backcare could have stored it."""
    db = f"sqlite:///{tmp_path / 'diary.sqlite3'}"
    app = cli_app()
    assert invoke(app, ["episode", "start", "--onset", "2h", "--pain", "6", "--db", db])[0] == 0
    assert invoke(app, ["checkin", "--pain", "4", "--note", "calm", "--db", db])[0] == 0
    engine = sa.create_engine(db)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE checkins SET note = :n"), {"n": HOSTILE_NOTE})
        connection.execute(sa.text("UPDATE episodes SET trigger = NULL"))
    engine.dispose()
    return db


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["history"], id="history"),
        pytest.param(["episode", "show"], id="episode-show"),
        pytest.param(["trend"], id="trend"),
        pytest.param(["episode", "resolve"], id="resolve-summary"),
    ],
)
def test_cli_views_strip_terminal_escapes_but_the_stored_note_keeps_them(
    escaped_db: str, args: list[str]
) -> None:
    app: typer.Typer = cli_app()
    if args == ["episode", "resolve"]:
        summary = ["--summary", "fine"]
        code, result = invoke(app, [*args, *summary, "--db", escaped_db])
        assert code == 0, result.output
        engine = sa.create_engine(escaped_db)
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE episodes SET summary = :n"), {"n": HOSTILE_NOTE})
        engine.dispose()
        args = ["episode", "show", "1"]
    code, result = invoke(app, [*args, "--db", escaped_db])
    assert code == 0, result.output
    assert not any(c in result.output for c in "\x1b\x07\x9b")
    if args[0] == "history":
        assert "calm]0;pwned" in result.output
    stored = json.loads(invoke(app, ["history", "--json", "--db", escaped_db])[1].output)
    assert stored["checkins"][0]["note"] == HOSTILE_NOTE


def test_cli_refuses_a_new_note_with_an_escape(escaped_db: str) -> None:
    app: typer.Typer = cli_app()
    code, result = invoke(app, ["checkin", "--pain", "3", "--note", "x\x1b[2J", "--db", escaped_db])
    assert code == 2
    assert "control character" in str(result.exception)


class _Terminal(io.TextIOWrapper):
    """Standard output that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("tty", [True, False], ids=["terminal", "pipe"])
def test_machine_readable_output_is_stripped_only_on_a_terminal(
    escaped_db: str, monkeypatch: pytest.MonkeyPatch, tty: bool
) -> None:
    from backcare.cli import _terminal

    raw = io.BytesIO()
    stream = _Terminal(raw, encoding="utf-8") if tty else io.TextIOWrapper(raw, encoding="utf-8")
    monkeypatch.setattr(_terminal.sys, "stdout", stream)
    _terminal.to_stdout(("note: " + HOSTILE_NOTE + "\r\n").encode())
    written = raw.getvalue().decode()
    if tty:
        assert written == "note: calm]0;pwned[2J]52;c;ZXZpbA==31m end\n"
    else:
        assert written == "note: " + HOSTILE_NOTE + "\r\n"


def test_answers_nested_thousands_deep_exit_2_naming_the_file(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text("[" * 5000 + "]" * 5000)
    db = f"sqlite:///{tmp_path / 'diary.sqlite3'}"
    code, result = invoke(cli_app(), ["episode", "start", "--answers", str(answers), "--db", db])
    assert code == 2
    assert str(answers) in str(result.exception)


# --- any check-in: recorded, or refused in words with nothing written ---------------------

_HOSTILE_INTS = st.sampled_from([-1, 0, 11, 101, 10_001, 2**31, 2**63, -(2**63), 10**20])
_HOSTILE_TIMES = st.one_of(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=14)), timezone(-timedelta(hours=14))]
        ),
    ),
    st.sampled_from([YEAR_1, YEAR_9999, START - timedelta(hours=7), START + timedelta(hours=4)]),
)
#: A valid check-in's fields, each with the hostile values tried in its place.
_FIELDS = {
    "pain": (4, _HOSTILE_INTS),
    "worst": (6, _HOSTILE_INTS),
    "mg": (500, _HOSTILE_INTS),
    "count": (2, _HOSTILE_INTS),
    "score": (5, _HOSTILE_INTS),
    "at": (None, _HOSTILE_TIMES),
    "taken": (None, _HOSTILE_TIMES),
    "note": ("fine", st.text(max_size=8)),
}


@st.composite
def checkin_fields(draw: st.DrawFn) -> dict[str, Any]:
    fields = {name: valid for name, (valid, _) in _FIELDS.items()}
    for name in draw(st.lists(st.sampled_from(list(_FIELDS)), max_size=2, unique=True)):
        fields[name] = draw(_FIELDS[name][1])
    return fields


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fields=checkin_fields())
def test_any_checkin_is_recorded_or_refused_in_words_with_nothing_written(
    sqlite_diary: Diary,  # noqa: F811
    fields: dict[str, Any],
) -> None:
    if not sqlite_diary.episodes():
        sqlite_diary.start_episode(onset=START - timedelta(hours=6), answers={"pain": 6})
    before = len(sqlite_diary.history().checkins)
    entry = CheckInEntry(
        pain=fields["pain"],
        worst_pain=fields["worst"],
        activities=(ActivityScore("socks", fields["score"]),),
        actions=(ActionCount(SelfCareAction.WALK, fields["count"]),),
        doses=(DoseEntry("paracetamol", fields["mg"], fields["taken"]),),
        note=fields["note"],
        at=fields["at"],
    )
    error = _refusal(sqlite_diary, entry)
    assert error is None or error.problems, error
    recorded = len(sqlite_diary.history().checkins) - before
    assert recorded == (0 if error is not None else 1)


def _refusal(diary: Diary, entry: CheckInEntry) -> InputError | None:
    try:
        diary.check_in(entry, override_dose_limits=True)
    except InputError as error:
        return error
    return None


def test_a_number_too_large_for_the_database_is_an_input_error_not_a_crash(
    sqlite_diary: Diary,  # noqa: F811
) -> None:
    from backcare.store import NewDose

    episode = sqlite_diary.start_episode(onset=START, answers={"pain": 6}).episode
    dose = NewDose(drug="paracetamol", mg=2**63, taken_at=START)
    with (
        pytest.raises(InputError, match="too large to store"),
        sqlite_diary.store.write() as repo,
    ):
        repo.add_doses(episode.id, [(dose, None)])
    assert sqlite_diary.history().doses == ()


# --- driver messages stay in the log ---------------------------------------------------------


def test_an_unreachable_database_is_described_without_host_or_port(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from backcare.errors import StoreError
    from backcare.store import open_store

    url = "postgresql+psycopg://nobody@127.0.0.1:9/backcare?connect_timeout=2"
    with (
        caplog.at_level(logging.WARNING, logger="backcare.store"),
        pytest.raises(StoreError) as caught,
    ):
        open_store(url)
    assert "127.0.0.1" not in str(caught.value)
    assert "9" not in str(caught.value)
    assert "details are in the log" in str(caught.value)
    assert any("127.0.0.1" in r.getMessage() for r in caught_records(caplog))


def caught_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "backcare.store"]


def test_a_clash_is_described_without_the_constraint(
    sqlite_diary: Diary,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    from backcare.errors import ConflictError

    episode = sqlite_diary.start_episode(onset=START, answers={"pain": 6}).episode
    with (
        caplog.at_level(logging.WARNING, logger="backcare.store"),
        pytest.raises(ConflictError, match="nothing was recorded") as caught,
        sqlite_diary.store.write() as repo,
    ):
        repo.session.execute(
            sa.text(
                "INSERT INTO episodes (uid, onset_at, started_at, answers, assessment, status) "
                "SELECT uid, onset_at, started_at, answers, assessment, 'resolved' FROM episodes"
            )
        )
    assert "constraint" not in str(caught.value)
    assert "episodes" not in str(caught.value)
    assert any("constraint" in r.getMessage() for r in caught_records(caplog))
    assert len(sqlite_diary.episodes()) == 1
    assert episode.uid == sqlite_diary.episodes()[0].uid


@pytest.mark.parametrize("text", ["99999999999d", "9999999999999h ago"])
def test_a_time_too_long_ago_is_refused_in_words(text: str) -> None:
    from backcare.diary.inputs import parse_time

    with pytest.raises(InputError, match="out of range") as caught:
        parse_time(text, now=START, tz=UTC, option="--onset")
    assert [p.field for p in caught.value.problems] == ["--onset"]
