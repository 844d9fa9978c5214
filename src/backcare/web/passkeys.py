"""Hosted mode's passkey routes: add and remove passkeys, sign in with one, the second step.

The pages' script (``static/passkeys.js``) posts JSON here with the page's CSRF token in
the body; the ceremonies and their checks are :class:`backcare.accounts.passkeys.Passkeys`.
Each ``.../options`` call returns the options for the browser and keeps the challenge in
the database, bound to this browser: its signed-in (or half-signed-in) session, or before
sign-in a short-lived random cookie of its own. The answer is posted to the route without
``/options``. No clinical data passes here.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from backcare.accounts import SignInError
from backcare.accounts.passkeys import CHALLENGE_SECONDS
from backcare.errors import ConflictError, NotFoundError
from backcare.i18n import gettext
from backcare.store.people import Person
from backcare.web.dependencies import CsrfChecked, Web
from backcare.web.hosted import (
    SIGNIN_COOKIE,
    Hosting,
    _hosting,
    _start_session,
    account_context,
)
from backcare.web.rendering import render
from backcare.web.security import CSRF_COOKIE, check_csrf

__all__ = ["PASSKEY_COOKIE", "router"]

#: The short-lived cookie a sign-in challenge is bound to (before there is a session).
PASSKEY_COOKIE = "backcare_passkey"

router = APIRouter(include_in_schema=False)


class _Ask(BaseModel):
    model_config = ConfigDict(extra="forbid")
    csrf_token: str = Field(max_length=512)


class _AskToAdd(_Ask):
    password: str = Field(default="", max_length=1000)


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    csrf_token: str = Field(max_length=512)
    credential: dict[str, Any]
    name: str = Field(default="", max_length=200)


def _checked(request: Request, web: Web, token: str) -> Hosting:
    check_csrf(web.signer, cookie=request.cookies.get(CSRF_COOKIE), field=token)
    return _hosting(web)


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


def _options(text: str) -> Response:
    return Response(text, media_type="application/json")


def _home(person: Person) -> str:
    if person.role == "clinician":
        return "/clinic"
    return "/account" if person.role == "admin" else "/"


# --- the person's own passkeys (signed in) ------------------------------------------------


@router.post("/account/passkeys/options")
def register_options(request: Request, web: Web, body: _AskToAdd) -> Response:
    """Options to add a passkey to the signed-in account (after the password, again)."""
    hosting = _checked(request, web, body.csrf_token)
    browser = request.cookies.get(SIGNIN_COOKIE) or ""
    options = hosting.passkeys().registration_options(
        request.state.person, browser=browser, password=body.password, address=_client(request)
    )
    return _options(options)


@router.post("/account/passkeys")
def register_finish(request: Request, web: Web, body: _Answer) -> Response:
    """Keep the new passkey; the page then reloads the account page."""
    hosting = _checked(request, web, body.csrf_token)
    browser = request.cookies.get(SIGNIN_COOKIE) or ""
    hosting.passkeys().finish_registration(
        request.state.person, body.credential, browser=browser, name=body.name
    )
    return JSONResponse({"redirect": "/account#passkeys"}, status_code=201)


@router.post("/account/passkeys/{passkey_id}/remove")
def remove(request: Request, web: Web, _csrf: CsrfChecked, passkey_id: int) -> Response:
    """Remove one of the signed-in person's passkeys (never a staff member's last factor)."""
    hosting = _hosting(web)
    person: Person = request.state.person
    try:
        hosting.passkeys().remove(person, passkey_id)
    except (ConflictError, NotFoundError) as exc:
        context = {**account_context(hosting, person), "passkey_message": exc.message}
        return render(request, "account.html", context, status=exc.status)
    return RedirectResponse("/account#passkeys", status_code=303)


# --- signing in ---------------------------------------------------------------------------


@router.post("/signin/passkey/options")
def signin_options(request: Request, web: Web, body: _Ask) -> Response:
    """Options to sign in with any passkey of this site the browser holds."""
    hosting = _checked(request, web, body.csrf_token)
    browser = secrets.token_urlsafe(32)
    response = _options(hosting.passkeys().signin_options(browser=browser))
    response.set_cookie(
        PASSKEY_COOKIE,
        browser,
        max_age=CHALLENGE_SECONDS,
        path="/signin",
        httponly=True,
        samesite="strict",
        secure=hosting.secure,
    )
    return response


@router.post("/signin/passkey")
def signin_finish(request: Request, web: Web, body: _Answer) -> Response:
    """Sign in with the passkey: a fresh session (the old cookie is ended), fully signed in."""
    hosting = _checked(request, web, body.csrf_token)
    browser = request.cookies.get(PASSKEY_COOKIE) or ""
    started = hosting.passkeys().finish_signin(
        body.credential, browser=browser, address=_client(request)
    )
    target = _home(started.person)
    response = _start_session(
        request, hosting, started.token, target, JSONResponse({"redirect": target})
    )
    response.delete_cookie(PASSKEY_COOKIE, path="/signin")
    return response


@router.post("/signin/code/passkey/options")
def second_options(request: Request, web: Web, body: _Ask) -> Response:
    """Options for the second step: only the half-signed-in person's own passkeys."""
    hosting = _checked(request, web, body.csrf_token)
    token = request.cookies.get(SIGNIN_COOKIE) or ""
    found = hosting.accounts.session(token)
    if found is None:
        raise SignInError(gettext("please sign in again"))
    return _options(hosting.passkeys().signin_options(browser=token, person=found[0]))


@router.post("/signin/code/passkey")
def second_finish(request: Request, web: Web, body: _Answer) -> Response:
    """Check the passkey instead of the code; the session then counts as signed in."""
    hosting = _checked(request, web, body.csrf_token)
    token = request.cookies.get(SIGNIN_COOKIE) or ""
    person = hosting.passkeys().finish_second(
        body.credential, token=token, address=_client(request)
    )
    return JSONResponse({"redirect": _home(person)})
