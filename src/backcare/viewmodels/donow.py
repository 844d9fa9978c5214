"""What to do now, and what is due next: the first screen of a plan, built from its data.

Pure functions over the typed result, shared by the web pages, the terminal and the
reminders, so they all say the same thing: the 3-5 "do now" actions of a phase (from the
recommendations' doses, the exercises and the medicine advice, never hand-written per
template), dose text with its spacing and plurals, and the day's schedule merged into
slots ("Cold pack + get up and walk") with the one that is due now and the next one.
Nothing here decides a level or a medicine: it only reads what the engine decided.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from backcare.domain.enums import EvidenceGrade, MedicineStatus, Track, TriageLevel
from backcare.domain.results import Assessment, Dose, ScheduleItem
from backcare.domain.verdict import INCOMPLETE, verdict_state
from backcare.i18n import gettext as _
from backcare.i18n import ngettext

__all__ = [
    "MAX_ACTIONS",
    "SLOT_MINUTES",
    "Action",
    "DayView",
    "Slot",
    "day_view",
    "do_now",
    "dose_text",
    "every_text",
    "merge_schedule",
    "minutes_text",
    "short_title",
    "times_a_day",
]

#: The first screen holds at most this many actions.
MAX_ACTIONS = 5
#: Items in the same block of this many minutes (on the clock: 09:00-09:59) form one slot.
SLOT_MINUTES = 60


@dataclass(frozen=True, slots=True)
class Action:
    """One thing to do now: a short heading, how much and how often, and its evidence."""

    title: str
    detail: str
    sources: tuple[str, ...]
    evidence: EvidenceGrade | None = None


@dataclass(frozen=True, slots=True)
class Slot:
    """Schedule items that fall together, done (and reminded) as one."""

    time: str  # HH:MM, local time
    actions: tuple[str, ...]
    titles: tuple[str, ...]
    minutes: float | None

    @property
    def label(self) -> str:
        """``Cold pack + get up and walk for a few minutes``."""
        first, *rest = self.titles
        return " + ".join([first, *(t[:1].lower() + t[1:] for t in rest)])

    @property
    def at(self) -> dt.time:
        """The slot's start as a time of day."""
        return dt.time.fromisoformat(self.time)


@dataclass(frozen=True, slots=True)
class DayView:
    """Today's slots from the episode's start: the one due now, the next, and the rest."""

    now: Slot | None
    next: Slot | None
    later: tuple[Slot, ...]
    done: tuple[Slot, ...]


def _n(count: float) -> int:
    """The number that picks a plural form: 1.5 hours reads like 2 hours, not 1 hour."""
    return 1 if count == 1 else max(2, round(count))


def minutes_text(count: float) -> str:
    """``1 minute``, ``20 minutes``, ``1.5 minutes`` (numbers without a trailing ``.0``)."""
    return ngettext("{count} minute", "{count} minutes", _n(count)).format(count=f"{count:g}")


def every_text(hours: float) -> str:
    """``every hour``, ``every 2 hours``."""
    if hours == 1:
        return _("every hour")
    return ngettext("every {count} hour", "every {count} hours", _n(hours)).format(
        count=f"{hours:g}"
    )


def times_a_day(times: int) -> str:
    """``once a day``, ``twice a day``, ``3 times a day``."""
    if times == 1:
        return _("once a day")
    if times == 2:
        return _("twice a day")
    return ngettext("{count} time a day", "{count} times a day", times).format(count=times)


def dose_text(dose: Dose, *, now: bool = False) -> str:
    """A dose in words with its spacing and plurals: ``20 minutes, every 2 hours``.

    With ``now`` a repeated dose reads ``20 minutes now, then every 2 hours``.
    """
    parts: list[str] = []
    amount = ""
    if dose.minutes:
        amount = minutes_text(dose.minutes)
        if dose.max_minutes and dose.max_minutes != dose.minutes:
            amount = _("{amount} (at most {limit})").format(
                amount=amount, limit=minutes_text(dose.max_minutes)
            )
    if dose.every_hours:
        often = every_text(dose.every_hours)
        if now and amount:
            parts.append(_("{amount} now, then {often}").format(amount=amount, often=often))
        else:
            parts += [amount, often] if amount else [often]
    elif amount:
        parts.append(amount)
    if dose.times_per_day:
        parts.append(times_a_day(dose.times_per_day))
    if dose.amount:
        parts.append(dose.amount)
    return ", ".join(parts)


def short_title(title: str) -> str:
    """A schedule title without its explanation: ``Cold pack, wrapped …`` -> ``Cold pack``."""
    for mark in (":", ",", " ("):
        title = title.split(mark, 1)[0]
    return title.strip()


