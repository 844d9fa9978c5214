"""Questionnaire pages (``/questionnaires``) and their JSON twins (``/api/v1/...``).

The pages ask one item per screen with its answers as radio buttons, a progress line
and a Back link; the answers so far travel signed in the address, and every answer
posts and redirects (303), so the browser's Back button and reloads work. After the
last item the response is saved and the result page says the score, its band in plain
words and where the bands come from. The API lists the definitions, records a
response and lists an episode's responses. All checking and scoring is done by
:class:`~backcare.diary.questionnaires.QuestionnaireService`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from starlette.responses import Response

from backcare.diary.questionnaires import (
    QuestionnaireService,
    ScoredResponse,
    format_score,
    scored,
)
from backcare.domain.questionnaire import QuestionnaireDefinition
from backcare.errors import FieldProblem, InputError, NotFoundError
from backcare.i18n import gettext
from backcare.knowledge.questionnaires import Questionnaires
from backcare.store.questionnaires import QuestionnaireResponseRecord
from backcare.web._bodies import JsonBodyRoute
from backcare.web.dependencies import CsrfChecked, DiaryDep, Web, json_writes
from backcare.web.errors import API_ERROR_RESPONSES
from backcare.web.rendering import render
from backcare.web.schemas.fields import DateTimeText

__all__ = [
    "BandOut",
    "QuestionnaireResponseIn",
    "QuestionnaireResponseOut",
    "api_router",
    "page_router",
    "questionnaire_context",
    "response_out",
]

page_router = APIRouter(include_in_schema=False)
api_router = APIRouter(
    prefix="/api/v1",
    responses=API_ERROR_RESPONSES,
    dependencies=[Depends(json_writes)],
    route_class=JsonBodyRoute,
)
_PURPOSE = "questionnaire"
_BLANK = "blank"

QuestionnaireId = Annotated[str, PathParam(max_length=40, description="The questionnaire's id.")]


class BandOut(BaseModel):
    """The band a result falls into, in words."""

    id: str
    label: str
    explanation: str


def _digits(value: object) -> object:
    # A whole number is the same answer as its digits ("2" and 2 are one Oswestry answer).
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


_AnswerValue = Annotated[
    str,
    BeforeValidator(_digits),
    Field(max_length=40, description="The answer's value; a whole number is read as its digits."),
]


class QuestionnaireResponseIn(BaseModel):
    """A completed questionnaire to save."""

    model_config = ConfigDict(extra="forbid")

    questionnaire: str = Field(max_length=40, description="Its id, e.g. start_back, odi, rmdq.")
    answers: dict[Annotated[str, Field(max_length=40)], _AnswerValue | None] = Field(
        max_length=200,
        description="The answer value per item id; leave out (or null) a blank optional item.",
    )
    episode_id: int | None = Field(
        default=None, ge=1, le=2**53, description="Default: the active episode, else the latest."
    )
    at: DateTimeText | None = Field(
        default=None, description="When it was filled in; default: now."
    )


class QuestionnaireResponseOut(BaseModel):
    """A saved response with its scores and band (worked out from the answers)."""

    id: int
    episode_id: int
    questionnaire: str
    title: str
    version: str
    answered_at: datetime
    answers: dict[str, str]
    scores: dict[str, int | float] | None = Field(
        description="Each score by id; null if unscorable."
    )
    band: BandOut | None
    problem: str | None = Field(default=None, description="Why it cannot be scored, if so.")


def response_out(response: ScoredResponse) -> QuestionnaireResponseOut:
    """The JSON form of a stored, scored response."""
    record, score = response.record, response.score
    band = score.band if score is not None else None
    return QuestionnaireResponseOut(
        id=record.id,
        episode_id=record.episode_id,
        questionnaire=record.questionnaire,
        title=response.title,
        version=record.version,
        answered_at=record.answered_at,
        answers=record.answers,
        scores=None if score is None else dict(score.values),
        band=None
        if band is None
        else BandOut(id=band.id, label=band.label, explanation=band.explanation),
        problem=response.problem,
    )


def questionnaire_context(
    records: Sequence[QuestionnaireResponseRecord], questionnaires: Questionnaires
) -> dict[str, Any]:
    """What the diary page's questionnaire section needs (see ``_questionnaire_section.html``)."""
    return {"responses": scored(records, questionnaires), "score": format_score}


