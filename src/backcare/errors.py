"""The one exception tree of backcare.

Every error the package raises on purpose derives from :class:`BackcareError`.
Each boundary maps it once: the CLI to an exit code, the web API to one JSON
error envelope (``status`` is the HTTP status for web-facing errors).

::

    BackcareError                  exit 1, HTTP 500
    ├── InputError                 exit 2, HTTP 422  bad answers, options or files
    │   ├── ImportFormatError      exit 2, HTTP 422  a malformed or foreign import file
    │   └── InvalidCoachPlan       exit 2, HTTP 422  (backcare.coach) a plan the coach cannot run
    ├── MissingTextExtraError      exit 1, HTTP 501  free text read without the `text` extra
    ├── KnowledgeBaseError         exit 3, HTTP 500  a knowledge-base file fails validation
    ├── NotFoundError              exit 4, HTTP 404  no such episode / exercise / record
    ├── ConflictError              exit 5, HTTP 409  the request clashes with saved state
    │   ├── DoseLimitError         exit 5, HTTP 409  a dose would break a daily maximum or interval
    │   └── EpisodeActiveError     exit 5, HTTP 409  a new episode while one is active (choose)
    └── StoreError                 exit 6, HTTP 503  the database cannot be opened or migrated

:func:`validation_problems` is the one place pydantic's validation errors become field
problems: each error type people meet gets a catalogue sentence (pydantic's own English
text is the fallback for the rare rest), so the web envelope, the command line and the
import checks all speak the same translated words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from backcare.i18n import N_, gettext, ngettext

__all__ = [
    "BackcareError",
    "ConflictError",
    "DoseLimitError",
    "EpisodeActiveError",
    "FieldProblem",
    "ImportFormatError",
    "InputError",
    "KnowledgeBaseError",
    "MissingTextExtraError",
    "NotFoundError",
    "StoreError",
    "field_path",
    "json_syntax",
    "problem_text",
    "validation_problems",
]


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One problem with one input field, e.g. ``red_flags.fever: must be true or false``."""

    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}" if self.field else self.problem


