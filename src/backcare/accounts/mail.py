"""E-mail for accounts: the password-reset message.

:func:`reset_message` builds the message (plain words, the link, how long it lasts); the
job worker's ``backcare.password_reset`` job makes the link and hands the message to
:func:`backcare.mail.deliver` (:mod:`backcare.jobs.tasks`).
"""

from __future__ import annotations

from email.message import EmailMessage

from backcare.i18n import gettext

__all__ = ["RESET_MINUTES", "reset_message"]

#: How long a password-reset link can be used, in minutes.
RESET_MINUTES = 60


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
