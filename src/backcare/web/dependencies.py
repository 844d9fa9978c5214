"""FastAPI dependencies, each with an ``Annotated`` alias the routes use as a type.

Cheap dependencies are ``async def``: FastAPI runs plain functions in its thread pool,
which would cost more than the work they do. Only the diary (which may open and
migrate the database) is a plain function.

    async def page(web: Web, diary: DiaryDep) -> ...

keeps route signatures short and the wiring in one place.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request

from backcare.coach.service import CoachService
from backcare.diary import Diary
from backcare.rules.assessor import Engine
from backcare.web.context import WebContext
from backcare.web.security import CSRF_COOKIE, check_csrf, require_json

__all__ = [
    "CoachDep",
    "CsrfChecked",
    "DiaryDep",
    "EngineDep",
    "Web",
    "json_writes",
    "request_diary",
]


async def _web(request: Request) -> WebContext:
    context: WebContext = request.app.state.backcare
    return context


Web = Annotated[WebContext, Depends(_web)]


async def _engine(web: Web) -> Engine:
    return web.engine


EngineDep = Annotated[Engine, Depends(_engine)]


def request_diary(request: Request, web: WebContext) -> Diary:
    """The diary a request may use: hosted, the signed-in patient's own records only.

    Raises:
        NotFoundError: hosted, and the account is not a patient's (it has no diary).
        StoreError: the database cannot be opened.
    """
    if web.hosting is not None:
        address = request.client.host if request.client else ""
        diary: Diary = web.hosting.diary_for(request.state.person, web.engine, address=address)
        return diary
    return web.diary()


def _diary(request: Request, web: Web) -> Diary:
    # A plain function: FastAPI runs it in the thread pool, so opening the database
    # (and migrating it, the first time) never blocks the event loop.
    return request_diary(request, web)


DiaryDep = Annotated[Diary, Depends(_diary)]


async def _coach(diary: DiaryDep) -> CoachService:
    return CoachService(diary)


CoachDep = Annotated[CoachService, Depends(_coach)]


async def _csrf(
    request: Request,
    web: Web,
    csrf_token: Annotated[str | None, Form(max_length=512)] = None,
) -> None:
    check_csrf(web.signer, cookie=request.cookies.get(CSRF_COOKIE), field=csrf_token)


CsrfChecked = Annotated[None, Depends(_csrf)]
"""Refuses a form post (403) unless its ``csrf_token`` field matches the CSRF cookie."""


_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def json_writes(request: Request) -> None:
    """Router dependency of the JSON API: writes must declare a JSON body (else 415).

    It runs only for a matched route, so an unsupported method still gets its 405.
    """
    if request.method in _UNSAFE:
        require_json(request.headers.get("content-type"))
