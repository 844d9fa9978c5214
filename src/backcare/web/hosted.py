"""Hosted clinic mode of the web app (``backcare server``): sign-in, the gate, the shared secret.

In hosted mode every page and API call but the sign-in pages and static files needs a
signed-in session (:class:`SignInGate`): pages redirect to ``/signin``, anything else gets
``401``. Clinicians and admins must also pass their TOTP code. The person signed in is
put in ``request.state.person``; a patient's diary pages read and write only their own
records, through :meth:`backcare.accounts.Accounts.diary_store`, the one gate to clinical
records (clinicians' pages are not part of this version).

The app is stateless: sessions, failed sign-ins and the audit log are in PostgreSQL,
and the key that signs forms comes from a secret file every worker reads
(:func:`read_secret`), so any worker serves any request.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

import anyio
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from backcare.accounts import SESSION_HOURS, Accounts, SignInError, TooManyAttemptsError
from backcare.accounts.passkeys import Passkeys
from backcare.diary import Diary
from backcare.diary.service import EpisodeHistory
from backcare.errors import BackcareError, FieldProblem, InputError, NotFoundError, StoreError
from backcare.i18n import N_, gettext
from backcare.rules.assessor import Engine
from backcare.settings import Settings
from backcare.store.people import Person
from backcare.web._qr import qr_data_uri
from backcare.web.dependencies import CsrfChecked, Web
from backcare.web.errors import envelope, error_response
from backcare.web.notify import reset_requested
from backcare.web.phone import CALENDAR_PREFIX
from backcare.web.rendering import render

__all__ = [
    "OPEN_PATHS",
    "SIGNIN_COOKIE",
    "Hosting",
    "SignInGate",
    "ensure_secret",
    "public_address",
    "read_secret",
    "router",
]

_log = logging.getLogger("backcare.web")

#: The cookie holding a signed-in session's random token.
SIGNIN_COOKIE = "backcare_signin"
#: Paths served without a signed-in session. The service worker script holds nothing
#: personal, and the sign-in page registers it: a browser refuses a worker behind a redirect.
OPEN_PATHS = frozenset(
    {"/signin", "/signin/code", "/join", "/reset", "/reset/new", "/api/v1/health"}
) | {  # passkey sign-in and second step (web.passkeys); they check their own session
    "/signin/passkey/options",
    "/signin/passkey",
    "/signin/code/passkey/options",
    "/signin/code/passkey",
    # The service worker script holds no one's data; redirected to /signin before sign-in,
    # the browser refuses to register it ("script behind a redirect", a console error).
    "/sw.js",
}
_MIN_SECRET = 32

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Hosting:
    """What hosted mode adds to the app.

    Attributes:
        accounts: the accounts service (sessions, sign-in, access to records).
        host: the public host name, the only ``Host`` answered.
        secure: the public address is ``https``: ``Secure`` cookies and HSTS.
        self_registration: anyone may create a patient account without an invitation.
        public_url: the address people open (for links in e-mails).
    """

    accounts: Accounts
    host: str
    secure: bool
    self_registration: bool = False
    public_url: str = ""

    def passkeys(self) -> Passkeys:
        """The passkey ceremonies of this server (relying party: the public host and origin)."""
        parts = urlsplit(self.public_url)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else f"https://{self.host}"
        return Passkeys(self.accounts, rp_id=self.host, origin=origin)

    def diary_for(self, person: Person, engine: Engine, *, address: str) -> Diary:
        """The signed-in patient's own diary (scoped to their records).

        Raises:
            NotFoundError: the account is not a patient's (it has no diary).
        """
        if person.role != "patient":
            raise NotFoundError(gettext("this account has no diary of its own"))
        store = self.accounts.diary_store(person, person.id, action="read", address=address)
        return Diary(store, engine=engine)

    def diary_by_calendar_link(self, token: str, engine: Engine) -> Diary:
        """The diary of the patient whose calendar link ``token`` is (their records only).

        Raises:
            NotFoundError: no working link has this token.
        """
        owner = self.accounts.calendar_link_owner(token)
        if owner is None:
            raise NotFoundError(gettext("no such calendar"))
        return Diary(self.accounts.diary_store(owner, owner.id, action="read"), engine=engine)


def public_address(url: str | None) -> tuple[str, bool]:
    """The host name and whether it is https, from ``BACKCARE_PUBLIC_URL``.

    Raises:
        InputError: no public address, or not ``http(s)://NAME[:PORT]``.
    """
    parts = urlsplit(url or "")
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path not in {"", "/"}:
        raise InputError(
            gettext("the hosted server needs its public address"),
            problems=[
                FieldProblem(
                    "BACKCARE_PUBLIC_URL",
                    gettext(
                        "set it to the https:// address people open, e.g. "
                        "https://backcare.example.org"
                    ),
                )
            ],
        )
    return parts.hostname, parts.scheme == "https"


def _secret_path(settings: Settings) -> Path:
    if settings.secret_file:
        return Path(settings.secret_file).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("backcare", appauthor=False)) / "server-secret"


def ensure_secret(settings: Settings) -> Path:
    """Make the secret file (``0600``) if it does not exist yet; its path.

    Run once, before the workers start, so they all read the same key.
    """
    path = _secret_path(settings)
    if not path.exists():
        from backcare.locations import private_folder

        private_folder(path.parent)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
    return path


def read_secret(settings: Settings) -> bytes:
    """The key that signs forms and CSRF tokens, read from the shared secret file.

    Raises:
        StoreError: the file is missing, unreadable or too short.
    """
    path = _secret_path(settings)
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise StoreError(
            gettext(
                "cannot read the secret file {path} (set BACKCARE_SECRET_FILE): {exc_strerror}"
            ).format(path=path, exc_strerror=exc.strerror)
        ) from exc
    if len(key) < _MIN_SECRET:
        raise StoreError(
            gettext("the secret file {path} must hold at least {min_secret} characters").format(
                path=path, min_secret=_MIN_SECRET
            )
        )
    # A key per purpose, so a token made for one use can never pass for another.
    return hmac.new(key, b"backcare forms", hashlib.sha256).digest()


def _address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else ""


class SignInGate:
    """Pure ASGI middleware: nothing but the open paths without a signed-in session."""

    def __init__(self, app: ASGIApp, hosting: Hosting) -> None:
        self.app = app
        self.hosting = hosting

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        # The calendar link is its own credential: a phone's calendar app has no cookie.
        if path in OPEN_PATHS or path.startswith(("/static/", CALENDAR_PREFIX)):
            await self.app(scope, receive, send)
            return
        token = _cookie(scope, SIGNIN_COOKIE)
        found = await anyio.to_thread.run_sync(self.hosting.accounts.session, token)
        if found is None or not found[1]:
            page = scope["method"] in {"GET", "HEAD"} and not path.startswith("/api/")
            if page:
                target = "/signin/code" if found is not None else "/signin"
                await RedirectResponse(target, status_code=303)(scope, receive, send)
                return
            response = error_response(
                _request(scope, receive),
                401,
                envelope(401, "unauthorized", gettext("sign in first (at /signin)")),
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["person"] = found[0]
        await self.app(scope, receive, send)


def _cookie(scope: Scope, name: str) -> str | None:
    from starlette.requests import Request as StarletteRequest

    return StarletteRequest(scope).cookies.get(name)


def _request(scope: Scope, receive: Receive) -> Request:
    return Request(scope, receive)


# --- pages ----------------------------------------------------------------------------


def _hosting(web: Web) -> Hosting:
    if web.hosting is None:  # the routes are only mounted in hosted mode
        raise NotFoundError(gettext("not found"))
    hosting: Hosting = web.hosting
    return hosting


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


def _start_session(
    request: Request, hosting: Hosting, token: str, target: str, response: Response | None = None
) -> Response:
    """Set the new session's cookie on ``response`` (default: a redirect to ``target``)."""
    response = response if response is not None else RedirectResponse(target, status_code=303)
    old = request.cookies.get(SIGNIN_COOKIE)
    if old:  # rotation: whatever the browser held before is ended, never reused
        hosting.accounts.sign_out(old)
    response.set_cookie(
        SIGNIN_COOKIE,
        token,
        max_age=SESSION_HOURS * 60 * 60,
        path="/",
        httponly=True,
        samesite="lax",
        secure=hosting.secure,
    )
    return response


