"""The web app's one error envelope, and the one place errors are mapped to it.

Every error response of the app, JSON API or page, has this body::

    {"error": {"code": "invalid_input", "message": "invalid answers",
               "problems": [{"field": "pain", "problem": "..."}]}}

:func:`install_error_handlers` maps, once:

* :class:`~backcare.errors.BackcareError` (and the web's own subclasses below) to its
  ``status`` and ``code``;
* FastAPI's request validation to 422 ``invalid_input`` with the field names, and
  malformed JSON to 400 ``malformed_json`` (FastAPI would say 422 without a field);
* Starlette's HTTP errors (404, 405 with the full ``Allow`` list, ...) to their codes;
* anything else to 500 ``internal_error`` without internals.

Database driver messages never reach a client: a :class:`~backcare.errors.StoreError`,
or a conflict caused by a driver error (a race on a unique constraint), is answered
with the envelope's own words; the driver's text (host, port, constraint) goes to
the log only.

A browser asking for a page (``Accept: text/html``, a path outside ``/api``) gets the
same envelope rendered as an HTML page; everyone else gets the JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, Protocol, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from backcare.errors import (
    BackcareError,
    ConflictError,
    FieldProblem,
    InputError,
    StoreError,
    problem_text,
)
from backcare.errors import validation_problems as _problems
from backcare.i18n import N_, gettext

__all__ = [
    "API_ERROR_RESPONSES",
    "RACE_MESSAGE",
    "STORE_MESSAGE",
    "BadRequestError",
    "ErrorDetail",
    "ErrorEnvelope",
    "ForbiddenError",
    "MalformedJsonError",
    "ProblemOut",
    "envelope",
    "error_response",
    "install_error_handlers",
    "parse_json_body",
    "parse_model",
    "public_envelope",
]

log = logging.getLogger("backcare.web")

#: Error codes of plain HTTP statuses (those not raised as a BackcareError).
HTTP_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    409: "conflict",
    422: "invalid_input",
    500: "internal_error",
    503: "store_unavailable",
}


class ProblemOut(BaseModel):
    """One problem with one input field; ``field`` is a dotted path, or empty for the whole."""

    model_config = ConfigDict(frozen=True)

    field: str
    problem: str


class ErrorDetail(BaseModel):
    """What went wrong: a stable machine-readable ``code`` and a sentence for people."""

    model_config = ConfigDict(frozen=True)

    code: str
    message: str
    problems: tuple[ProblemOut, ...] = ()


class ErrorEnvelope(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(frozen=True)

    error: ErrorDetail


class ForbiddenError(BackcareError):
    """The request was refused: a missing or wrong CSRF token, or a cross-site request."""

    exit_code = 1
    status = 403
    code = "forbidden"


class BadRequestError(BackcareError):
    """The request cannot be read: e.g. a form whose signed state was altered or expired."""

    status = 400
    code = "bad_request"


def _describe(status: int) -> str:
    return f"{status} error: {HTTP_CODES.get(status, 'error').replace('_', ' ')}"


def _described(status: int) -> str:
    """A plain HTTP status a person meets, in the active language ("413 error: ...")."""
    return gettext("{status} error: {code}").format(
        status=status, code=HTTP_CODES.get(status, "error").replace("_", " ")
    )


#: The error responses every API operation documents (schemathesis checks they are listed).
API_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": _describe(status)}
    for status in (400, 401, 403, 404, 409, 413, 415, 422, 500, 503)
}


def envelope(
    status: int, code: str, message: str, problems: Sequence[FieldProblem] = ()
) -> ErrorEnvelope:
    """Build the envelope (``status`` is not part of the body; it is the response's)."""
    del status
    return ErrorEnvelope(
        error=ErrorDetail(
            code=code,
            message=message,
            problems=tuple(ProblemOut(field=p.field, problem=p.problem) for p in problems),
        )
    )


#: What a client is told when the database fails or a write loses a race (English; each
#: response says it in the active language).
STORE_MESSAGE = N_("the diary database is not available right now; try again in a moment")
RACE_MESSAGE = N_("the diary changed at the same moment; reload and try again")


def _from_driver(exc: BaseException) -> bool:
    """Whether a driver error (SQLAlchemy's wrapper of it) is among the exception's causes."""
    from sqlalchemy.exc import SQLAlchemyError

    seen: set[int] = set()
    cause = exc.__cause__ or exc.__context__
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, SQLAlchemyError):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def public_envelope(exc: BackcareError) -> ErrorEnvelope:
    """The envelope a client sees for ``exc``: driver details replaced by plain words."""
    if isinstance(exc, StoreError):
        return envelope(exc.status, exc.code, gettext(STORE_MESSAGE))
    if isinstance(exc, ConflictError) and _from_driver(exc):
        return envelope(exc.status, exc.code, gettext(RACE_MESSAGE))
    return envelope(exc.status, exc.code, exc.message, exc.problems)


