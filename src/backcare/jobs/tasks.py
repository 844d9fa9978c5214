"""The jobs and the procrastinate app that runs them (``backcare worker``).

Each job reads the settings of the process that runs it (the worker's ``BACKCARE_*``
environment), so SMTP credentials live with the workers, not in the queue. A job that
fails (the mail server is down) is retried with a growing wait.

Jobs, and the queue each runs on:

- ``backcare.send_email`` (``mail``): one message, as given.
- ``backcare.password_reset`` (``mail``): the worker looks the address up, makes the
  single-use link and mails it; an address without an account is dropped here, so the
  web request did the same work either way.
- ``backcare.escalation_notice`` (``notices``): the care team of the episode's patient
  and the clinic's address are told that it escalated.
- ``backcare.daily_digests`` (``digests``, periodic: every day at
  ``BACKCARE_DIGEST_HOUR`` UTC): the reminder of each patient who asked for it, and each
  clinician's count of patients needing attention (only when there are any). Each
  person's digest is claimed in the database in the transaction that sends it, so it
  goes at most once a day whatever the number of workers.

The plain functions (:func:`send_escalation_notice`, :func:`send_password_reset`,
:func:`send_daily_digests`) do the work; the queue's tasks call them with the worker's
settings and database.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from backcare.accounts import Accounts
from backcare.accounts.dashboard import dashboard
from backcare.accounts.mail import reset_message
from backcare.domain.enums import TriageLevel
from backcare.jobs.notices import (
    clinician_digest,
    escalation_notice,
    escalation_recipients,
    patient_reminder,
)
from backcare.mail import deliver, send_mail
from backcare.settings import Settings, get_settings

if TYPE_CHECKING:
    import procrastinate

    from backcare.rules.assessor import Engine
    from backcare.store.database import Store

__all__ = [
    "DAILY_DIGESTS",
    "ESCALATION_NOTICE",
    "PASSWORD_RESET",
    "QUEUES",
    "SEND_EMAIL",
    "JobContext",
    "conninfo",
    "make_app",
    "send_daily_digests",
    "send_email",
    "send_escalation_notice",
    "send_password_reset",
]

_log = logging.getLogger("backcare.jobs")

#: Queue names: notices (which look up recipients, then send), e-mail, daily digests.
QUEUES = ("notices", "mail", "digests")
SEND_EMAIL = "backcare.send_email"
ESCALATION_NOTICE = "backcare.escalation_notice"
PASSWORD_RESET = "backcare.password_reset"
DAILY_DIGESTS = "backcare.daily_digests"
#: A dashboard row with this need or less is a patient needing attention.
_NEEDS_ATTENTION = 6


def conninfo(database_url: str) -> str:
    """A libpq connection string from a SQLAlchemy ``postgresql+psycopg://`` URL."""
    from sqlalchemy.engine import make_url

    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class JobContext:
    """What the jobs of one worker process share: its database, opened on first use."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._store: Store | None = None
        self._lock = threading.Lock()

    @property
    def accounts(self) -> Accounts:
        """The accounts service on the worker's database."""
        with self._lock:
            if self._store is None:
                from backcare.store.database import open_store

                self._store = open_store(self.database_url)
            return Accounts(self._store)

    def close(self) -> None:
        """Close the database connections, if opened."""
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


def send_email(to: list[str], subject: str, body: str) -> None:
    """Job: send one e-mail with the worker's SMTP settings."""
    message_id = send_mail(get_settings(), to=to, subject=subject, body=body)
    _log.info("backcare: sent %s to %d recipient(s)", message_id, len(to))


def send_escalation_notice(
    settings: Settings,
    accounts: Accounts,
    *,
    level: str,
    source: str,
    at: str,
    episode_id: int,
) -> int:
    """Tell the episode's care team (and the clinic) that it escalated; how many were told."""
    recipients = escalation_recipients(settings, accounts, episode_id=episode_id)
    if not recipients.addresses:
        _log.warning("backcare: no recipient for the escalation of episode %d", episode_id)
        return 0
    notice = escalation_notice(
        level=TriageLevel(level),
        source=source,
        at=datetime.fromisoformat(at),
        episode_id=episode_id,
        patient_id=recipients.patient_id,
        public_url=settings.public_url,
    )
    send_mail(settings, to=recipients.addresses, subject=notice.subject, body=notice.body)
    return len(recipients.addresses)


