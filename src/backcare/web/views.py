"""The models every page and its JSON twin are built from, and the functions that build them.

A page route and its ``/api/v1`` twin call the same builder here and differ only in
how they render the result: Jinja for people, JSON for programs. Builders call the
core (:class:`~backcare.rules.assessor.Engine`) and the diary services
(:class:`~backcare.diary.Diary`); they hold no clinical rule and no SQL, only the
reshaping of records into response models.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
)

from backcare.coach import ExerciseResult, SessionResult, Side, build_segments
from backcare.coach.cues import cue_script
from backcare.coach.service import RecordedSession, SessionPlan, SymptomOutcome
from backcare.coach.symptoms import Symptom
from backcare.diary import (
    CheckInRecord,
    CheckInResult,
    DoseCheck,
    DoseRecord,
    EpisodeRecord,
    EpisodeStatus,
    SelfCareAction,
    TrendReport,
)
from backcare.domain.answers import Answers, History, RedFlags
from backcare.domain.enums import Condition, Phase, Sides, Trend, TriageLevel, Trigger
from backcare.domain.results import Assessment, EmergencyInstruction, Question, Reason
from backcare.errors import FieldProblem, InputError
from backcare.knowledge.schema import KnowledgeBase
from backcare.rules.assessor import Engine
from backcare.web.context import DRAWINGS_URL

__all__ = [
    "COACH_LEAD_IN_SECONDS",
    "COACH_SWITCH_SECONDS",
    "ActionIn",
    "ActivityIn",
    "AssessmentStep",
    "CheckInAnswers",
    "CheckInIn",
    "CheckInOut",
    "CheckInView",
    "CoachExerciseIn",
    "CoachSessionIn",
    "CoachSessionOut",
    "CoachView",
    "DoseIn",
    "EpisodeIn",
    "EpisodeOut",
    "EpisodeStartView",
    "EpisodesView",
    "Health",
    "HistoryView",
    "QuestionsView",
    "ResolveIn",
    "SourceOut",
    "StepIn",
    "TodayView",
    "assessment_step",
    "checkin_view",
    "coach_session_out",
    "coach_view",
    "episode_out",
    "history_view",
    "otc_ids",
    "session_result",
    "source_ids",
    "sources_out",
    "trusted_first",
]

#: Seconds of "get ready" before each exercise, and of pause between sides.
COACH_LEAD_IN_SECONDS = 5
COACH_SWITCH_SECONDS = 3

_IN = ConfigDict(extra="forbid", strict=True, frozen=True)
_OUT = ConfigDict(frozen=True)
_Loose = Strict(False)  # enums and date-times arrive as JSON strings


def _iso_text(value: object) -> object:
    # Lax date-times would also take a number (seconds since 1970): accept text only.
    if isinstance(value, str | datetime):
        return value
    raise ValueError("must be an ISO 8601 date-time with a time zone, e.g. 2026-01-05T08:00:00Z")


#: The range of date-times a request may carry (UTC), and the largest time-zone offset.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
MAX_OFFSET = timedelta(hours=14)
_DATE_RANGE = (
    f"between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC), "
    "with a time-zone offset of at most ±14:00"
)


def _in_range(value: datetime) -> datetime:
    # Year 1 or 9999 with an offset overflows datetime arithmetic later (a 500): refuse it
    # here, where the field can be named. The diary narrows this to the episode.
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        raise ValueError(f"the time-zone offset must be at most ±14:00 (got {value:%z})")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise ValueError(f"must be {_DATE_RANGE}")
    return value


#: A time zone-aware ISO 8601 date-time, given as text, within a sane range.
DateTimeText = Annotated[
    AwareDatetime,
    _Loose,
    BeforeValidator(_iso_text),
    AfterValidator(_in_range),
    Field(description=f"ISO 8601 date-time with a time zone, {_DATE_RANGE}."),
]

#: Text may hold tab and line breaks but no other control character (terminal escapes,
#: NUL): published as the schema's ``pattern``, checked by :func:`_no_controls`.
_CONTROL = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
_CONTROL_CHAR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_controls(value: str) -> str:
    found = _CONTROL_CHAR.search(value)
    if found is not None:
        raise ValueError(
            f"contains a control character (U+{ord(found.group()):04X}); "
            "only tab and line breaks are allowed"
        )
    return value


def _text(max_length: int, what: str, *, min_length: int = 1) -> Any:
    """A free-text field: bounded, no control characters but tab and line breaks."""
    return Field(
        min_length=min_length,
        max_length=max_length,
        json_schema_extra={"pattern": _CONTROL},
        description=f"{what}; at most {max_length} characters, no control characters "
        "other than tab and line breaks.",
    )


#: Ids and names typed or chosen by a client (drug, activity, exercise): one line.
Name = Annotated[str, _text(80, "A name"), AfterValidator(_no_controls)]
#: A note (may be empty) and a summary (may not).
Note = Annotated[str, _text(4000, "Free text", min_length=0), AfterValidator(_no_controls)]
Summary = Annotated[str, _text(4000, "Free text"), AfterValidator(_no_controls)]


# --- small outputs ----------------------------------------------------------------------


class Health(BaseModel):
    """The trivial endpoint: the server is up."""

    model_config = _OUT

    status: Literal["ok"] = "ok"
    version: str


class SourceOut(BaseModel):
    """A source cited by the plan, from the knowledge base."""

    model_config = _OUT

    id: str
    title: str
    kind: str
    authority: str
    url: str | None = None


def source_ids(*groups: Iterable[str]) -> list[str]:
    """Source ids in first-cited order, each once."""
    seen: dict[str, None] = {}
    for group in groups:
        for source_id in group:
            seen.setdefault(source_id, None)
    return list(seen)


def sources_out(kb: KnowledgeBase, ids: Iterable[str]) -> list[SourceOut]:
    """The knowledge-base entries of the given source ids (unknown ids are skipped)."""
    known = {s.id: s for s in kb.sources}
    return [
        SourceOut(id=s.id, title=s.title, kind=s.kind, authority=s.authority, url=s.url)
        for s in (known.get(i) for i in ids)
        if s is not None
    ]


_TRUST = {"high": 0, "moderate": 1, "low": 2}


def trusted_first(sources: Iterable[SourceOut]) -> list[SourceOut]:
    """Sources with the most trusted first (guidelines and reviews before a web article),
    in first-cited order within each grade of authority."""
    return sorted(sources, key=lambda s: _TRUST.get(s.authority, len(_TRUST)))


def otc_ids(kb: KnowledgeBase) -> frozenset[str]:
    """The medicines a person can buy without a prescription."""
    return frozenset(m.id for m in kb.medicines if m.otc)


def assessment_sources(assessment: Assessment) -> list[str]:
    """Every source id an assessment cites, in the order a reader meets them."""
    triage, plan = assessment.triage, assessment.plan
    return source_ids(
        (s for r in triage.reasons for s in r.sources),
        (s for r in plan.recommendations for s in r.sources),
        (s for m in plan.medications for s in m.sources),
        (s for e in plan.exercises for s in e.sources),
        (s for w in plan.see_doctor_if for s in w.sources),
        plan.bmi.sources if plan.bmi is not None else (),
    )


# --- the assessment flow ----------------------------------------------------------------


class StepIn(BaseModel):
    """Answers so far and the questions the person chose to skip."""

    model_config = _IN

    answers: Answers = Answers()
    skipped: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=64)] = []


class QuestionsView(BaseModel):
    """The questions still unanswered, most dangerous first."""

    model_config = _OUT

    questions: tuple[Question, ...]


class AssessmentStep(BaseModel):
    """Where the one-question-at-a-time assessment stands.

    ``stage`` is ``question`` while a question remains to ask, ``emergency`` as soon as
    the answers call for emergency help (no more questions are asked), and ``result``
    when every question is answered or skipped. Skipped questions stay unanswered, so
    the assessment says it is incomplete.
    """

    model_config = _OUT

    stage: Literal["question", "emergency", "result"]
    question: Question | None
    remaining: int
    skipped: tuple[str, ...]
    assessment: Assessment


def assessment_step(
    engine: Engine, answers: Answers | Mapping[str, Any], skipped: Iterable[str] = ()
) -> AssessmentStep:
    """Assess the answers so far and pick the next question (skipped ones are not re-asked).

    Raises:
        InputError: the answers do not fit the contract.
    """
    assessment = engine.assess(answers)
    skip = tuple(dict.fromkeys(skipped))
    if assessment.triage.level is TriageLevel.EMERGENCY:
        return AssessmentStep(
            stage="emergency", question=None, remaining=0, skipped=skip, assessment=assessment
        )
    pending = [q for q in assessment.next_questions if q.key not in skip]
    return AssessmentStep(
        stage="question" if pending else "result",
        question=pending[0] if pending else None,
        remaining=len(pending),
        skipped=skip,
        assessment=assessment,
    )


# --- the diary --------------------------------------------------------------------------


class DoseIn(BaseModel):
    """A dose taken; ``taken_at`` absent means at check-in time."""

    model_config = _IN

    drug: Name
    mg: Annotated[int, Field(ge=1, le=10_000, description="Whole milligrams, 1-10,000.")]
    taken_at: DateTimeText | None = None


class ActivityIn(BaseModel):
    """A PSFS activity rated 0 (unable) to 10 (as before)."""

    model_config = _IN

    name: Name
    score: Annotated[int, Field(ge=0, le=10, description="0 (unable) to 10 (as before).")]


class ActionIn(BaseModel):
    """Self-care done since the last check-in, with how many times."""

    model_config = _IN

    action: Annotated[SelfCareAction, _Loose]
    count: Annotated[int, Field(ge=1, le=100, description="Times done, 1-100.")] = 1


class CheckInCourse(BaseModel):
    """Course answers a person gives at a check-in (the diary derives days and trend)."""

    model_config = _IN

    recurrent_same_spot: bool | None = None
    disrupts_sleep_or_daily_life: bool | None = None


class CheckInAnswers(BaseModel):
    """New or changed answers at a check-in, in the answers contract v1.

    Timing (``hours_since_onset``, ``course.days_of_self_care``), ``course.trend`` and
    ``pain`` are left out: the diary works them out from the episode and the check-in.
    """

    model_config = _IN

    age: Annotated[int, Field(ge=0, le=120)] | None = None
    height_cm: Annotated[float, Field(gt=50, le=272)] | None = None
    weight_kg: Annotated[float, Field(gt=10, le=650)] | None = None
    trigger: Annotated[Trigger | None, _Loose] = None
    red_flags: RedFlags = RedFlags()
    history: History = History()
    conditions: Annotated[list[Annotated[Condition, _Loose]] | None, Field(max_length=20)] = None
    course: CheckInCourse = CheckInCourse()


class CheckInIn(BaseModel):
    """A check-in: pain now (required) and anything else to record."""

    model_config = _IN

    pain: Annotated[int, Field(ge=0, le=10)]
    worst_pain: Annotated[int, Field(ge=0, le=10)] | None = None
    activities: Annotated[list[ActivityIn], Field(max_length=3)] = []
    actions: Annotated[list[ActionIn], Field(max_length=4)] = []
    doses: Annotated[list[DoseIn], Field(max_length=10)] = []
    answers: CheckInAnswers | None = None
    note: Note | None = None
    at: DateTimeText | None = None
    override_dose_limits: bool = False


class EpisodeIn(BaseModel):
    """Start an episode from intake answers (contract v1)."""

    model_config = _IN

    answers: Answers = Answers()
    onset: DateTimeText | None = None


class ResolveIn(BaseModel):
    """Close an episode; without a summary backcare writes one."""

    model_config = _IN

    summary: Summary | None = None


class EpisodeOut(BaseModel):
    """An episode of back spasm as the diary recorded it."""

    model_config = _OUT

    id: int
    uid: str
    onset_at: datetime
    started_at: datetime
    trigger: str | None
    status: EpisodeStatus
    resolved_at: datetime | None
    summary: str | None
    level: TriageLevel | None
    """The triage level of the episode's first assessment."""
    answers: dict[str, Any]