class ErrorPage(Protocol):
    """Renders the envelope as an HTML page (:func:`backcare.web.rendering.render_error_page`)."""

    def __call__(
        self,
        request: Request,
        *,
        status: int,
        body: ErrorEnvelope,
        headers: Mapping[str, str] | None = None,
    ) -> Response: ...


def _wants_html(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_response(
    request: Request,
    status: int,
    body: ErrorEnvelope,
    headers: dict[str, str] | None = None,
) -> Response:
    """The envelope as JSON, or as an HTML page for a browser asking for a page."""
    if _wants_html(request):
        # The page renderer sits above this module (it needs the templates), so the app
        # hands it in rather than this module importing it: no import cycle.
        page: ErrorPage | None = getattr(
            getattr(request.scope.get("app"), "state", None), "error_page", None
        )
        if page is not None:
            return page(request, status=status, body=body, headers=headers)
    return Response(
        content=body.model_dump_json(),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def _field(loc: Sequence[int | str]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    # Drop pydantic's union/enum branch markers so the name is the path the client wrote.
    return ".".join(p for p in parts if "[" not in p and not p.startswith("function-"))


def validation_problems(errors: Sequence[Any]) -> list[FieldProblem]:
    """FastAPI/pydantic validation errors as field problems named by their JSON path.

    The words come from :func:`backcare.errors.validation_problems`, the one mapping of
    pydantic's error types to catalogue sentences.
    """
    return _problems(errors, field=_field)


_M = TypeVar("_M", bound=BaseModel)


class MalformedJsonError(BackcareError):
    """The request body is not JSON at all."""

    status = 400
    code = "malformed_json"


def parse_json_body(model: type[_M], body: bytes) -> _M:
    """Validate a JSON body straight from its bytes, with FastAPI's error mapping.

    Raises:
        MalformedJsonError: the body is not valid JSON.
        InputError: it does not fit ``model``; each problem names its field.
    """
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors()
        invalid = next((err for err in errors if err["type"] == "json_invalid"), None)
        if invalid is not None:
            raise MalformedJsonError(
                gettext("the body is not valid JSON"),
                problems=[FieldProblem("", problem_text(invalid))],
            ) from exc
        raise InputError(gettext("invalid input"), problems=validation_problems(errors)) from exc


def parse_model(model: type[_M], data: Any) -> _M:
    """Validate already-parsed data (a form's fields) with the API's error mapping.

    Raises:
        InputError: it does not fit ``model``; each problem names its field.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            gettext("invalid input"), problems=validation_problems(exc.errors())
        ) from exc


def _allowed_methods(request: Request) -> str:
    # Ask the router which methods would match this path in full: this sees every route
    # on the path (FastAPI's own 405 lists only the first route's methods).
    allowed = []
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return ", ".join(allowed)


def install_error_handlers(app: FastAPI, *, error_page: ErrorPage | None = None) -> None:
    """Map every error to the one envelope (see the module docstring).

    ``error_page`` renders the envelope as a page for browsers; without it every error
    is JSON.
    """
    app.state.error_page = error_page

    async def on_backcare(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BackcareError)
        body = public_envelope(exc)
        if exc.status >= 500 or body.error.message != exc.message:
            log.error("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path, exc)
        return error_response(request, exc.status, body)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = list(exc.errors())
        invalid = next((err for err in errors if err.get("type") == "json_invalid"), None)
        if invalid is not None:
            problem = FieldProblem("", problem_text(invalid))
            body = envelope(400, "malformed_json", gettext("the body is not valid JSON"), [problem])
            return error_response(request, 400, body)
        body = envelope(422, "invalid_input", gettext("invalid input"), validation_problems(errors))
        return error_response(request, 422, body)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        status = exc.status_code
        headers = dict(exc.headers or {})
        if status == 405:
            headers["Allow"] = _allowed_methods(request)
            message = gettext("{method} is not allowed here; use {allowed}").format(
                method=request.method, allowed=headers["Allow"]
            )
        elif status == 404:
            message = gettext("nothing at {path}").format(path=request.url.path)
        else:
            # Starlette's detail is the English status phrase unless a route gave its own.
            standard = exc.detail in (None, "", HTTPStatus(status).phrase)
            message = _described(status) if standard else str(exc.detail)
        code = HTTP_CODES.get(status, "http_error")
        return error_response(request, status, envelope(status, code, message), headers)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        body = envelope(500, "internal_error", gettext("an unexpected error occurred"))
        return error_response(request, 500, body)

    app.add_exception_handler(BackcareError, on_backcare)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
