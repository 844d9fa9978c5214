"""Export and import: lossless JSON/CSV round trips, refusal of foreign files, all or nothing."""

from __future__ import annotations

import csv
import json
import string
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcare.coach.progression import Step
from backcare.coach.symptoms import Symptom
from backcare.diary import CheckInEntry, Diary, DoseEntry, EpisodeStatus, SelfCareAction
from backcare.diary.inputs import parse_action, parse_activity
from backcare.domain.enums import Phase, Trend, TriageLevel, Trigger
from backcare.errors import ConflictError, ImportFormatError
from backcare.export.transfer import (
    CSV_COLUMNS,
    dump,
    episode_data,
    episode_document,
    export_diary,
    import_diary,
    parse,
)
from backcare.store import Store, open_store
from store_fixtures import (  # noqa: F401  (fixtures)
    START,
    FakeClock,
    clock,
    diary,
    sqlite_store,
    sqlite_url,
    start_answers,
    store,
    store_url,
)

# --- strategies -----------------------------------------------------------------------

# Free text: anything a person may write (control characters other than newline and tab
# are refused), including what a spreadsheet would run as a formula.
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t=+-@'"),
    min_size=1,
    max_size=25,
)
names = st.text(alphabet=string.ascii_letters + " ,\"'\n\t;=+-@é😀", min_size=1, max_size=20)
utc = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2025, 12, 31), timezones=st.just(UTC)
)
hours = st.integers(0, 2000).map(lambda h: timedelta(hours=h))
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
answers = st.fixed_dictionaries(
    {},
    optional={
        "pain": st.integers(0, 10),
        "age": st.integers(16, 100),
        "trigger": st.sampled_from([t.value for t in Trigger]),
        "conditions": st.lists(st.sampled_from(["pregnant", "kidney_disease"]), unique=True),
        "red_flags": st.fixed_dictionaries(
            {}, optional={"fever": st.booleans(), "saddle_numbness": st.booleans()}
        ),
    },
)


def _sorted_times(count: int) -> st.SearchStrategy[list[datetime]]:
    return st.lists(utc, min_size=count, max_size=count).map(sorted)


def _times_between(first: datetime, last: datetime, count: int) -> st.SearchStrategy[Any]:
    span = int((last - first).total_seconds())
    seconds = st.lists(st.integers(0, max(span, 0)), min_size=count, max_size=count)
    return seconds.map(lambda values: [first + timedelta(seconds=v) for v in sorted(values)])


@st.composite
def doses(draw: st.DrawFn, first: datetime, last: datetime) -> list[dict[str, Any]]:
    # Round trips of doses over a limit need their override; doses within the limits
    # are covered by the tests of import's dose checks.
    count = draw(st.integers(0, 3))
    return [
        {
            "drug": draw(st.sampled_from(["ibuprofen", "naproxen", "paracetamol"])),
            "mg": draw(st.integers(1, 5000)),
            "taken_at": taken.isoformat(),
            "overridden": True,
            "override_reason": draw(st.none() | texts),
        }
        for taken in draw(_times_between(first - timedelta(hours=24), last, count))
    ]


updates = st.fixed_dictionaries(
    {},
    optional={
        "conditions": st.lists(st.sampled_from(["pregnant", "kidney_disease"]), unique=True),
        "red_flags": st.fixed_dictionaries(
            {}, optional={"fever": st.booleans(), "saddle_numbness": st.booleans()}
        ),
    },
).filter(lambda update: any(update.values()))