@router.get("/signin")
async def signin_page(request: Request) -> Response:
    """The sign-in form."""
    return render(request, "signin.html", {"email": ""})


@router.post("/signin")
def signin_submit(
    request: Request,
    web: Web,
    _csrf: CsrfChecked,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Check the e-mail address and password; go on to the code, or home."""
    hosting = _hosting(web)
    try:
        started = hosting.accounts.sign_in(email, password, address=_client(request))
    except (SignInError, TooManyAttemptsError) as exc:
        return render(
            request,
            "signin.html",
            {"email": email, "message": exc.message},
            status=exc.status,
            settle="/signin",  # Back and Forward never offer to send the password again
        )
    target = "/signin/code" if started.needs_code else "/"
    return _start_session(request, hosting, started.token, target)


@router.get("/signin/code")
def code_page(request: Request, web: Web) -> Response:
    """The second step for clinicians and admins: the code from their app, or a passkey."""
    return render(request, "signin_code.html", _second_steps(request, web))


def _second_steps(request: Request, web: Web) -> dict[str, bool]:
    """Which second steps the half-signed-in person has: a TOTP app, passkeys."""
    hosting = _hosting(web)
    found = hosting.accounts.session(request.cookies.get(SIGNIN_COOKIE))
    if found is None:  # not signed in: the code form, which then says to sign in again
        return {"has_totp": True, "has_passkey": False}
    person = found[0]
    return {"has_totp": person.has_totp, "has_passkey": bool(hosting.passkeys().of(person))}


@router.post("/signin/code")
def code_submit(
    request: Request,
    web: Web,
    _csrf: CsrfChecked,
    code: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Check the code; the session then counts as signed in."""
    hosting = _hosting(web)
    token = request.cookies.get(SIGNIN_COOKIE) or ""
    try:
        person = hosting.accounts.check_code(token, code, address=_client(request))
    except (SignInError, TooManyAttemptsError) as exc:
        context = {"message": exc.message, **_second_steps(request, web)}
        return render(
            request, "signin_code.html", context, status=exc.status, settle="/signin/code"
        )
    return RedirectResponse("/clinic" if person.role == "clinician" else "/account", 303)


@router.post("/signout")
def signout(request: Request, web: Web, _csrf: CsrfChecked) -> Response:
    """Sign this browser out."""
    hosting = _hosting(web)
    token = request.cookies.get(SIGNIN_COOKIE)
    if token:
        hosting.accounts.sign_out(token)
    return _signed_out()


@router.post("/signout/everywhere")
def signout_everywhere(request: Request, web: Web, _csrf: CsrfChecked) -> Response:
    """Sign out on every device (every session of this account ends)."""
    hosting = _hosting(web)
    person: Person = request.state.person
    hosting.accounts.sign_out_everywhere(person.id)
    return _signed_out()


def _signed_out() -> Response:
    """To the sign-in page, leaving nothing of the person in this browser.

    The phone app keeps today's plan, the coach and unsent check-ins offline; on a shared
    phone the next person must not find them, so the browser is told to drop the site's
    caches and storage (the service worker's copies, the offline queue) with the cookie.
    """
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SIGNIN_COOKIE, path="/")
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


