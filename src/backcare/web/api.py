"""The JSON API under ``/api/v1``: the same models as the pages, rendered as JSON.

Every operation documents the error envelope (:mod:`backcare.web.errors`) for its
error statuses. Writes take ``Content-Type: application/json`` only (see
:mod:`backcare.web.security`). Assessment endpoints are pure and never touch the
database; diary and coach endpoints call :class:`~backcare.diary.Diary`.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from pydantic import BaseModel
from starlette.responses import JSONResponse, RedirectResponse, Response

from backcare import __version__
from backcare.diary import CheckInResult, Diary
from backcare.domain.answers import Answers
from backcare.domain.results import Assessment
from backcare.errors import FieldProblem, InputError, NotFoundError
from backcare.export.formats import FORMATS, ExportOptions
from backcare.i18n import gettext
from backcare.web._bodies import JsonBodyRoute
from backcare.web.context import WebContext
from backcare.web.dependencies import CoachDep, DiaryDep, EngineDep, json_writes
from backcare.web.errors import API_ERROR_RESPONSES, parse_json_body
from backcare.web.forms import checkin_entry
from backcare.web.notify import checkin_escalated, coach_escalated
from backcare.web.paging import PAGE_SIZE, Before, Limit, decode_cursor, encode_cursor
from backcare.web.schemas.assessment import AssessmentStep, QuestionsView, StepIn, assessment_step
from backcare.web.schemas.coach import (
    CoachSessionIn,
    CoachSessionOut,
    CoachView,
    coach_session_out,
    coach_view,
    session_result,
)
from backcare.web.schemas.common import Health, SourceOut, sources_out
from backcare.web.schemas.diary import (
    CheckInIn,
    CheckInView,
    EpisodeIn,
    EpisodeOut,
    EpisodeStartView,
    EpisodesView,
    HistoryView,
    ResolveIn,
    TodayView,
    checkin_view,
    episode_out,
    history_view,
)

__all__ = ["router"]

router = APIRouter(
    prefix="/api/v1",
    responses=API_ERROR_RESPONSES,
    dependencies=[Depends(json_writes)],
    route_class=JsonBodyRoute,
)

EpisodeId = Annotated[int, Path(ge=1, le=2**53, description="The episode's id.")]
EpisodeQuery = Annotated[
    int | None,
    Query(ge=1, le=2**53, description="An episode id; default: the active one, else the latest."),
]


def _json(model: BaseModel, status: int = 200) -> Response:
    # Serialised by pydantic-core in one call; the declared response_model documents it.
    return Response(model.model_dump_json(), status_code=status, media_type="application/json")


@router.get("/health", tags=["meta"])
async def health() -> Health:
    """The server is up (the benchmark's baseline endpoint)."""
    return Health(version=__version__)


# --- assessment (pure) ----------------------------------------------------------------


_ANSWERS_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Answers"}}},
    }
}


@router.post("/assess", response_model=Assessment, tags=["assessment"], openapi_extra=_ANSWERS_BODY)
async def assess(request: Request) -> Response:
    """Triage the answers (contract v1) and build the plan: the result page's twin.

    The hot path of the API: plainly valid answers are read by the engine's answer
    reader and the result is built straight as JSON (``Engine.assess_json``, byte for
    byte the model's JSON). Anything else is validated from the body's bytes by the
    contract model, so errors are reported exactly as on every other endpoint.
    """
    answers = await request.json()  # strict JSON, bounded depth (JsonBodyRoute)
    web: WebContext = request.app.state.backcare
    try:
        result = web.engine.assess_json(answers)
    except InputError:
        parse_json_body(Answers, await request.body())  # the endpoints' own error, per field
        raise
    return Response(result, media_type="application/json")


@router.post("/next-questions", tags=["assessment"])
async def next_questions(answers: Answers, engine: EngineDep) -> QuestionsView:
    """The questions still unanswered, most dangerous first."""
    return QuestionsView(questions=engine.next_questions(answers))


