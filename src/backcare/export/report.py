"""The clinician report: one to two pages (HTML or PDF) about an episode over a date range.

:func:`build_report` gathers, from the diary only, what a GP or physiotherapist
needs at a glance, and :func:`render_html` / :func:`render_pdf` lay it out
(Jinja2 template ``templates/report.html.j2``, inline CSS, no external assets; the
chart is an SVG inside a ``data:`` URI; weasyprint makes the PDF). Sections:

* the episode: onset, trigger, status, phase, check-ins in the range;
* triage over the range, consecutive check-ins with the same result merged, each
  with its reasons and sources;
* every red-flag and history question: **yes**, no, or *not answered* (never
  assumed "no"), and when the answer was given;
* a chart of pain now, worst pain and the PSFS mean (all 0-10);
* outcome scores: pain against the baseline (the knowledge base's MCID ``nrs_mcid``),
  PSFS (MDC 2 points), PACE recovery (``pace_trial``); each questionnaire filled in
  (STarT Back, Oswestry, Roland-Morris...): first and latest score with its band, the
  change against its MCID and every reading (:mod:`backcare.export._questionnaire_report`);
  the questionnaires not filled in appear as "not recorded";
* self-care done against what the plan timetabled over the same period;
* the plan's exercises, each with its dose and small drawings of the start and held
  position (left out of the compact layout);
* medicines: doses, daily totals and the highest 24-hour total against the label
  maximum, and any override of a limit;
* the person's questions for the doctor and their check-in notes;
* the disclaimer and the sources cited.

Lists are capped (most recent first) so the report stays within two A4 pages.
A range with no check-ins, a range that ends before it starts, or a date that is
not a date is an :class:`~backcare.errors.InputError` naming the field: never an
empty file.
"""

from __future__ import annotations

import base64
import io
import warnings
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from backcare.diary.trends import episode_day
from backcare.domain.enums import EvidenceGrade, TriageLevel
from backcare.domain.results import Assessment, MedicineAdvice, PlannedExercise, Reason
from backcare.domain.verdict import (
    INCOMPLETE,
    incomplete_headline,
    unanswered_safety_questions,
    verdict_state,
)
from backcare.errors import FieldProblem, InputError
from backcare.export._context import (
    EpisodeContext,
    answers_at,
    checkins_until,
    load_context,
    local_day_bounds,
    parse_date,
)
from backcare.export._questionnaire_report import QuestionnaireLine, questionnaire_lines
from backcare.i18n import active_language, format_when, gettext, label, ngettext
from backcare.i18n import gettext as _
from backcare.measures import PSFS_MDC_POINTS, nrs_mcid
from backcare.viewmodels.summary import episode_summary

if TYPE_CHECKING:
    from backcare.diary import Diary
    from backcare.diary.service import EpisodeHistory
    from backcare.diary.week import WeekView
    from backcare.knowledge.schema import KnowledgeBase
    from backcare.rules.assessor import Engine
    from backcare.store import CheckInRecord, DoseRecord
    from backcare.store.coach import CoachSessionRecord

__all__ = [
    "MAX_PAGES",
    "MAX_QUESTIONS",
    "MAX_QUESTION_LENGTH",
    "AdherenceRow",
    "ClinicianReport",
    "ReportFormat",
    "build_report",
    "clinician_report",
    "episode_adherence",
    "render_html",
    "render_pdf",
]

#: The most questions for the doctor a report takes, and the longest question.
MAX_QUESTIONS = 6
MAX_QUESTION_LENGTH = 200
#: The most pages of the PDF; a longer one is laid out again in compact form.
MAX_PAGES = 2
_MAX_TRIAGE_ROWS = 5
_MAX_MEDICINE_ROWS = 6
_MAX_NOTES = 4
_NOTE_LENGTH = 160
_NAME_LENGTH = 28  # PSFS activity names in the outcome table
_MAX_REASONS = 6  # distinct reasons explained under the triage table
_REASON_LENGTH = 220
# Each self-care action (its words: label("action", ...)) and the plan item it is counted against.
_ACTIONS = (
    ("ice", "cold_therapy"),
    ("heat", "heat_therapy"),
    ("walk", "keep_moving"),
    ("exercises", "exercises"),
)


class ReportFormat(StrEnum):
    """Output formats of the clinician report."""

    PDF = "pdf"
    HTML = "html"


@dataclass(frozen=True, slots=True)
class TriageSpan:
    """Consecutive assessments with the same level and reasons."""

    first: datetime
    last: datetime
    count: int
    level: TriageLevel
    reasons: tuple[Reason, ...]

    @property
    def label(self) -> str:
        """The level in words."""
        return label("level_heading", self.level)


