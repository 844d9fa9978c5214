"""Sending e-mail: one message through the configured SMTP server (standard library only).

Used by the job queue's workers (:mod:`backcare.jobs`), never by a web request, so a slow
or failing mail server cannot hold up a page; a failure raises and the queue retries.

    send_mail(settings, to=["clinic@example.org"], subject="...", body="...")
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import make_msgid

from backcare.errors import InputError
from backcare.i18n import gettext
from backcare.settings import Settings

__all__ = ["MAIL_TIMEOUT_S", "deliver", "send_mail"]

#: Seconds to wait for the SMTP server at each step.
MAIL_TIMEOUT_S = 30


def send_mail(settings: Settings, *, to: Sequence[str], subject: str, body: str) -> str:
    """Send a plain-text message; returns its Message-ID.

    Raises:
        InputError: no SMTP server is configured (``BACKCARE_SMTP_HOST``) or no recipient.
        OSError, smtplib.SMTPException: the server could not be reached or refused it.
    """
    if not settings.smtp_host:
        raise InputError(gettext("no SMTP server is configured: set BACKCARE_SMTP_HOST"))
    if not to:
        raise InputError(gettext("an e-mail needs at least one recipient"))
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or None)
    message.set_content(body)
    deliver(settings, message)
    return str(message["Message-ID"])


def deliver(settings: Settings, message: EmailMessage) -> None:
    """Hand a ready message to the configured SMTP server (TLS as the settings say).

    Raises:
        InputError: no SMTP server is configured (``BACKCARE_SMTP_HOST``).
        OSError, smtplib.SMTPException: the server could not be reached or refused it.
    """
    if not settings.smtp_host:
        raise InputError(gettext("no SMTP server is configured: set BACKCARE_SMTP_HOST"))
    context = ssl.create_default_context()
    if settings.smtp_security == "tls":
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=MAIL_TIMEOUT_S, context=context
        )
    else:
        server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=MAIL_TIMEOUT_S)
    with server:
        if settings.smtp_security == "starttls":
            server.starttls(context=context)
        if settings.smtp_username:
            server.login(settings.smtp_username, settings.smtp_password or "")
        server.send_message(message)