@st.composite
def checkins(draw: st.DrawFn, onset: datetime, last: datetime) -> list[dict[str, Any]]:
    count = draw(st.integers(0, 4))
    result = []
    for recorded in draw(_times_between(onset, last, count)):
        activities = draw(st.lists(names, max_size=3, unique=True))
        actions = draw(st.lists(st.sampled_from(list(SelfCareAction)), unique=True))
        result.append(
            {
                "recorded_at": recorded.isoformat(),
                "pain": draw(st.integers(0, 10)),
                "worst_pain": draw(st.none() | st.integers(0, 10)),
                "days_of_self_care": draw(st.integers(0, 3650)),
                "trend": draw(st.none() | st.sampled_from([t.value for t in Trend])),
                "triage_level": draw(st.sampled_from([t.value for t in TriageLevel])),
                "triage_reasons": [
                    {
                        "id": draw(texts),
                        "message": draw(texts),
                        "level": draw(st.sampled_from([t.value for t in TriageLevel])),
                        "sources": draw(st.lists(texts, max_size=2)),
                    }
                    for _ in range(draw(st.integers(0, 2)))
                ],
                "answers_update": draw(st.none() | updates),
                "note": draw(st.none() | texts),
                "activities": [{"name": n, "score": draw(st.integers(0, 10))} for n in activities],
                "actions": [{"action": a.value, "count": draw(st.integers(1, 9))} for a in actions],
                "doses": draw(doses(onset, recorded)),
            }
        )
    return result


@st.composite
def coach_exercises(draw: st.DrawFn) -> dict[str, Any]:
    sides = draw(st.sampled_from(["both", "each"]))
    count = st.integers(0, 30)
    reps = {"both": draw(count)} if sides == "both" else {"left": draw(count), "right": draw(count)}
    return {
        "exercise_id": draw(st.sampled_from(["pelvic_tilt", "knee_to_chest", "bird_dog"])),
        "sides": sides,
        "target_hold_seconds": draw(st.integers(1, 120)),
        "target_reps": draw(st.integers(1, 30)),
        "achieved_hold_seconds": draw(st.floats(0, 600, allow_nan=False)),
        "reps": reps,
        "skipped": draw(st.booleans()),
        "step": draw(st.sampled_from([s.value for s in Step])),
        "step_reason": draw(texts),
    }


@st.composite
def coach_sessions(draw: st.DrawFn, first: datetime, last: datetime) -> list[dict[str, Any]]:
    count = draw(st.integers(0, 3))
    result = []
    for started in draw(_times_between(first, last, count)):
        symptom = draw(st.none() | st.sampled_from([s.value for s in Symptom]))
        ended = min(last, started + timedelta(seconds=draw(st.integers(0, 3600))))
        result.append(
            {
                "started_at": started.isoformat(),
                "ended_at": ended.isoformat(),
                "phase": draw(st.sampled_from([p.value for p in Phase])),
                "pain_before": draw(st.none() | st.integers(0, 10)),
                "pain_after": draw(st.none() | st.integers(0, 10)),
                "quit_early": draw(st.booleans()),
                "symptom": symptom,
                "stopped_for_symptom": symptom is not None and draw(st.booleans()),
                "triage_level": draw(st.none() | st.sampled_from([t.value for t in TriageLevel])),
                "active_seconds": draw(st.floats(0, 3600, allow_nan=False)),
                "exercises": draw(st.lists(coach_exercises(), max_size=3)),
            }
        )
    return result


