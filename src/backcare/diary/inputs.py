"""What a person types into the diary, parsed and checked: check-in entries and their parts.

The CLI (and later the web app) turns text such as ``--med ibuprofen:400@14:30`` or
``--flag fever=yes`` into these values with the ``parse_*`` helpers, so both edges
accept the same spellings and report mistakes the same way: an
:class:`~backcare.errors.InputError` whose problem names the option.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any

from backcare.domain.answers import Course, History, RedFlags
from backcare.errors import FieldProblem, InputError
from backcare.i18n import gettext
from backcare.store.records import ActionCount, ActivityScore, SelfCareAction

__all__ = [
    "CLOCK_SKEW",
    "DERIVED_ANSWERS",
    "DOSE_LEAD_TIME",
    "MAX_ACTION_COUNT",
    "MAX_ACTIVITY_NAME",
    "MAX_EPISODE_AGE",
    "MAX_MG",
    "MAX_NOTE_LENGTH",
    "PERSON_COURSE_FIELDS",
    "CheckInEntry",
    "DoseEntry",
    "bounded_time",
    "check_free_text",
    "combine_actions",
    "parse_action",
    "parse_activity",
    "parse_dose",
    "parse_flag",
    "parse_flags",
    "parse_time",
]

MAX_NOTE_LENGTH = 4000
#: A time a few minutes "in the future" is clock skew between devices, not a mistake.
CLOCK_SKEW = timedelta(minutes=5)
#: An episode of acute back spasm is weeks long: an onset older than this is a typo.
MAX_EPISODE_AGE = timedelta(days=365)
#: A dose may be logged from a day before the onset: it counts against the 24-hour limit.
DOSE_LEAD_TIME = timedelta(hours=24)
MAX_ACTION_COUNT = 100
MAX_MG = 10_000
MAX_ACTIVITY_NAME = 80
#: Course answers the person gives; the diary derives the others (days, trend).
PERSON_COURSE_FIELDS = ("recurrent_same_spot", "disrupts_sleep_or_daily_life")
#: Answers the diary works out itself (pain is the check-in's own field): a person's
#: answers update, typed or imported, may not set them.
DERIVED_ANSWERS = ("pain", "hours_since_onset", "course.days_of_self_care", "course.trend")

_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}
_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*(m|min|h|d)(?:\s+ago)?$")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# C0 controls but newline and tab, DEL and the C1 controls: terminal escapes (ESC, BEL,
# OSC...) that free text has no use for.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class DoseEntry:
    """A dose the person says they took; ``taken_at`` ``None`` means at check-in time."""

    drug: str
    mg: int
    taken_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CheckInEntry:
    """Everything one check-in can record. Only ``pain`` is required.

    Attributes:
        pain: pain now, 0-10.
        worst_pain: worst pain since the last check-in, 0-10.
        activities: up to 3 PSFS activities, each rated 0-10.
        actions: self-care done since the last check-in, with counts.
        doses: medicines taken (checked against the limits before recording).
        answers: new or changed answers in the answers contract, e.g.
            ``{"red_flags": {"fever": True}}``; triage re-runs with them.
        note: free text.
        at: when the check-in happened (default: now).
    """

    pain: int
    worst_pain: int | None = None
    activities: tuple[ActivityScore, ...] = ()
    actions: tuple[ActionCount, ...] = ()
    doses: tuple[DoseEntry, ...] = ()
    answers: Mapping[str, Any] | None = None
    note: str | None = None
    at: datetime | None = None


def _problem(option: str, message: str, problem: str) -> InputError:
    return InputError(message, problems=[FieldProblem(option, problem)])


def bounded_time(
    value: datetime, *, field: str, earliest: datetime, latest: datetime, what: str = ""
) -> datetime:
    """``value`` in UTC, if it is aware and within ``[earliest, latest]``.

    Every time the diary stores passes through here, so a year-1 or year-9999 time
    is refused in words instead of overflowing later (``astimezone`` itself
    overflows at the ends of the calendar).

    Args:
        value: the time given.
        field: the field to name in the error.
        earliest: the first acceptable time (aware), e.g. the episode's onset.
        latest: the last acceptable time (aware), e.g. now plus the clock skew.
        what: what ``earliest`` is, for the error (``"the episode began"``).

    Raises:
        InputError: a time without a zone, or outside the bounds.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise _problem(
            field,
            gettext("a time without a time zone"),
            gettext("{value}: add a zone").format(value=value.isoformat()),
        )
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # only at the ends of the calendar
        utc = (
            datetime.max.replace(tzinfo=UTC) if value.year > 1 else datetime.min.replace(tzinfo=UTC)
        )
    if utc > latest:
        raise _problem(
            field,
            gettext("the time is in the future"),
            gettext("{value} is after now").format(value=value.isoformat()),
        )
    if utc < earliest:
        raise _problem(
            field,
            (
                gettext("the time is before {what}").format(what=gettext(what))
                if what
                else gettext("the time is too early")
            ),
            gettext("{value} is before {earliest}").format(
                value=value.isoformat(), earliest=earliest.isoformat()
            ),
        )
    return utc


