"""``backcare worker``: run the background jobs (e-mail, notices, daily digests) from the queue.

The queue is procrastinate's, in the PostgreSQL database the hosted app uses. The first
worker started creates the queue's tables if they are missing; start one before the
app takes check-ins. Stop it with Ctrl-C or SIGTERM: it finishes the jobs in hand first.
"""

from __future__ import annotations

from typing import Annotated

import typer

from backcare.errors import FieldProblem, InputError
from backcare.i18n import gettext as _
from backcare.settings import get_settings

__all__ = ["register", "worker"]


def worker(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            help="PostgreSQL database URL (default: BACKCARE_DATABASE_URL).",
        ),
    ] = None,
    concurrency: Annotated[
        int, typer.Option(min=1, max=32, help="Jobs run at once in this process.")
    ] = 2,
) -> None:
    """Run background jobs (e-mail, notices, daily digests) from the PostgreSQL job queue."""
    url = db or get_settings().database_url
    if not url or not url.startswith("postgresql"):
        raise InputError(
            _("backcare worker needs the hosted app's PostgreSQL database"),
            problems=[FieldProblem("--db", _("give a postgresql+psycopg:// URL"))],
        )
    try:
        from backcare.jobs.queue import ensure_queue_schema
        from backcare.jobs.tasks import QUEUES, JobContext, make_app
    except ImportError as exc:  # pragma: no cover - the hosted extra is missing
        raise InputError(
            _("backcare worker needs the hosted extra: pip install 'backcare[hosted]'")
        ) from exc
    context = JobContext(url)
    app = make_app(url, context=context, min_size=1, max_size=concurrency + 1)
    with app.open():
        if ensure_queue_schema(app):
            typer.echo(_("backcare worker: created the job queue's tables"), err=True)
    running = _("backcare worker: running jobs from {queues}").format(queues=", ".join(QUEUES))
    typer.echo(running, err=True)
    try:
        app.run_worker(queues=list(QUEUES), concurrency=concurrency, wait=True)
    finally:
        context.close()


def register(app: typer.Typer) -> None:
    """Add ``backcare worker`` to the main ``backcare`` Typer app."""
    app.command("worker")(worker)
