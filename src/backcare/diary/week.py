"""The week view: pain, check-ins and exercise sessions on each of the last 7 days.

Pure functions of the diary's records; no I/O. :func:`week_view` lays out the
days, :func:`week_svg` draws them as one small SVG (no script, no chart library)
that the diary page puts inline and the clinician report embeds, sized to read on
a 360 px phone. Every figure is in :class:`WeekView` too, for the table that goes
with the drawing.

A day's exercise sessions are the larger of the coach sessions with at least one
hold done and the exercise sessions reported at that day's check-ins: a person may
report a coach session at a check-in too, and adding the two would count it twice
(the clinician report's adherence counts the same way). The streak is the run of
consecutive days with exercises up to the last day; today still counts as part of
the run before any exercise is done (the day is not over).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from html import escape

from backcare.i18n import format_when, ngettext
from backcare.i18n import gettext as _
from backcare.store.coach import CoachSessionRecord
from backcare.store.records import CheckInRecord, SelfCareAction

__all__ = ["WEEK_DAYS", "WeekDay", "WeekView", "week_svg", "week_view"]

#: Days in the view: the last day and the six before it.
WEEK_DAYS = 7

_WIDTH, _HEIGHT = 360, 214
_GUTTER = 70  # row labels on the left
_RIGHT = 8
_PAIN_TOP, _PAIN_BOTTOM = 14.0, 96.0
_CHECKIN_Y, _SESSION_Y, _DAY_Y, _DATE_Y = 124, 156, 186, 204
# Presentation attributes, not classes or style: the web page's Content-Security-Policy
# allows no inline style, and the PDF report has no page stylesheet for the drawing.
_FONT = 'font-family="system-ui, sans-serif"'
_TEXT = f'{_FONT} font-size="14" fill="#1b1b1b"'
_SMALL = f'{_FONT} font-size="12" fill="#4a4a4a"'
_MUTED = f'{_FONT} font-size="14" fill="#767676"'
_ON = f'{_FONT} font-size="14" font-weight="700" fill="#0d5223"'
_GRID = 'stroke="#c4ccd4" stroke-width="1"'
_LINE = 'fill="none" stroke="#0b5394" stroke-width="2.5" stroke-linejoin="round"'
_POINT = 'fill="#0b5394"'
_DONE = 'fill="#e5f4ea" stroke="#0d5223" stroke-width="1"'


@dataclass(frozen=True, slots=True)
class WeekDay:
    """One calendar day of the week view."""

    day: date
    pain: float | None
    """The mean pain of the day's check-ins (0-10), ``None`` with no check-in."""
    checkins: int
    sessions: int
    """Exercise sessions done (see the module note on counting)."""
    in_episode: bool
    """False for a day before the episode began."""


@dataclass(frozen=True, slots=True)
class WeekView:
    """The last :data:`WEEK_DAYS` days and the streak of days with exercises."""

    days: tuple[WeekDay, ...]
    streak: int
    """Consecutive days with exercises, up to the last day (today may still be open)."""

    def summary(self) -> str:
        """One plain sentence: check-ins, sessions and the streak this week."""
        checkins = sum(d.checkins for d in self.days)
        sessions = sum(d.sessions for d in self.days)
        if self.streak > 1:
            streak = _("exercises on {days} days in a row").format(days=self.streak)
        elif self.streak:
            streak = _("exercises today or yesterday")
        else:
            streak = _("no run of exercise days yet")
        return _("Last 7 days: {checkins}, {sessions}; {streak}.").format(
            checkins=ngettext("{count} check-in", "{count} check-ins", checkins).format(
                count=checkins
            ),
            sessions=ngettext(
                "{count} exercise session", "{count} exercise sessions", sessions
            ).format(count=sessions),
            streak=streak,
        )