# --- JSON API -------------------------------------------------------------------------------


@api_router.get("/questionnaires", tags=["questionnaires"])
def definitions(diary: DiaryDep) -> list[QuestionnaireDefinition]:
    """Every questionnaire backcare collects: items (text only where licensed), scales, scores."""
    return list(QuestionnaireService(diary).definitions())


@api_router.get("/questionnaires/{questionnaire_id}", tags=["questionnaires"])
def definition(questionnaire_id: QuestionnaireId, diary: DiaryDep) -> QuestionnaireDefinition:
    """One questionnaire's definition (404 if there is none)."""
    return QuestionnaireService(diary).definition(questionnaire_id)


@api_router.post("/diary/questionnaires", status_code=201, tags=["questionnaires"])
def record(body: QuestionnaireResponseIn, diary: DiaryDep) -> QuestionnaireResponseOut:
    """Save a completed questionnaire to an episode (422 naming each item with a problem)."""
    saved = QuestionnaireService(diary).record(
        body.questionnaire, body.answers, episode_id=body.episode_id, at=body.at
    )
    return response_out(saved)


@api_router.get("/diary/questionnaires", tags=["questionnaires"])
def responses(
    diary: DiaryDep,
    episode_id: Annotated[int | None, Query(ge=1, le=2**53)] = None,
    questionnaire: Annotated[str | None, Query(max_length=40)] = None,
) -> list[QuestionnaireResponseOut]:
    """An episode's responses (default: the active one, else the latest), oldest first."""
    service = QuestionnaireService(diary)
    if questionnaire is not None:
        service.definition(questionnaire)
    found = service.responses(episode_id, questionnaire=questionnaire)
    return [response_out(r) for r in found]


# --- pages ----------------------------------------------------------------------------------


def _state(web: Any, token: str | None) -> dict[str, str]:
    if not token:
        return {}
    value = web.signer.unsign(token, purpose=_PURPOSE)
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _item_url(web: Any, questionnaire: str, number: int, answers: dict[str, str]) -> str:
    query = urlencode({"state": web.signer.sign(answers, purpose=_PURPOSE)}) if answers else ""
    return f"/questionnaires/{questionnaire}/{number}" + (f"?{query}" if query else "")


def _sources(web: Any, ids: tuple[str, ...]) -> list[Any]:
    return [web.engine.knowledge.source(source_id) for source_id in ids]


@page_router.get("/questionnaires")
def list_page(request: Request, diary: DiaryDep) -> Response:
    """The questionnaires to fill in, and the episode's results so far."""
    service = QuestionnaireService(diary)
    try:
        done = service.responses()
    except NotFoundError:
        done = []
    return render(
        request,
        "questionnaires.html",
        {"definitions": service.definitions(), "responses": done, "score": format_score},
    )


@page_router.get("/questionnaires/results/{response_id}")
def result_page(
    request: Request,
    web: Web,
    diary: DiaryDep,
    response_id: Annotated[int, PathParam(ge=1, le=2**53)],
) -> Response:
    """A saved response: each score, its band in words, and where the bands come from."""
    response = QuestionnaireService(diary).response(response_id)
    definition = response.definition
    context: dict[str, Any] = {"response": response, "score": format_score, "tz": diary.tz}
    if definition is not None:
        context["band_sources"] = _sources(web, definition.band_sources or definition.sources)
        if definition.mcid is not None:
            context["mcid_sources"] = _sources(web, definition.mcid.sources)
    return render(request, "questionnaire_result.html", context)