@router.post("/assess/step", response_model=AssessmentStep, tags=["assessment"])
async def step(body: StepIn, engine: EngineDep) -> Response:
    """The next question to ask, or the emergency stop, or the result: the question page's twin."""
    return _json(assessment_step(engine, body.answers, body.skipped))


@router.get("/knowledge/questions", tags=["knowledge"])
async def questions(engine: EngineDep) -> QuestionsView:
    """Every question backcare asks, in asking order (most dangerous first)."""
    return QuestionsView(questions=engine.next_questions(Answers()))


@router.get("/knowledge/sources", tags=["knowledge"])
async def sources(engine: EngineDep) -> list[SourceOut]:
    """Every source the knowledge base cites."""
    kb = engine.knowledge
    return sources_out(kb, (s.id for s in kb.sources))


@router.get("/knowledge/sources/{source_id}", tags=["knowledge"])
async def source(
    source_id: Annotated[str, Path(max_length=100, description="A source id.")],
    engine: EngineDep,
) -> SourceOut:
    """One source by id."""
    found = sources_out(engine.knowledge, [source_id])
    if not found:
        raise NotFoundError(
            gettext("no source {source_id!r}").format(source_id=source_id),
            problems=[FieldProblem("source_id", gettext("unknown id"))],
        )
    return found[0]


# --- diary ----------------------------------------------------------------------------


@router.get("/diary/episodes", tags=["diary"])
def episodes(diary: DiaryDep) -> EpisodesView:
    """Every episode, oldest first."""
    return EpisodesView(episodes=tuple(episode_out(e) for e in diary.episodes()))


IfActive = Annotated[
    Literal["refuse", "update", "close"],
    Query(
        description="While another episode is active: refuse (409), update it "
        "with these answers (a check-in; 200 with the check-in), or close it and start a new one."
    ),
]


@router.post(
    "/diary/episodes",
    status_code=201,
    response_model=EpisodeStartView,
    tags=["diary"],
    responses={200: {"model": CheckInView, "description": "if_active=update: the check-in"}},
)
def start_episode(body: EpisodeIn, diary: DiaryDep, if_active: IfActive = "refuse") -> Any:
    """Start an episode from intake answers and assess it.

    While another episode is active the answer is 409 with the error code
    `conflict` and a problem on `if_active`, unless `if_active` says what to do with it.
    """
    if if_active == "update":
        result = checkin_view(diary.update_episode(body.answers))
        return Response(result.model_dump_json(), media_type="application/json")
    started = diary.start_episode(
        onset=body.onset, answers=body.answers, close_active=if_active == "close"
    )
    return EpisodeStartView(episode=episode_out(started.episode), assessment=started.assessment)


def _history_page(
    diary: Any, episode_id: int | None, before: str | None, limit: int
) -> HistoryView:
    page = diary.history_page(episode_id, before=decode_cursor(before), limit=limit)
    return history_view(
        page.episode, page.checkins, page.doses, page.trend, next_page=encode_cursor(page.older)
    )


@router.get("/diary/episodes/{episode_id}", tags=["diary"])
def episode(
    episode_id: EpisodeId, diary: DiaryDep, before: Before = None, limit: Limit = PAGE_SIZE
) -> HistoryView:
    """One episode with a page of its check-ins (newest page first), their doses and the trend."""
    return _history_page(diary, episode_id, before, limit)


@router.post("/diary/episodes/{episode_id}/resolve", tags=["diary"])
def resolve(episode_id: EpisodeId, body: ResolveIn, diary: DiaryDep) -> EpisodeOut:
    """Close an episode with a summary (backcare writes one unless given)."""
    return episode_out(diary.resolve(episode_id, summary=body.summary))