class EpisodesView(BaseModel):
    """Every episode, oldest first."""

    model_config = _OUT

    episodes: tuple[EpisodeOut, ...]


class DoseOut(BaseModel):
    """A recorded dose."""

    model_config = _OUT

    drug: str
    mg: int
    taken_at: datetime
    overridden: bool
    override_reason: str | None


class ActivityOut(BaseModel):
    """A PSFS activity rating."""

    model_config = _OUT

    name: str
    score: int


class ActionOut(BaseModel):
    """A self-care action and its count."""

    model_config = _OUT

    action: SelfCareAction
    count: int


class CheckInOut(BaseModel):
    """A recorded check-in with what it logged and the triage it produced."""

    model_config = _OUT

    id: int
    recorded_at: datetime
    pain: int
    worst_pain: int | None
    days_of_self_care: int
    trend: Trend | None
    triage_level: TriageLevel
    triage_reasons: tuple[Reason, ...]
    note: str | None
    activities: tuple[ActivityOut, ...]
    actions: tuple[ActionOut, ...]
    doses: tuple[DoseOut, ...]


class PainChangeOut(BaseModel):
    """Pain now against the episode's baseline."""

    model_config = _OUT

    baseline: int
    current: int
    points: int
    percent: float | None
    trend: Trend
    description: str
    sources: tuple[str, ...]


