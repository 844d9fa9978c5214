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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