@router.get("/diary/history", tags=["diary"])
def history(
    diary: DiaryDep,
    episode_id: EpisodeQuery = None,
    before: Before = None,
    limit: Limit = PAGE_SIZE,
) -> HistoryView:
    """The history page's twin: an episode, a page of its check-ins (newest first), the trend.

    Check-ins come a page at a time (``limit``, default 50), in time order within the
    page; ``next`` is the cursor of the older page (``?before=``), ``null`` on the last.
    The whole diary is ``/api/v1/diary/export``.
    """
    return _history_page(diary, episode_id, before, limit)


@router.get("/diary/today", tags=["diary"])
def today(diary: DiaryDep, episode_id: EpisodeQuery = None) -> TodayView:
    """Today's plan and schedule for the episode: the "today" page's twin."""
    current = diary.episode_plan(episode_id)
    assert current.assessment is not None  # every episode's plan was asked for
    return TodayView(episode=episode_out(current.episode), assessment=current.assessment)


IdempotencyKey = Annotated[
    uuid.UUID | None,
    Header(
        alias="Idempotency-Key",
        description=(
            "A UUID the client makes once per check-in. A repeat with the same key records "
            "nothing and gets the first answer again (header `Idempotent-Replayed: true`); "
            "the same key with a different check-in is a 409."
        ),
    ),
]


@router.post("/diary/check-ins", status_code=201, response_model=CheckInView, tags=["diary"])
def check_in(
    request: Request, body: CheckInIn, diary: DiaryDep, key: IdempotencyKey = None
) -> Response:
    """Record a check-in on the active episode; triage re-runs and doses are checked first."""
    # A dose over a limit is recorded flagged, with advice (``override_dose_limits`` is
    # accepted for old clients and no longer needed).
    entry = checkin_entry(body)
    if key is None:
        result = diary.check_in(entry, override_dose_limits=body.override_dose_limits)
        checkin_escalated(request, result)
        return _json(checkin_view(result), status=201)
    recorded: list[CheckInResult] = []

    def encode(result: CheckInResult) -> dict[str, Any]:
        recorded.append(result)
        return checkin_view(result).model_dump(mode="json")

    once = diary.check_in_once(
        entry,
        key=str(key),
        fingerprint=request_fingerprint(body),
        encode=encode,
        override_dose_limits=body.override_dose_limits,
    )
    for result in recorded:  # a repeat records nothing, and tells nobody again
        checkin_escalated(request, result)
    headers = {"Idempotent-Replayed": "true"} if once.replayed else {}
    return JSONResponse(once.response, status_code=201, headers=headers)


def request_fingerprint(body: CheckInIn) -> str:
    """A digest of what a check-in says (not how its JSON was spelt), for a key's repeats."""
    data = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


#: The export formats by name (the registry's), for the routes' ``format`` parameter.
FormatName = StrEnum("FormatName", {name.upper(): name for name in FORMATS})  # type: ignore[misc]
FormatQuery = Annotated[
    FormatName,
    Query(description="; ".join(f"{f.name}: {f.description}" for f in FORMATS.values())),
]
_JSON = FormatName("json")
DaysQuery = Annotated[int, Query(ge=1, le=60, description="ics: how many days ahead, 1-60.")]
_EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The export as a file (a download)",
        "content": {f.media_type.split(";")[0]: {} for f in FORMATS.values()},
    }
}