#: What each audited action means, in a patient's words.
_ACTIONS = {
    "dashboard": N_("saw you on their list of patients"),
    "digest": N_("counted you in their daily e-mail of patients needing attention"),
    "read": N_("opened your record"),
    "acknowledge": N_("noted an urgent check-in of yours"),
    "report": N_("downloaded your report"),
    "fhir": N_("downloaded your record (FHIR)"),
}


#: How each sign-in went, in the person's words, by the audit log's detail of the row
#: (a detail not listed gets the plain words: the log's own words never reach the page).
_SIGNED_IN = {
    "password": N_("signed in with the password"),
    "password and code": N_("signed in with the password and a code"),
    "passkey": N_("signed in with a passkey"),
    "password and passkey": N_("signed in with the password and a passkey"),
}
_REFUSED = {
    "password": N_("a sign-in was refused: wrong password"),
    "code": N_("a sign-in was refused: wrong code"),
    "passkey": N_("a sign-in with a passkey was refused"),
    "switched off": N_("a sign-in was refused: the account was switched off"),
}


@router.get("/account")
def account_page(request: Request, web: Web) -> Response:
    """Who is signed in, passkeys, signing out, and (for a patient) who looked at their record."""
    hosting = _hosting(web)
    person: Person = request.state.person
    return render(request, "account.html", account_context(hosting, person))


