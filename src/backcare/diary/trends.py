"""Trends of an episode: better, same or worse than the baseline, with the numbers; resolution.

Pure functions of the diary's records; no I/O.

* **Pain** (NRS 0-10) is compared with the episode's baseline, its first pain
  score (the pain given when the episode was started, else the first check-in).
  A change of the knowledge base's ``nrs_mcid`` (2 points or 30 % of the baseline) is
  meaningful (Ostelo 2008, source ``ostelo_2008``); see :func:`backcare.measures.nrs_change`.
* **Function** (PSFS) compares the mean of the activities rated both at the
  baseline and now; a change of 2 points is beyond measurement error.
* **Overall**: the pain trend, except that function getting worse makes it
  ``worse`` too. Function improving alone does not count as improvement, so the
  two-week review still applies while pain has not eased (erring towards care).
* **Resolution** follows PACE's definition of recovery (source ``pace_trial``): pain
  0-1 for 7 consecutive days. backcare asks for a check-in on each of the last 7
  calendar days, every one of them (and its worst pain, when given) at 0-1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from fractions import Fraction
from typing import Literal, Protocol

from backcare.domain.enums import Trend
from backcare.i18n import gettext as _
from backcare.i18n import ngettext
from backcare.measures import nrs_change, nrs_mcid, psfs_change
from backcare.store.records import ActivityScore, CheckInRecord

#: Whom the sentences speak to: the person themselves, or their care team about them.
Voice = Literal["person", "record"]

__all__ = [
    "RESOLUTION_DAYS",
    "RESOLUTION_MAX_PAIN",
    "RESOLUTION_SOURCES",
    "FunctionChange",
    "PainChange",
    "Resolution",
    "TrendReport",
    "Voice",
    "build_trend",
    "episode_day",
    "function_change",
    "overall_trend",
    "pain_change",
    "resolution_status",
]

#: Highest pain score that counts as recovered (PACE: 0-1).
RESOLUTION_MAX_PAIN = 1
#: Consecutive days at that level for recovery (PACE: 7).
RESOLUTION_DAYS = 7
#: Knowledge-base source of the recovery definition.
RESOLUTION_SOURCES: tuple[str, ...] = ("pace_trial",)


def _signed(value: float, unit: str = "") -> str:
    text = f"{value:+.1f}".rstrip("0").rstrip(".") if value % 1 else f"{int(value):+d}"
    return f"{text}{unit}"


@dataclass(frozen=True, slots=True)
class PainChange:
    """Pain now against the baseline, and what the change means."""

    baseline: int
    current: int
    trend: Trend
    sources: tuple[str, ...] = field(default_factory=lambda: nrs_mcid().sources)

    @property
    def points(self) -> int:
        """Current minus baseline: negative is less pain."""
        return self.current - self.baseline

    @property
    def percent(self) -> float | None:
        """The change as a percentage of the baseline (``None`` when the baseline is 0)."""
        if self.baseline == 0:
            return None
        return round(100 * self.points / self.baseline, 1)

    def describe(self, *, voice: Voice = "person") -> str:
        """In plain words, e.g. ``Your pain is better than when you started (6 → 3, ...)``;
        in the ``record`` voice, for the care team: ``Pain: better than at the start…``."""
        points = abs(self.points)
        before, now = self.baseline, self.current
        if voice == "record":
            return self._record(before, now, points)
        if self.trend is Trend.BETTER:
            change = ngettext(
                "better than when you started ({before} → {now}, {points} point lower)",
                "better than when you started ({before} → {now}, {points} points lower)",
                points,
            )
        elif self.trend is Trend.WORSE:
            change = ngettext(
                "worse than when you started ({before} → {now}, {points} point higher)",
                "worse than when you started ({before} → {now}, {points} points higher)",
                points,
            )
        else:
            change = _("about the same as when you started ({before} → {now})")
        return _(
            "Your pain is {change}. A change of 2 points, or of a third of your starting "
            "score, counts as a real change."
        ).format(change=change.format(before=before, now=now, points=points))

    def _record(self, before: int, now: int, points: int) -> str:
        if self.trend is Trend.BETTER:
            change = ngettext(
                "better than at the start ({before} → {now}, {points} point lower)",
                "better than at the start ({before} → {now}, {points} points lower)",
                points,
            )
        elif self.trend is Trend.WORSE:
            change = ngettext(
                "worse than at the start ({before} → {now}, {points} point higher)",
                "worse than at the start ({before} → {now}, {points} points higher)",
                points,
            )
        else:
            change = _("about the same as at the start ({before} → {now})")
        return _(
            "Pain (0-10): {change}; 2 points, or a third of the starting score, is a real change."
        ).format(change=change.format(before=before, now=now, points=points))


@dataclass(frozen=True, slots=True)
class FunctionChange:
    """PSFS now against the baseline, over the activities rated both times."""

    activities: tuple[str, ...]
    baseline_mean: float
    current_mean: float
    trend: Trend

    @property
    def points(self) -> float:
        """Current minus baseline mean: positive is better function."""
        return round(self.current_mean - self.baseline_mean, 2)

    def describe(self, *, voice: Voice = "person") -> str:
        """In plain words: how well the person can do the activities they rate (PSFS)."""
        how = {
            Trend.BETTER: _("better than"),
            Trend.SAME: _("about the same as"),
            Trend.WORSE: _("worse than"),
        }[self.trend]
        if voice == "record":
            return _(
                "Rated activities (PSFS): {how} at the start ({before} → {now} out of 10, "
                "{points} points); 2 points is a real change."
            ).format(
                how=how,
                before=f"{self.baseline_mean:.1f}",
                now=f"{self.current_mean:.1f}",
                points=_signed(self.points),
            )
        return _(
            "You can do the activities you rate {how} when you started "
            "({before} → {now} out of 10, {points} points). A change of 2 points counts as "
            "a real change."
        ).format(
            how=how,
            before=f"{self.baseline_mean:.1f}",
            now=f"{self.current_mean:.1f}",
            points=_signed(self.points),
        )


@dataclass(frozen=True, slots=True)
class Resolution:
    """Whether the episode meets PACE's recovery definition, and how far along it is."""

    met: bool
    low_days: int
    """Consecutive calendar days, up to the latest check-in, with every score at 0-1."""
    required_days: int = RESOLUTION_DAYS
    max_pain: int = RESOLUTION_MAX_PAIN
    sources: tuple[str, ...] = RESOLUTION_SOURCES

    def describe(self, *, voice: Voice = "person") -> str:
        """One line for the person (or, in the ``record`` voice, for the care team)."""
        if voice == "record":
            text = (
                _("Recovered: pain 0-{max_pain} on {days} days in a row.")
                if self.met
                else _(
                    "Not yet recovered: pain 0-{max_pain} on {days} of {required} days in a row."
                )
            )
            return text.format(
                max_pain=self.max_pain, days=self.low_days, required=self.required_days
            )
        if self.met:
            return _(
                "Your pain has been {max_pain} or less for {days} days in a row: "
                "that counts as recovered, so you can close this episode."
            ).format(max_pain=self.max_pain, days=self.low_days)
        return ngettext(
            "Recovered means pain of 0 or {max_pain} at your check-ins on {required} days in "
            "a row; so far: {days} day.",
            "Recovered means pain of 0 or {max_pain} at your check-ins on {required} days in "
            "a row; so far: {days} days.",
            self.low_days,
        ).format(max_pain=self.max_pain, required=self.required_days, days=self.low_days)