@st.composite
def questionnaire_responses(
    draw: st.DrawFn, first: datetime, last: datetime
) -> list[dict[str, Any]]:
    """Responses that score with the shipped definitions (blank optional items left out)."""
    from backcare.knowledge.questionnaires import load_questionnaires

    definitions = load_questionnaires().definitions
    result = []
    for answered in draw(_times_between(first, last, draw(st.integers(0, 3)))):
        definition = draw(st.sampled_from(definitions))
        chosen = {
            item.id: draw(st.sampled_from([o.value for o in definition.options(item)]))
            for item in definition.items
        }
        # Leave out at most two optional items (the Oswestry index needs 8 of 10).
        optional = [i.id for i in definition.items if i.optional]
        for item_id in draw(st.lists(st.sampled_from(optional), max_size=2)) if optional else ():
            chosen.pop(item_id, None)
        result.append(
            {
                "questionnaire": definition.id,
                "version": definition.version,
                "answered_at": answered.isoformat(),
                "answers": chosen,
            }
        )
    return result


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(0, 3))
    starts = draw(_sorted_times(count))
    uids = draw(st.lists(st.uuids(), min_size=count, max_size=count, unique=True))
    active_last = draw(st.booleans())
    episodes = []
    for i, (started, uid) in enumerate(zip(starts, uids, strict=True)):
        active = active_last and i == count - 1
        onset = started - timedelta(hours=draw(st.integers(0, 200)))
        resolved = started + draw(hours)
        level = draw(st.sampled_from([t.value for t in TriageLevel]))
        episodes.append(
            {
                "uid": uid.hex,
                "onset_at": onset.isoformat(),
                "started_at": started.isoformat(),
                "trigger": draw(st.none() | st.sampled_from([t.value for t in Trigger])),
                "status": "active" if active else "resolved",
                "resolved_at": None if active else resolved.isoformat(),
                "summary": None if active else draw(st.none() | texts),
                "answers": draw(answers),
                "assessment": {"triage": {"level": level}}
                | draw(st.dictionaries(texts, json_values, max_size=4)),
                "checkins": draw(checkins(onset, resolved)),
                "doses": draw(doses(onset, resolved)),
                "coach_sessions": draw(coach_sessions(onset, resolved)),
                "questionnaires": draw(questionnaire_responses(onset, resolved)),
            }
        )
    return {"format": "backcare-diary", "version": 1, "episodes": episodes}


def fresh() -> Store:
    return open_store("sqlite://")


# --- round trips ----------------------------------------------------------------------


def wipe(store: Store) -> Store:  # noqa: F811
    """Empty every diary table (cheaper than a new database for each example)."""
    with store.write() as repo:
        for table in (
            "medicine_doses",
            "checkin_actions",
            "checkin_activities",
            "checkins",
            "coach_session_exercises",
            "coach_sessions",
            "questionnaire_responses",
        ):
            repo.session.execute(sa.text(f"DELETE FROM {table}"))
        repo.session.execute(sa.text("DELETE FROM episodes"))
    return store


@pytest.fixture(scope="module")
def two_stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Store]]:
    folder = tmp_path_factory.mktemp("roundtrip")
    with (
        open_store(f"sqlite:///{folder / 'a.sqlite3'}") as first,
        open_store(f"sqlite:///{folder / 'b.sqlite3'}") as second,
    ):
        yield first, second


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=documents())
def test_export_import_export_is_identical_in_json_and_csv(
    two_stores: tuple[Store, Store], document: dict[str, Any]
) -> None:
    first, second = (wipe(s) for s in two_stores)
    canonical = dump(parse(json.dumps(document)))
    import_diary(first, json.dumps(document))
    as_json = export_diary(first, fmt="json")
    as_csv = export_diary(first, fmt="csv")
    assert as_json == canonical
    import_diary(second, as_csv)
    assert export_diary(second, fmt="csv") == as_csv
    assert export_diary(second, fmt="json") == as_json


def _filled(diary: Diary, clock: FakeClock) -> None:  # noqa: F811
    diary.start_episode(onset=START, trigger="lifting", answers=start_answers(pain=7))
    for day, pain in enumerate([6, 5, 3], 1):
        clock.advance(days=1)
        diary.check_in(
            CheckInEntry(
                pain=pain,
                worst_pain=pain + 1,
                activities=(parse_activity("putting on socks=4"),),
                actions=(parse_action("walk=2"),),
                doses=(DoseEntry("paracetamol", 1000),),
                note=f'day {day}, "better",\nstill stiff',
                answers={"red_flags": {"fever": False}} if day == 2 else None,
            )
        )


