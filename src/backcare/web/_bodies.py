"""Reading JSON request bodies before any model sees them: strict JSON, bounded depth.

Python's ``json`` module is lenient where an API must not be: it reads ``NaN`` and
``Infinity`` (not JSON, RFC 8259 §6), recurses until ``RecursionError`` on deeply
nested arrays (a 500 where a 400 belongs), and gives up on 4,300-digit integers
with a ``ValueError`` that FastAPI reports as a vague "error parsing the body".
:func:`read_json` refuses each of these as ``400 malformed_json`` naming the
problem; :class:`JsonBodyRoute` makes every JSON API operation read its body with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from backcare.errors import FieldProblem, json_syntax
from backcare.i18n import gettext
from backcare.web.errors import MalformedJsonError

__all__ = ["MAX_JSON_DEPTH", "JsonBodyRoute", "read_json"]

#: Deepest nesting of arrays and objects accepted; the contracts need fewer than 5.
MAX_JSON_DEPTH = 32

_OPEN = frozenset(b"[{")
_SPECIAL = re.compile(rb'[\[\]{}"\\]')
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _too_deep(body: bytes, limit: int) -> bool:
    """Whether arrays/objects nest deeper than ``limit`` (brackets in strings do not count)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # the usual case, decided in C
    depth = 0
    in_string = False
    escaped_at = -1
    for match in _SPECIAL.finditer(body):
        position, char = match.start(), body[match.start()]
        if in_string:
            if position == escaped_at:
                continue
            if char == 0x5C:  # backslash: the next character is escaped
                escaped_at = position + 1
            elif char == 0x22:
                in_string = False
        elif char == 0x22:
            in_string = True
        elif char in _OPEN:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _refuse_constant(name: str) -> Any:
    raise MalformedJsonError(
        gettext("the body is not valid JSON"),
        problems=[
            FieldProblem(
                "", gettext("{name} is not a JSON number; send a finite number").format(name=name)
            )
        ],
    )


def read_json(body: bytes) -> Any:
    """Parse a request body as strict JSON.

    Raises:
        MalformedJsonError: the body is not UTF-8, not JSON, holds ``NaN`` or
            ``Infinity``, nests deeper than :data:`MAX_JSON_DEPTH`, or has an integer
            too long to read; the problem says which.
    """
    try:
        text = body.decode("utf-8-sig")  # a leading byte-order mark is harmless: ignored
    except UnicodeDecodeError as exc:
        raise MalformedJsonError(
            gettext("the body is not valid JSON"),
            problems=[
                FieldProblem(
                    "", gettext("not UTF-8 text (byte {exc_start})").format(exc_start=exc.start)
                )
            ],
        ) from exc
    if _too_deep(body, MAX_JSON_DEPTH):
        raise MalformedJsonError(
            gettext("the body is not valid JSON"),
            problems=[
                FieldProblem(
                    "",
                    gettext(
                        "arrays and objects nest more than {max_json_depth} levels deep"
                    ).format(max_json_depth=MAX_JSON_DEPTH),
                )
            ],
        )
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        problem = json_syntax(exc.msg, exc.lineno, exc.colno)
    except (ValueError, RecursionError):  # Python's 4,300-digit limit on integers
        problem = gettext("a number has too many digits")
    raise MalformedJsonError(
        gettext("the body is not valid JSON"), problems=[FieldProblem("", problem)]
    )


def _declares_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


class _CheckedJsonRequest(Request):
    """A request whose ``json()`` is :func:`read_json` of its body (read once)."""

    _checked: Any

    async def json(self) -> Any:
        if not hasattr(self, "_checked"):
            self._checked = read_json(await self.body())
        return self._checked


class JsonBodyRoute(APIRoute):
    """An API route that reads a JSON body with :func:`read_json` before FastAPI does.

    The body is checked outside FastAPI's own parsing, which would turn any error
    into a bare "There was an error parsing the body"; a body not declared as JSON
    is left for the ``415`` check.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def read_body_first(request: Request) -> Response:
            request = _CheckedJsonRequest(request.scope, request.receive)
            if (
                request.method in _UNSAFE
                and _declares_json(request.headers.get("content-type"))
                and await request.body()
            ):
                await request.json()
            return await handler(request)

        return read_body_first