class FunctionChangeOut(BaseModel):
    """PSFS now against its baseline."""

    model_config = _OUT

    activities: tuple[str, ...]
    baseline_mean: float
    current_mean: float
    points: float
    trend: Trend
    description: str


class ResolutionOut(BaseModel):
    """Progress towards PACE's recovery definition."""

    model_config = _OUT

    met: bool
    low_days: int
    required_days: int
    max_pain: int
    description: str
    sources: tuple[str, ...]


class TrendOut(BaseModel):
    """How the episode is going, with the sentences the page shows."""

    model_config = _OUT

    pain: PainChangeOut | None
    function: FunctionChangeOut | None
    overall: Trend | None
    checkins: int
    days_since_onset: int
    resolution: ResolutionOut
    lines: tuple[str, ...]


class HistoryView(BaseModel):
    """An episode with its check-ins, doses and trend (the history page and chart)."""

    model_config = _OUT

    episode: EpisodeOut
    checkins: tuple[CheckInOut, ...]
    doses: tuple[DoseOut, ...]
    trend: TrendOut
    baseline: int | None
    """The episode's first pain score, drawn as a line on the chart."""
    next: str | None = None
    """The cursor of the next, older page of check-ins (``?before=``); ``None``: no more."""


class TodayView(BaseModel):
    """Today's plan for the episode: phase from onset, course from the diary."""

    model_config = _OUT

    episode: EpisodeOut
    assessment: Assessment


