"""Field types and model settings shared by every request and response schema.

Requests are strict (unknown fields refused, no silent type changes); date-times arrive as
ISO 8601 text in a sane range, free text is bounded and free of control characters.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
)

from backcare.i18n import gettext

__all__ = [
    "EARLIEST",
    "INPUT",
    "LATEST",
    "MAX_OFFSET",
    "OUTPUT",
    "DateTimeText",
    "Loose",
    "Name",
    "Note",
    "Summary",
]

INPUT = ConfigDict(extra="forbid", strict=True, frozen=True)
OUTPUT = ConfigDict(frozen=True)
Loose = Strict(False)  # enums and date-times arrive as JSON strings


def _iso_text(value: object) -> object:
    # Lax date-times would also take a number (seconds since 1970): accept text only.
    if isinstance(value, str | datetime):
        return value
    raise ValueError(
        gettext("must be an ISO 8601 date-time with a time zone, e.g. 2026-01-05T08:00:00Z")
    )


#: The range of date-times a request may carry (UTC), and the largest time-zone offset.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
MAX_OFFSET = timedelta(hours=14)
_DATE_RANGE = (
    f"between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC), "
    "with a time-zone offset of at most ±14:00"
)


def _in_range(value: datetime) -> datetime:
    # Year 1 or 9999 with an offset overflows datetime arithmetic later (a 500): refuse it
    # here, where the field can be named. The diary narrows this to the episode.
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        raise ValueError(
            gettext("the time-zone offset must be at most ±14:00 (got {value:%z})").format(
                value=value
            )
        )
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise ValueError(gettext("must be {date_range}").format(date_range=_DATE_RANGE))
    return value


#: A time zone-aware ISO 8601 date-time, given as text, within a sane range.
DateTimeText = Annotated[
    AwareDatetime,
    Loose,
    BeforeValidator(_iso_text),
    AfterValidator(_in_range),
    Field(description=f"ISO 8601 date-time with a time zone, {_DATE_RANGE}."),
]

#: Text may hold tab and line breaks but no other control character (terminal escapes,
#: NUL): published as the schema's ``pattern``, checked by :func:`_no_controls`.
_CONTROL = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
_CONTROL_CHAR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_controls(value: str) -> str:
    found = _CONTROL_CHAR.search(value)
    if found is not None:
        raise ValueError(
            gettext(
                "contains a control character (U+{value:04X}); only tab and line breaks are allowed"
            ).format(value=ord(found.group()))
        )
    return value


def _text(max_length: int, what: str, *, min_length: int = 1) -> Any:
    """A free-text field: bounded, no control characters but tab and line breaks."""
    return Field(
        min_length=min_length,
        max_length=max_length,
        json_schema_extra={"pattern": _CONTROL},
        description=f"{what}; at most {max_length} characters, no control characters "
        "other than tab and line breaks.",
    )


#: Ids and names typed or chosen by a client (drug, activity, exercise): one line.
Name = Annotated[str, _text(80, "A name"), AfterValidator(_no_controls)]
#: A note (may be empty) and a summary (may not).
Note = Annotated[str, _text(4000, "Free text", min_length=0), AfterValidator(_no_controls)]
Summary = Annotated[str, _text(4000, "Free text"), AfterValidator(_no_controls)]
