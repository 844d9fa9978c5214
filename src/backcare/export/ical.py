"""Reminders as iCalendar (RFC 5545): the plan's schedule for the coming days, phase by phase.

The engine plans one waking day at a time for a given number of hours since onset
(:mod:`backcare.rules.build`). A reminder calendar spans several days and the
episode changes phase on the way, so each timed item is kept only if the plan *at
that exact moment* schedules it, and the plan at the moment it ends still offers
it. That makes the phase rules hold to the minute:

* cold packs (``cold_therapy``, hours 0-72 in ``recommendations.yaml``): 20 minutes
  every 2 hours while awake, and no session that starts or ends at or after
  onset + 72 h (``cochrane_heat_cold``, conflict ``cold_duration``);
* heat sessions from 72 h, when the plan timetables them;
* a short walk every hour, the exercise sessions and the daily check-in.

Every event lies inside the person's waking day (``BACKCARE_WAKE_TIME`` to
``BACKCARE_SLEEP_TIME``): it starts at or after waking and ends by bedtime. Alarms
follow the slots of :func:`backcare.viewmodels.donow.merge_schedule` (the same hour of
the clock): one display alarm per slot, at the start of its first event (never
before: an alarm must not wake anyone), saying everything that falls together
("Cold pack + get up and walk"); the other events of the slot stay in the calendar
silently. Cold and heat sessions also alarm at their end, to take the pack off (a
safety limit, not a reminder). Nothing alarms in the past.

UIDs are stable (episode, day, action, ordinal within the day), so importing a
newer file updates the events instead of duplicating them. Times carry a
``TZID`` with a ``VTIMEZONE`` bounded to the calendar's dates when the zone is
an IANA zone (``zoneinfo``); otherwise they are written in UTC.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from backcare.domain.answers import Answers
from backcare.domain.enums import Sides, TriageLevel
from backcare.domain.results import Assessment, CarePlan
from backcare.errors import ConflictError, FieldProblem, InputError
from backcare.i18n import gettext, label
from backcare.viewmodels.donow import SLOT_MINUTES, short_title

if TYPE_CHECKING:
    from backcare.diary import Diary
    from backcare.knowledge.schema import KnowledgeBase
    from backcare.rules.assessor import Engine

__all__ = [
    "DEFAULT_DAYS",
    "MAX_DAYS",
    "PRODID",
    "Reminder",
    "calendar_feed",
    "export_ics",
    "plan_reminders",
    "reminders_ics",
    "slot_alarms",
    "to_ical",
]

#: How many days a reminder calendar covers unless told otherwise.
DEFAULT_DAYS = 7
#: The most days one calendar may cover (the plan is re-made from the diary as it goes).
MAX_DAYS = 60
#: The PRODID of every calendar backcare writes.
PRODID = "-//backcare//reminders//EN"
#: How often a subscribed client should fetch the feed again.
FEED_REFRESH = timedelta(hours=6)

_TIMED_SESSIONS = {"cold_therapy": "cold pack", "heat_therapy": "heat"}
_EXERCISE_MINUTES = 5  # floor for an exercise session's length
_DEFAULT_MINUTES = 5  # an item without a length (none in the shipped plan) gets 5 minutes
_MAX_HOURS = 24.0 * 3650  # the answers contract's ceiling


@dataclass(frozen=True, slots=True)
class Reminder:
    """One timed action of the plan on one day.

    Attributes:
        uid: stable identifier (episode, day, action, ordinal within the day).
        action: the schedule's action id (``cold_therapy``, ``keep_moving``, ``exercises``...).
        title: what to do, as the plan words it.
        start: when it starts (aware, in the person's time zone).
        end: when it ends.
        description: how to do it safely, and when to get help.
        end_alarm: the text of an alarm at the end (take the pack off), if any.
    """

    uid: str
    action: str
    title: str
    start: datetime
    end: datetime
    description: str
    end_alarm: str | None = None


def _check_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InputError(
            gettext("the number of days is out of range"),
            problems=[
                FieldProblem(
                    "--days",
                    gettext("must be a whole number from 1 to {max_days}").format(
                        max_days=MAX_DAYS
                    ),
                )
            ],
        )


def _wall(day: date, clock: time, tz: tzinfo) -> datetime | None:
    """``clock`` on ``day`` in ``tz``; ``None`` when the clocks skip it (a DST gap)."""
    naive = datetime.combine(day, clock)
    aware = naive.replace(tzinfo=tz)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return aware


def _thresholds(kb: KnowledgeBase) -> list[float]:
    """Hours since onset at which the plan can change (phase, window or timetable starts)."""
    hours: set[float] = {p.from_hours for p in kb.phases}
    hours |= {p.until_hours for p in kb.phases if p.until_hours is not None}
    for rec in kb.recommendations:
        if rec.hours is not None:
            hours.add(rec.hours[0])
            if rec.hours[1] is not None:
                hours.add(rec.hours[1])
        if rec.schedule is not None:
            hours.add(rec.schedule.from_hours)
    return sorted(hours)


class _Planner:
    """The assessment at any moment of the episode, cached by hours since onset."""

    def __init__(self, answers: Answers, *, onset: datetime, engine: Engine) -> None:
        self.answers = answers
        self.onset = onset
        self.engine = engine
        self._cache: dict[float, Assessment] = {}

    def assessment(self, instant: datetime) -> Assessment:
        """The triage and plan with the hours and days since onset of ``instant``."""
        hours = _hours(self.onset, instant)
        found = self._cache.get(hours)
        if found is None:
            days = min(3650, int(hours // 24))
            answers = self.answers.model_copy(
                update={
                    "hours_since_onset": hours,
                    "course": self.answers.course.model_copy(update={"days_of_self_care": days}),
                }
            )
            found = self._cache[hours] = self.engine.assess(answers)
        return found

    def at(self, instant: datetime) -> CarePlan:
        """The plan at ``instant``."""
        return self.assessment(instant).plan


def _exercise_minutes(plan: CarePlan) -> int:
    seconds = sum(
        ex.reps * (2 if ex.sides is Sides.EACH else 1) * (ex.hold_seconds + ex.rest_seconds)
        for ex in plan.exercises
    )
    return max(_EXERCISE_MINUTES, math.ceil(seconds / 60))


def _description(action: str, plan: CarePlan, *, engine: Engine) -> str:
    lines: list[str] = []
    if action == "exercises":
        for ex in plan.exercises:
            side = " on each side" if ex.sides is Sides.EACH else ""
            lines.append(f"- {ex.name}: {ex.reps} times{side}, hold {ex.hold_seconds} s")
        lines.append("Move only as far as is comfortable.")
        lines += sorted({stop for ex in plan.exercises for stop in ex.stop_if})
    else:
        rec = next((r for r in plan.recommendations if r.id == action), None)
        if rec is not None:
            lines.append(rec.title + ".")
            lines += rec.safety
            if action in _TIMED_SESSIONS:  # skin safety matters for every single session
                lines += (f"Stop if: {s}" for s in rec.stop_if)
    urgent = [w.text for w in plan.see_doctor_if if w.level is TriageLevel.EMERGENCY]
    lines += urgent
    lines.append(f"Emergency number: {engine.settings.emergency_number}.")
    lines.append("backcare is not a substitute for a doctor.")
    return "\n".join(lines)


def _end_alarm(action: str, plan: CarePlan) -> str | None:
    what = _TIMED_SESSIONS.get(action)
    if what is None:
        return None
    rec = next((r for r in plan.recommendations if r.id == action), None)
    limit = rec.dose.max_minutes if rec is not None and rec.dose is not None else None
    most = f" ({limit:g} minutes at most)" if limit else ""
    return f"Time to take the {what} off now{most}."


def plan_reminders(
    answers: Answers,
    *,
    onset: datetime,
    engine: Engine,
    tz: tzinfo,
    first_day: date,
    days: int = DEFAULT_DAYS,
    uid_prefix: str,
) -> list[Reminder]:
    """The plan's timed actions from ``first_day`` for ``days`` days, following the phases.

    Args:
        answers: the person's answers (the course is re-derived for each moment).
        onset: when the episode began (aware).
        engine: the engine; its settings give the waking day and the emergency number.
        tz: the person's time zone; clock times of the plan are wall times in it.
        first_day: the first calendar day (in ``tz``).
        days: how many days, 1 to :data:`MAX_DAYS`.
        uid_prefix: the stable part of every UID (e.g. the episode's uid).

    Returns:
        The reminders in time order; empty when self-care is on hold (emergency).

    Raises:
        InputError: ``days`` is out of range or ``onset`` has no time zone.
    """
    _check_days(days)
    if onset.tzinfo is None or onset.utcoffset() is None:
        raise InputError(
            gettext("the onset needs a time zone"), problems=[FieldProblem("onset", "")]
        )
    planner = _Planner(answers, onset=onset, engine=engine)
    wake_time, sleep_time = engine.settings.wake_time, engine.settings.sleep_time
    thresholds = [onset + timedelta(hours=h) for h in _thresholds(engine.knowledge)]
    reminders: list[Reminder] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        wake = datetime.combine(day, wake_time, tzinfo=tz)
        sleep = datetime.combine(day, sleep_time, tzinfo=tz)
        if sleep <= onset:
            continue
        probes = [wake, sleep, *(t for t in thresholds if wake < t < sleep)]
        candidates = {
            (item.time, item.action): item for p in probes for item in planner.at(p).schedule
        }
        counts: Counter[str] = Counter()
        for (clock, action), item in sorted(candidates.items()):
            start = _wall(day, time.fromisoformat(clock), tz)
            if start is None or start < onset:
                continue
            plan = planner.at(start)
            if not any(s.time == clock and s.action == action for s in plan.schedule):
                continue
            minutes = item.minutes or (
                _exercise_minutes(plan) if action == "exercises" else _DEFAULT_MINUTES
            )
            end = start + timedelta(minutes=minutes)
            local_start, local_end = start.astimezone(tz), end.astimezone(tz)
            if not (
                local_start.date() == day == local_end.date()
                and wake_time <= local_start.time()
                and local_end.time() <= sleep_time
            ):
                continue
            if action not in {s.action for s in planner.at(end).schedule}:
                continue  # e.g. a cold session that would run past onset + 72 h
            ordinal = counts[action]
            counts[action] += 1
            reminders.append(
                Reminder(
                    uid=f"{uid_prefix}-{day:%Y%m%d}-{action}-{ordinal}@backcare",
                    action=action,
                    title=item.title,
                    start=start,
                    end=end,
                    description=_description(action, plan, engine=engine),
                    end_alarm=_end_alarm(action, plan),
                )
            )
    reminders.sort(key=lambda r: (r.start, r.action))
    return reminders


def to_ical(
    reminders: Sequence[Reminder],
    *,
    tz: tzinfo,
    now: datetime,
    name: str = "backcare reminders",
    feed: bool = False,
) -> bytes:
    """Serialise reminders as an RFC 5545 calendar.

    Args:
        reminders: the events (may be empty: a valid calendar with no events).
        tz: the person's time zone. An IANA zone (:class:`zoneinfo.ZoneInfo`) gives
            ``TZID`` times and a ``VTIMEZONE`` bounded to the calendar's dates; any
            other ``tzinfo`` gives UTC times.
        now: the ``DTSTAMP`` of every event (aware).
        name: the calendar's display name.
        feed: add refresh hints for a subscribed feed.
    """
    from icalendar import Alarm, Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    named = isinstance(tz, ZoneInfo)
    if named:
        calendar.add("x-wr-timezone", str(tz))
    if feed:
        calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", FEED_REFRESH)
    stamp = now.astimezone(UTC)
    alarms = slot_alarms(reminders, tz=tz)
    for reminder in reminders:
        event = Event()
        event.add("uid", reminder.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", reminder.start if named else reminder.start.astimezone(UTC))
        event.add("dtend", reminder.end if named else reminder.end.astimezone(UTC))
        event.add("summary", reminder.title)
        event.add("description", reminder.description)
        event.add("categories", ["backcare", reminder.action])
        event.add("class", "PRIVATE")
        event.add("transp", "TRANSPARENT")
        if reminder.uid in alarms and reminder.start >= now:
            start_alarm = Alarm()
            start_alarm.add("action", "DISPLAY")
            start_alarm.add("trigger", timedelta(0))
            start_alarm.add("description", alarms[reminder.uid])
            event.add_component(start_alarm)
        if reminder.end_alarm is not None and reminder.end >= now:
            end_alarm = Alarm()
            end_alarm.add("action", "DISPLAY")
            end_alarm.add("trigger", timedelta(0), parameters={"RELATED": "END"})
            end_alarm.add("description", reminder.end_alarm)
            event.add_component(end_alarm)
        calendar.add_component(event)
    if named and reminders:
        # Bounded (ecosystem pitfall): only the transitions around these dates.
        calendar.add_missing_timezones(
            first_date=reminders[0].start.date() - timedelta(days=1),
            last_date=max(r.end for r in reminders).date() + timedelta(days=2),
        )
    return bytes(calendar.to_ical())


def slot_alarms(reminders: Sequence[Reminder], *, tz: tzinfo) -> dict[str, str]:
    """The one start alarm of each slot: the uid of its first event and what it says.

    A slot is the reminders starting in the same block of :data:`SLOT_MINUTES` on the
    local clock, as on the today page; an action named twice in a slot is said once.
    """
    slots: dict[tuple[date, int], list[Reminder]] = {}
    for reminder in sorted(reminders, key=lambda r: (r.start, r.action)):
        local = reminder.start.astimezone(tz)
        key = (local.date(), (local.hour * 60 + local.minute) // SLOT_MINUTES)
        slots.setdefault(key, []).append(reminder)
    alarms: dict[str, str] = {}
    for members in slots.values():
        titles = list(dict.fromkeys(short_title(r.title) for r in members))
        first, *rest = titles
        alarms[members[0].uid] = " + ".join([first, *(t[:1].lower() + t[1:] for t in rest)])
    return alarms


def _on_hold(level: TriageLevel) -> bool:
    return level is TriageLevel.EMERGENCY


def reminders_ics(
    answers: Answers | object,
    *,
    onset: datetime,
    engine: Engine | None = None,
    tz: tzinfo | None = None,
    first_day: date | None = None,
    days: int = DEFAULT_DAYS,
    now: datetime | None = None,
) -> bytes:
    """A reminder calendar for answers and an onset, without a diary (e.g. after ``assess``).

    Args:
        answers: answers contract v1 (``hours_since_onset`` is replaced by ``onset``).
        onset: when the episode began (aware).
        engine: default: the shipped knowledge base with the process's settings.
        tz: the person's time zone; default: this machine's.
        first_day: default: today in ``tz``.
        days: 1 to :data:`MAX_DAYS`.
        now: the time of the export (``DTSTAMP``); default: the system clock.

    Raises:
        InputError: bad answers, days out of range, or nothing fits the waking day.
        ConflictError: the answers make it an emergency: self-care is on hold.
    """
    from backcare.diary.service import local_timezone
    from backcare.domain.answers import parse_answers
    from backcare.rules.assessor import default_engine

    engine = engine if engine is not None else default_engine()
    tz = tz if tz is not None else local_timezone()
    now = now if now is not None else datetime.now(UTC)
    _check_days(days)
    parsed = parse_answers(answers)
    first = first_day if first_day is not None else now.astimezone(tz).date()
    triage = _Planner(parsed, onset=onset, engine=engine).assessment(now).triage
    _refuse_on_hold(triage.level, triage.summary)
    digest = hashlib.sha256(onset.astimezone(UTC).isoformat().encode()).hexdigest()[:16]
    reminders = plan_reminders(
        parsed, onset=onset, engine=engine, tz=tz, first_day=first, days=days, uid_prefix=digest
    )
    _refuse_empty(reminders, engine=engine)
    return to_ical(reminders, tz=tz, now=now)


def _hours(onset: datetime, at: datetime) -> float:
    return min(_MAX_HOURS, max(0.0, (at - onset).total_seconds() / 3600))


def _refuse_on_hold(level: TriageLevel, summary: str) -> None:
    if _on_hold(level):
        raise ConflictError(
            gettext("self-care reminders are on hold: {summary}").format(summary=summary),
            problems=[FieldProblem("triage", label("level", level.value))],
        )


def _refuse_empty(reminders: Sequence[Reminder], *, engine: Engine) -> None:
    if not reminders:
        settings = engine.settings
        raise InputError(
            gettext("no reminder fits these days and waking hours"),
            problems=[
                FieldProblem(
                    "BACKCARE_WAKE_TIME/BACKCARE_SLEEP_TIME",
                    f"{settings.wake_time:%H:%M}-{settings.sleep_time:%H:%M}",
                )
            ],
        )


def _episode_reminders(
    diary: Diary, episode_id: int | None, *, days: int, first_day: date | None, strict: bool
) -> tuple[list[Reminder], datetime, str]:
    from backcare.export._context import answers_at, load_context

    _check_days(days)
    context = load_context(diary, episode_id=episode_id)
    episode = context.history.episode
    name = f"backcare reminders (episode {episode.id})"
    if episode.resolved_at is not None:
        if strict:
            raise ConflictError(
                gettext(
                    "episode {episode_id} is resolved: there is nothing left to remind you of"
                ).format(episode_id=episode.id),
                problems=[FieldProblem("episode", str(episode.id))],
            )
        return [], context.now, name
    answers = answers_at(context.history, at=context.now)
    triage = diary.engine.assess(answers).triage
    if _on_hold(triage.level):
        if strict:
            _refuse_on_hold(triage.level, triage.summary)
        return [], context.now, name
    first = first_day if first_day is not None else context.now.astimezone(context.tz).date()
    reminders = plan_reminders(
        answers,
        onset=episode.onset_at,
        engine=diary.engine,
        tz=context.tz,
        first_day=first,
        days=days,
        uid_prefix=episode.uid,
    )
    if strict:
        _refuse_empty(reminders, engine=diary.engine)
    return reminders, context.now, name


def export_ics(
    diary: Diary,
    *,
    episode_id: int | None = None,
    days: int = DEFAULT_DAYS,
    first_day: date | None = None,
) -> bytes:
    """The reminder calendar of an episode, as the bytes of an ``.ics`` file.

    The answers are the diary's as of now (start answers, check-in updates, course).

    Args:
        diary: the open diary; its engine's settings give the waking day, its ``tz``
            the time zone.
        episode_id: default: the active episode, else the latest.
        days: how many days, 1 to :data:`MAX_DAYS`.
        first_day: default: today.

    Raises:
        NotFoundError: no such episode, or the diary is empty.
        ConflictError: the episode is resolved, or it is an emergency (self-care on hold).
        InputError: days out of range, or no reminder fits the waking day.
    """
    reminders, now, name = _episode_reminders(
        diary, episode_id, days=days, first_day=first_day, strict=True
    )
    return to_ical(reminders, tz=diary.tz, now=now, name=name)


def calendar_feed(episode_id: int, *, diary: Diary, days: int = DEFAULT_DAYS) -> bytes:
    """The reminder calendar of an episode as a subscription feed, from today.

    Unlike :func:`export_ics`, a resolved episode or one on hold gives a valid
    calendar with no events, so a subscribed client removes the reminders.

    Args:
        episode_id: the episode.
        diary: the open diary.
        days: how many days, 1 to :data:`MAX_DAYS`.

    Raises:
        NotFoundError: no such episode.
        InputError: days out of range.
    """
    reminders, now, name = _episode_reminders(
        diary, episode_id, days=days, first_day=None, strict=False
    )
    return to_ical(reminders, tz=diary.tz, now=now, name=name, feed=True)
