"""What backcare's e-mails say, and who gets an escalation notice.

E-mail is not a safe place for health details, so no message here carries a symptom,
answer, note, pain score or name. An escalation notice says which level, when, which
episode and the patient's record number, with a link to the patient's page; the person
has had the instruction on screen already. A daily reminder says what to do today, with
a link; a clinician's digest says only how many patients need attention.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from backcare.domain.enums import TriageLevel
from backcare.i18n import N_, gettext, label, ngettext
from backcare.settings import Settings

if TYPE_CHECKING:
    from backcare.accounts import Accounts

__all__ = [
    "NOTIFY_LEVELS",
    "Notice",
    "Recipients",
    "clinician_digest",
    "escalation_notice",
    "escalation_recipients",
    "patient_reminder",
]

#: The levels a care team is told about.
NOTIFY_LEVELS = frozenset({TriageLevel.URGENT, TriageLevel.EMERGENCY})


@dataclass(frozen=True, slots=True)
class Notice:
    """An e-mail to send: subject and plain text."""

    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class Recipients:
    """Who is told about an escalation, and whose record it is (``None``: not found)."""

    patient_id: int | None
    addresses: tuple[str, ...]


def _unique(addresses: Iterable[str]) -> tuple[str, ...]:
    """The addresses once each (compared without case), in their first order."""
    seen: dict[str, str] = {}
    for address in addresses:
        seen.setdefault(address.strip().lower(), address.strip())
    return tuple(seen.values())


def escalation_recipients(settings: Settings, accounts: Accounts, *, episode_id: int) -> Recipients:
    """Who is told when an episode escalates.

    The members of the episode's patient's care team (the people who may read the
    record; a deleted account is gone with its membership), then the clinic's shared
    address (``BACKCARE_CLINIC_NOTIFY_EMAIL``) if set, each address once.
    """
    patient_id, team = accounts.escalation_contacts(episode_id)
    clinic = [settings.clinic_notify_email] if settings.clinic_notify_email else []
    return Recipients(patient_id, _unique([*team, *clinic]))


def _link(public_url: str | None, path: str) -> str | None:
    return f"{public_url.rstrip('/')}{path}" if public_url else None


#: A notice's subject per source and level: whole sentences, so a language may order them.
_SUBJECTS = {
    ("check-in", TriageLevel.URGENT): N_("backcare: a check-in is urgent (episode {episode})"),
    ("check-in", TriageLevel.EMERGENCY): N_(
        "backcare: a check-in is an emergency (episode {episode})"
    ),
    ("coach session", TriageLevel.URGENT): N_(
        "backcare: a coach session is urgent (episode {episode})"
    ),
    ("coach session", TriageLevel.EMERGENCY): N_(
        "backcare: a coach session is an emergency (episode {episode})"
    ),
}
_FIRST_LINES = {
    "check-in": N_(
        "A check-in in backcare reached the level '{level}' at {at} (episode {episode})."
    ),
    "coach session": N_(
        "A coach session in backcare reached the level '{level}' at {at} (episode {episode})."
    ),
}
_REST = N_(
    "The person was shown what to do at once. Please look at their record in "
    "backcare and follow your clinic's procedure for escalations.\n\n"
    "This message holds no health details on purpose.\n"
)


def escalation_notice(
    *,
    level: TriageLevel,
    source: str,
    at: datetime,
    episode_id: int,
    patient_id: int | None = None,
    public_url: str | None = None,
) -> Notice:
    """The notice of an escalation (``source``: ``check-in`` or ``coach session``).

    With the patient's record number, and a link to their page when the public address
    (``BACKCARE_PUBLIC_URL``) is known.
    """
    stamp = f"{at:%Y-%m-%d %H:%M} UTC"
    urgent = TriageLevel.EMERGENCY if level is TriageLevel.EMERGENCY else TriageLevel.URGENT
    subject = gettext(_SUBJECTS[source, urgent]).format(episode=episode_id)
    lines = [
        gettext(_FIRST_LINES[source]).format(
            level=label("level", level.value), at=stamp, episode=episode_id
        )
    ]
    if patient_id is not None:
        lines.append(gettext("Patient record: {record}").format(record=patient_id))
        link = _link(public_url, f"/clinic/patients/{patient_id}")
        if link:
            lines.append(gettext("Their page: {link}").format(link=link))
    return Notice(subject=subject, body="\n".join(lines) + f"\n\n{gettext(_REST)}")


def patient_reminder(*, public_url: str | None) -> Notice:
    """The daily reminder a patient asked for: what to do today, and where."""
    link = _link(public_url, "/today")
    account = _link(public_url, "/account/reminders")
    lines = [
        gettext("A reminder from backcare, as you asked:"),
        "",
        gettext("- Check in today: how is your back?"),
        gettext("- Do today's exercises with the coach."),
        "",
    ]
    if link:
        lines += [gettext("Today's plan: {link}").format(link=link), ""]
    lines.append(
        gettext("To stop these e-mails, switch them off in your account: {link}").format(
            link=account
        )
        if account
        else gettext("To stop these e-mails, switch them off in your account.")
    )
    return Notice(
        subject=gettext("backcare: your reminder for today"), body="\n".join(lines) + "\n"
    )


def clinician_digest(count: int, *, public_url: str | None) -> Notice:
    """A clinician's daily digest: how many of their patients need attention (no names)."""
    subject = ngettext(
        "backcare: {count} patient needs attention",
        "backcare: {count} patients need attention",
        count,
    ).format(count=count)
    first = ngettext(
        "{count} of your patients needs attention today.",
        "{count} of your patients need attention today.",
        count,
    ).format(count=count)
    lines = [first, ""]
    link = _link(public_url, "/clinic")
    if link:
        lines += [gettext("Your patients, most in need first: {link}").format(link=link), ""]
    lines.append(gettext("This message holds no health details on purpose."))
    return Notice(subject=subject, body="\n".join(lines) + "\n")
