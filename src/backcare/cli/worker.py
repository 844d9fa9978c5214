"""``backcare worker``: run the background jobs (e-mail, escalation notices) from the queue.

The queue is procrastinate's, in the PostgreSQL database the hosted app uses. The first
worker started creates the queue's tables if they are missing; start one before the
app takes check-ins. Stop it with Ctrl-C or SIGTERM: it finishes the jobs in hand first.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from backcare.errors import FieldProblem, InputError
from backcare.i18n import gettext as _
from backcare.settings import get_settings

__all__ = ["register", "worker"]


def ensure_queue_schema(app: Any) -> bool:
    """Create procrastinate's tables in the database unless they are there; ``True`` if made."""
    connector = app.connector.get_sync_connector()
    found = connector.execute_query_one("SELECT to_regclass('procrastinate_jobs') AS t")
    if found["t"] is not None:
        return False
    app.schema_manager.apply_schema()
    return True


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
    """Run background jobs (e-mail, escalation notices) from the PostgreSQL job queue."""
    url = db or get_settings().database_url
    if not url or not url.startswith("postgresql"):
        raise InputError(
            _("backcare worker needs the hosted app's PostgreSQL database"),
            problems=[FieldProblem("--db", _("give a postgresql+psycopg:// URL"))],
        )
    try:
        from backcare.jobs.tasks import QUEUES, make_app
    except ImportError as exc:  # pragma: no cover - the hosted extra is missing
        raise InputError(
            _("backcare worker needs the hosted extra: pip install 'backcare[hosted]'")
        ) from exc
    app = make_app(url, min_size=1, max_size=concurrency + 1)
    with app.open():
        if ensure_queue_schema(app):
            typer.echo(_("backcare worker: created the job queue's tables"), err=True)
    running = _("backcare worker: running jobs from {queues}").format(queues=", ".join(QUEUES))
    typer.echo(running, err=True)
    app.run_worker(queues=list(QUEUES), concurrency=concurrency, wait=True)


def register(app: typer.Typer) -> None:
    """Add ``backcare worker`` to the main ``backcare`` Typer app."""
    app.command("worker")(worker)