class EpisodeStartView(BaseModel):
    """A new episode and its first assessment."""

    model_config = _OUT

    episode: EpisodeOut
    assessment: Assessment


class EscalationOut(BaseModel):
    """The level after a check-in against the level before it."""

    model_config = _OUT

    level: TriageLevel
    previous: TriageLevel
    escalated: bool
    needs_care: bool
    headline: str
    reasons: tuple[Reason, ...]


class DoseCheckOut(BaseModel):
    """How one dose compares with its label limits."""

    model_config = _OUT

    drug: str
    name: str
    mg: int
    taken_at: datetime
    allowed: bool
    problems: tuple[str, ...]
    warnings: tuple[str, ...]


class CheckInView(BaseModel):
    """What a check-in recorded and what it means (the check-in result page)."""

    model_config = _OUT

    checkin: CheckInOut
    assessment: Assessment
    escalation: EscalationOut
    pain: PainChangeOut | None
    function: FunctionChangeOut | None
    doses: tuple[DoseCheckOut, ...]
    resolution: ResolutionOut


def episode_out(episode: EpisodeRecord) -> EpisodeOut:
    """An episode record as a response model."""
    level = episode.assessment.get("triage", {}).get("level")
    return EpisodeOut(
        id=episode.id,
        uid=episode.uid,
        onset_at=episode.onset_at,
        started_at=episode.started_at,
        trigger=episode.trigger,
        status=episode.status,
        resolved_at=episode.resolved_at,
        summary=episode.summary,
        level=TriageLevel(level) if level in set(TriageLevel) else None,
        answers=episode.answers,
    )


