"""The app factory: build the FastAPI app from an engine, settings and a database URL.

    from backcare.web import create_app
    app = create_app(database_url="sqlite:///diary.sqlite3")

Nothing happens at import time: no settings are read and no database is opened
until :func:`create_app` is called (and the database not before the first diary
request). ``backcare serve`` calls it and runs uvicorn.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp

from backcare import __version__
from backcare.knowledge.drawings import DRAWINGS_DIR
from backcare.rules.assessor import Engine, default_engine
from backcare.settings import Settings, get_settings
from backcare.web.context import DRAWINGS_URL, STATIC_DIR, WebContext
from backcare.web.errors import install_error_handlers
from backcare.web.rendering import make_templates, render_error_page
from backcare.web.security import (
    LOOPBACK_HOSTS,
    MAX_BODY_BYTES,
    AccessGuard,
    SecurityMiddleware,
    Signer,
)

__all__ = ["create_app", "create_hosted_app", "freeze_start_up"]

DESCRIPTION = """\
backcare's JSON API: red-flag triage, a phase-aware self-care plan, the episode diary and
the exercise coach. Every error has the body `{"error": {"code", "message", "problems"}}`.
Writes need `Content-Type: application/json`. In remote mode (`backcare serve
--allow-remote`) every call needs the session cookie from `/access` or
`Authorization: Bearer CODE` (401 otherwise). Not a substitute for a doctor.
"""


class _App(FastAPI):
    """FastAPI with the security middleware outside Starlette's error middleware.

    Starlette puts ``ServerErrorMiddleware`` outermost, so a 500 it sends would bypass
    every middleware added with ``add_middleware``. Wrapping the whole stack instead
    gives every response, a crash's included, the security headers, and refuses a
    foreign ``Host`` before anything else runs.
    """

    security: dict[str, Any]
    gate: Any = None  # hosted mode: the sign-in gate, inside the security middleware

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        if self.gate is not None:
            stack = self.gate(stack)
        return SecurityMiddleware(stack, **self.security)


def create_app(
    *,
    engine: Engine | None = None,
    settings: Settings | None = None,
    database_url: str | None = None,
    allowed_hosts: Iterable[str] = LOOPBACK_HOSTS,
    access: AccessGuard | None = None,
    secret: bytes | None = None,
    hosting: Any = None,
) -> FastAPI:
    """Build the web app.

    Args:
        engine: the triage engine; default: the shipped knowledge base with ``settings``.
        settings: default: :func:`backcare.settings.get_settings` (``BACKCARE_*``).
        database_url: the diary database; default: ``settings.database_url``, else the
            SQLite file in the user's data directory. Opened on first diary use.
        allowed_hosts: host names the app answers (DNS-rebinding defence); any other
            ``Host`` gets ``400 bad_host``.
        access: remote mode (``backcare serve --allow-remote``): the access code and
            session cookie every request but the access page needs; ``None``: local
            mode, no code.
        secret: key for signed form state and CSRF tokens; default: random per process.
        hosting: hosted clinic mode (:class:`backcare.web.hosted.Hosting`, made by
            ``backcare server``): sign-in required, only its public host answered.

    Returns:
        The FastAPI application (ASGI).

    Raises:
        InputError: a ``BACKCARE_*`` setting is invalid.
    """
    settings = settings if settings is not None else get_settings()
    engine = engine if engine is not None else default_engine(settings)
    context = WebContext(
        base_engine=engine,
        base_settings=settings,
        database_url=database_url,
        signer=Signer(secret),
        templates=make_templates(),
        access=access,
        hosting=hosting,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        context.close()
        close_queue(app)
        if hosting is not None:
            hosting.accounts.store.close()

    app = _App(
        title="backcare",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # Swagger UI loads scripts from a CDN and inline: not with this CSP
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.backcare = context
    install_error_handlers(app, error_page=render_error_page)

    from backcare.web import api, api_text, pages, personal, phone, questionnaires
    from backcare.web.notify import close_queue

    app.include_router(api.router)
    app.include_router(api_text.router)
    app.include_router(personal.api_router)
    app.include_router(pages.router)
    app.include_router(personal.page_router)
    app.include_router(phone.router)
    app.include_router(phone.api_router)
    app.include_router(questionnaires.api_router)
    app.include_router(questionnaires.page_router)
    if hosting is not None:
        from backcare.web import hosted, passkeys, reminders

        app.include_router(hosted.router)
        app.include_router(passkeys.router)
        app.include_router(reminders.router)
        app.gate = lambda stack: hosted.SignInGate(stack, hosting)
        allowed_hosts = {hosting.host}
    # The exercise drawings belong to the knowledge base (its load check needs them).
    app.mount(DRAWINGS_URL, StaticFiles(directory=DRAWINGS_DIR), name="drawings")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.security = {
        "allowed_hosts": frozenset(allowed_hosts),
        "max_body_bytes": MAX_BODY_BYTES,
        "access": access,
        "hsts": hosting is not None and hosting.secure,
    }
    _publish_schema_as_accepted(app)
    return app


def _publish_schema_as_accepted(app: FastAPI) -> None:
    """Make the published schema say what the contract accepts.

    ``conditions`` is a set in the answers contract: a repeated condition counts once,
    so the list may repeat items (pydantic publishes ``uniqueItems`` for sets).
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for component in schema.get("components", {}).get("schemas", {}).values():
                conditions = component.get("properties", {}).get("conditions", {})
                for option in conditions.get("anyOf", [conditions]):
                    option.pop("uniqueItems", None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def freeze_start_up() -> None:
    """Take what a server process has built so far out of the collector's full passes.

    A server keeps its knowledge base, engine, templates and routes as long as it runs
    (about 190,000 objects once the app is built). A full garbage collection walked them
    all, 100-130 ms at a time, in whichever request it fell on: that was the diary page's
    p99. Frozen, they are never collected (they would live as long as the process anyway)
    and a full pass scans only what requests make. The servers call this once, after
    building the app; tests do not, as they build many apps in one process.
    """
    gc.collect()
    gc.freeze()


def create_hosted_app(settings: Settings | None = None) -> Any:
    """The hosted web app, as each worker process builds it (from ``BACKCARE_*``).

    Raises:
        InputError: no PostgreSQL URL or public address.
        StoreError: the secret file cannot be read, or the database is not upgraded.
    """
    from backcare.accounts import Accounts
    from backcare.store import open_store
    from backcare.web.hosted import Hosting, public_address, read_secret, require_postgresql

    settings = settings if settings is not None else get_settings()
    url = require_postgresql(settings)
    host, secure = public_address(settings.public_url)
    key = read_secret(settings)
    store = open_store(url)
    hosting = Hosting(
        accounts=Accounts(store),
        host=host,
        secure=secure,
        self_registration=settings.self_registration,
        public_url=settings.public_url or "",
    )
    return create_app(settings=settings, database_url=url, hosting=hosting, secret=key)
