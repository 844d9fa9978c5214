"""What people type: activities, actions, doses, flags and times, parsed or refused by name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from backcare.diary.inputs import (
    combine_actions,
    parse_action,
    parse_activity,
    parse_dose,
    parse_flag,
    parse_flags,
    parse_time,
)
from backcare.errors import InputError
from backcare.store import ActionCount, ActivityScore, SelfCareAction

NOW = datetime(2026, 3, 2, 0, 10, tzinfo=UTC)
PLUS_TWO = timezone(timedelta(hours=2))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("socks=4", ActivityScore("socks", 4), id="simple"),
        pytest.param(" putting   on socks = 0 ", ActivityScore("putting on socks", 0), id="spaces"),
        pytest.param("a=b=10", ActivityScore("a=b", 10), id="equals-in-name"),
    ],
)
def test_activities_are_read_as_name_and_score(text: str, expected: ActivityScore) -> None:
    assert parse_activity(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("socks", id="no-score"),
        pytest.param("=4", id="no-name"),
        pytest.param("socks=four", id="not-a-number"),
        pytest.param("socks=-1", id="negative"),
        pytest.param("x" * 81 + "=3", id="name-too-long"),
    ],
)
def test_bad_activities_name_the_option(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_activity(text)
    assert caught.value.problems[0].field == "--activity"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("ice", ActionCount(SelfCareAction.ICE, 1), id="once"),
        pytest.param("WALK=3", ActionCount(SelfCareAction.WALK, 3), id="count-any-case"),
    ],
)
def test_actions_are_read_with_counts(text: str, expected: ActionCount) -> None:
    assert parse_action(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("yoga", id="unknown"),
        pytest.param("ice=lots", id="not-a-number"),
        pytest.param("ice=0", id="zero"),
        pytest.param("ice=101", id="too-many"),
    ],
)
def test_bad_actions_are_refused(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_action(text)
    assert caught.value.problems[0].field == "--did"


def test_repeated_actions_add_up_and_are_capped() -> None:
    assert combine_actions([parse_action("ice"), parse_action("walk"), parse_action("ice=2")]) == (
        ActionCount(SelfCareAction.ICE, 3),
        ActionCount(SelfCareAction.WALK, 1),
    )
    with pytest.raises(InputError, match="count out of range"):
        combine_actions([parse_action("ice=60"), parse_action("ice=60")])


@pytest.mark.parametrize(
    ("text", "drug", "mg", "taken_at"),
    [
        pytest.param("ibuprofen:400", "ibuprofen", 400, None, id="no-time"),
        pytest.param("naproxen sodium:220mg", "naproxen sodium", 220, None, id="mg-suffix"),
        pytest.param(
            "paracetamol:500@23:30",
            "paracetamol",
            500,
            datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
            id="clock-time-just-after-midnight-is-last-night",
        ),
        pytest.param(
            "paracetamol:500@00:05",
            "paracetamol",
            500,
            datetime(2026, 3, 2, 0, 5, tzinfo=UTC),
            id="clock-time-earlier-today",
        ),
        pytest.param(
            "ibuprofen:200@90m", "ibuprofen", 200, NOW - timedelta(minutes=90), id="minutes-ago"
        ),
        pytest.param(
            "ibuprofen:200@2026-03-01T18:00:00+01:00",
            "ibuprofen",
            200,
            datetime(2026, 3, 1, 17, 0, tzinfo=UTC),
            id="iso-with-zone",
        ),
    ],
)
def test_doses_are_read_with_their_time(
    text: str, drug: str, mg: int, taken_at: datetime | None
) -> None:
    dose = parse_dose(text, now=NOW, tz=UTC)
    assert (dose.drug, dose.mg, dose.taken_at) == (drug, mg, taken_at)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("ibuprofen", id="no-mg"),
        pytest.param(":400", id="no-drug"),
        pytest.param("ibuprofen:0", id="zero-mg"),
        pytest.param("ibuprofen:99999", id="absurd-mg"),
        pytest.param("ibuprofen:4oo", id="typo"),
        pytest.param("ibuprofen:400@teatime", id="bad-time"),
    ],
)
def test_bad_doses_name_the_option(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_dose(text, now=NOW, tz=UTC)
    assert caught.value.problems[0].field == "--med"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("now", NOW, id="now"),
        pytest.param("3h", NOW - timedelta(hours=3), id="hours"),
        pytest.param("2d ago", NOW - timedelta(days=2), id="days-ago"),
        pytest.param("1.5h", NOW - timedelta(minutes=90), id="fractional"),
        pytest.param(
            "2026-03-01 09:00", datetime(2026, 3, 1, 9, 0, tzinfo=PLUS_TWO), id="naive-iso-local"
        ),
        pytest.param("01:00", datetime(2026, 3, 2, 1, 0, tzinfo=PLUS_TWO), id="clock-local-zone"),
    ],
)
def test_times_are_read_in_the_persons_zone(text: str, expected: datetime) -> None:
    assert parse_time(text, now=NOW, tz=PLUS_TWO) == expected


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        pytest.param("fever=yes", "red_flags.fever", True, id="short-name"),
        pytest.param("red_flags.fever=No", "red_flags.fever", False, id="full-path"),
        pytest.param("cancer=y", "history.cancer", True, id="history"),
        pytest.param("recurrent_same_spot=true", "course.recurrent_same_spot", True, id="course"),
    ],
)
def test_flags_map_to_answer_paths(text: str, path: str, value: bool) -> None:
    assert parse_flag(text) == (path, value)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("fever", id="no-answer"),
        pytest.param("fever=perhaps", id="not-yes-no"),
        pytest.param("trend=yes", id="derived-course-field"),
        pytest.param("days_of_self_care=yes", id="derived-days"),
    ],
)
def test_bad_flags_are_refused(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_flag(text)
    assert caught.value.problems[0].field == "--flag"


def test_flags_build_a_nested_answers_update() -> None:
    assert parse_flags(["fever=yes", "cancer=no", "saddle_numbness=no"]) == {
        "red_flags": {"fever": True, "saddle_numbness": False},
        "history": {"cancer": False},
    }
    assert parse_flags([]) is None