class BackcareError(Exception):
    """Base class of every error backcare raises on purpose."""

    exit_code: int = 1
    status: int = 500
    code: str = "internal_error"

    def __init__(self, message: str, *, problems: Sequence[FieldProblem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems: tuple[FieldProblem, ...] = tuple(problems)

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        details = "\n".join(f"  - {p}" for p in self.problems)
        return f"{self.message}\n{details}"


class InputError(BackcareError):
    """The caller's input is invalid; ``problems`` names each field and what is wrong."""

    exit_code = 2
    status = 422
    code = "invalid_input"


class ImportFormatError(InputError):
    """An import file is malformed, from another program, or of an unknown version."""

    code = "invalid_import"


class MissingTextExtraError(BackcareError):
    """Free text was to be read, but the optional ``text`` extra (spaCy) is not installed."""

    exit_code = 1
    status = 501
    code = "text_extra_missing"


class KnowledgeBaseError(BackcareError):
    """A knowledge-base file is invalid; the message names the file and the entry."""

    exit_code = 3
    code = "knowledge_base_invalid"


class NotFoundError(BackcareError):
    """The thing asked for does not exist."""

    exit_code = 4
    status = 404
    code = "not_found"


class ConflictError(BackcareError):
    """The request clashes with what is already saved."""

    exit_code = 5
    status = 409
    code = "conflict"


class DoseLimitError(ConflictError):
    """Recording this dose would exceed a 24-hour maximum or come too soon after the last."""

    code = "dose_limit"


class EpisodeActiveError(ConflictError):
    """A new episode was asked for while one is active, without saying what to do with it.

    ``episode_id`` is the active episode; ``problems`` names the ways on (update it with
    the new answers, or close it and start a new one). Its code stays ``conflict``, as
    before the choice existed; the problem on ``if_active`` names the choice.
    """

    def __init__(
        self, message: str, *, episode_id: int, problems: Sequence[FieldProblem] = ()
    ) -> None:
        super().__init__(message, problems=problems)
        self.episode_id = episode_id


class StoreError(BackcareError):
    """The database cannot be opened, migrated or written."""

    exit_code = 6
    status = 503
    code = "store_unavailable"


# --- pydantic's validation errors in plain, translated words ------------------------------

_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")
_AT = re.compile(r"line (\d+) column (\d+)")


#: A bound's error type: the context key holding the bound, and the sentence.
_LIMITS: dict[str, tuple[str, str]] = {
    "less_than_equal": ("le", N_("must be {limit} or less")),
    "greater_than_equal": ("ge", N_("must be {limit} or more")),
    "less_than": ("lt", N_("must be less than {limit}")),
    "greater_than": ("gt", N_("must be more than {limit}")),
}


def _choices(expected: object) -> str:
    """``'a', 'b' or 'c'`` (pydantic's English list) as ``'a', 'b', 'c'``."""
    found = _QUOTED.findall(str(expected))
    return ", ".join(f"'{choice}'" for choice in found) if found else str(expected)


def _json_problem(ctx: Mapping[str, Any]) -> str:
    detail = str(ctx.get("error", ""))
    at = _AT.search(detail)
    if at is None:
        return json_syntax(detail, None, None)
    return json_syntax(detail, int(at.group(1)), int(at.group(2)))


#: What a JSON parser's own English message (Python's or pydantic's) is about, by a word
#: in it: the first match names the problem in catalogue words.
_JSON_SYNTAX: tuple[tuple[tuple[str, ...], str], ...] = (
    (("Unterminated string", "EOF while parsing a string"), N_("a text has no closing quote")),
    (("EOF while parsing",), N_("the JSON ends too soon")),
    (("property name", "key must be a string"), N_("a key must be in double quotes")),
    (("trailing comma",), N_("a comma is followed by nothing")),
    (("Extra data", "trailing characters"), N_("something follows the end of the JSON")),
    (("',' delimiter", "expected `,`"), N_("a comma is missing")),
    (("':' delimiter", "expected `:`"), N_("a colon is missing")),
    (("control character",), N_("a text holds a control character")),
    (("escape",), N_("a backslash escape is not valid")),
    (
        ("Expecting value", "expected value", "expected ident"),
        N_("a value is missing or not valid"),
    ),
)


def json_syntax(detail: str, line: int | None, column: int | None) -> str:
    """A JSON syntax error (the parser's English ``detail``) in catalogue words, with its place."""
    problem = next(
        (sentence for words, sentence in _JSON_SYNTAX if any(w in detail for w in words)),
        N_("this is not valid JSON"),
    )
    if line is None or column is None:
        return gettext(problem)
    return gettext("line {line} column {column}: {problem}").format(
        line=line, column=column, problem=gettext(problem)
    )


def _count(ctx: Mapping[str, Any], key: str) -> int:
    value = ctx.get(key, 0)
    return value if isinstance(value, int) else 0


def _sentence(kind: str, ctx: Mapping[str, Any]) -> str | None:
    """The catalogue sentence for one pydantic error type, or None for an unmapped type."""
    if kind == "missing":
        return gettext("required")
    if kind == "extra_forbidden":
        return gettext("unknown key (check the spelling; see docs/json-api.md for the contract)")
    if kind in {"int_parsing", "int_type"}:
        return gettext("must be a whole number")
    if kind == "int_from_float":
        return gettext("must be a whole number, without a fraction")
    if kind in {"float_parsing", "float_type"}:
        return gettext("must be a number")
    if kind in {"bool_parsing", "bool_type"}:
        return gettext("must be true or false")
    if kind == "string_type":
        return gettext("must be text")
    if kind in _LIMITS:
        key, sentence = _LIMITS[kind]
        limit = ctx.get(key)
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)  # "10", not "10.0"
        return gettext(sentence).format(limit=limit)
    if kind == "string_too_short":
        n = _count(ctx, "min_length")
        return ngettext(
            "must be at least {count} character long", "must be at least {count} characters long", n
        ).format(count=n)
    if kind == "string_too_long":
        n = _count(ctx, "max_length")
        return ngettext(
            "must be at most {count} character long", "must be at most {count} characters long", n
        ).format(count=n)
    if kind == "too_short":
        n = _count(ctx, "min_length")
        return ngettext(
            "must have at least {count} item", "must have at least {count} items", n
        ).format(count=n)
    if kind == "too_long":
        n = _count(ctx, "max_length")
        return ngettext(
            "must have at most {count} item", "must have at most {count} items", n
        ).format(count=n)
    if kind in {"literal_error", "enum"}:
        return gettext("must be one of {choices}").format(choices=_choices(ctx.get("expected")))
    if kind in {"datetime_parsing", "datetime_from_date_parsing", "datetime_type"}:
        return gettext("must be a date and time, such as 2026-01-05T08:00:00Z")
    if kind in {"date_parsing", "date_from_datetime_parsing", "date_type"}:
        return gettext("must be a date, such as 2026-01-05")
    if kind in {"time_parsing", "time_type"}:
        return gettext("must be a time of day, such as 07:00")
    if kind == "json_invalid":
        return _json_problem(ctx)
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return gettext("must be an object of named values")
    if kind in {"list_type", "tuple_type"}:
        return gettext("must be a list")
    if kind in {"frozen_set_type", "set_type"}:
        return gettext("must be a list (use [] for none)")
    if kind in {"value_error", "assertion_error"} and "error" in ctx:
        # Our own validators' sentences: already catalogue words where they were raised.
        return str(ctx["error"])
    return None


def problem_text(error: Mapping[str, Any]) -> str:
    """One pydantic error (an item of its ``errors()``) as a plain sentence.

    Types without a sentence of their own fall back to pydantic's English text.
    """
    ctx = error.get("ctx") or {}
    sentence = _sentence(str(error.get("type", "")), ctx)
    return sentence if sentence is not None else str(error.get("msg", gettext("invalid")))


def field_path(loc: Iterable[int | str]) -> str:
    """The dotted path the person wrote (pydantic's union/enum branch markers dropped)."""
    return ".".join(
        str(p) for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-")))
    )


def validation_problems(
    errors: Iterable[Mapping[str, Any]],
    *,
    field: Callable[[Sequence[int | str]], str] = field_path,
    limit: int | None = None,
) -> list[FieldProblem]:
    """Pydantic's errors (``exc.errors()``) as field problems, at most ``limit`` of them."""
    problems = [FieldProblem(field(tuple(e.get("loc", ()))), problem_text(e)) for e in errors]
    return problems if limit is None else problems[:limit]
