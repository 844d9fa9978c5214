"""The diary's requests and responses: episodes, check-ins, doses, trends, history.

A page route and its ``/api/v1`` twin call the same builder here and differ only in
how they render the result: Jinja for people, JSON for programs. Builders reshape the
diary service's records (:class:`~backcare.diary.Diary`) into response models; they hold
no clinical rule and no SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    Field,
)

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
from backcare.domain.enums import Condition, EvidenceGrade, Trend, TriageLevel, Trigger
from backcare.domain.results import Assessment, Reason
from backcare.viewmodels.summary import episode_summary
from backcare.web.schemas.fields import INPUT as _IN
from backcare.web.schemas.fields import OUTPUT as _OUT
from backcare.web.schemas.fields import DateTimeText, Name, Note, Summary
from backcare.web.schemas.fields import Loose as _Loose

__all__ = [
    "ActionIn",
    "ActivityIn",
    "CheckInAnswers",
    "CheckInIn",
    "CheckInOut",
    "CheckInView",
    "DoseIn",
    "EpisodeIn",
    "EpisodeOut",
    "EpisodeStartView",
    "EpisodesView",
    "HistoryView",
    "ResolveIn",
    "TodayView",
    "checkin_view",
    "episode_out",
    "history_view",
]

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
    answers_update: dict[str, Any] | None = None
    """Answers given at this check-in (``{"red_flags": {"fever": false}}``: it has gone)."""


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


class DoseAdviceOut(BaseModel):
    """What to do after a dose over a limit (recorded, flagged): next dose, who to call."""

    model_config = _OUT

    drug: str
    name: str
    next_dose_at: datetime | None
    """The earliest time for another dose; ``null``: none without a pharmacist or doctor."""
    next_dose: str
    over_maximum: bool
    """More than the label's daily maximum or single dose: the overdose advice is urgent."""
    overdose: str
    evidence: EvidenceGrade
    sources: tuple[str, ...]


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
    dose_advice: tuple[DoseAdviceOut, ...] = ()
    """For each dose over a limit: it is recorded, flagged; what to do now."""


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
        summary=episode_summary(episode),
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
        answers_update=checkin.answers_update,
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
        dose_advice=tuple(
            DoseAdviceOut(
                drug=a.drug,
                name=a.name,
                next_dose_at=a.next_dose_at,
                next_dose=a.next_dose,
                over_maximum=a.over_maximum,
                overdose=a.overdose,
                evidence=a.evidence,
                sources=a.sources,
            )
            for a in result.dose_advice
        ),
    )