def send_password_reset(
    settings: Settings, accounts: Accounts, *, email: str, base_url: str
) -> bool:
    """Mail a single-use reset link if ``email`` has an account; ``False``: dropped.

    The link is made here, in the worker, so no secret sits in the queue's tables.
    """
    started = accounts.start_reset(email)
    if started is None:
        _log.info("backcare: a password reset for an unknown address was dropped")
        return False
    person, token = started
    link = f"{base_url.rstrip('/')}/reset/new?token={token}"
    deliver(settings, reset_message(to=person.email or "", sender=settings.mail_from, link=link))
    return True


def send_daily_digests(settings: Settings, accounts: Accounts, *, day: date, engine: Engine) -> int:
    """Send ``day``'s digests (each person's at most once); how many were sent now.

    Raises:
        Exception: the first failed e-mail, after trying everyone (the job is retried;
            the people already served are not served again).
    """
    sent = 0
    failed: list[Exception] = []

    def claim_and_send(person_id: int, to: str, subject: str, body: str) -> None:
        nonlocal sent
        try:
            with accounts.digest_claim(person_id, day) as mine:
                if mine:  # the claim commits only if the e-mail was handed over
                    send_mail(settings, to=[to], subject=subject, body=body)
                    sent += 1
        except Exception as exc:  # try everyone else first, then fail the job
            _log.warning("backcare: the digest of account %d was not sent: %s", person_id, exc)
            failed.append(exc)

    reminder = patient_reminder(public_url=settings.public_url)
    for patient in accounts.reminder_patients():
        claim_and_send(patient.id, patient.email or "", reminder.subject, reminder.body)
    for clinician in accounts.care_team_clinicians():
        rows = dashboard(accounts, clinician, engine=engine, clock=accounts.now, action="digest")
        count = sum(1 for row in rows if row.need <= _NEEDS_ATTENTION)
        if count:
            notice = clinician_digest(count, public_url=settings.public_url)
            claim_and_send(clinician.id, clinician.email or "", notice.subject, notice.body)
    if failed:
        raise failed[0]
    return sent


def make_app(
    database_url: str, *, context: JobContext | None = None, **pool: Any
) -> procrastinate.App:
    """The procrastinate app on the diary's PostgreSQL database, with backcare's jobs.

    Args:
        database_url: the SQLAlchemy URL of the (PostgreSQL) database.
        context: the jobs' shared database access (default: a new one on ``database_url``).
        pool: options of the connection pool (``min_size``, ``max_size``...).
    """
    import procrastinate

    jobs = context if context is not None else JobContext(database_url)
    settings = get_settings()
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url), **pool)
    )
    retry = procrastinate.RetryStrategy(max_attempts=6, exponential_wait=5)

    def escalation(level: str, source: str, at: str, episode_id: int) -> None:
        send_escalation_notice(
            get_settings(),
            jobs.accounts,
            level=level,
            source=source,
            at=at,
            episode_id=episode_id,
        )

    def password_reset(email: str, base_url: str) -> None:
        send_password_reset(get_settings(), jobs.accounts, email=email, base_url=base_url)

    def daily_digests(timestamp: int) -> None:
        from backcare.rules.assessor import default_engine

        day = datetime.fromtimestamp(timestamp, UTC).date()
        sent = send_daily_digests(
            get_settings(), jobs.accounts, day=day, engine=default_engine(get_settings())
        )
        _log.info("backcare: sent %d daily digest(s) for %s", sent, day)

    app.task(name=SEND_EMAIL, queue="mail", retry=retry)(send_email)
    app.task(name=ESCALATION_NOTICE, queue="notices", retry=retry)(escalation)
    app.task(name=PASSWORD_RESET, queue="mail", retry=retry)(password_reset)
    # One periodic defer per tick for all workers (procrastinate records each tick once).
    digests = app.task(name=DAILY_DIGESTS, queue="digests", retry=retry)(daily_digests)
    app.periodic(cron=f"0 {settings.digest_hour} * * *", periodic_id="daily")(digests)
    return app
