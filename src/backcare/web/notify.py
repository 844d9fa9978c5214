"""Background e-mail from a request: escalation notices and password resets go to the job queue.

Only on PostgreSQL with the ``hosted`` extra (:func:`backcare.jobs.queue_for`); a local
SQLite diary has no queue and no care team, and the person sees every instruction on
screen at once either way. The queue is opened once per app, on first use.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from starlette.requests import Request

from backcare.diary import CheckInResult
from backcare.domain.enums import TriageLevel
from backcare.jobs import JobQueue, queue_for

__all__ = ["checkin_escalated", "close_queue", "coach_escalated", "reset_requested"]

_log = logging.getLogger("backcare.web")
_LOCK = threading.Lock()
_UNSET = object()


def _queue(request: Request) -> JobQueue | None:
    state = request.app.state
    with _LOCK:
        found: Any = getattr(state, "backcare_jobs", _UNSET)
        if found is _UNSET:
            web = state.backcare
            url = web.database_url or web.base_settings.database_url or ""
            found = queue_for(url)
            state.backcare_jobs = found
    return found  # type: ignore[no-any-return]


def checkin_escalated(request: Request, result: CheckInResult) -> None:
    """Defer a notice if this check-in raised the level to urgent or emergency."""
    queue = _queue(request)
    if queue is not None:
        queue.escalated(
            level=result.escalation.level,
            escalated=result.escalation.escalated,
            source="check-in",
            at=result.checkin.recorded_at,
            episode_id=result.checkin.episode_id,
        )


def coach_escalated(
    request: Request, *, level: TriageLevel | None, at: datetime, episode_id: int
) -> None:
    """Defer a notice if a symptom in a coach session led to urgent or emergency."""
    queue = _queue(request)
    if queue is not None and level is not None:
        queue.escalated(
            level=level, escalated=True, source="coach session", at=at, episode_id=episode_id
        )


def reset_requested(request: Request, *, email: str, base_url: str) -> bool:
    """Defer a password-reset e-mail for ``email`` (the worker drops unknown addresses).

    ``False``: there is no job queue, or it could not be reached (logged for the operator).
    """
    queue = _queue(request)
    if queue is None:
        return False
    try:
        queue.password_reset(email=email, base_url=base_url)
    except Exception:  # said in the log; the page says e-mail is unavailable
        _log.exception("backcare: could not queue a password reset")
        return False
    return True


def close_queue(app: Any) -> None:
    """Close the app's job queue connections (at shutdown)."""
    found = getattr(app.state, "backcare_jobs", None)
    if isinstance(found, JobQueue):
        found.close()
