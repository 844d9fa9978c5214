"""Hosted mode: a patient's daily reminder e-mail, switched on or off (``/account/reminders``).

Off by default. The e-mail itself (sent by the job workers once a day) says only what to
do today and links to today's plan: no health details (:mod:`backcare.jobs.notices`).
Mounted with the other hosted pages, behind the sign-in gate.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from backcare.accounts import Accounts
from backcare.errors import NotFoundError
from backcare.i18n import gettext
from backcare.store.people import Person
from backcare.web.dependencies import CsrfChecked, Web
from backcare.web.rendering import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _patient(request: Request, web: Web) -> tuple[Accounts, Person]:
    person: Person = request.state.person
    if web.hosting is None or person.role != "patient":
        raise NotFoundError(gettext("only a patient's account has reminder e-mails"))
    return web.hosting.accounts, person


@router.get("/account/reminders")
def reminders_page(request: Request, web: Web) -> Response:
    """The daily reminder e-mail: on or off."""
    accounts, person = _patient(request, web)
    wanted = accounts.daily_reminder(person.id)
    return render(request, "reminders.html", _context(web, wanted))


@router.post("/account/reminders")
def reminders_submit(
    request: Request,
    web: Web,
    _csrf: CsrfChecked,
    daily: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Save the choice (an unticked box sends nothing: off)."""
    accounts, person = _patient(request, web)
    wanted = daily == "on"
    accounts.set_daily_reminder(person.id, wanted)
    saved = (
        gettext("Saved: you will get a reminder e-mail each day.")
        if wanted
        else gettext("Saved: no reminder e-mails.")
    )
    return render(request, "reminders.html", {**_context(web, wanted), "saved": saved})


def _context(web: Web, wanted: bool) -> dict[str, object]:
    return {"wanted": wanted, "hour": f"{web.base_settings.digest_hour:02d}:00"}