def test_a_real_diary_round_trips_through_both_formats(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    _filled(diary, clock)
    original = export_diary(diary.store)
    csv_text = export_diary(diary.store, fmt="csv")
    assert csv_text.startswith("format,backcare-diary,version,1\r\n" + ",".join(CSV_COLUMNS))
    with fresh() as other:
        result = import_diary(other, csv_text)
        assert (result.episodes, result.checkins, result.doses) == (1, 3, 3)
        assert export_diary(other) == original
    data = json.loads(original)
    assert data["format"] == "backcare-diary"
    assert data["version"] == 1
    assert data["episodes"][0]["checkins"][1]["answers_update"] == {"red_flags": {"fever": False}}


def test_imported_diary_carries_on_where_it_left_off(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
    engine: Any,
) -> None:
    _filled(diary, clock)
    text = export_diary(diary.store)
    with Diary(fresh(), engine=engine, clock=clock, tz=UTC) as other:
        import_diary(other.store, text)
        clock.advance(days=1)
        result = other.check_in(CheckInEntry(pain=2))
        assert result.pain is not None
        assert result.pain.baseline == 7
        assert len(other.history().checkins) == 4


# --- refusals -------------------------------------------------------------------------

VALID = {"format": "backcare-diary", "version": 1, "episodes": []}


def _episode(**overrides: Any) -> dict[str, Any]:
    return {
        "uid": "a" * 32,
        "onset_at": "2026-03-02T08:00:00Z",
        "started_at": "2026-03-02T09:00:00Z",
        "status": "active",
        "answers": {"pain": 5},
        "assessment": {"triage": {"level": "self_care"}},
    } | overrides


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "not a backcare diary", id="empty"),
        pytest.param("hello", "not a backcare diary", id="plain-text"),
        pytest.param("[1, 2]", "not a backcare diary", id="json-list"),
        pytest.param('{"resourceType": "Bundle"}', "not a backcare diary", id="fhir-bundle"),
        pytest.param('{"format": "backcare-diary"', "not valid JSON", id="truncated-json"),
        pytest.param(
            json.dumps(VALID | {"version": 2}), "unsupported diary export version", id="newer"
        ),
        pytest.param(
            json.dumps(VALID | {"version": "1"}), "unsupported diary export version", id="str-ver"
        ),
        pytest.param(json.dumps(VALID | {"extra": 1}), "invalid content", id="unknown-key"),
        pytest.param(
            json.dumps(VALID | {"episodes": [_episode(answers={"pain": 11})]}),
            "inconsistent",
            id="bad-answers",
        ),
        pytest.param(
            json.dumps(VALID | {"episodes": [_episode(status="resolved")]}),
            "inconsistent",
            id="resolved-without-time",
        ),
        pytest.param(
            json.dumps(VALID | {"episodes": [_episode(onset_at="2026-03-02T08:00:00")]}),
            "invalid content",
            id="naive-time",
        ),
        pytest.param(
            json.dumps(VALID | {"episodes": [_episode(), _episode(uid="b" * 32)]}),
            "inconsistent",
            id="two-active",
        ),
        pytest.param(
            "format,backcare-diary,version,1\r\nrecord,episode\r\n", "columns", id="csv-cols"
        ),
        pytest.param("format,other,version,1\r\n", "not a backcare diary", id="csv-foreign"),
        pytest.param("format,backcare-diary,version,9\r\n", "version", id="csv-newer"),
        pytest.param(
            "format,backcare-diary,version,1\r\n"
            + ",".join(CSV_COLUMNS)
            + "\r\ncheckin,"
            + "a" * 32
            + ",1"
            + "," * (len(CSV_COLUMNS) - 3)
            + "\r\n",
            "episode not given before",
            id="csv-orphan-checkin",
        ),
        pytest.param(
            "format,backcare-diary,version,1\r\n" + ",".join(CSV_COLUMNS) + "\r\nepisode,x\r\n",
            "wrong number of cells",
            id="csv-short-row",
        ),
    ],
)
def test_malformed_or_foreign_files_are_refused_clearly(
    sqlite_store: Store,  # noqa: F811
    text: str,
    message: str,
) -> None:
    with pytest.raises(ImportFormatError, match=message) as caught:
        import_diary(sqlite_store, text)
    assert caught.value.exit_code == 2
    assert export_diary(sqlite_store) == dump(parse(json.dumps(VALID)))