def do_now(assessment: Assessment, *, otc: Callable[[str], bool]) -> tuple[Action, ...]:
    """The 3-5 actions for this phase, most immediate first; none for an emergency or an
    incomplete result (those keep their own screens, which never look like self-care).

    ``otc`` says whether a medicine id can be bought without a prescription; only those
    become a "do now" action.
    """
    triage = assessment.triage
    if triage.level is TriageLevel.EMERGENCY or verdict_state(triage) == INCOMPLETE:
        return ()
    plan = assessment.plan
    actions: list[Action] = []
    relief = [r for r in plan.recommendations if r.track is Track.RELIEF]
    # Timed relief first (cold or warmth, walking): the things to start this minute.
    for rec in relief:
        if rec.dose is not None and rec.dose.every_hours:
            detail = dose_text(rec.dose, now=True)
            actions.append(Action(rec.title, detail, rec.sources, rec.evidence))
    if plan.exercises:
        times = max(e.times_per_day for e in plan.exercises)
        sources = tuple(dict.fromkeys(s for e in plan.exercises for s in e.sources))
        count = len(plan.exercises)
        stretches = ngettext("{count} stretch", "{count} stretches", count).format(count=count)
        title = _("Gentle exercises, {often}").format(often=times_a_day(times))
        actions.append(Action(title, stretches, sources))
    medicine = _medicine_action(assessment, otc)
    if medicine is not None:
        actions.append(medicine)
    # Fill up to three with the other relief advice, in the plan's order.
    for rec in relief:
        if len(actions) >= 3:
            break
        if rec.dose is None or not rec.dose.every_hours:
            detail = dose_text(rec.dose) if rec.dose is not None else ""
            actions.append(Action(rec.title, detail, rec.sources, rec.evidence))
    return tuple(actions[:MAX_ACTIONS])


def _medicine_action(assessment: Assessment, otc: Callable[[str], bool]) -> Action | None:
    bought = [m for m in assessment.plan.medications if otc(m.drug)]
    suitable = [m for m in bought if m.status is MedicineStatus.SUITABLE]
    if suitable:
        first, *others = suitable
        detail = first.usual_dose
        if others:
            detail = _("{dose}. Also suitable: {names}").format(
                dose=detail, names=", ".join(m.name for m in others)
            )
        return Action(_("{medicine} suits you").format(medicine=first.name), detail, first.sources)
    ask = [m for m in bought if m.status is MedicineStatus.ASK_FIRST]
    if ask:
        names = ", ".join(m.name for m in ask)
        return Action(
            _("Ask a pharmacist before taking painkillers"),
            _("{names}: see why under “Medicines” below").format(names=names),
            tuple(dict.fromkeys(s for m in ask for s in m.sources)),
        )
    return None


def _minutes(value: str) -> int:
    at = dt.time.fromisoformat(value)
    return at.hour * 60 + at.minute


def merge_schedule(
    items: Iterable[ScheduleItem], *, window: int = SLOT_MINUTES, since: dt.time | None = None
) -> tuple[Slot, ...]:
    """Items in the same ``window`` of the clock (09:00-09:59 by default) form one slot,
    at the time of its first item, so nothing moves earlier than planned by more than that.

    An action appears at most once per slot, so nothing repeats inside one reminder.
    ``since`` drops the items before it (the episode began today at that time) before
    merging, so an 11:30 walk survives a start at 11:09 while the 11:00 cold pack goes.
    """
    slots: list[Slot] = []
    block: int | None = None
    first = since.hour * 60 + since.minute if since is not None else 0
    kept = (i for i in items if _minutes(i.time) >= first)
    for item in sorted(kept, key=lambda i: _minutes(i.time)):
        at = _minutes(item.time)
        if slots and at // window == block:
            last = slots[-1]
            if item.action in last.actions:
                continue
            minutes = (last.minutes or 0) + (item.minutes or 0) or None
            slots[-1] = Slot(
                last.time,
                (*last.actions, item.action),
                (*last.titles, short_title(item.title)),
                minutes,
            )
            continue
        block = at // window
        slots.append(Slot(item.time, (item.action,), (short_title(item.title),), item.minutes))
    return tuple(slots)


def day_view(
    slots: Iterable[Slot], now: dt.time, *, since: dt.time | None = None, grace: int = 30
) -> DayView:
    """Today's slots seen at ``now``: the slot begun within ``grace`` minutes is due now.

    ``since`` is when the episode began, when that was today: nothing before it is shown
    (no 07:00 cold pack for a spasm that began at 11:09).
    """
    clock = now.hour * 60 + now.minute
    begin = since.hour * 60 + since.minute if since is not None else None
    kept = [s for s in slots if begin is None or _minutes(s.time) >= begin]
    done = [s for s in kept if _minutes(s.time) < clock - grace]
    current = [s for s in kept if clock - grace <= _minutes(s.time) <= clock]
    upcoming = [s for s in kept if _minutes(s.time) > clock]
    return DayView(
        now=current[-1] if current else None,
        next=upcoming[0] if upcoming else None,
        later=tuple(upcoming[1:]),
        done=tuple(done + current[:-1]),
    )