@dataclass(frozen=True, slots=True)
class TrendReport:
    """How an episode is going: pain and function against the baseline, and resolution."""

    pain: PainChange | None
    function: FunctionChange | None
    overall: Trend | None
    checkins: int
    days_since_onset: int
    resolution: Resolution

    def lines(self, *, voice: Voice = "person") -> list[str]:
        """The report in plain sentences, numbers included: spoken to the person, or in
        the ``record`` voice about them, for their care team."""
        lines = []
        if self.pain is None:
            lines.append(
                _("No pain score yet.")
                if voice == "record"
                else _("No pain score yet: check in to set the baseline.")
            )
        else:
            lines.append(self.pain.describe(voice=voice))
        if self.function is not None:
            lines.append(self.function.describe(voice=voice))
        if self.overall is not None:
            how = {Trend.BETTER: _("getting better"), Trend.SAME: _("about the same")}.get(
                self.overall, _("getting worse")
            )
            days = self.days_since_onset
            lines.append(
                _("Overall: {how} (it started less than a day ago).").format(how=how)
                if days < 1
                else ngettext(
                    "Overall: {how} ({days} day since it started).",
                    "Overall: {how} ({days} days since it started).",
                    days,
                ).format(how=how, days=days)
            )
        lines.append(self.resolution.describe(voice=voice))
        return lines


def episode_day(onset: datetime, at: datetime, tz: tzinfo) -> int:
    """The episode's day as a person counts it: 1 on the calendar day it began in ``tz``.

    Every "day N" a person or their care team reads uses this, so the home page, the
    dashboard, the CLI and the report never disagree (and never say "day 0").
    """
    return max(1, (at.astimezone(tz).date() - onset.astimezone(tz).date()).days + 1)


def pain_change(baseline: int, current: int) -> PainChange:
    """Compare a pain score with the baseline (the knowledge base's ``nrs_mcid``)."""
    return PainChange(baseline=baseline, current=current, trend=nrs_change(baseline, current))


def _mean(scores: Sequence[int]) -> Fraction:
    return Fraction(sum(scores), len(scores))