def test_problems_name_the_place_in_the_file() -> None:
    bad = VALID | {"episodes": [_episode(checkins=[{"pain": 3}])]}
    with pytest.raises(ImportFormatError) as caught:
        parse(json.dumps(bad))
    fields = {p.field for p in caught.value.problems}
    assert "episodes.0.checkins.0.recorded_at" in fields


def test_import_is_all_or_nothing_when_an_episode_is_already_there(
    store: Store,  # noqa: F811
) -> None:
    resolved = _episode(uid="b" * 32, status="resolved", resolved_at="2026-03-03T09:00:00Z")
    import_diary(store, json.dumps(VALID | {"episodes": [_episode()]}))
    before = export_diary(store)
    later = _episode(started_at="2026-03-04T09:00:00Z")
    with pytest.raises(ConflictError, match="already in the diary"):
        import_diary(store, json.dumps(VALID | {"episodes": [resolved, later]}))
    assert export_diary(store) == before


def test_active_episode_cannot_be_imported_over_an_active_one(store: Store) -> None:  # noqa: F811
    import_diary(store, json.dumps(VALID | {"episodes": [_episode()]}))
    with pytest.raises(ConflictError, match="active episode"):
        import_diary(store, json.dumps(VALID | {"episodes": [_episode(uid="c" * 32)]}))


def test_import_of_a_resolved_episode_next_to_an_active_one_is_fine(store: Store) -> None:  # noqa: F811
    import_diary(store, json.dumps(VALID | {"episodes": [_episode()]}))
    old = _episode(uid="d" * 32, status="resolved", resolved_at="2026-03-03T09:00:00Z")
    assert import_diary(store, json.dumps(VALID | {"episodes": [old]})).episodes == 1
    with store.read() as repo:
        assert sorted(e.status for e in repo.episodes()) == [
            EpisodeStatus.ACTIVE,
            EpisodeStatus.RESOLVED,
        ]


def test_fast_episode_encoder_matches_the_pydantic_document(
    diary: Diary,  # noqa: F811
    clock: FakeClock,  # noqa: F811
) -> None:
    _filled(diary, clock)
    clock.advance(hours=5, seconds=1.234567)
    diary.check_in(CheckInEntry(pain=2, doses=(DoseEntry("paracetamol", 500),)))
    history = diary.history()
    args = (history.episode, history.checkins, history.doses)
    assert episode_data(*args) == episode_document(*args).model_dump(mode="json")


def _csv_lines() -> list[str]:
    checkin = {
        "recorded_at": "2026-03-02T10:00:00Z",
        "pain": 5,
        "days_of_self_care": 0,
        "triage_level": "self_care",
        "activities": [{"name": "socks", "score": 4}],
        "actions": [{"action": "ice", "count": 2}],
        "doses": [{"drug": "ibuprofen", "mg": 200, "taken_at": "2026-03-02T09:00:00Z"}],
    }
    document = VALID | {"episodes": [_episode(checkins=[checkin])]}
    return dump(parse(json.dumps(document)), fmt="csv").split("\r\n")