@dataclass(frozen=True, slots=True)
class RedFlagAnswer:
    """One red-flag or history question and its latest answer in the range."""

    label: str
    level: TriageLevel
    answer: bool | None
    when: datetime | None
    at_start: bool

    @property
    def text(self) -> str:
        """``Yes``, ``No`` or ``Not answered``."""
        return {True: _("Yes"), False: _("No"), None: _("Not answered")}[self.answer]


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """One outcome measure: first and latest values and what the change means."""

    name: str
    first: str
    latest: str
    change: str


@dataclass(frozen=True, slots=True)
class ExerciseFigure:
    """An exercise of the plan as the report draws it: name, dose and two small pictures."""

    name: str
    dose: str
    start_image: str
    """The start position, an SVG ``data:`` URI."""
    held_image: str
    """The held position, an SVG ``data:`` URI."""
    alt: str


@dataclass(frozen=True, slots=True)
class AdherenceRow:
    """One self-care action: how often it was done against how often it was planned."""

    label: str
    done: int
    planned: int

    @property
    def share(self) -> str:
        """Done as a share of planned, in words."""
        if self.planned == 0:
            return _("not timetabled") if self.done else "-"
        return f"{round(100 * self.done / self.planned)}%"


@dataclass(frozen=True, slots=True)
class CoachRow:
    """One exercise-coach session, as the clinician reads it."""

    started_at: datetime
    minutes: int
    exercises_done: int
    exercises_planned: int
    holds: int
    pain_before: int | None
    pain_after: int | None
    outcome: str
    stopped_for_symptom: bool = False

    @property
    def pain(self) -> str:
        """Pain before → after ("-" where not given)."""

        def show(value: int | None) -> str:
            return "-" if value is None else str(value)

        return f"{show(self.pain_before)} → {show(self.pain_after)}"


@dataclass(frozen=True, slots=True)
class MedicineRow:
    """One medicine on one day."""

    day: date
    name: str
    doses: int
    total_mg: int
    max_daily_mg: int | None
    overridden: int


@dataclass(frozen=True, slots=True)
class MedicineSummary:
    """One medicine over the range."""

    drug: str
    name: str
    doses: int
    days: int
    total_mg: int
    highest_24h_mg: int
    max_daily_mg: int | None
    overrides: tuple[str, ...]
    #: Why the person's plan lowers the label's maximum or sets none (empty: the label's).
    limit_reason: str = ""
    #: The plan gives no safe daily amount for this person, so every dose is over it.
    no_safe_limit: bool = False

    @property
    def over_limit(self) -> bool:
        """Whether some 24 hours went over the person's maximum (the plan's, else the label's)."""
        if self.no_safe_limit:
            return self.doses > 0
        return self.max_daily_mg is not None and self.highest_24h_mg > self.max_daily_mg


@dataclass(frozen=True, slots=True)
class SourceNote:
    """A source cited in the report."""

    id: str
    title: str
    url: str | None
    short_title: str  # how the report names it (the knowledge base's short title)


@dataclass(frozen=True, slots=True)
class ClinicianReport:
    """Everything the report shows, computed from the diary; rendering adds no facts."""

    episode_id: int
    start: date
    end: date
    generated_at: datetime
    tz_name: str
    onset: datetime
    trigger: str | None
    status: str
    resolved_at: datetime | None
    phase: str
    episode_day: int
    checkins: int
    first_checkin: datetime
    last_checkin: datetime
    current_level: TriageLevel
    triage: tuple[TriageSpan, ...]
    earlier_triage: int
    reasons: tuple[Reason, ...]
    more_reasons: int
    red_flags: tuple[RedFlagAnswer, ...]
    outcomes: tuple[OutcomeRow, ...]
    not_recorded: tuple[str, ...]
    resolution: str
    adherence: tuple[AdherenceRow, ...]
    medicines: tuple[MedicineSummary, ...]
    medicine_days: tuple[MedicineRow, ...]
    earlier_medicine_days: int
    questions: tuple[str, ...]
    notes: tuple[tuple[datetime, str], ...]
    chart_svg: str
    disclaimer: str
    sources: tuple[SourceNote, ...]
    version: str
    summary: str | None = None
    # The current assessment's unanswered safety questions (as questions) and its
    # verdict state: "incomplete" when it would otherwise read as self-care.
    unanswered: tuple[str, ...] = ()
    unanswered_headline: str = ""
    current_state: str = ""
    plan_evidence: str = ""
    exercises: tuple[ExerciseFigure, ...] = ()
    """The plan's exercises at the end of the range, with their drawings."""
    coach_sessions: tuple[CoachRow, ...] = ()
    """The exercise coach's sessions in the range, oldest first."""
    week: WeekView | None = None
    """The last 7 days of the range: pain, check-ins and exercise sessions per day."""
    week_svg: str = ""
    """The week drawn as an SVG ``data:`` URI."""
    questionnaires: tuple[QuestionnaireLine, ...] = ()
    """The questionnaires filled in during the range, each with its readings."""

    @property
    def current_label(self) -> str:
        """The latest triage level in words (never "Self-care" while incomplete)."""
        if self.current_state == INCOMPLETE:
            return self.unanswered_headline
        return label("level_heading", self.current_level)