def check_free_text(value: str, *, field: str) -> None:
    """Refuse control characters other than newline and tab in text a person writes.

    Escape sequences in a note would otherwise reach every terminal that prints it.

    Raises:
        InputError: the text holds a control character (named by its code).
    """
    found = _CONTROL.search(value)
    if found is not None:
        raise _problem(
            field,
            gettext("the text holds a control character"),
            gettext("U+{code:04X} at position {position}: only newline and tab are allowed").format(
                code=ord(found.group()), position=found.start() + 1
            ),
        )


def parse_activity(text: str) -> ActivityScore:
    """Parse ``NAME=SCORE`` (a PSFS activity rated 0-10), e.g. ``putting on socks=4``.

    Raises:
        InputError: no ``=``, an empty or too long name, or a score that is not 0-10.
    """
    name, sep, score = text.rpartition("=")
    name = " ".join(name.split())
    if not sep or not name:
        raise _problem(
            "--activity",
            gettext("cannot read an activity"),
            gettext("{text!r}: use NAME=SCORE").format(text=text),
        )
    if len(name) > MAX_ACTIVITY_NAME:
        raise _problem(
            "--activity",
            gettext("activity name too long"),
            gettext("at most {max_activity_name} characters").format(
                max_activity_name=MAX_ACTIVITY_NAME
            ),
        )
    try:
        value = int(score.strip())
    except ValueError:
        raise _problem(
            "--activity",
            gettext("cannot read an activity score"),
            gettext("{score!r} is not a whole number").format(score=score),
        ) from None
    if not 0 <= value <= 10:
        raise _problem(
            "--activity",
            gettext("activity score out of range"),
            gettext("{name}: {value} is not 0 (unable) to 10 (as before)").format(
                name=name, value=value
            ),
        )
    return ActivityScore(name=name, score=value)


def parse_action(text: str) -> ActionCount:
    """Parse ``ice``, ``heat``, ``walk`` or ``exercises``, optionally ``=COUNT`` (default 1).

    Raises:
        InputError: an unknown action or a count that is not 1-100.
    """
    name, sep, count = text.partition("=")
    choices = ", ".join(a.value for a in SelfCareAction)
    try:
        action = SelfCareAction(name.strip().lower())
    except ValueError:
        raise _problem(
            "--did",
            gettext("unknown action {name!r}").format(name=name),
            gettext("choose from {choices}").format(choices=choices),
        ) from None
    value = 1
    if sep:
        try:
            value = int(count)
        except ValueError:
            raise _problem(
                "--did",
                gettext("cannot read a count"),
                gettext("{count!r} is not a number").format(count=count),
            ) from None
    if not 1 <= value <= MAX_ACTION_COUNT:
        raise _problem(
            "--did", gettext("count out of range"), f"{action.value}: 1-{MAX_ACTION_COUNT}"
        )
    return ActionCount(action=action, count=value)


def combine_actions(actions: Iterable[ActionCount]) -> tuple[ActionCount, ...]:
    """Add up repeated actions (``--did ice --did ice`` is ice twice), in first-seen order.

    Raises:
        InputError: a total above the maximum count.
    """
    totals: dict[SelfCareAction, int] = {}
    for item in actions:
        totals[item.action] = totals.get(item.action, 0) + item.count
    for action, count in totals.items():
        if count > MAX_ACTION_COUNT:
            raise _problem(
                "--did", gettext("count out of range"), f"{action.value}: 1-{MAX_ACTION_COUNT}"
            )
    return tuple(ActionCount(a, c) for a, c in totals.items())


