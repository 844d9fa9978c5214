"""The home page's state: where the person stands and the one thing to do next.

Three states: no episode yet (start the assessment), an active episode (its day and
phase, what is due now or next, the last check-in and one main button), and a closed
one (a short summary and a new assessment). The level, the phase and the schedule all
come from the diary's current plan (:meth:`backcare.diary.Diary.plan`) and the shared
day view (:mod:`backcare.viewmodels.donow`); this module only chooses which of them leads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from backcare.diary import Diary, EpisodeStatus
from backcare.diary.trends import episode_day
from backcare.domain.enums import TriageLevel
from backcare.domain.results import Assessment
from backcare.domain.verdict import INCOMPLETE, verdict_state
from backcare.errors import NotFoundError
from backcare.i18n import gettext as _
from backcare.viewmodels.donow import Slot, day_view, merge_schedule

__all__ = ["HomeState", "MainAction", "home_state", "main_action"]


@dataclass(frozen=True, slots=True)
class MainAction:
    """The one button that matters now."""

    label: str
    href: str
    kind: Literal["call", "help", "assess", "checkin", "coach", "today"]


@dataclass(frozen=True, slots=True)
class LastCheckIn:
    """When the person last checked in, and the pain then."""

    at: datetime
    pain: int


@dataclass(frozen=True, slots=True)
class HomeState:
    """What the home page shows.

    Attributes:
        state: ``none`` (no episode yet), ``active`` or ``closed`` (the latest one is).
        day: the episode's day, 1 on the day it began (active only).
        assessment: the episode's plan as of now (active only).
        now, next: the schedule slot due now and the next one today (active only).
        last_checkin: the latest check-in, if any.
        checkins: how many check-ins the episode has.
        sessions_today: exercise-coach sessions done today (active only).
        main: the one button that matters (active only).
        began, closed: when the episode began and was closed.
        first_pain, last_pain: the pain at the start and at the last check-in.
    """

    state: Literal["none", "active", "closed"]
    day: int = 0
    assessment: Assessment | None = None
    now: Slot | None = None
    next: Slot | None = None
    last_checkin: LastCheckIn | None = None
    checkins: int = 0
    sessions_today: int = 0
    main: MainAction | None = None
    began: datetime | None = None
    closed: datetime | None = None
    first_pain: int | None = None
    last_pain: int | None = None


def home_state(diary: Diary, *, emergency_number: str) -> HomeState:
    """The home page's state from the diary (the latest episode, active or not)."""
    try:
        history = diary.history()
    except NotFoundError:
        return HomeState(state="none")
    episode = history.episode
    latest = history.checkins[-1] if history.checkins else None
    last = LastCheckIn(at=latest.recorded_at, pain=latest.pain) if latest is not None else None
    start_pain = episode.answers.get("pain")
    first_pain = start_pain if isinstance(start_pain, int) else None
    if first_pain is None and history.checkins:
        first_pain = history.checkins[0].pain
    if episode.status is not EpisodeStatus.ACTIVE:
        return HomeState(
            state="closed",
            last_checkin=last,
            checkins=len(history.checkins),
            began=episode.onset_at,
            closed=episode.resolved_at,
            first_pain=first_pain,
            last_pain=last.pain if last is not None else None,
        )
    now = diary.now().astimezone(diary.tz)
    onset = episode.onset_at.astimezone(diary.tz)
    assessment = diary.plan(episode.id)
    since = onset.time() if onset.date() == now.date() else None
    day = day_view(merge_schedule(assessment.plan.schedule, since=since), now.time())
    today = now.date()
    sessions = sum(
        1 for s in history.coach_sessions if s.started_at.astimezone(diary.tz).date() == today
    )
    checked_today = last is not None and last.at.astimezone(diary.tz).date() == today
    return HomeState(
        state="active",
        day=episode_day(onset, now, diary.tz),
        assessment=assessment,
        now=day.now,
        next=day.next,
        last_checkin=last,
        checkins=len(history.checkins),
        sessions_today=sessions,
        main=main_action(
            assessment,
            checked_today=checked_today,
            sessions_today=sessions,
            emergency_number=emergency_number,
        ),
        began=episode.onset_at,
        first_pain=first_pain,
        last_pain=last.pain if last is not None else None,
    )


def main_action(
    assessment: Assessment, *, checked_today: bool, sessions_today: int, emergency_number: str
) -> MainAction:
    """Help first when the plan says so, then today's check-in, then the exercises."""
    triage = assessment.triage
    if triage.level is TriageLevel.EMERGENCY:
        number = triage.emergency.number if triage.emergency else emergency_number
        return MainAction(_("Call {number} now").format(number=number), f"tel:{number}", "call")
    if triage.level is TriageLevel.URGENT:
        return MainAction(_("Get help now: what to do"), "/today", "help")
    if verdict_state(triage) == INCOMPLETE:
        # A check-in can only tick a sign as present, never answer "no": the open questions
        # are asked on their own, and the answers saved to the running diary.
        return MainAction(_("Answer the safety questions"), "/diary/safety-questions", "assess")
    if not checked_today:
        return MainAction(_("Check in: how is it today?"), "/diary/check-in", "checkin")
    if assessment.plan.exercises and sessions_today == 0:
        return MainAction(_("Do today's exercises with the coach"), "/coach", "coach")
    return MainAction(_("See the rest of today's plan"), "/today", "today")