def function_change(
    baseline: Sequence[ActivityScore], current: Sequence[ActivityScore]
) -> FunctionChange | None:
    """Compare PSFS ratings over the activities rated both times (``None`` if none are)."""
    before = {a.name.casefold(): a for a in baseline}
    common = [(before[a.name.casefold()], a) for a in current if a.name.casefold() in before]
    if not common:
        return None
    base = _mean([b.score for b, _ in common])
    now = _mean([c.score for _, c in common])
    return FunctionChange(
        activities=tuple(b.name for b, _ in common),
        baseline_mean=float(base),
        current_mean=float(now),
        trend=psfs_change(float(base), float(now)),
    )


def overall_trend(pain: PainChange | None, function: FunctionChange | None) -> Trend | None:
    """Pain's trend, made ``worse`` when function is worse (see the module docstring)."""
    if pain is None:
        return None
    if function is not None and function.trend is Trend.WORSE:
        return Trend.WORSE
    return pain.trend


class Scored(Protocol):
    """A check-in's time and scores (a :class:`CheckInRecord` or a ``PainPoint``)."""

    @property
    def recorded_at(self) -> datetime: ...
    @property
    def pain(self) -> int: ...
    @property
    def worst_pain(self) -> int | None: ...


def resolution_status(checkins: Sequence[Scored], *, tz: tzinfo) -> Resolution:
    """How many consecutive calendar days, ending at the latest check-in, had pain 0-1.

    A day counts when it has at least one check-in and every check-in that day
    scored 0-1 (pain now, and worst pain when given). Days without a check-in
    break the run: no news is not taken as no pain.

    Args:
        checkins: the episode's check-ins in time order (details not needed).
        tz: the time zone whose calendar days count.
    """
    if not checkins:
        return Resolution(met=False, low_days=0)
    by_day: dict[date, bool] = {}
    for checkin in checkins:
        day = checkin.recorded_at.astimezone(tz).date()
        low = checkin.pain <= RESOLUTION_MAX_PAIN and (
            checkin.worst_pain is None or checkin.worst_pain <= RESOLUTION_MAX_PAIN
        )
        by_day[day] = by_day.get(day, True) and low
    day = max(by_day)
    run = 0
    while by_day.get(day, False):
        run += 1
        day -= timedelta(days=1)
    return Resolution(met=run >= RESOLUTION_DAYS, low_days=run)


def episode_baseline(answers: dict[str, object], first: CheckInRecord | None) -> int | None:
    """The episode's first pain score: the pain given at the start, else the first check-in's."""
    pain = answers.get("pain")
    if isinstance(pain, int) and not isinstance(pain, bool):
        return pain
    return None if first is None else first.pain


def build_trend(
    *,
    answers: dict[str, object],
    checkins: Sequence[CheckInRecord],
    onset: datetime,
    now: datetime,
    tz: tzinfo,
) -> TrendReport:
    """The trend report of an episode from its start answers and its check-ins.

    Args:
        answers: the answers the episode was started with (``pain`` is the baseline).
        checkins: every check-in of the episode in time order, with activities.
        onset: when the episode began.
        now: the time the report is for.
        tz: the time zone whose calendar days count for resolution.
    """
    rated = [c for c in checkins if c.activities]
    return trend_report(
        answers=answers,
        first=checkins[0] if checkins else None,
        latest=checkins[-1] if checkins else None,
        first_rated=rated[0] if rated else None,
        last_rated=rated[-1] if rated else None,
        count=len(checkins),
        resolution=resolution_status(checkins, tz=tz),
        onset=onset,
        now=now,
    )


def trend_report(
    *,
    answers: dict[str, object],
    first: CheckInRecord | None,
    latest: CheckInRecord | None,
    first_rated: CheckInRecord | None,
    last_rated: CheckInRecord | None,
    count: int,
    resolution: Resolution,
    onset: datetime,
    now: datetime,
) -> TrendReport:
    """The trend report from the few check-ins it compares, without every check-in's details.

    Args:
        answers: the answers the episode was started with (``pain`` is the baseline).
        first: the episode's first check-in; latest: its latest.
        first_rated: the first check-in with PSFS ratings; last_rated: the latest one.
        count: how many check-ins the episode has.
        resolution: :func:`resolution_status` of the episode's check-ins.
        onset: when the episode began.
        now: the time the report is for.
    """
    days = max(0, (now - onset) // timedelta(days=1))
    baseline = episode_baseline(answers, first)
    pain = None
    if baseline is not None and latest is not None:
        pain = pain_change(baseline, latest.pain)
    function = None
    if first_rated is not None and last_rated is not None and first_rated.id != last_rated.id:
        function = function_change(first_rated.activities, last_rated.activities)
    return TrendReport(
        pain=pain,
        function=function,
        overall=overall_trend(pain, function),
        checkins=count,
        days_since_onset=days,
        resolution=resolution,
    )