def parse_time(text: str, *, now: datetime, tz: tzinfo, option: str = "--at") -> datetime:
    """Parse a time the person gives: ``now``, ``HH:MM``, ``90m``/``3h``/``2d`` (ago), or ISO 8601.

    ``HH:MM`` is the most recent such clock time in ``tz`` (``23:30`` typed just after
    midnight means last night). An ISO time without a zone is taken in ``tz``.

    Args:
        text: what was typed.
        now: the current time (aware).
        tz: the person's time zone.
        option: the option name for error messages.

    Returns:
        An aware datetime.

    Raises:
        InputError: the text is none of these forms.
    """
    value = text.strip().lower()
    if value == "now":
        return now
    relative = _RELATIVE.match(value)
    if relative:
        amount, unit = float(relative.group(1)), relative.group(2)
        hours = {"m": 1 / 60, "min": 1 / 60, "h": 1.0, "d": 24.0}[unit]
        try:
            return now - timedelta(hours=amount * hours)
        except OverflowError:
            raise _problem(
                option,
                gettext("the time is out of range"),
                gettext("{text!r} is too long ago").format(text=text),
            ) from None
    clock = _HHMM.match(value)
    if clock:
        local_now = now.astimezone(tz)
        candidate = datetime.combine(
            local_now.date(), time(int(clock.group(1)), int(clock.group(2))), tzinfo=tz
        )
        if candidate > local_now:
            candidate -= timedelta(days=1)
        return candidate
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise _problem(
            option,
            gettext("cannot read the time"),
            gettext("{text!r}: use now, HH:MM, 3h (ago), 2d (ago) or an ISO date-time").format(
                text=text
            ),
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def parse_dose(text: str, *, now: datetime, tz: tzinfo) -> DoseEntry:
    """Parse ``DRUG:MG`` or ``DRUG:MG@TIME`` (``TIME`` as in :func:`parse_time`).

    Raises:
        InputError: the text does not have that shape or the amount is not a positive
            whole number of milligrams.
    """
    head, at_sign, when = text.rpartition("@") if "@" in text else (text, "", "")
    drug, sep, mg_text = head.rpartition(":")
    drug = drug.strip()
    if not sep or not drug:
        raise _problem(
            "--med",
            gettext("cannot read a dose"),
            gettext("{text!r}: use DRUG:MG or DRUG:MG@HH:MM").format(text=text),
        )
    mg_text = mg_text.strip().lower().removesuffix("mg").strip()
    try:
        mg = int(mg_text)
    except ValueError:
        raise _problem(
            "--med",
            gettext("cannot read a dose"),
            gettext("{mg_text!r} is not a whole number of mg").format(mg_text=mg_text),
        ) from None
    if not 0 < mg <= MAX_MG:
        raise _problem(
            "--med",
            gettext("dose out of range"),
            gettext("{drug}: {mg} mg").format(drug=drug, mg=mg),
        )
    taken_at = parse_time(when, now=now, tz=tz, option="--med") if at_sign else None
    return DoseEntry(drug=drug, mg=mg, taken_at=taken_at)


def _flag_paths() -> dict[str, str]:
    paths: dict[str, str] = {}
    for group, model in (("red_flags", RedFlags), ("history", History)):
        for name in model.model_fields:
            paths[name] = f"{group}.{name}"
            paths[f"{group}.{name}"] = f"{group}.{name}"
    for name in PERSON_COURSE_FIELDS:
        assert name in Course.model_fields
        paths[name] = f"course.{name}"
        paths[f"course.{name}"] = f"course.{name}"
    return paths


def parse_flag(text: str) -> tuple[str, bool]:
    """Parse ``KEY=yes|no`` for a red-flag, history or course question.

    ``KEY`` is the answer's name (``fever``) or its path (``red_flags.fever``).

    Returns:
        The answer path and the answer.

    Raises:
        InputError: an unknown key or an answer that is not yes/no.
    """
    key, sep, answer = text.partition("=")
    paths = _flag_paths()
    path = paths.get(key.strip().lower())
    if not sep or path is None:
        raise _problem(
            "--flag",
            (
                gettext("unknown question {key!r}").format(key=key)
                if sep
                else gettext("cannot read {text!r}").format(text=text)
            ),
            gettext("use KEY=yes|no with KEY one of: {keys}").format(
                keys=", ".join(k for k in paths if "." not in k)
            ),
        )
    word = answer.strip().lower()
    if word not in _YES | _NO:
        raise _problem("--flag", gettext("answer yes or no"), f"{key}: {answer!r}")
    return path, word in _YES


def parse_flags(texts: Iterable[str]) -> dict[str, Any] | None:
    """Parse several ``KEY=yes|no`` into a nested answers update (``None`` if none given)."""
    update: dict[str, dict[str, bool]] = {}
    for text in texts:
        path, value = parse_flag(text)
        group, _, name = path.partition(".")
        update.setdefault(group, {})[name] = value
    return dict(update) or None