def _dose_out(dose: DoseRecord) -> DoseOut:
    return DoseOut(
        drug=dose.drug,
        mg=dose.mg,
        taken_at=dose.taken_at,
        overridden=dose.overridden,
        override_reason=dose.override_reason,
    )


def _checkin_out(checkin: CheckInRecord) -> CheckInOut:
    return CheckInOut(
        id=checkin.id,
        recorded_at=checkin.recorded_at,
        pain=checkin.pain,
        worst_pain=checkin.worst_pain,
        days_of_self_care=checkin.days_of_self_care,
        trend=checkin.trend,
        triage_level=checkin.triage_level,
        triage_reasons=checkin.triage_reasons,
        note=checkin.note,
        activities=tuple(ActivityOut(name=a.name, score=a.score) for a in checkin.activities),
        actions=tuple(ActionOut(action=a.action, count=a.count) for a in checkin.actions),
        doses=tuple(_dose_out(d) for d in checkin.doses),
    )


def _pain_out(report: Any) -> PainChangeOut | None:
    if report is None:
        return None
    return PainChangeOut(
        baseline=report.baseline,
        current=report.current,
        points=report.points,
        percent=report.percent,
        trend=report.trend,
        description=report.describe(),
        sources=report.sources,
    )


def _function_out(report: Any) -> FunctionChangeOut | None:
    if report is None:
        return None
    return FunctionChangeOut(
        activities=report.activities,
        baseline_mean=report.baseline_mean,
        current_mean=report.current_mean,
        points=report.points,
        trend=report.trend,
        description=report.describe(),
    )


def _resolution_out(resolution: Any) -> ResolutionOut:
    return ResolutionOut(
        met=resolution.met,
        low_days=resolution.low_days,
        required_days=resolution.required_days,
        max_pain=resolution.max_pain,
        description=resolution.describe(),
        sources=resolution.sources,
    )


def trend_out(report: TrendReport) -> TrendOut:
    """A trend report as a response model."""
    return TrendOut(
        pain=_pain_out(report.pain),
        function=_function_out(report.function),
        overall=report.overall,
        checkins=report.checkins,
        days_since_onset=report.days_since_onset,
        resolution=_resolution_out(report.resolution),
        lines=tuple(report.lines()),
    )


def history_view(
    episode: EpisodeRecord,
    checkins: Sequence[CheckInRecord],
    doses: Sequence[DoseRecord],
    report: TrendReport,
    *,
    next_page: str | None = None,
) -> HistoryView:
    """The history page's model from a loaded history (or a page of it) and its trend report."""
    pain = episode.answers.get("pain")
    baseline = pain if isinstance(pain, int) and not isinstance(pain, bool) else None
    if report.pain is not None:
        baseline = report.pain.baseline  # the episode's, not this page's first check-in
    elif baseline is None and checkins:
        baseline = checkins[0].pain
    return HistoryView(
        episode=episode_out(episode),
        checkins=tuple(_checkin_out(c) for c in checkins),
        doses=tuple(_dose_out(d) for d in doses),
        trend=trend_out(report),
        baseline=baseline,
        next=next_page,
    )


def _dose_check_out(check: DoseCheck) -> DoseCheckOut:
    return DoseCheckOut(
        drug=check.drug,
        name=check.name,
        mg=check.mg,
        taken_at=check.taken_at,
        allowed=check.allowed,
        problems=tuple(str(p) for p in check.problems),
        warnings=check.warnings,
    )