# --- input checks --------------------------------------------------------------------------


def _as_date(value: date | str | None, *, field: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return parse_date(value, field=field)


def _clean_questions(questions: Sequence[str]) -> tuple[str, ...]:
    cleaned = tuple(q.strip() for q in questions if q.strip())
    problems = []
    if len(cleaned) > MAX_QUESTIONS:
        problems.append(
            FieldProblem(
                "--question",
                _("at most {max_questions} questions").format(max_questions=MAX_QUESTIONS),
            )
        )
    problems += [
        FieldProblem(
            "--question",
            _("at most {max_question_length} characters: {q!r}...").format(
                max_question_length=MAX_QUESTION_LENGTH, q=q[:40]
            ),
        )
        for q in cleaned
        if len(q) > MAX_QUESTION_LENGTH
    ]
    if any("\x00" in q for q in cleaned):
        problems.append(FieldProblem("--question", _("cannot contain NUL characters")))
    if problems:
        raise InputError(_("the questions for the doctor have problems"), problems=problems)
    return cleaned


def _range(
    context: EpisodeContext, start: date | None, end: date | None
) -> tuple[date, date, list[CheckInRecord]]:
    history, tz = context.history, context.tz
    episode = history.episode
    first = start if start is not None else episode.onset_at.astimezone(tz).date()
    last = end if end is not None else context.until.astimezone(tz).date()
    if first > last:
        # Name the option the person gave: a --to before the onset is the --to's fault.
        problem = (
            FieldProblem(
                "--to",
                _("{last} is before the episode began on {first}").format(last=last, first=first),
            )
            if start is None
            else FieldProblem(
                "--from", _("{first} is after --to {last}").format(first=first, last=last)
            )
        )
        raise InputError(_("the report's range ends before it starts"), problems=[problem])
    if not history.checkins:
        raise InputError(
            _("episode {episode_id} has no check-ins yet: nothing to report").format(
                episode_id=episode.id
            ),
            problems=[FieldProblem("episode", _("check in first (backcare checkin)"))],
        )
    inside = [c for c in history.checkins if first <= c.recorded_at.astimezone(tz).date() <= last]
    if not inside:
        days = [c.recorded_at.astimezone(tz).date() for c in history.checkins]
        if last < days[0]:
            where = FieldProblem("--to", _("the first check-in is on {days}").format(days=days[0]))
        elif first > days[-1]:
            where = FieldProblem(
                "--from", _("the last check-in is on {days}").format(days=days[-1])
            )
        else:
            where = FieldProblem(
                "--from/--to",
                _("no check-in between {first} and {last}").format(first=first, last=last),
            )
        raise InputError(
            _("no check-ins from {first} to {last}: nothing to report").format(
                first=first, last=last
            ),
            problems=[where],
        )
    return first, last, inside


# --- sections ------------------------------------------------------------------------------


def _triage(
    context: EpisodeContext, checkins: Sequence[CheckInRecord], first: date
) -> tuple[list[TriageSpan], int]:
    episode = context.history.episode
    events: list[tuple[datetime, TriageLevel, tuple[Reason, ...]]] = []
    if episode.started_at.astimezone(context.tz).date() >= first:
        triage = episode.assessment.get("triage", {})
        level = TriageLevel(triage.get("level", TriageLevel.SELF_CARE.value))
        reasons = tuple(Reason.model_validate(r) for r in triage.get("reasons", ()))
        events.append((episode.started_at, level, reasons))
    events += [(c.recorded_at, c.triage_level, c.triage_reasons) for c in checkins]
    spans: list[TriageSpan] = []
    for at, level, reasons in events:
        key = (level, tuple(r.id for r in reasons))
        previous = spans[-1] if spans else None
        if previous is not None and (previous.level, tuple(r.id for r in previous.reasons)) == key:
            spans[-1] = TriageSpan(previous.first, at, previous.count + 1, level, previous.reasons)
        else:
            spans.append(TriageSpan(at, at, 1, level, reasons))
    earlier = max(0, len(spans) - _MAX_TRIAGE_ROWS)
    return spans[earlier:], earlier


def _explained(spans: Sequence[TriageSpan]) -> tuple[list[Reason], int]:
    """Each reason shown in the table once, latest first, its message shortened if long."""
    latest: dict[str, Reason] = {}
    for span in reversed(spans):
        for reason in span.reasons:
            latest.setdefault(reason.id, reason)
    reasons = [
        reason.model_copy(update={"message": _shorten(reason.message, _REASON_LENGTH)})
        for reason in latest.values()
    ]
    return reasons[:_MAX_REASONS], max(0, len(reasons) - _MAX_REASONS)


def _red_flags(context: EpisodeContext, kb: KnowledgeBase, until: datetime) -> list[RedFlagAnswer]:
    episode = context.history.episode
    answered: dict[str, tuple[bool, datetime | None]] = {}
    sources: list[tuple[dict[str, Any], datetime | None]] = [(episode.answers, None)]
    sources += [
        (c.answers_update, c.recorded_at)
        for c in checkins_until(context.history, at=until)
        if c.answers_update
    ]
    for answers, when in sources:
        for group in ("red_flags", "history"):
            values = answers.get(group)
            if not isinstance(values, dict):
                continue
            for name, value in values.items():
                if isinstance(value, bool):
                    answered[f"{group}.{name}"] = (value, when)
    rows = []
    for flag in sorted(kb.red_flags, key=lambda f: f.priority):
        value, when = answered.get(flag.answer, (None, None))
        group, _, name = flag.answer.partition(".")
        label = name.replace("_", " ").capitalize()
        rows.append(
            RedFlagAnswer(
                label=label if group == "red_flags" else f"{label} (history)",
                level=flag.level,
                answer=value,
                when=when,
                at_start=flag.answer in answered and when is None,
            )
        )
    return rows


def _outcomes(
    context: EpisodeContext, checkins: Sequence[CheckInRecord], until: datetime
) -> tuple[list[OutcomeRow], str]:
    from backcare.diary.trends import (
        episode_baseline,
        function_change,
        pain_change,
        resolution_status,
    )

    history = context.history
    baseline = episode_baseline(history.episode.answers, history.checkins[0])
    latest = checkins[-1]
    rows = []
    if baseline is not None:
        change = pain_change(baseline, latest.pain)
        rows.append(
            OutcomeRow(
                name=_("Pain now, NRS 0-10 (baseline → latest)"),
                first=str(baseline),
                latest=str(latest.pain),
                change=_("{points} points: {trend} (meaningful: {threshold})").format(
                    points=f"{change.points:+d}",
                    trend=label("trend", change.trend).lower(),
                    threshold=nrs_mcid().text,
                ),
            )
        )
    pains = [c.pain for c in checkins]
    rows.append(
        OutcomeRow(
            name=_("Pain in the range (lowest - highest)"),
            first=str(min(pains)),
            latest=str(max(pains)),
            change=ngettext("{count} score", "{count} scores", len(pains)).format(count=len(pains)),
        )
    )
    worst = [c.worst_pain for c in checkins if c.worst_pain is not None]
    if worst:
        rows.append(
            OutcomeRow(
                name=_("Worst pain between check-ins (highest)"),
                first="-",
                latest=str(max(worst)),
                change=ngettext("{count} score", "{count} scores", len(worst)).format(
                    count=len(worst)
                ),
            )
        )
    rated = [c for c in checkins if c.activities]
    if rated:
        first_mean = sum(a.score for a in rated[0].activities) / len(rated[0].activities)
        last_mean = sum(a.score for a in rated[-1].activities) / len(rated[-1].activities)
        compared = function_change(rated[0].activities, rated[-1].activities)
        described = "-"
        if compared is not None and len(rated) > 1:
            described = _(
                "{points} points over {count} activities: {trend} (meaningful: {mdc} points)"
            ).format(
                points=f"{compared.points:+.1f}",
                count=len(compared.activities),
                trend=label("trend", compared.trend).lower(),
                mdc=PSFS_MDC_POINTS,
            )
        names = ", ".join(
            dict.fromkeys(_shorten(a.name, _NAME_LENGTH) for c in rated for a in c.activities)
        )
        rows.append(
            OutcomeRow(
                name=_("Function, PSFS mean 0-10 ({names})").format(names=names),
                first=f"{first_mean:.1f}",
                latest=f"{last_mean:.1f}",
                change=described,
            )
        )
    resolution = resolution_status(checkins_until(history, at=until), tz=context.tz)
    return rows, resolution.describe()


def _planned(
    context: EpisodeContext, engine: Engine, window: tuple[datetime, datetime]
) -> dict[str, int]:
    from backcare.export.ical import plan_reminders

    history, tz = context.history, context.tz
    begin, finish = window
    counts: dict[str, int] = defaultdict(int)
    day = begin.astimezone(tz).date()
    while day <= finish.astimezone(tz).date():
        _, day_end = local_day_bounds(day, tz=tz)
        answers = answers_at(history, at=min(day_end, finish))
        for reminder in plan_reminders(
            answers,
            onset=history.episode.onset_at,
            engine=engine,
            tz=tz,
            first_day=day,
            days=1,
            uid_prefix="report",
        ):
            if begin <= reminder.start <= finish:
                counts[reminder.action] += 1
        day += timedelta(days=1)
    return counts


def _adherence(
    context: EpisodeContext,
    engine: Engine,
    checkins: Sequence[CheckInRecord],
    sessions: Sequence[CoachSessionRecord],
) -> list[AdherenceRow]:
    """Self-care reported at check-ins, and exercise sessions, against the plan's timetable.

    ``sessions`` are the coach sessions in the range with at least one hold done. The
    exercise count is the larger of the sessions reported at check-ins and those run
    in the coach: a person may report a coach session at a check-in too, and adding
    the two would count it twice.
    """
    history = context.history
    index = history.checkins.index(checkins[0])
    # Actions are counted "since the previous check-in": plan over the same stretch,
    # and on to the last coach session when one came after the last check-in.
    begin = history.checkins[index - 1].recorded_at if index else history.episode.onset_at
    end = max([checkins[-1].recorded_at, *(s.started_at for s in sessions)])
    planned = _planned(context, engine, (begin, end))
    done: dict[str, int] = defaultdict(int)
    for checkin in checkins:
        for action in checkin.actions:
            done[action.action.value] += action.count
    done["exercises"] = max(done["exercises"], len(sessions))
    return [
        AdherenceRow(label=label("action", action), done=done[action], planned=planned[schedule])
        for action, schedule in _ACTIONS
    ]


def episode_adherence(diary: Diary, history: EpisodeHistory) -> tuple[AdherenceRow, ...]:
    """The report's self-care table over the whole episode (the clinician's patient page).

    Each self-care action done (reported at check-ins, exercise sessions also from the
    coach) against how often the plan timetabled it, from onset to the last check-in or
    coach session. Empty before the first check-in.
    """
    if not history.checkins:
        return ()
    context = EpisodeContext(history=history, tz=diary.tz, now=diary.now())
    sessions = [s for s in history.coach_sessions if s.reps_done]
    return tuple(_adherence(context, diary.engine, history.checkins, sessions))


def _coach_rows(sessions: Sequence[CoachSessionRecord], tz: tzinfo) -> Iterator[CoachRow]:
    for session in sessions:
        if session.stopped_for_symptom and session.symptom is not None:
            outcome = _("stopped: {symptom}").format(symptom=label("symptom", session.symptom))
        elif session.quit_early:
            outcome = _("stopped early")
        else:
            outcome = _("finished")
        yield CoachRow(
            started_at=session.started_at.astimezone(tz),
            minutes=round(session.active_seconds / 60),
            exercises_done=sum(e.completed for e in session.exercises),
            exercises_planned=len(session.exercises),
            holds=session.reps_done,
            pain_before=session.pain_before,
            pain_after=session.pain_after,
            outcome=outcome,
            stopped_for_symptom=session.stopped_for_symptom and session.symptom is not None,
        )


def _highest_24h(doses: Sequence[DoseRecord]) -> int:
    from backcare.diary.medicines import window_total

    highest = 0
    for i, dose in enumerate(doses):
        others = [(d.taken_at, d.mg) for j, d in enumerate(doses) if j != i]
        highest = max(highest, window_total(others, at=dose.taken_at, mg=dose.mg))
    return highest


def _medicines(
    context: EpisodeContext,
    kb: KnowledgeBase,
    first: date,
    last: date,
    advice: Mapping[str, MedicineAdvice],
) -> tuple[list[MedicineSummary], list[MedicineRow], int]:
    """Doses per medicine and per day, against the person's plan's daily maximum.

    The plan's maximum (``advice``, from the current assessment) is lowered or removed
    for liver disease, heavy drinking, under 50 kg or a child; the label's applies only
    to a medicine the plan does not mention.
    """
    tz = context.tz
    doses = [d for d in context.history.doses if first <= d.taken_at.astimezone(tz).date() <= last]
    by_drug: dict[str, list[DoseRecord]] = defaultdict(list)
    for dose in doses:
        by_drug[dose.drug].append(dose)
    summaries, rows = [], []
    for drug, taken in by_drug.items():
        medicine = kb.medicine(drug)
        name = medicine.name if medicine is not None else drug
        limit = medicine.max_daily_mg if medicine is not None else None
        plan = advice.get(medicine.id if medicine is not None else drug)
        reason, no_safe = "", False
        if plan is not None and medicine is not None:
            if plan.max_daily_mg is None and limit is not None:
                no_safe = True
                reason = " ".join(plan.reasons) or "no safe daily amount is assumed"
            elif plan.max_daily_mg is not None and limit is not None and plan.max_daily_mg < limit:
                reason = " ".join(plan.reasons)
            limit = plan.max_daily_mg
        per_day: dict[date, list[DoseRecord]] = defaultdict(list)
        for dose in taken:
            per_day[dose.taken_at.astimezone(tz).date()].append(dose)
        summaries.append(
            MedicineSummary(
                drug=drug,
                name=name,
                doses=len(taken),
                days=len(per_day),
                total_mg=sum(d.mg for d in taken),
                highest_24h_mg=_highest_24h(taken),
                max_daily_mg=limit,
                overrides=tuple(
                    d.override_reason or "limit overridden" for d in taken if d.overridden
                ),
                limit_reason=reason,
                no_safe_limit=no_safe,
            )
        )
        rows += [
            MedicineRow(
                day=day,
                name=name,
                doses=len(day_doses),
                total_mg=sum(d.mg for d in day_doses),
                max_daily_mg=limit,
                overridden=sum(d.overridden for d in day_doses),
            )
            for day, day_doses in per_day.items()
        ]
    rows.sort(key=lambda r: (r.day, r.name), reverse=True)
    earlier = max(0, len(rows) - _MAX_MEDICINE_ROWS)
    return summaries, rows[:_MAX_MEDICINE_ROWS], earlier


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _notes(checkins: Sequence[CheckInRecord]) -> list[tuple[datetime, str]]:
    noted = [(c.recorded_at, c.note) for c in checkins if c.note]
    return [(at, _shorten(text, _NOTE_LENGTH)) for at, text in noted[-_MAX_NOTES:]]


def _sources(
    kb: KnowledgeBase, reasons: Sequence[Reason], medicines: Sequence[MedicineSummary]
) -> list[SourceNote]:
    from backcare.diary.trends import RESOLUTION_SOURCES

    ids = [*nrs_mcid().sources, *RESOLUTION_SOURCES]
    ids += [s for r in reasons for s in r.sources]
    for summary in medicines:
        medicine = kb.medicine(summary.drug)
        if medicine is not None:
            ids += [s for s in medicine.sources if s.endswith("_label")]
    known = {s.id: s for s in kb.sources}
    return [
        SourceNote(id=i, title=known[i].title, url=known[i].url, short_title=known[i].short_title)
        for i in dict.fromkeys(ids)
        if i in known
    ]


def _chart(context: EpisodeContext, checkins: Sequence[CheckInRecord], baseline: int | None) -> str:
    """The pain and function chart as an SVG ``data:`` URI (matplotlib, Agg, no pyplot)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure

    tz = context.tz
    figure = Figure(figsize=(7.2, 2.1), dpi=100)
    axes = figure.add_subplot()
    # matplotlib's date converter takes naive local datetimes (its stubs do not say so).
    times: Any = [c.recorded_at.astimezone(tz).replace(tzinfo=None) for c in checkins]
    axes.plot(
        times, [c.pain for c in checkins], marker="o", ms=3, color="#c0392b", label="pain now"
    )
    worst = [
        (t, c.worst_pain) for t, c in zip(times, checkins, strict=True) if c.worst_pain is not None
    ]
    if worst:
        worst_times: Any = [t for t, _ in worst]
        axes.plot(
            worst_times,
            [w for _, w in worst],
            linestyle="--",
            color="#e67e22",
            alpha=0.7,
            label="worst since last check-in",
        )
    rated = [(t, c) for t, c in zip(times, checkins, strict=True) if c.activities]
    if rated:
        rated_times: Any = [t for t, _ in rated]
        axes.plot(
            rated_times,
            [sum(a.score for a in c.activities) / len(c.activities) for _, c in rated],
            marker="s",
            ms=3,
            color="#27ae60",
            label="function (PSFS mean; higher is better)",
        )
    if baseline is not None:
        axes.axhline(baseline, color="#7f8c8d", linewidth=0.8, label=f"pain baseline ({baseline})")
    if times[-1] - times[0] < timedelta(days=1):  # at least a day wide, for readable ticks
        middle = times[0] + (times[-1] - times[0]) / 2
        axes.set_xlim(middle - timedelta(hours=12), middle + timedelta(hours=12))
    # matplotlib.dates is not annotated (matplotlib ships stubs for most modules, not this one).
    locator = mdates.AutoDateLocator(maxticks=8)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    formatter = mdates.ConciseDateFormatter(locator)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_formatter(formatter)
    axes.set_ylim(-0.3, 10.3)
    axes.set_yticks(range(0, 11, 2))
    axes.set_ylabel("0-10")
    axes.grid(alpha=0.3)
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize="x-small")
    buffer = io.StringIO()
    # A fixed salt makes the SVG's element ids, and so the HTML, the same on every run.
    with warnings.catch_warnings(), matplotlib.rc_context({"svg.hashsalt": "backcare"}):
        # Some spans have no tick interval in AutoDateLocator's table; it falls back to a
        # usable one and says so. Nothing else from matplotlib is silenced.
        warnings.filterwarnings(
            "ignore", message="AutoDateLocator was unable to pick", category=UserWarning
        )
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    encoded = base64.b64encode(buffer.getvalue().encode("utf-8")).decode("ascii")
    return "data:image/svg+xml;base64," + encoded


# --- the report ------------------------------------------------------------------------------


def build_report(
    diary: Diary,
    *,
    episode_id: int | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
    questions: Sequence[str] = (),
) -> ClinicianReport:
    """Gather the clinician report of an episode over a date range.

    Args:
        diary: the open diary (its ``tz`` sets calendar days).
        episode_id: default: the active episode, else the latest.
        start: first day (``date`` or ``YYYY-MM-DD``); default: the onset's day.
        end: last day, inclusive; default: today, or the day it was resolved.
        questions: the person's questions for the doctor.

    Raises:
        InputError: a malformed date (``--from``/``--to``), a range that ends before it
            starts, an episode with no check-ins (``episode``) or no check-ins in the
            range, or too many or too long questions (``--question``).
        NotFoundError: no such episode, or the diary is empty.
    """
    from backcare._version import __version__
    from backcare.diary.trends import episode_baseline
    from backcare.diary.week import week_svg, week_view

    first_day = _as_date(start, field="--from")
    last_day = _as_date(end, field="--to")
    cleaned = _clean_questions(questions)
    context = load_context(diary, episode_id=episode_id)
    first, last, checkins = _range(context, first_day, last_day)
    engine, kb, tz = diary.engine, diary.engine.knowledge, context.tz
    episode = context.history.episode
    _, range_end = local_day_bounds(last, tz=tz)
    until = min(range_end, context.until)
    assessment = engine.assess(answers_at(context.history, at=until))
    spans, earlier = _triage(context, checkins, first)
    explained, more_reasons = _explained(spans)
    outcomes, resolution = _outcomes(context, checkins, until)
    advice = {m.drug: m for m in assessment.plan.medications}
    sessions = [
        s
        for s in context.history.coach_sessions
        if first <= s.started_at.astimezone(tz).date() <= last
    ]
    medicines, medicine_days, earlier_days = _medicines(context, kb, first, last, advice)
    baseline = episode_baseline(episode.answers, context.history.checkins[0])
    week = week_view(
        context.history.checkins,
        context.history.coach_sessions,
        onset=episode.onset_at,
        until=min(range_end - timedelta(microseconds=1), context.until),
        tz=tz,
    )
    filled, not_filled = questionnaire_lines(
        context.history.questionnaires, diary.questionnaires, first_day=first, last_day=last, tz=tz
    )
    return ClinicianReport(
        episode_id=episode.id,
        start=first,
        end=last,
        generated_at=context.now,
        tz_name=str(context.now.astimezone(tz).tzname() or tz),
        onset=episode.onset_at.astimezone(tz),
        trigger=label("trigger", episode.trigger) if episode.trigger else None,
        status=label("episode_status", episode.status).lower(),
        resolved_at=episode.resolved_at.astimezone(tz) if episode.resolved_at else None,
        phase=label("phase", assessment.plan.phase).lower(),
        episode_day=episode_day(episode.onset_at, until, tz),
        checkins=len(checkins),
        first_checkin=checkins[0].recorded_at.astimezone(tz),
        last_checkin=checkins[-1].recorded_at.astimezone(tz),
        current_level=checkins[-1].triage_level,
        triage=tuple(spans),
        earlier_triage=earlier,
        reasons=tuple(explained),
        more_reasons=more_reasons,
        red_flags=tuple(_red_flags(context, kb, until)),
        outcomes=tuple(outcomes),
        not_recorded=tuple(not_filled),
        questionnaires=tuple(filled),
        resolution=resolution,
        adherence=tuple(
            _adherence(context, engine, checkins, [s for s in sessions if s.reps_done])
        ),
        coach_sessions=tuple(_coach_rows(sessions, tz)),
        medicines=tuple(medicines),
        medicine_days=tuple(medicine_days),
        earlier_medicine_days=earlier_days,
        questions=cleaned,
        notes=tuple((at.astimezone(tz), text) for at, text in _notes(checkins)),
        chart_svg=_chart(context, checkins, baseline),
        disclaimer=assessment.disclaimer,
        sources=tuple(_sources(kb, explained, medicines)),
        version=__version__,
        summary=episode_summary(episode),
        unanswered=tuple(q.text for q in unanswered_safety_questions(assessment)),
        unanswered_headline=incomplete_headline(assessment.triage),
        current_state=(
            INCOMPLETE
            if checkins[-1].triage_level is TriageLevel.SELF_CARE
            and verdict_state(assessment.triage) == INCOMPLETE
            else checkins[-1].triage_level.value
        ),
        plan_evidence=_plan_evidence(assessment),
        exercises=tuple(_exercise_figures(kb, assessment.plan.exercises)),
        week=week,
        week_svg="data:image/svg+xml;base64,"
        + base64.b64encode(week_svg(week, element_id="report-week").encode()).decode("ascii"),
    )


def _plan_evidence(assessment: Assessment) -> str:
    """What the current plan's advice rests on, counted by grade; seed-only items named."""
    recs = assessment.plan.recommendations
    counts = {grade: sum(1 for r in recs if r.evidence is grade) for grade in EvidenceGrade}
    parts = [f"{grade.label} {count}" for grade, count in counts.items() if count]
    seed_only = [r.title for r in recs if r.evidence is EvidenceGrade.SEED]
    text = "; ".join(parts)
    if seed_only:
        text += ". Seed articles only: " + "; ".join(seed_only)
    return text + "." if text else ""


def _exercise_figures(
    kb: KnowledgeBase, exercises: Sequence[PlannedExercise]
) -> Iterator[ExerciseFigure]:
    from backcare.knowledge.drawings import Pose, drawing_markup

    def image(file: str, pose: Pose) -> str:
        svg = drawing_markup(file, pose=pose).encode()
        return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")

    for planned in exercises:
        spec = kb.exercise(planned.id)
        if spec is None:
            continue
        each = " each side" if planned.sides == "each" else ""
        yield ExerciseFigure(
            name=planned.name,
            dose=f"{planned.hold_seconds} s × {planned.reps}{each}",
            start_image=image(spec.drawing.file, Pose.START),
            held_image=image(spec.drawing.file, Pose.END),
            alt=spec.drawing.alt,
        )


def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    environment = Environment(
        loader=PackageLoader("backcare.export", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Words from the catalogue, as on the web pages ({{ _("...") }} and |label).
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(  # type: ignore[attr-defined]  # added by the extension
        gettext, ngettext, newstyle=True
    )
    environment.policies["ext.i18n.trimmed"] = True
    environment.filters["label"] = lambda value, kind: label(kind, value)
    environment.globals["language"] = active_language()
    environment.filters["when"] = lambda value: format_when(value, "date_time")
    environment.filters["day"] = lambda value: format_when(value, "date")
    environment.filters["short"] = lambda value: format_when(value, "day_month_time")
    environment.filters["date_as"] = format_when
    return environment


def render_html(report: ClinicianReport, *, compact: bool = False) -> str:
    """The report as one self-contained HTML page (inline CSS, the chart as a ``data:`` URI).

    Args:
        report: the report.
        compact: leave out the check-in notes and shorten the lists (used when the full
            report would not fit on :data:`MAX_PAGES` pages).
    """
    template = _environment().get_template("report.html.j2")
    titles = {source.id: source.short_title for source in report.sources}
    return str(template.render(report=report, compact=compact, titles=titles))


def render_pdf(report: ClinicianReport) -> bytes:
    """The report as an A4 PDF (weasyprint), compact if the full one is too long."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # weasyprint ships no type hints

    document = HTML(string=render_html(report)).render()
    if len(document.pages) > MAX_PAGES:
        document = HTML(string=render_html(report, compact=True)).render()
    pdf = document.write_pdf()
    assert pdf is not None  # write_pdf returns bytes when no target is given
    return bytes(pdf)


def clinician_report(
    diary: Diary,
    *,
    episode_id: int | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
    questions: Sequence[str] = (),
    fmt: ReportFormat | str = ReportFormat.PDF,
) -> bytes:
    """The clinician report as the bytes of a PDF or an HTML (UTF-8) file.

    Args:
        diary: the open diary.
        episode_id: default: the active episode, else the latest.
        start: first day (``date`` or ``YYYY-MM-DD``); default: the onset's day.
        end: last day, inclusive; default: today or the day it was resolved.
        questions: the person's questions for the doctor (at most :data:`MAX_QUESTIONS`).
        fmt: ``pdf`` or ``html``.

    Raises:
        InputError: an unknown format, or any problem :func:`build_report` names.
        NotFoundError: no such episode, or the diary is empty.
    """
    try:
        chosen = ReportFormat(fmt)
    except ValueError:
        raise InputError(
            _("unknown report format {fmt!r}").format(fmt=fmt),
            problems=[FieldProblem("--format", _("pdf or html"))],
        ) from None
    report = build_report(diary, episode_id=episode_id, start=start, end=end, questions=questions)
    if chosen is ReportFormat.HTML:
        return render_html(report).encode("utf-8")
    return render_pdf(report)
