"""How a triage result is presented: its verdict state and the incomplete wording.

The one home of these words, so the web pages, the terminal, the report and the diary
say the same thing. An incomplete result must never look like a finished self-care
verdict: when safety questions are unanswered and nothing answered points higher, the
state is ``incomplete`` (neutral), not ``self_care``. The ``level`` field itself is
unchanged and stays monotonic; only its presentation differs.
"""

from __future__ import annotations

from backcare.domain.enums import TriageLevel
from backcare.domain.results import Assessment, Question, Triage
from backcare.i18n import N_, ngettext

__all__ = [
    "INCOMPLETE",
    "INCOMPLETE_EXPLAINED",
    "incomplete_headline",
    "unanswered_safety_questions",
    "verdict_state",
]

#: The verdict state of an incomplete result that would otherwise read as self-care.
INCOMPLETE = "incomplete"

#: The English words (a catalogue message id): show them with ``gettext(INCOMPLETE_EXPLAINED)``.
INCOMPLETE_EXPLAINED = N_(
    "A skipped question is never taken as “no”, so backcare cannot say this is safe to "
    "look after at home until every safety question is answered."
)


def verdict_state(triage: Triage) -> str:
    """``incomplete`` for an unfinished result at self-care, else the level's value."""
    if not triage.complete and triage.level is TriageLevel.SELF_CARE:
        return INCOMPLETE
    return triage.level.value


def incomplete_headline(triage: Triage) -> str:
    """``We can't tell yet: N safety questions unanswered`` (empty when complete)."""
    count = len(triage.missing)
    if not count:
        return ""
    return ngettext(
        "We can't tell yet: {count} safety question unanswered",
        "We can't tell yet: {count} safety questions unanswered",
        count,
    ).format(count=count)


def unanswered_safety_questions(assessment: Assessment) -> tuple[Question, ...]:
    """The unanswered safety questions as questions (text and why), most dangerous first."""
    by_key = {question.key: question for question in assessment.next_questions}
    return tuple(by_key[key] for key in assessment.triage.missing if key in by_key)