def _edited(row: int, column: str, value: str) -> str:
    lines = _csv_lines()
    cells = lines[row].split(",")
    cells[CSV_COLUMNS.index(column)] = value
    lines[row] = ",".join(cells)
    return "\r\n".join(lines)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(lambda: _edited(3, "pain", "x"), "cannot be read", id="int-cell"),
        pytest.param(lambda: _edited(6, "overridden", "maybe"), "cannot be read", id="bool-cell"),
        pytest.param(lambda: _edited(3, "checkin", "2"), "numbered 1, 2, 3", id="numbering"),
        pytest.param(lambda: _edited(4, "checkin", "5"), "not given before", id="missing-checkin"),
        pytest.param(lambda: _edited(4, "record", "photo"), "unknown or misplaced", id="record"),
        pytest.param(lambda: _edited(3, "answers_update", "{oops"), "cannot be read", id="json"),
        pytest.param(
            lambda: "\r\n".join([*_csv_lines()[:3], _csv_lines()[2], *_csv_lines()[3:]]),
            "duplicate episode",
            id="duplicate-episode-row",
        ),
        pytest.param(
            lambda: "\r\n".join(_csv_lines()[:1]), "columns are not those", id="no-columns-row"
        ),
    ],
)
def test_broken_csv_rows_are_refused_with_their_row(text: Any, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        parse(text())


def test_unbroken_csv_parses() -> None:
    document = parse("\r\n".join(_csv_lines()))
    assert document.episodes[0].checkins[0].doses[0].mg == 200


def _checkin(hour: int, **fields: Any) -> dict[str, Any]:
    return {
        "recorded_at": f"2026-03-02T{hour:02d}:00:00Z",
        "pain": 5,
        "days_of_self_care": 0,
        "triage_level": "self_care",
    } | fields


def _dose(hour: int) -> dict[str, Any]:
    return {"drug": "ibuprofen", "mg": 200, "taken_at": f"2026-03-02T{hour:02d}:00:00Z"}


@pytest.mark.parametrize(
    ("episodes", "field"),
    [
        pytest.param(
            [_episode(status="resolved", resolved_at="2026-03-03T00:00:00Z"), _episode()],
            "episodes",
            id="uid-twice",
        ),
        pytest.param(
            [
                _episode(started_at="2026-03-05T09:00:00Z"),
                _episode(uid="b" * 32, status="resolved", resolved_at="2026-03-03T00:00:00Z"),
            ],
            "episodes",
            id="episodes-out-of-order",
        ),
        pytest.param(
            [_episode(checkins=[_checkin(12), _checkin(10)])],
            "episodes.0.checkins",
            id="checkins-out-of-order",
        ),
        pytest.param(
            [_episode(doses=[_dose(12), _dose(10)])], "episodes.0.doses", id="doses-out-of-order"
        ),
        pytest.param(
            [_episode(checkins=[_checkin(10, doses=[_dose(9), _dose(8)])])],
            "episodes.0.checkins.0.doses",
            id="checkin-doses-out-of-order",
        ),
        pytest.param(
            [_episode(checkins=[_checkin(10, activities=[{"name": "a", "score": 1}] * 2)])],
            "episodes.0.checkins.0.activities",
            id="activity-twice",
        ),
        pytest.param(
            [_episode(checkins=[_checkin(10, actions=[{"action": "ice", "count": 1}] * 2)])],
            "episodes.0.checkins.0.actions",
            id="action-twice",
        ),
        pytest.param(
            [_episode(checkins=[_checkin(10, answers_update={"red_flags": {"fever": 1}})])],
            "episodes.0.checkins.0.answers_update.red_flags.fever",
            id="bad-answers-update",
        ),
    ],
)
def test_inconsistent_files_name_the_place(episodes: list[dict[str, Any]], field: str) -> None:
    with pytest.raises(ImportFormatError, match="inconsistent") as caught:
        parse(json.dumps(VALID | {"episodes": episodes}))
    assert field in {p.field for p in caught.value.problems}


# --- coach sessions ----------------------------------------------------------------------

SESSION: dict[str, Any] = {
    "started_at": "2026-01-05T10:00:00Z",
    "ended_at": "2026-01-05T10:06:00Z",
    "phase": "acute",
    "pain_before": 5,
    "pain_after": 4,
    "quit_early": False,
    "symptom": None,
    "stopped_for_symptom": False,
    "triage_level": None,
    "active_seconds": 300.5,
    "exercises": [
        {
            "exercise_id": "knee_to_chest",
            "sides": "each",
            "target_hold_seconds": 10,
            "target_reps": 3,
            "achieved_hold_seconds": 10.0,
            "reps": {"left": 3, "right": 3},
            "skipped": False,
            "step": "start",
            "step_reason": "first session",
        }
    ],
}


def _one_episode(**changes: Any) -> dict[str, Any]:
    episode = {
        "uid": "c" * 32,
        "onset_at": "2026-01-05T08:00:00Z",
        "started_at": "2026-01-05T09:00:00Z",
        "status": "active",
        "answers": {"pain": 6},
        "assessment": {"triage": {"level": "self_care"}},
        "coach_sessions": [SESSION],
    } | changes
    return {"format": "backcare-diary", "version": 1, "episodes": [episode]}


def test_coach_sessions_are_exported_and_imported_with_every_field() -> None:
    from backcare.store.coach import CoachRepository

    target = fresh()
    result = import_diary(target, json.dumps(_one_episode()))
    assert result.coach_sessions == 1
    with target.read() as repo:
        (episode,) = repo.episodes()
        (session,) = CoachRepository(repo).sessions(episode.id)
    assert session.reps_done == 6
    assert session.active_seconds == 300.5
    assert session.exercises[0].exercise_id == "knee_to_chest"
    exported = json.loads(export_diary(target))
    assert exported["episodes"][0]["coach_sessions"] == [SESSION]
    as_csv = export_diary(target, fmt="csv")
    assert "\r\ncoach_session," in as_csv
    assert "\r\ncoach_exercise," in as_csv
    again = fresh()
    assert import_diary(again, as_csv).coach_sessions == 1
    assert export_diary(again) == export_diary(target)


def test_exports_from_before_coach_sessions_still_import() -> None:
    old_json = _one_episode()
    del old_json["episodes"][0]["coach_sessions"]
    target = fresh()
    assert import_diary(target, json.dumps(old_json)).coach_sessions == 0
    # The CSV of that time: the columns up to the coach ones, rows as wide.
    new_csv = export_diary(target, fmt="csv").split("\r\n")
    width = CSV_COLUMNS.index("session")
    old_rows = [",".join(CSV_COLUMNS[:width])] + [
        ",".join(next(csv.reader([row]))[:width]) for row in new_csv[2:-2]
    ]
    old_csv = "\r\n".join([new_csv[0], *old_rows, new_csv[-2], ""])
    again = fresh()
    assert import_diary(again, old_csv).episodes == 1
    assert export_diary(again) == export_diary(target)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param(
            {"exercises": [SESSION["exercises"][0] | {"reps": {"both": 3}}]},
            "episodes.0.coach_sessions.0.exercises.0",
            id="reps-do-not-match-sides",
        ),
        pytest.param({"pain_after": 11}, "episodes.0.coach_sessions.0.pain_after", id="pain-11"),
        pytest.param(
            {"ended_at": "2026-01-05T09:59:00Z"},
            "episodes.0.coach_sessions.0.ended_at",
            id="ends-before-it-starts",
        ),
        pytest.param(
            {"started_at": "2026-01-05T07:00:00Z"},
            "episodes.0.coach_sessions.0.started_at",
            id="before-the-onset",
        ),
        pytest.param(
            {"stopped_for_symptom": True},
            "episodes.0.coach_sessions.0",
            id="stopped-for-no-symptom",
        ),
    ],
)
def test_impossible_coach_sessions_are_refused_naming_the_field(
    change: dict[str, Any], field: str
) -> None:
    target = fresh()
    with pytest.raises(ImportFormatError) as refused:
        import_diary(target, json.dumps(_one_episode(coach_sessions=[SESSION | change])))
    assert any(p.field.startswith(field) for p in refused.value.problems), refused.value.problems
    with target.read() as repo:
        assert repo.episodes() == []