def checkin_view(result: CheckInResult) -> CheckInView:
    """The check-in result page's model."""
    esc = result.escalation
    return CheckInView(
        checkin=_checkin_out(result.checkin),
        assessment=result.assessment,
        escalation=EscalationOut(
            level=esc.level,
            previous=esc.previous,
            escalated=esc.escalated,
            needs_care=esc.needs_care,
            headline=esc.headline(),
            reasons=esc.reasons,
        ),
        pain=_pain_out(result.pain),
        function=_function_out(result.function),
        doses=tuple(_dose_check_out(c) for c in result.doses),
        resolution=_resolution_out(result.resolution),
    )


# --- the coach --------------------------------------------------------------------------


class CoachExerciseOut(BaseModel):
    """An exercise of today's session, at today's dose (the progression rule's decision)."""

    model_config = _OUT

    id: str
    name: str
    kind: str
    steps: tuple[str, ...]
    hold_seconds: int
    reps: int
    sides: Sides
    rest_seconds: int
    stop_if: tuple[str, ...]
    sources: tuple[str, ...]
    progression: str
    """Why today's dose is what it is, in one sentence."""
    drawing: str
    """Address of the exercise's drawing (SVG: start and held position)."""
    drawing_alt: str
    """What the drawing shows, in words."""


class CueOut(BaseModel):
    """Words the coach says, ``at_seconds`` after its segment starts."""

    model_config = _OUT

    at_seconds: float
    text: str


class SegmentOut(BaseModel):
    """One timed stretch of the session (lead-in, hold, rest or side switch)."""

    model_config = _OUT

    kind: str
    exercise_index: int
    side: str
    rep: int | None
    duration_seconds: int
    cues: tuple[CueOut, ...]
    """What to say during it (the coach's cue script)."""


class CoachView(BaseModel):
    """The coach page's model: today's session and the timeline the browser's clock runs.

    ``blocked_reason`` is set (and there are no exercises) when triage asks for medical
    help before exercising.
    """

    model_config = _OUT

    episode_id: int
    phase: Phase
    blocked_reason: str | None
    sessions_today: int
    times_per_day: int
    exercises: tuple[CoachExerciseOut, ...]
    segments: tuple[SegmentOut, ...]
    total_seconds: int
    closing_cue: str
    """Said when the session runs to its end."""
    stopped_cue: str
    """Said when the person stops early."""


def coach_view(plan: SessionPlan) -> CoachView:
    """Lay out today's session (from the coach service) with the coach engine's timeline."""
    segments = build_segments(
        plan.doses, lead_in_seconds=COACH_LEAD_IN_SECONDS, switch_seconds=COACH_SWITCH_SECONDS
    )
    script = cue_script(plan.doses, segments)
    return CoachView(
        episode_id=plan.episode.id,
        phase=plan.phase,
        blocked_reason=plan.blocked_reason,
        sessions_today=plan.sessions_today,
        times_per_day=plan.times_per_day,
        exercises=tuple(
            CoachExerciseOut(
                id=item.exercise.id,
                name=item.exercise.name,
                kind=item.kind,
                steps=item.exercise.steps,
                hold_seconds=item.decision.hold_seconds,
                reps=item.decision.reps,
                sides=item.exercise.sides,
                rest_seconds=item.exercise.rest_seconds,
                stop_if=item.exercise.stop_if,
                sources=item.exercise.sources,
                progression=item.decision.reason,
                drawing=f"{DRAWINGS_URL}/{item.drawing.file}",
                drawing_alt=item.drawing.alt,
            )
            for item in plan.items
        ),
        segments=tuple(
            SegmentOut(
                kind=s.kind.value,
                exercise_index=s.exercise_index,
                side=s.side.value,
                rep=s.rep,
                duration_seconds=s.duration_seconds,
                cues=tuple(CueOut(at_seconds=c.at_seconds, text=c.text) for c in cues),
            )
            for s, cues in zip(segments, script.segments, strict=True)
        ),
        total_seconds=sum(s.duration_seconds for s in segments),
        closing_cue=script.closing,
        stopped_cue=script.stopped,
    )


