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
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from pydantic import BaseModel
from starlette.responses import JSONResponse, Response

from backcare import __version__
from backcare.diary import CheckInResult
from backcare.diary.transfer import export_diary
from backcare.domain.answers import Answers
from backcare.domain.results import Assessment
from backcare.errors import FieldProblem, InputError, NotFoundError
from backcare.web.bodies import JsonBodyRoute
from backcare.web.context import WebContext
from backcare.web.dependencies import CoachDep, DiaryDep, EngineDep, json_writes
from backcare.web.errors import API_ERROR_RESPONSES, parse_json_body
from backcare.web.forms import checkin_entry
from backcare.web.notify import checkin_escalated, coach_escalated
from backcare.web.paging import PAGE_SIZE, Before, Limit, decode_cursor, encode_cursor
from backcare.web.views import (
    AssessmentStep,
    CheckInIn,
    CheckInView,
    CoachSessionIn,
    CoachSessionOut,
    CoachView,
    EpisodeIn,
    EpisodeOut,
    EpisodeStartView,
    EpisodesView,
    Health,
    HistoryView,
    QuestionsView,
    ResolveIn,
    SourceOut,
    StepIn,
    TodayView,
    assessment_step,
    checkin_view,
    coach_session_out,
    coach_view,
    episode_out,
    history_view,
    session_result,
    sources_out,
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
            f"no source {source_id!r}", problems=[FieldProblem("source_id", "unknown id")]
        )
    return found[0]


# --- diary ----------------------------------------------------------------------------


@router.get("/diary/episodes", tags=["diary"])
def episodes(diary: DiaryDep) -> EpisodesView:
    """Every episode, oldest first."""
    return EpisodesView(episodes=tuple(episode_out(e) for e in diary.episodes()))


@router.post("/diary/episodes", status_code=201, tags=["diary"])
def start_episode(body: EpisodeIn, diary: DiaryDep) -> EpisodeStartView:
    """Start an episode from intake answers and assess it (409 while another is active)."""
    started = diary.start_episode(onset=body.onset, answers=body.answers)
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
    return TodayView(
        episode=episode_out(diary.episode(episode_id)), assessment=diary.plan(episode_id)
    )


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


@router.get(
    "/diary/export",
    tags=["diary"],
    response_class=Response,
    responses={
        200: {
            "description": "The whole diary as a file (format backcare-diary v1).",
            "content": {"application/json": {}, "text/csv": {}},
        }
    },
)
def export(
    diary: DiaryDep,
    format: Annotated[Literal["json", "csv"], Query(description="json or csv")] = "json",  # noqa: A002
) -> Response:
    """Download the whole diary (JSON or CSV), lossless; the export page's twin."""
    text = export_diary(diary.store, fmt=format)
    media = "application/json" if format == "json" else "text/csv; charset=utf-8"
    name = f"backcare-diary-{datetime.now():%Y%m%d}.{format}"
    return Response(
        text, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


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


@router.get(
    "/diary/episodes/{episode_id}/fhir",
    tags=["diary"],
    response_class=Response,
    responses={200: {"description": "FHIR R4 Bundle", "content": {"application/fhir+json": {}}}},
)
def fhir(episode_id: EpisodeId, diary: DiaryDep) -> Response:
    """The episode as a FHIR R4 collection Bundle (anonymous patient), to share with a clinic."""
    from backcare.export.fhir import export_fhir_bundle

    return Response(
        export_fhir_bundle(diary, episode_id=episode_id),
        media_type="application/fhir+json",
        headers={
            "Content-Disposition": f'attachment; filename="backcare-episode-{episode_id}.fhir.json"'
        },
    )


@router.get(
    "/diary/episodes/{episode_id}/report",
    tags=["diary"],
    response_class=Response,
    responses={
        200: {
            "description": "The clinician report (PDF, or self-contained HTML)",
            "content": {"application/pdf": {}, "text/html": {}},
        }
    },
)
def report(
    episode_id: EpisodeId,
    diary: DiaryDep,
    format: Annotated[Literal["pdf", "html"], Query(description="pdf or html")] = "pdf",  # noqa: A002
) -> Response:
    """The clinician report of the episode, to share with a doctor (a download)."""
    from backcare.export.report import clinician_report

    data = clinician_report(diary, episode_id=episode_id, fmt=format)
    media = "application/pdf" if format == "pdf" else "text/html; charset=utf-8"
    name = f"backcare-report-episode-{episode_id}.{format}"
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
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
    coach_escalated(request, level=out.triage_level, at=out.ended_at, episode_id=out.episode_id)
    return out
