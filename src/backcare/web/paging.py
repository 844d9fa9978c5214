"""Keyset paging of the diary's check-ins: the ``before`` cursor and the request options.

A cursor names the last check-in of a page by its time and id
(``<microseconds since 1970 UTC>-<id>``), so the next page starts right after it
however many check-ins came in meanwhile, and reading page 70 of a ten-year diary
costs what page 1 does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Query

from backcare.errors import FieldProblem, InputError
from backcare.i18n import gettext

__all__ = ["PAGE_SIZE", "Before", "Limit", "decode_cursor", "encode_cursor"]

#: Check-ins on a page of the diary (the JSON API may ask for 1-200).
PAGE_SIZE = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"^(\d{1,17})-(\d{1,16})$")

Before = Annotated[
    str | None,
    Query(
        max_length=40,
        description="The `next` cursor of the page before: older check-ins from there.",
    ),
]
Limit = Annotated[int, Query(ge=1, le=200, description="Check-ins per page, 1-200.")]


def encode_cursor(key: tuple[datetime, int] | None) -> str | None:
    """A page's ``next`` cursor from the (time, id) of its oldest check-in."""
    if key is None:
        return None
    at, checkin_id = key
    micros = (at - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}-{checkin_id}"


def decode_cursor(text: str | None) -> tuple[datetime, int] | None:
    """Read a ``before`` cursor.

    Raises:
        InputError: it is not a cursor this server made.
    """
    if text is None or text == "":
        return None
    match = _CURSOR.match(text)
    if match is None:
        raise InputError(
            gettext("the page cursor cannot be read"),
            problems=[FieldProblem("before", gettext("use the `next` value of the page before"))],
        )
    at = _EPOCH + timedelta(microseconds=int(match.group(1)))
    return at, int(match.group(2))