def _download(diary: Diary, name: str, options: ExportOptions) -> Response:
    chosen = FORMATS[name]
    filename = chosen.filename(options.episode_id, datetime.now().date())
    return Response(
        chosen.make(diary, options),
        media_type=chosen.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/diary/export", tags=["diary"], response_class=Response, responses=_EXPORT_RESPONSES)
def export(
    diary: DiaryDep,
    format: FormatQuery = _JSON,  # noqa: A002
    episode: EpisodeQuery = None,
    days: DaysQuery = 7,
) -> Response:
    """Download an export in any format of the registry: the whole diary (json, csv, lossless)
    or one episode (``episode``, default the active one, else the latest); the export page's
    twin."""
    if episode is not None and FORMATS[format.value].scope != "episode":
        # Asking for one episode of a whole-diary format is a mistake to name, not to ignore.
        raise InputError(
            gettext("{format} is an export of the whole diary, not of one episode").format(
                format=format.value
            ),
            problems=[
                FieldProblem(
                    "episode", gettext("leave it out for {format}").format(format=format.value)
                )
            ],
        )
    return _download(diary, format.value, ExportOptions(episode_id=episode, days=days))


@router.get(
    "/diary/episodes/{episode_id}/export",
    tags=["diary"],
    response_class=Response,
    responses=_EXPORT_RESPONSES,
)
def episode_export(
    episode_id: EpisodeId,
    diary: DiaryDep,
    format: FormatQuery,  # noqa: A002
    days: DaysQuery = 7,
) -> Response:
    """Download one episode in an episode format of the registry (ics, fhir, pdf, html)."""
    chosen = FORMATS[format.value]
    if chosen.scope != "episode":
        raise InputError(
            gettext("{format} is an export of the whole diary, not of one episode").format(
                format=chosen.name
            ),
            problems=[FieldProblem("format", gettext("use /api/v1/diary/export for it"))],
        )
    return _download(diary, chosen.name, ExportOptions(episode_id=episode_id, days=days))


@router.get(
    "/diary/episodes/{episode_id}/calendar.ics",
    tags=["diary"],
    response_class=Response,
    responses={200: {"description": "iCalendar feed", "content": {"text/calendar": {}}}},
)
def calendar(
    episode_id: EpisodeId,
    diary: DiaryDep,
    days: Annotated[int, Query(ge=1, le=60, description="How many days ahead, 1-60.")] = 7,
) -> Response:
    """The episode's reminders as an iCalendar subscription feed (empty once resolved)."""
    from backcare.export.ical import calendar_feed

    return Response(
        calendar_feed(episode_id, diary=diary, days=days),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="backcare.ics"'},
    )


# The addresses before the registry, kept working: they redirect to the generic route.


@router.get("/diary/episodes/{episode_id}/fhir", include_in_schema=False)
def fhir(episode_id: EpisodeId) -> Response:
    """Moved to ``/diary/episodes/{episode_id}/export?format=fhir``."""
    return RedirectResponse(f"{router.prefix}/diary/episodes/{episode_id}/export?format=fhir", 308)


@router.get("/diary/episodes/{episode_id}/report", include_in_schema=False)
def report(
    episode_id: EpisodeId,
    format: Annotated[Literal["pdf", "html"], Query()] = "pdf",  # noqa: A002
) -> Response:
    """Moved to ``/diary/episodes/{episode_id}/export?format=pdf`` (or ``html``)."""
    return RedirectResponse(
        f"{router.prefix}/diary/episodes/{episode_id}/export?format={format}", 308
    )


# --- coach ----------------------------------------------------------------------------


@router.get("/coach/plan", tags=["coach"])
def coach_plan(coach: CoachDep) -> CoachView:
    """Today's session (doses from the progression rule) and its segment timeline: the coach
    page's twin. No exercises, and a ``blocked_reason``, when triage asks for help first."""
    return coach_view(coach.plan_session())


@router.post("/coach/sessions", status_code=201, tags=["coach"])
def coach_session(request: Request, body: CoachSessionIn, coach: CoachDep) -> CoachSessionOut:
    """Save a session the browser ran (as far as it got); a red-flag symptom is also
    recorded as a check-in and re-runs triage."""
    plan = coach.plan_session()
    recorded = coach.record_session(
        plan,
        session_result(plan, body),
        started_at=body.started_at,
        ended_at=body.ended_at,
        pain_before=body.pain_before,
        pain_after=body.pain_after,
        symptom=body.symptom,
        stopped_for_symptom=body.stopped_for_symptom,
    )
    outcome = coach.triage_symptom(plan, body.symptom) if body.symptom is not None else None
    out = coach_session_out(recorded, outcome)
    if recorded.escalated:  # told once per escalation, not at every session at that level
        coach_escalated(request, level=out.triage_level, at=out.ended_at, episode_id=out.episode_id)
    return out
