"""Escalation: re-run triage with the course the diary observed, and say what changed.

The diary never decides a triage level itself. It derives the course of the
episode and lays it over the person's answers, and the core triage rules
(``triage_rules.yaml``) decide:

* pain (or function) worse than the baseline by the MCID, at any time →
  ``course_worse``, see a doctor (``nhs_back_pain``, ``seed_002``);
* no meaningful improvement by day 14 → ``no_improvement_2_weeks``, see a doctor
  (``nhs_back_exercises``, ``nhs_inform_exercises``, ``nhs_back_pain``);
* not resolved by day 42 → ``not_resolved_6_weeks``, see a doctor
  (``nhs_back_exercises``, ``pace_trial``);
* "it keeps coming back in the same spot" → ``recurrent_same_spot`` (``seed_000``);
* a new red flag at a check-in → that red flag's own level and sources.

Derived fields: ``hours_since_onset`` and ``course.days_of_self_care`` from the
onset, ``course.trend`` from :mod:`backcare.diary.trends` (MCID: ``ostelo_2008``),
and ``pain`` from the check-in. The person's own answers (red flags, history,
``recurrent_same_spot``) accumulate over check-ins: the latest answer wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from backcare.domain.answers import Answers, Course, parse_answers
from backcare.domain.enums import Trend, TriageLevel
from backcare.domain.results import Reason, Triage
from backcare.i18n import gettext as _
from backcare.i18n import label

__all__ = [
    "COURSE_RULES",
    "MAX_DAYS",
    "MAX_HOURS",
    "Escalation",
    "course_days",
    "effective_answers",
    "escalation",
]

#: The knowledge-base triage rules the diary's derived course is meant to fire (a test
#: checks they exist, and docs/diary.md lists each with its sources).
COURSE_RULES: tuple[str, ...] = (
    "course_worse",
    "no_improvement_2_weeks",
    "not_resolved_6_weeks",
    "recurrent_same_spot",
    "severe_pain_persisting",
)

#: The answers contract caps these (ten years); a longer diary is clamped, not refused.
MAX_DAYS = 3650
MAX_HOURS = 24.0 * 3650


def course_days(onset: datetime, at: datetime) -> int:
    """Whole days from onset to ``at`` (0 on the first day), clamped to the contract's range."""
    return int(min(MAX_DAYS, max(0, (at - onset) // timedelta(days=1))))


def effective_answers(
    start: Mapping[str, Any],
    updates: Iterable[Mapping[str, Any]],
    *,
    onset: datetime,
    at: datetime,
    pain: int | None,
    trend: Trend | None,
) -> Answers:
    """The answers to triage at ``at``: start answers, then each update, then the derived course.

    Args:
        start: the answers the episode was started with.
        updates: answers changed at earlier check-ins (and this one), oldest first.
        onset: when the episode began.
        at: the time of the check-in (or now).
        pain: pain now, when known.
        trend: the diary's trend, when there is a baseline to compare with.

    Raises:
        InputError: stored or given answers no longer fit the answers contract.
    """
    answers = parse_answers(dict(start))
    for update in updates:
        answers = answers.merged(parse_answers(dict(update)))
    hours = min(MAX_HOURS, max(0.0, (at - onset).total_seconds() / 3600))
    derived = Answers(
        hours_since_onset=round(hours, 2),
        pain=pain,
        course=Course(days_of_self_care=course_days(onset, at), trend=trend),
    )
    return answers.merged(derived)


@dataclass(frozen=True, slots=True)
class Escalation:
    """The triage after a check-in compared with the one before it."""

    level: TriageLevel
    previous: TriageLevel
    reasons: tuple[Reason, ...]
    """The reasons at ``see_doctor`` or above: what to do and why, with sources."""

    @property
    def escalated(self) -> bool:
        """True when this check-in raised the level."""
        return self.level.rank > self.previous.rank

    @property
    def needs_care(self) -> bool:
        """True when the person should see someone (any level above self-care)."""
        return self.level is not TriageLevel.SELF_CARE

    def headline(self) -> str:
        """One sentence: what changed and what to do."""
        verb = label("level_action", self.level)
        if self.escalated:
            return _("{action}: this check-in raised the level from {before} to {now}.").format(
                action=verb, before=label("level", self.previous), now=label("level", self.level)
            )
        return _("{action}.").format(action=verb)


def escalation(triage: Triage, *, previous: TriageLevel) -> Escalation:
    """Compare a triage with the level before it."""
    reasons = tuple(r for r in triage.reasons if r.level is not TriageLevel.SELF_CARE)
    return Escalation(level=triage.level, previous=previous, reasons=reasons)
