"""The jobs and the procrastinate app that runs them (``backcare worker``).

Each job reads the settings of the process that runs it (the worker's ``BACKCARE_*``
environment), so SMTP credentials live with the workers, not in the queue. A job that
fails (the mail server is down) is retried with a growing wait.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from backcare.domain.enums import TriageLevel
from backcare.jobs.notices import escalation_notice, escalation_recipients
from backcare.mail import send_mail
from backcare.settings import get_settings

if TYPE_CHECKING:
    import procrastinate

__all__ = ["QUEUES", "conninfo", "make_app", "send_email", "send_escalation_notice"]

_log = logging.getLogger("backcare.jobs")

#: Queue names: e-mail, and notices (which look up recipients, then send).
QUEUES = ("notices", "mail")
SEND_EMAIL = "backcare.send_email"
ESCALATION_NOTICE = "backcare.escalation_notice"


def conninfo(database_url: str) -> str:
    """A libpq connection string from a SQLAlchemy ``postgresql+psycopg://`` URL."""
    from sqlalchemy.engine import make_url

    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def send_email(to: list[str], subject: str, body: str) -> None:
    """Job: send one e-mail with the worker's SMTP settings."""
    message_id = send_mail(get_settings(), to=to, subject=subject, body=body)
    _log.info("backcare: sent %s to %d recipient(s)", message_id, len(to))


def send_escalation_notice(level: str, source: str, at: str, episode_id: int) -> None:
    """Job: tell the episode's recipients that it escalated (nothing if there are none)."""
    settings = get_settings()
    recipients = escalation_recipients(settings, episode_id=episode_id)
    if not recipients:
        _log.warning("backcare: no recipient for the escalation of episode %d", episode_id)
        return
    notice = escalation_notice(
        level=TriageLevel(level),
        source=source,
        at=datetime.fromisoformat(at),
        episode_id=episode_id,
    )
    send_mail(settings, to=recipients, subject=notice.subject, body=notice.body)


def make_app(database_url: str, **pool: Any) -> procrastinate.App:
    """The procrastinate app on the diary's PostgreSQL database, with backcare's jobs.

    Args:
        database_url: the SQLAlchemy URL of the (PostgreSQL) database.
        pool: options of the connection pool (``min_size``, ``max_size``...).
    """
    import procrastinate

    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url), **pool)
    )
    retry = procrastinate.RetryStrategy(max_attempts=6, exponential_wait=5)
    app.task(name=SEND_EMAIL, queue="mail", retry=retry)(send_email)
    app.task(name=ESCALATION_NOTICE, queue="notices", retry=retry)(send_escalation_notice)
    return app