def account_context(hosting: Hosting, person: Person) -> dict[str, Any]:
    """What the account page shows the person."""
    looked: list[dict[str, Any]] = []
    if person.role == "patient":
        names: dict[int, str] = {}
        for row in hosting.accounts.audit_rows(person.id):
            if row.actor_id is None or row.actor_id == person.id:
                continue
            if row.actor_id not in names:
                other = hosting.accounts.person_of(row.actor_id)
                names[row.actor_id] = (
                    other.display_name or other.email or gettext("a former member")
                )
            what = gettext(_ACTIONS[row.action]) if row.action in _ACTIONS else row.action
            looked.append({"at": row.at, "who": names[row.actor_id], "what": what})
    sign_ins = [
        {
            "at": row.at,
            "refused": row.action != "sign_in",
            "what": gettext(
                _SIGNED_IN.get(row.detail, N_("signed in"))
                if row.action == "sign_in"
                else _REFUSED.get(row.detail, N_("a sign-in was refused"))
            ),
            "address": row.address,
        }
        for row in hosting.accounts.recent_sign_ins(person.id)
    ]
    return {
        "person": person,
        "looked": looked,
        "sign_ins": sign_ins,
        "passkeys": hosting.passkeys().of(person),
    }


@router.post("/account/delete")
def account_delete(
    request: Request,
    web: Web,
    _csrf: CsrfChecked,
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Delete the patient's account and everything in it (after their password)."""
    hosting = _hosting(web)
    person: Person = request.state.person
    try:
        hosting.accounts.erase(person, password, address=_client(request))
    except (SignInError, NotFoundError) as exc:
        return render(
            request,
            "account.html",
            {**account_context(hosting, person), "message": exc.message},
            status=exc.status,
            settle="/account",  # Back and Forward never offer to send the password again
        )
    return _signed_out()


@router.get("/join")
async def join_page(
    request: Request, invite: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    """The invitation page (or, if the server allows it, registration): make an account."""
    hosting = _hosting(request.app.state.backcare)
    if not invite and not hosting.self_registration:
        raise NotFoundError(gettext("you need an invitation link from your care team to join"))
    return render(request, "join.html", {"invite": invite, "email": ""})


@router.post("/join")
def join_submit(
    request: Request,
    web: Web,
    _csrf: CsrfChecked,
    invite: Annotated[str, Form(max_length=100)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Spend the invitation (or register, if the server allows it), and sign in."""
    hosting = _hosting(web)
    try:
        if not invite and hosting.self_registration:
            hosting.accounts.register(email=email, password=password)
        else:
            hosting.accounts.accept_invite(invite, email=email, password=password)
        started = hosting.accounts.sign_in(email, password, address=_client(request))
    except BackcareError as exc:
        return render(
            request,
            "join.html",
            {
                "invite": invite,
                "email": email,
                "message": exc.message,
                "problems": exc.problems,
            },
            status=exc.status,
            settle="/join?" + urlencode({"invite": invite}) if invite else "/join",
        )
    return _start_session(request, hosting, started.token, "/")


_RESET_SENT = N_(
    "If there is an account for that address, we have sent it a link to choose a new "
    "password. It works once, for an hour."
)


@router.get("/reset")
async def reset_page(request: Request) -> Response:
    """Forgot your password: ask for a reset link by e-mail."""
    return render(request, "reset.html", {"sent": False})


@router.post("/reset")
def reset_submit(
    request: Request,
    web: Web,
    _csrf: CsrfChecked,
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    """Send a reset link if the account exists; the answer is the same either way.

    The job worker looks the address up and sends the e-mail: this request defers one
    job whatever the address, so neither its answer nor its timing tells whether the
    account exists, and a slow mail server never holds it up.
    """
    hosting = _hosting(web)
    if not reset_requested(request, email=email.strip(), base_url=hosting.public_url):
        return render(
            request,
            "reset.html",
            {
                "sent": False,
                "message": gettext("e-mail is not set up here: ask your care team for help"),
            },
            status=503,
            settle="/reset",
        )
    # Settled too: a reload shows the empty form instead of offering to ask for a link again.
    return render(
        request,
        "reset.html",
        {"sent": True, "message": gettext(_RESET_SENT)},
        settle="/reset",
    )


@router.get("/reset/new")
async def reset_new_page(
    request: Request, token: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    """Choose a new password (from the e-mailed link)."""
    return render(request, "reset_new.html", {"token": token})


@router.post("/reset/new")
def reset_new_submit(
    request: Request,
    web: Web,
    _csrf: CsrfChecked,
    token: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Set the new password; every session of the account ends; then sign in."""
    hosting = _hosting(web)
    try:
        hosting.accounts.finish_reset(token, password)
    except BackcareError as exc:
        return render(
            request,
            "reset_new.html",
            {"token": token, "message": exc.message, "problems": exc.problems},
            status=exc.status,
            settle="/reset/new?" + urlencode({"token": token}),
        )
    return RedirectResponse("/signin", status_code=303)


def require_postgresql(settings: Settings) -> str:
    """The database URL of the hosted server, which must be PostgreSQL.

    Raises:
        InputError: ``BACKCARE_DATABASE_URL`` is not set or is not PostgreSQL.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = settings.database_url or ""
    try:
        backend = make_url(url).get_backend_name() if url else ""
    except ArgumentError:
        backend = ""
    if backend != "postgresql":
        raise InputError(
            gettext("the hosted server needs a PostgreSQL database"),
            problems=[
                FieldProblem(
                    "BACKCARE_DATABASE_URL",
                    gettext(
                        "set it to postgresql+psycopg://USER@HOST/DATABASE (a SQLite "
                        "diary is for one person on one computer: use backcare serve)"
                    ),
                )
            ],
        )
    return url


# --- the clinician's side -------------------------------------------------------------


def _clinician(request: Request) -> Person:
    person: Person = request.state.person
    if person.role not in ("clinician", "admin"):
        raise NotFoundError(gettext("this page is for clinicians"))
    return person


def _sparkline(pains: tuple[int, ...], *, width: int = 160, height: int = 48) -> str:
    """SVG polyline points of the pain scores (0-10), newest on the right."""
    if len(pains) < 2:
        return ""
    step = width / (len(pains) - 1)
    return " ".join(
        f"{i * step:.1f},{height - pain * height / 10:.1f}" for i, pain in enumerate(pains)
    )


@router.get("/clinic")
def clinic_page(request: Request, web: Web) -> Response:
    """The clinician's dashboard: their care team's patients, most in need first."""
    from backcare.accounts.dashboard import dashboard

    hosting = _hosting(web)
    actor = _clinician(request)
    rows = dashboard(
        hosting.accounts,
        actor,
        engine=web.engine,
        clock=hosting.accounts.now,
        address=_client(request),
    )
    lines = {row.patient.id: _sparkline(row.pains[-14:]) for row in rows}
    return render(request, "clinic.html", {"rows": rows, "lines": lines})


@router.get("/clinic/patients/{patient_id}")
def clinic_patient_page(request: Request, web: Web, patient_id: int) -> Response:
    """One patient's current episode: trend, check-ins and doses (an audited read)."""
    from backcare.accounts.dashboard import patient_history

    hosting = _hosting(web)
    actor = _clinician(request)
    diary, history = patient_history(
        hosting.accounts,
        actor,
        patient_id,
        engine=web.engine,
        clock=hosting.accounts.now,
        action="read",
        address=_client(request),
    )
    patient = hosting.accounts.person_of(patient_id)
    context: dict[str, Any] = {
        "patient": patient,
        "history": history,
        "acknowledged": hosting.accounts.acknowledged(patient_id),
    }
    if history is not None:
        context |= _patient_episode(diary, history)
    return render(request, "clinic_patient.html", context)


def _patient_episode(diary: Diary, history: EpisodeHistory) -> dict[str, Any]:
    """The patient page's picture of the episode, from the functions the diary page and the
    report use: trend, pain chart, coach adherence, self-care done against the plan, and
    the questionnaires (read through the patient's scoped, already audited diary)."""
    from backcare.coach.service import CoachService
    from backcare.diary.trends import episode_baseline
    from backcare.export.report import episode_adherence
    from backcare.web._chart import pain_chart
    from backcare.web.questionnaires import questionnaire_context

    episode = history.episode
    baseline = episode_baseline(episode.answers, history.checkins[0] if history.checkins else None)
    # From the history already read (the page reads the episode once, not once per part).
    trend = diary.trend_of(history)
    return {
        "trend": trend.lines(voice="record"),
        "chart": pain_chart(
            diary.chart_of(history),
            baseline=baseline,
            tz=diary.tz,
            count=trend.checkins,
            latest=trend.pain.current if trend.pain is not None else None,
        ),
        "baseline": baseline,
        "coach": CoachService(diary).adherence_of(history),
        "actions": episode_adherence(diary, history),
        "link_results": False,
    } | questionnaire_context(history.questionnaires, diary.questionnaires)


@router.post("/clinic/patients/{patient_id}/acknowledge")
def clinic_acknowledge(
    request: Request,
    web: Web,
    _csrf: CsrfChecked,
    patient_id: int,
    checkin: Annotated[int, Form(ge=1, le=2**31 - 1)],
) -> Response:
    """Mark an urgent or emergency check-in as seen (who and when are recorded)."""
    hosting = _hosting(web)
    actor = _clinician(request)
    hosting.accounts.acknowledge(actor, patient_id, checkin, address=_client(request))
    return RedirectResponse(f"/clinic/patients/{patient_id}", status_code=303)


@router.post("/clinic/invite")
def clinic_invite(request: Request, web: Web, _csrf: CsrfChecked) -> Response:
    """Make a single-use, 7-day invitation link for a new patient, with its QR code."""
    hosting = _hosting(web)
    actor = _clinician(request)
    token = hosting.accounts.invite(actor)
    link = f"{hosting.public_url.rstrip('/')}/join?invite={token}"
    return render(request, "clinic_invite.html", {"link": link, "qr": qr_data_uri(link)})


def _patient_export(
    request: Request, web: Web, patient_id: int, *, name: str, action: str, file_name: str
) -> Response:
    """The patient's current episode in an export format of the registry (an audited read)."""
    from backcare.accounts.dashboard import patient_history
    from backcare.export.formats import FORMATS, ExportOptions

    hosting = _hosting(web)
    diary, history = patient_history(
        hosting.accounts,
        _clinician(request),
        patient_id,
        engine=web.engine,
        clock=hosting.accounts.now,
        action=action,
        address=_client(request),
    )
    if history is None:
        raise NotFoundError(gettext("this patient has no episode yet"))
    chosen = FORMATS[name]
    return Response(
        chosen.make(diary, ExportOptions(episode_id=history.episode.id)),
        media_type=chosen.media_type,
        headers={"Content-Disposition": f'attachment; filename="{file_name}"'},
    )


@router.get("/clinic/patients/{patient_id}/report")
def clinic_patient_report(request: Request, web: Web, patient_id: int) -> Response:
    """The clinician report (PDF) of the patient's current episode (an audited read)."""
    file_name = f"backcare-report-patient-{patient_id}.pdf"
    return _patient_export(
        request, web, patient_id, name="pdf", action="report", file_name=file_name
    )


@router.get("/clinic/patients/{patient_id}/fhir")
def clinic_patient_fhir(request: Request, web: Web, patient_id: int) -> Response:
    """The patient's current episode as a FHIR R4 Bundle (an audited read)."""
    file_name = f"backcare-patient-{patient_id}.fhir.json"
    return _patient_export(
        request, web, patient_id, name="fhir", action="fhir", file_name=file_name
    )