@page_router.get("/questionnaires/{questionnaire_id}")
def intro_page(request: Request, questionnaire_id: QuestionnaireId, diary: DiaryDep) -> Response:
    """What the questionnaire is, how to answer it, its licence note, and Start."""
    definition = QuestionnaireService(diary).definition(questionnaire_id)
    return render(request, "questionnaire_intro.html", {"q": definition})


def _item_page(
    request: Request,
    web: Any,
    definition: QuestionnaireDefinition,
    number: int,
    answers: dict[str, str],
    *,
    problem: str | None = None,
    status: int = 200,
) -> Response:
    item = definition.items[number - 1]
    back = (
        f"/questionnaires/{definition.id}"
        if number == 1
        else _item_url(web, definition.id, number - 1, answers)
    )
    return render(
        request,
        "questionnaire_item.html",
        {
            "q": definition,
            "item": item,
            "options": definition.options(item),
            "number": number,
            "total": len(definition.items),
            "chosen": answers.get(item.id),
            "blank": _BLANK,
            "state": web.signer.sign(answers, purpose=_PURPOSE),
            "back_url": back,
            "problem": problem,
        },
        status=status,
        # Shown again in answer to a post: Back and Forward fetch the item, never resend it.
        settle=_item_url(web, definition.id, number, answers) if problem else None,
    )


def _number(definition: QuestionnaireDefinition, number: int) -> int:
    if not 1 <= number <= len(definition.items):
        raise NotFoundError(
            gettext("the {title} has {count} items").format(
                title=definition.short_title, count=len(definition.items)
            ),
            problems=[
                FieldProblem("item", gettext("there is no item {number}").format(number=number))
            ],
        )
    return number


@page_router.get("/questionnaires/{questionnaire_id}/{number}")
def item_page(
    request: Request,
    web: Web,
    diary: DiaryDep,
    questionnaire_id: QuestionnaireId,
    number: Annotated[int, PathParam(ge=1, le=500)],
    state: Annotated[str | None, Query(max_length=8000)] = None,
) -> Response:
    """One item: its label (or text), its answers as radio buttons, progress and Back."""
    definition = QuestionnaireService(diary).definition(questionnaire_id)
    return _item_page(request, web, definition, _number(definition, number), _state(web, state))


@page_router.post("/questionnaires/{questionnaire_id}/{number}")
def item_submit(
    request: Request,
    web: Web,
    diary: DiaryDep,
    _csrf: CsrfChecked,
    questionnaire_id: QuestionnaireId,
    number: Annotated[int, PathParam(ge=1, le=500)],
    state: Annotated[str, Form(max_length=8000)] = "",
    answer: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Keep the answer and go to the next item; after the last, save and show the result."""
    service = QuestionnaireService(diary)
    definition = service.definition(questionnaire_id)
    number = _number(definition, number)
    answers = _state(web, state)
    item = definition.items[number - 1]
    values = {o.value for o in definition.options(item)}
    if answer == _BLANK and item.optional:
        answers[item.id] = _BLANK
    elif answer in values:
        answers[item.id] = answer
    else:
        return _item_page(
            request,
            web,
            definition,
            number,
            answers,
            problem=gettext("Please choose one answer to go on."),
            status=422,
        )
    if number < len(definition.items):
        return RedirectResponse(_item_url(web, definition.id, number + 1, answers), 303)
    given = {k: v for k, v in answers.items() if v != _BLANK}
    try:
        saved = service.record(definition.id, given)
    except InputError as exc:
        # Reached only when the items together do not score (e.g. too many left blank).
        problem = "; ".join(p.problem for p in exc.problems) or exc.message
        return _item_page(request, web, definition, number, answers, problem=problem, status=422)
    return RedirectResponse(f"/questionnaires/results/{saved.record.id}", 303)
