"""backcare on a phone: the service worker at ``/sw.js`` and the secret calendar link.

The web manifest, the icons and the scripts are static files
(``static/manifest.webmanifest``, ``static/icons/``, ``static/queue.js``,
``static/phone.js``). The service worker is served from the site's root, so its
scope is the whole app, and carries backcare's version, so a new version makes a new
offline cache and clears the old one.

A phone's calendar app cannot sign in, so the reminder calendar has a secret link,
``/calendar/TOKEN.ics``, served without a cookie (:mod:`backcare.web.security` and, in
hosted mode, :class:`backcare.web.hosted.SignInGate` let it through). Each person has
their own link: the page ``/export/calendar`` and its JSON twin
``/api/v1/diary/calendar-link`` make, show once (with a QR code) and stop the signed-in
person's link. See ``docs/hosting.md``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from starlette.responses import Response

from backcare import __version__
from backcare.errors import NotFoundError
from backcare.i18n import gettext
from backcare.web._bodies import JsonBodyRoute
from backcare.web._qr import qr_data_uri
from backcare.web.dependencies import CsrfChecked, DiaryDep, Web, json_writes
from backcare.web.errors import API_ERROR_RESPONSES
from backcare.web.rendering import render

__all__ = ["CalendarLinkOut", "CalendarLinkState", "api_router", "router"]

router = APIRouter(include_in_schema=False)
api_router = APIRouter(
    prefix="/api/v1",
    responses=API_ERROR_RESPONSES,
    dependencies=[Depends(json_writes)],
    route_class=JsonBodyRoute,
)

#: The calendar link's path; :mod:`backcare.web.security` serves it without a session.
CALENDAR_PREFIX = "/calendar/"

Token = Annotated[str, Path(description="The secret token of the calendar link.")]
Days = Annotated[int, Query(ge=1, le=60, description="How many days ahead, 1-60.")]


@router.get("/sw.js")
def service_worker(request: Request) -> Response:
    """The service worker script (JavaScript, never cached by HTTP: it checks for updates)."""
    templates = request.app.state.backcare.templates
    script = templates.env.get_template("sw.js.j2").render(version=__version__)
    return Response(script, media_type="text/javascript; charset=utf-8")


# --- the calendar link ------------------------------------------------------------------


class CalendarLinkOut(BaseModel):
    """A new calendar link: shown this once (the diary keeps only a hash of its token)."""

    url: str = Field(description="The https address of the feed, for any calendar app.")
    webcal_url: str = Field(description="The same as webcal://, which phones open in Calendar.")


class CalendarLinkState(BaseModel):
    """Whether a calendar link works, and since when."""

    active: bool
    since: datetime | None


def _link(request: Request, token: str) -> CalendarLinkOut:
    url = str(request.url_for("calendar_by_link", token=token))
    return CalendarLinkOut(url=url, webcal_url="webcal://" + url.split("://", 1)[1])


@router.get(CALENDAR_PREFIX + "{token}.ics", name="calendar_by_link")
def calendar_by_link(token: Token, web: Web, days: Days = 7) -> Response:
    """The reminder calendar of the link owner's current episode, for a calendar app.

    A token that was never made or was stopped is a 404, like any unknown address.
    Without an episode the calendar is valid and empty. In hosted mode the token says
    whose diary it is (there is no session), and only that patient's records are read.
    """
    if web.hosting is not None:
        diary = web.hosting.diary_by_calendar_link(token, web.engine)
    else:
        diary = web.diary()
    if not diary.calendar_token_works(token):
        raise NotFoundError(gettext("no such calendar"))
    from backcare.export.ical import calendar_feed, to_ical

    try:
        episode = diary.episode()
    except NotFoundError:
        body = to_ical([], tz=diary.tz, now=diary.now(), feed=True)
    else:
        body = calendar_feed(episode.id, diary=diary, days=days)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="backcare.ics"'},
    )


@router.get("/export/calendar")
def calendar_page(request: Request, diary: DiaryDep) -> Response:
    """Make, replace or stop the calendar link."""
    return render(request, "calendar.html", {"since": diary.calendar_link_since()})


@router.post("/export/calendar")
def calendar_make(request: Request, diary: DiaryDep, _csrf: CsrfChecked) -> Response:
    """Make a new calendar link (the old one stops) and show it once, with its QR code."""
    link = _link(request, diary.new_calendar_token())
    context: dict[str, Any] = {
        "link": link.url,
        "webcal": link.webcal_url,
        "qr": qr_data_uri(link.webcal_url),
        "since": None,
    }
    return render(request, "calendar.html", context, status=201)


@router.post("/export/calendar/stop")
def calendar_stop(diary: DiaryDep, _csrf: CsrfChecked) -> Response:
    """Stop the calendar link: subscribed calendars get 404 from now on."""
    diary.revoke_calendar_token()
    return RedirectResponse("/export/calendar", status_code=303)


@api_router.get("/diary/calendar-link", tags=["diary"])
def calendar_link_state(diary: DiaryDep) -> CalendarLinkState:
    """Whether a calendar link works (its address cannot be shown again)."""
    since = diary.calendar_link_since()
    return CalendarLinkState(active=since is not None, since=since)


@api_router.post("/diary/calendar-link", status_code=201, tags=["diary"])
def calendar_link_make(request: Request, diary: DiaryDep) -> CalendarLinkOut:
    """Make a new secret calendar link; any link made before stops working."""
    return _link(request, diary.new_calendar_token())


@api_router.delete("/diary/calendar-link", status_code=204, tags=["diary"])
def calendar_link_stop(diary: DiaryDep) -> Response:
    """Stop the calendar link (404 from then on); 204 even if there was none."""
    diary.revoke_calendar_token()
    return Response(status_code=204)
