"""Adherence: exercise sessions done per day against the plan's sessions per day. Pure.

The plan asks for each phase's exercises ``times_per_day`` (the most of any exercise
allowed in the phase: 3 for the gentle stretches). A day's figure is the sessions in
which at least one rep was held to the end, against that number; the rate counts at
most the planned number per day, so five sessions on Monday do not make up for none on
Tuesday. Days are the person's calendar days. Days on which triage held the exercises
(urgent or emergency) still count as planned: the diary keeps no day-by-day plan.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from backcare.i18n import gettext as _
from backcare.i18n import ngettext

__all__ = ["WINDOW_DAYS", "Adherence", "AdherenceSummary", "DayAdherence", "adherence"]

#: The length of the recent window, in days (today and the six days before).
WINDOW_DAYS = 7


@dataclass(frozen=True, slots=True)
class DayAdherence:
    """One calendar day: sessions done and sessions the plan asked for."""

    day: date
    done: int
    planned: int


@dataclass(frozen=True, slots=True)
class AdherenceSummary:
    """Sessions done against planned over a run of days.

    Attributes:
        first_day: The first day counted.
        last_day: The last day counted (today, or the day the episode was resolved).
        days: How many days are counted.
        done: Sessions done (every one, even beyond the plan).
        done_in_plan: Sessions done, counting at most the planned number per day.
        planned: Sessions the plan asked for.
    """

    first_day: date
    last_day: date
    days: int
    done: int
    done_in_plan: int
    planned: int

    @property
    def rate(self) -> float | None:
        """``done_in_plan / planned`` (0.0-1.0), or ``None`` when nothing was planned."""
        return None if self.planned == 0 else self.done_in_plan / self.planned

    def line(self) -> str:
        """One line for a report, e.g. ``12 of 21 planned sessions (57%) over 7 days``."""
        rate = "" if self.rate is None else f" ({self.rate:.0%})"
        extra = (
            _("; {count} in all").format(count=self.done) if self.done != self.done_in_plan else ""
        )
        return ngettext(
            "{done} of {planned} planned sessions{rate} over {days} day{extra}",
            "{done} of {planned} planned sessions{rate} over {days} days{extra}",
            self.days,
        ).format(
            done=self.done_in_plan, planned=self.planned, rate=rate, days=self.days, extra=extra
        )


@dataclass(frozen=True, slots=True)
class Adherence:
    """Adherence of one episode: each day, the recent window and the whole episode."""

    per_day: tuple[DayAdherence, ...]
    last_7_days: AdherenceSummary
    episode: AdherenceSummary


def adherence(
    session_days: Iterable[date],
    *,
    first_day: date,
    last_day: date,
    planned_on: Callable[[date], int],
    window_days: int = WINDOW_DAYS,
) -> Adherence:
    """Work out adherence from the calendar days of the sessions done.

    Args:
        session_days: The day of every session that counts as done (one entry per session).
        first_day: The episode's first day (the day of onset).
        last_day: The last day to count: today, or the day the episode was resolved.
        planned_on: Sessions the plan asks for on a given day.
        window_days: Length of the recent window.

    Returns:
        Per-day figures, the last ``window_days`` days and the whole episode. Sessions
        outside ``first_day``..``last_day`` are ignored.
    """
    last_day = max(first_day, last_day)
    done = Counter(session_days)
    per_day = tuple(
        DayAdherence(day=day, done=done.get(day, 0), planned=max(0, planned_on(day)))
        for day in _days(first_day, last_day)
    )
    window_start = max(first_day, last_day - timedelta(days=window_days - 1))
    return Adherence(
        per_day=per_day,
        last_7_days=_summary([d for d in per_day if d.day >= window_start], window_start, last_day),
        episode=_summary(list(per_day), first_day, last_day),
    )


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _summary(days: list[DayAdherence], first: date, last: date) -> AdherenceSummary:
    return AdherenceSummary(
        first_day=first,
        last_day=last,
        days=len(days),
        done=sum(d.done for d in days),
        done_in_plan=sum(min(d.done, d.planned) for d in days),
        planned=sum(d.planned for d in days),
    )
