"""Escalation notices: when one is due, what it says, and who gets it.

A notice says that a check-in or a coach session reached urgent or emergency, when, and
where to look; it carries no symptom, answer or note, because e-mail is not a safe place
for health details. The person has had the instruction on screen already.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backcare.domain.enums import TriageLevel
from backcare.i18n import N_, gettext, label
from backcare.settings import Settings

__all__ = ["NOTIFY_LEVELS", "Notice", "escalation_notice", "escalation_recipients"]

#: The levels a care team is told about.
NOTIFY_LEVELS = frozenset({TriageLevel.URGENT, TriageLevel.EMERGENCY})


@dataclass(frozen=True, slots=True)
class Notice:
    """An e-mail to send: subject and plain text."""

    subject: str
    body: str


def escalation_recipients(settings: Settings, *, episode_id: int) -> tuple[str, ...]:
    """Who is told when an episode escalates.

    Until care teams exist this is the clinic's shared address
    (``BACKCARE_CLINIC_NOTIFY_EMAIL``); the care team of the episode's patient replaces
    it here, and only here.
    """
    del episode_id  # every episode goes to the one clinic address for now
    return (settings.clinic_notify_email,) if settings.clinic_notify_email else ()


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


def escalation_notice(*, level: TriageLevel, source: str, at: datetime, episode_id: int) -> Notice:
    """The notice of an escalation (``source``: ``check-in`` or ``coach session``)."""
    stamp = f"{at:%Y-%m-%d %H:%M} UTC"
    urgent = TriageLevel.EMERGENCY if level is TriageLevel.EMERGENCY else TriageLevel.URGENT
    subject = gettext(_SUBJECTS[source, urgent]).format(episode=episode_id)
    first = gettext(_FIRST_LINES[source]).format(
        level=label("level", level.value), at=stamp, episode=episode_id
    )
    return Notice(subject=subject, body=f"{first}\n\n{gettext(_REST)}")