Reps = Annotated[int, Field(ge=0, le=1000)]


class CoachExerciseIn(BaseModel):
    """How far one exercise got, as the browser counted it."""

    model_config = _IN

    exercise_id: Name
    completed_reps: Annotated[dict[Annotated[Side, _Loose], Reps], Field(max_length=3)]
    """Finished holds per side: ``both``, or ``left`` and ``right``."""
    longest_hold_seconds: Annotated[float, Field(ge=0, le=3600)]
    skipped: bool = False


class CoachSessionIn(BaseModel):
    """A session the browser ran, to save in the diary (as far as it got)."""

    model_config = _IN

    started_at: DateTimeText
    ended_at: DateTimeText
    active_seconds: Annotated[float, Field(ge=0, le=86_400)]
    quit_early: bool
    exercises: Annotated[list[CoachExerciseIn], Field(max_length=20)]
    pain_before: Annotated[int, Field(ge=0, le=10)] | None = None
    pain_after: Annotated[int, Field(ge=0, le=10)] | None = None
    symptom: Annotated[Symptom | None, _Loose] = None
    stopped_for_symptom: bool = False


class CoachSessionOut(BaseModel):
    """A saved session; with a symptom, what it means now."""

    model_config = _OUT

    id: int
    episode_id: int
    started_at: datetime
    ended_at: datetime
    active_seconds: float
    quit_early: bool
    reps_done: int
    symptom: Symptom | None
    triage_level: TriageLevel | None
    """The level the symptom led to (``None`` without a symptom)."""
    advice: tuple[str, ...]
    """What to do about the symptom (the knowledge base's warning signs)."""
    emergency: EmergencyInstruction | None
    checkin: CheckInView | None
    """The diary check-in a red-flag symptom was recorded as."""


def session_result(plan: SessionPlan, body: CoachSessionIn) -> SessionResult:
    """The timing engine's result from what the browser reports, with today's targets.

    Raises:
        InputError: an exercise is not in today's session.
    """
    items = {item.exercise.id: item for item in plan.items}
    problems = [
        FieldProblem(f"exercises.{i}.exercise_id", "is not in today's session")
        for i, done in enumerate(body.exercises)
        if done.exercise_id not in items
    ]
    if problems:
        raise InputError("cannot record the exercise session", problems=problems)
    return SessionResult(
        exercises=tuple(
            ExerciseResult(
                exercise_id=done.exercise_id,
                name=items[done.exercise_id].exercise.name,
                sides=items[done.exercise_id].dose.sides,
                target_reps=items[done.exercise_id].decision.reps,
                target_hold_seconds=items[done.exercise_id].decision.hold_seconds,
                completed_reps=done.completed_reps,
                longest_hold_seconds=done.longest_hold_seconds,
                skipped=done.skipped,
            )
            for done in body.exercises
        ),
        started_at=0.0,
        ended_at=body.active_seconds,
        active_seconds=body.active_seconds,
        quit_early=body.quit_early,
    )


def coach_session_out(recorded: RecordedSession, outcome: SymptomOutcome | None) -> CoachSessionOut:
    """A saved session (and what its symptom means) as a response model."""
    session = recorded.session
    assessment = outcome.assessment if outcome is not None else None
    return CoachSessionOut(
        id=session.id,
        episode_id=session.episode_id,
        started_at=session.started_at,
        ended_at=session.ended_at,
        active_seconds=session.active_seconds,
        quit_early=session.quit_early,
        reps_done=session.reps_done,
        symptom=session.symptom,
        triage_level=outcome.level if outcome is not None else None,
        advice=tuple(sign.text for sign in outcome.advice) + outcome.see_gp if outcome else (),
        emergency=assessment.triage.emergency if assessment is not None else None,
        checkin=checkin_view(recorded.checkin) if recorded.checkin is not None else None,
    )
