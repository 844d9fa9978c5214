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

__all__ = ["JobQueue", "queue_for"]

_log = logging.getLogger("backcare.jobs")


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