def week_view(
    checkins: Sequence[CheckInRecord],
    sessions: Sequence[CoachSessionRecord],
    *,
    onset: datetime,
    until: datetime,
    tz: tzinfo,
) -> WeekView:
    """The week ending on ``until``'s calendar day (in ``tz``).

    Args:
        checkins: the episode's check-ins (any order).
        sessions: its coach sessions (those with no hold done do not count).
        onset: when the episode began (earlier days are shown empty).
        until: the last moment shown: now, or when the episode was resolved.
        tz: the person's time zone, for calendar days.
    """
    last = until.astimezone(tz).date()
    first_day = onset.astimezone(tz).date()
    pains: dict[date, list[int]] = defaultdict(list)
    reported: dict[date, int] = defaultdict(int)
    coached: dict[date, int] = defaultdict(int)
    for checkin in checkins:
        day = checkin.recorded_at.astimezone(tz).date()
        pains[day].append(checkin.pain)
        reported[day] += sum(
            a.count for a in checkin.actions if a.action is SelfCareAction.EXERCISES
        )
    for session in sessions:
        if session.reps_done:
            coached[session.started_at.astimezone(tz).date()] += 1

    def done(day: date) -> int:
        return max(reported[day], coached[day])

    days = tuple(
        WeekDay(
            day=day,
            pain=round(sum(pains[day]) / len(pains[day]), 1) if pains[day] else None,
            checkins=len(pains[day]),
            sessions=done(day),
            in_episode=day >= first_day,
        )
        for day in (last - timedelta(days=n) for n in range(WEEK_DAYS - 1, -1, -1))
    )
    streak = 0
    day = last if done(last) else last - timedelta(days=1)
    while day >= first_day and done(day):
        streak += 1
        day -= timedelta(days=1)
    return WeekView(days=days, streak=streak)


def _pain_y(pain: float) -> float:
    return round(_PAIN_BOTTOM - pain / 10 * (_PAIN_BOTTOM - _PAIN_TOP), 1)


def week_svg(view: WeekView, *, element_id: str = "week-chart") -> str:
    """The week as SVG markup (``role="img"`` with a title and a description).

    Pain is a line over the days with a check-in (a day without one is not drawn
    as 0); under it, each day's check-ins and exercise sessions as numbers, a
    filled box on the days with exercises.
    """
    step = (_WIDTH - _GUTTER - _RIGHT) / len(view.days)
    centres = [round(_GUTTER + step * (i + 0.5), 1) for i in range(len(view.days))]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {_HEIGHT}" '
        f'class="week-chart" id="{escape(element_id)}" role="img" '
        f'aria-labelledby="{escape(element_id)}-title {escape(element_id)}-desc">',
        f'<title id="{escape(element_id)}-title">{escape(_("The last 7 days"))}</title>',
        f'<desc id="{escape(element_id)}-desc">{escape(view.summary())}</desc>',
        f"<g {_TEXT}>",
        f'<text x="4" y="{_PAIN_TOP + 10}">{escape(_("Pain"))}</text>',
        f'<text x="4" y="{_PAIN_TOP + 28}" {_SMALL}>0-10</text>',
        f'<text x="4" y="{_CHECKIN_Y + 5}">{escape(_("Check-ins"))}</text>',
        f'<text x="4" y="{_SESSION_Y + 5}">{escape(_("Exercise"))}</text>',
        "</g>",
    ]
    for value in (0, 5, 10):
        y = _pain_y(value)
        parts.append(f'<line {_GRID} x1="{_GUTTER}" x2="{_WIDTH - _RIGHT}" y1="{y}" y2="{y}"/>')
        parts.append(
            f'<text {_SMALL} x="{_GUTTER - 4}" y="{y + 4}" text-anchor="end">{value}</text>'
        )
    line = [
        (x, _pain_y(d.pain)) for x, d in zip(centres, view.days, strict=True) if d.pain is not None
    ]
    if len(line) > 1:
        points = " ".join(f"{x},{y}" for x, y in line)
        parts.append(f'<polyline {_LINE} points="{points}"/>')
    point = _("{day}: pain {pain}")
    for x, d in zip(centres, view.days, strict=True):
        if d.pain is not None:
            day = format_when(d.day, "weekday_day_month")
            parts.append(
                f'<circle {_POINT} cx="{x}" cy="{_pain_y(d.pain)}" r="4.5">'
                f"<title>{escape(point.format(day=day, pain=f'{d.pain:g}'))}"
                "</title></circle>"
            )
        plain = _TEXT if d.in_episode else _MUTED
        parts.append(
            f'<text {plain} x="{x}" y="{_CHECKIN_Y + 5}" '
            f'text-anchor="middle">{d.checkins if d.in_episode else "–"}</text>'
        )
        if d.sessions:
            half = min(step / 2 - 3, 16)
            parts.append(
                f'<rect {_DONE} x="{x - half}" y="{_SESSION_Y - 12}" '
                f'width="{2 * half}" height="22" rx="4"/>'
            )
        parts.append(
            f'<text {_ON if d.sessions else plain} x="{x}" '
            f'y="{_SESSION_Y + 5}" text-anchor="middle">'
            f"{d.sessions if d.in_episode else '–'}</text>"
        )
        parts.append(
            f'<text {_TEXT} x="{x}" y="{_DAY_Y}" text-anchor="middle">'
            f"{format_when(d.day, 'weekday')}</text>"
        )
        parts.append(
            f'<text {_SMALL} x="{x}" y="{_DATE_Y}" text-anchor="middle">{d.day.day}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
