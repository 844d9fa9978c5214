"""Deferring jobs from the web app: one small connection pool per process, opened on first use.

:func:`queue_for` gives ``None`` for a SQLite diary (local mode has no queue) and when
procrastinate is not installed (the ``hosted`` extra); callers then do without.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from backcare.domain.enums import TriageLevel
from backcare.jobs.notices import NOTIFY_LEVELS

__all__ = ["JobQueue", "ensure_queue_schema", "queue_for"]

_log = logging.getLogger("backcare.jobs")


def ensure_queue_schema(app: Any) -> bool:
    """Create procrastinate's tables in the database unless they are there; ``True`` if made."""
    connector = app.connector.get_sync_connector()
    found = connector.execute_query_one("SELECT to_regclass('procrastinate_jobs') AS t")
    if found["t"] is not None:
        return False
    app.schema_manager.apply_schema()
    return True


class JobQueue:
    """Defers backcare's jobs to the PostgreSQL queue of ``database_url``."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._app: Any = None
        self._lock = threading.Lock()

    def _opened(self) -> Any:
        with self._lock:
            if self._app is None:
                from backcare.jobs.tasks import make_app

                # Deferring is one INSERT: two connections are plenty for a web worker.
                self._app = make_app(self.database_url, min_size=1, max_size=2).open()
            return self._app

    def defer(self, task: str, *, queue: str, **arguments: Any) -> int:
        """Put a job in the queue; returns its id."""
        job_id: int = self._opened().configure_task(name=task, queue=queue).defer(**arguments)
        return job_id

    def escalated(
        self, *, level: TriageLevel, escalated: bool, source: str, at: datetime, episode_id: int
    ) -> int | None:
        """Defer an escalation notice if ``level`` is urgent or emergency and is new.

        Never raises: the check-in is saved whatever happens here; a failure is logged
        as an error for the operator. Returns the job id, if one was deferred.
        """
        if not escalated or level not in NOTIFY_LEVELS:
            return None
        from backcare.jobs.tasks import ESCALATION_NOTICE

        try:
            return self.defer(
                ESCALATION_NOTICE,
                queue="notices",
                level=level.value,
                source=source,
                at=at.isoformat(),
                episode_id=episode_id,
            )
        except Exception:  # the notice must not undo the saved check-in
            _log.exception("backcare: could not queue the escalation notice of %d", episode_id)
            return None

    def password_reset(self, *, email: str, base_url: str) -> int:
        """Defer a password reset for ``email``, whether or not it has an account.

        The worker looks the address up and drops it if there is none, so the request
        does the same work (one INSERT) either way and its timing tells nothing.

        Raises:
            Exception: the queue cannot be reached (the caller says e-mail is unavailable).
        """
        from backcare.jobs.tasks import PASSWORD_RESET

        return self.defer(PASSWORD_RESET, queue="mail", email=email, base_url=base_url)

    def close(self) -> None:
        """Close the pool, if it was opened."""
        with self._lock:
            if self._app is not None:
                self._app.close()
                self._app = None


def queue_for(database_url: str) -> JobQueue | None:
    """The job queue of a PostgreSQL database; ``None`` for SQLite or without procrastinate."""
    if not database_url.startswith("postgresql"):
        return None
    try:
        import procrastinate  # noqa: F401
    except ImportError:
        _log.warning("backcare: procrastinate is not installed (the hosted extra): no job queue")
        return None
    return JobQueue(database_url)
