"""E-mail for accounts: the password-reset message, and a small interface to send it.

:func:`reset_message` builds the message (plain words, the link, how long it lasts);
anything with a ``send(message)`` method can deliver it (:class:`Mailer`). The
:class:`SmtpMailer` sends through the SMTP server in the settings (``BACKCARE_SMTP_*``,
``BACKCARE_MAIL_FROM``), the same transport as the job queue's e-mail
(:func:`backcare.mail.deliver`).
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Protocol

from backcare.errors import StoreError
from backcare.i18n import gettext
from backcare.mail import deliver
from backcare.settings import Settings

__all__ = ["RESET_MINUTES", "Mailer", "SmtpMailer", "reset_message"]

#: How long a password-reset link can be used, in minutes.
RESET_MINUTES = 60


class Mailer(Protocol):
    """Something that delivers an e-mail message."""

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` (raises when it cannot)."""


def reset_message(*, to: str, sender: str, link: str) -> EmailMessage:
    """The password-reset e-mail: the link and how long it works, in plain words."""
    message = EmailMessage()
    message["Subject"] = gettext("Reset your backcare password")
    message["From"] = sender
    message["To"] = to
    message.set_content(
        gettext(
            "Someone (we hope you) asked to reset the password of your backcare account.\n\n"
            "To choose a new password, open this link within {minutes} minutes:\n\n"
            "{link}\n\n"
            "The link works once. If you did not ask for this, you can ignore this e-mail: "
            "your password stays as it is.\n"
        ).format(minutes=RESET_MINUTES, link=link)
    )
    return message


class SmtpMailer:
    """Send through the SMTP server in the settings (:func:`backcare.mail.deliver`)."""

    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_host:
            raise StoreError("no SMTP server is set (BACKCARE_SMTP_HOST)")
        self.settings = settings
        self.sender = settings.mail_from

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message``.

        Raises:
            StoreError: the SMTP server cannot be reached or refuses the message.
        """
        try:
            deliver(self.settings, message)
        except (OSError, smtplib.SMTPException) as exc:
            raise StoreError(f"the e-mail could not be sent: {exc}") from exc
