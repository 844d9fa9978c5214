"""The HTML pages. Each builds the same view model as its JSON twin and renders it.

Forms post back with a CSRF token (:data:`~backcare.web.dependencies.CsrfChecked`).
The assessment carries its answers in a signed hidden field, so it needs no login
and no server-side session: one question at a time, most dangerous first; an
emergency answer stops the questions at once; a skipped question stays unanswered.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from backcare.coach.symptoms import Symptom
from backcare.diary import EpisodeStatus
from backcare.domain.answers import Answers, parse_answers
from backcare.errors import ConflictError, DoseLimitError, FieldProblem, InputError, NotFoundError
from backcare.store.records import SelfCareAction
from backcare.text.hints import StoryHints
from backcare.web.chart import pain_chart
from backcare.web.dependencies import CoachDep, CsrfChecked, DiaryDep, Web
from backcare.web.errors import parse_model
from backcare.web.forms import (
    NONE_OF_THESE,
    answer_value,
    checkin_entry,
    checkin_from_form,
    decode_hints,
    decode_state,
    encode_state,
    with_answer,
)
from backcare.web.rendering import render
from backcare.web.security import ACCESS_PATH
from backcare.web.story import prefilled_value, story_enabled, story_step
from backcare.web.views import (
    AssessmentStep,
    ResolveIn,
    TodayView,
    assessment_sources,
    assessment_step,
    checkin_view,
    coach_view,
    episode_out,
    history_view,
    sources_out,
)

__all__ = ["router"]

log = logging.getLogger("backcare.web")

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=4000)]
Short = Annotated[str, Form(max_length=200)]
Many = Annotated[list[str], Form(max_length=64)]


@router.get("/")
async def home(request: Request) -> Response:
    """What backcare does, and where to start."""
    return render(request, "home.html")


# --- remote access --------------------------------------------------------------------


def _access_page(request: Request, web: Any, code: str | None, *, post: bool) -> Response:
    guard = web.access
    if guard is None:  # local mode: nothing to unlock
        return RedirectResponse("/", status_code=303)
    if code is None:
        return render(request, "access.html", {"granted": False})
    if not guard.matches(code):
        client = request.client.host if request.client else "unknown"
        log.warning("wrong access code from %s", client)
        problem = FieldProblem("code", "this is not the code the server printed when it started")
        return render(
            request,
            "access.html",
            {"granted": False, "problems": (problem,), "message": "wrong access code"},
            status=401,
        )
    if post:
        response: Response = RedirectResponse("/", status_code=303)
    else:
        # The QR link opens from another app: a redirect there would not carry the
        # SameSite=Strict cookie yet, so show a page whose link does.
        response = render(request, "access.html", {"granted": True})
    guard.set_session_cookie(response, secure=request.url.scheme == "https")
    return response


@router.get(ACCESS_PATH)
async def access_page(
    request: Request,
    web: Web,
    code: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Remote mode: the access-code form, or (from the QR link) the code checked at once."""
    return _access_page(request, web, code, post=False)


@router.post(ACCESS_PATH)
async def access_submit(
    request: Request,
    web: Web,
    _csrf: CsrfChecked,
    code: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Remote mode: exchange the access code for a session cookie, then go home."""
    return _access_page(request, web, code, post=True)


# --- the assessment -------------------------------------------------------------------


def _step_page(
    request: Request,
    web: Any,
    step: AssessmentStep,
    answers: Answers,
    *,
    problems: tuple[Any, ...] = (),
    status: int = 200,
    hints: StoryHints | None = None,
    offer_story: bool = True,
) -> Response:
    hints = hints or StoryHints()
    step = story_step(step, hints)
    state = encode_state(web.signer, answers, step.skipped, hints)
    if step.stage == "question":
        question = step.question
        return render(
            request,
            "question.html",
            {
                "step": step,
                "state": state,
                "problems": problems,
                "none_value": NONE_OF_THESE,
                # The optional story box: only before anything is answered or told.
                "story_box": offer_story
                and story_enabled()
                and answers == Answers()
                and not step.skipped
                and not (hints.mentioned or hints.prefill),
                "quote": hints.quotes.get(question.key) if question else None,
                "prefill": prefilled_value(question, hints),
            },
            status=status,
        )
    kb = web.engine.knowledge
    cited = sources_out(kb, assessment_sources(step.assessment))
    name = "emergency.html" if step.stage == "emergency" else "result.html"
    return render(
        request,
        name,
        {
            "assessment": step.assessment,
            "sources": cited,
            "state": state,
        },
        status=status,
    )


@router.get("/assess")
async def assess_start(request: Request, web: Web) -> Response:
    """The first (most dangerous) question."""
    answers = Answers()
    return _step_page(request, web, assessment_step(web.engine, answers), answers)


@router.post("/assess")
async def assess_answer(
    request: Request,
    web: Web,
    _csrf: CsrfChecked,
    key: Annotated[str, Form(max_length=64)],
    state: Annotated[str, Form(max_length=8000)] = "",
    action: Annotated[Literal["answer", "skip", "resume"], Form()] = "answer",
    value: Many = [],  # noqa: B006 - FastAPI copies form defaults
) -> Response:
    """Record one answer (or skip it) and show the next question, the emergency or the result.

    ``resume`` (from an incomplete result) asks the skipped questions again, from the first.
    """
    answers, skipped = decode_state(web.signer, state)
    hints = decode_hints(web.signer, state)
    if action == "resume":
        step = assessment_step(web.engine, answers)
        return _step_page(request, web, step, answers, hints=hints, offer_story=False)
    pending = {q.key: q for q in web.engine.next_questions(answers)}
    question = pending.get(key)
    if question is not None and action == "skip":
        skipped = (*skipped, key)
    elif question is not None:
        try:
            answers = parse_answers(with_answer(answers, key, answer_value(question, value)))
        except InputError as exc:
            step = assessment_step(web.engine, answers, skipped)
            step = step.model_copy(update={"question": question, "stage": "question"})
            return _step_page(
                request,
                web,
                step,
                answers,
                problems=exc.problems,
                status=exc.status,
                hints=hints,
            )
    step = assessment_step(web.engine, answers, skipped)
    return _step_page(request, web, step, answers, hints=hints)


@router.post("/assess/story")
def assess_story(
    request: Request,
    web: Web,
    _csrf: CsrfChecked,
    story: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Read the optional "Tell us what happened" box, then ask the first question.

    A mentioned red flag is asked first and still needs an explicit answer; values the
    person gave are shown pre-filled. An empty box changes nothing.
    """
    from backcare.text import extract
    from backcare.text.hints import story_hints

    answers = Answers()
    hints = story_hints(extract(story)) if story.strip() and story_enabled() else StoryHints()
    step = assessment_step(web.engine, answers)
    return _step_page(request, web, step, answers, hints=hints, offer_story=False)


@router.post("/diary/start")
def diary_start(
    request: Request,
    web: Web,
    diary: DiaryDep,
    _csrf: CsrfChecked,
    state: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    """Start a diary episode with the assessment's answers, then show today's plan."""
    answers, _ = decode_state(web.signer, state)
    diary.start_episode(answers=answers)
    return RedirectResponse("/today", status_code=303)


# --- the diary ------------------------------------------------------------------------


def _no_episode(request: Request, what: str) -> Response:
    return render(request, "empty.html", {"what": what})


@router.get("/today")
def today(request: Request, diary: DiaryDep) -> Response:
    """Today's schedule and exercises for the episode."""
    try:
        view = TodayView(episode=episode_out(diary.episode()), assessment=diary.plan())
    except NotFoundError:
        return _no_episode(request, "today's plan")
    return render(request, "today.html", {"view": view})


@router.get("/coach")
def coach(
    request: Request,
    coach: CoachDep,
    speed: Annotated[float, Query(ge=1, le=100)] = 1,
) -> Response:
    """The exercise coach: a countdown the browser runs over the coach engine's timeline.

    ``speed`` (1-100) runs the clock faster, for tests and demonstrations.
    """
    try:
        view = coach_view(coach.plan_session())
    except NotFoundError:
        return _no_episode(request, "the exercise coach")
    return render(
        request,
        "coach.html",
        {"view": view, "speed": f"{speed:g}", "symptoms": list(Symptom), "sessions": True},
    )


@router.get("/diary")
def diary_page(request: Request, diary: DiaryDep) -> Response:
    """The episode's check-ins, trend and pain chart."""
    try:
        loaded = diary.history()
    except NotFoundError:
        return _no_episode(request, "your diary")
    view = history_view(loaded.episode, loaded.checkins, loaded.doses, diary.trend_of(loaded))
    chart = pain_chart(
        [(c.recorded_at, c.pain) for c in view.checkins], baseline=view.baseline, tz=diary.tz
    )
    # The current plan, so open safety questions are shown (and how to answer them).
    current = diary.plan(loaded.episode.id)
    return render(request, "history.html", {"view": view, "chart": chart, "assessment": current})


def _checkin_form(
    request: Request,
    web: Any,
    diary: Any,
    *,
    form: dict[str, Any] | None = None,
    problems: tuple[Any, ...] = (),
    message: str | None = None,
    dose_limit: bool = False,
    status: int = 200,
) -> Response:
    try:
        episode = diary.episode()
    except NotFoundError:
        return _no_episode(request, "check-ins")
    if episode.status is not EpisodeStatus.ACTIVE:
        return _no_episode(request, "check-ins")
    medicines = [m for m in web.engine.knowledge.medicines if m.otc and m.max_daily_mg]
    return render(
        request,
        "checkin.html",
        {
            "flags": diary.checkin_questions(),
            "medicines": medicines,
            "actions": [a.value for a in SelfCareAction],
            "form": form or {},
            "problems": problems,
            "message": message,
            "dose_limit": dose_limit,
        },
        status=status,
    )


@router.get("/diary/check-in")
def checkin_page(request: Request, web: Web, diary: DiaryDep) -> Response:
    """The check-in form."""
    return _checkin_form(request, web, diary)


@router.post("/diary/check-in")
def checkin_submit(
    request: Request,
    web: Web,
    diary: DiaryDep,
    _csrf: CsrfChecked,
    pain: Short = "",
    worst_pain: Short = "",
    actions: Many = [],  # noqa: B006
    dose_drug: Short = "",
    dose_mg: Short = "",
    dose_time: Short = "",
    flags: Many = [],  # noqa: B006
    note: Text = "",
    override: Short = "",
) -> Response:
    """Record the check-in and show what it means; problems re-show the form."""
    form: dict[str, Any] = {
        "pain": [pain],
        "worst_pain": [worst_pain],
        "actions": actions,
        "dose_drug": [dose_drug],
        "dose_mg": [dose_mg],
        "dose_time": [dose_time],
        "flags": flags,
        "note": [note],
        "override": [override],
    }
    try:
        data = checkin_from_form(form, now=diary.now(), tz=diary.tz)
        result = diary.check_in(checkin_entry(data), override_dose_limits=data.override_dose_limits)
    except (InputError, ConflictError) as exc:
        return _checkin_form(
            request,
            web,
            diary,
            form={
                k: v[0] if len(v) == 1 and k not in {"actions", "flags"} else v
                for k, v in form.items()
            },
            problems=exc.problems,
            message=exc.message,
            dose_limit=isinstance(exc, DoseLimitError),
            status=exc.status,
        )
    view = checkin_view(result)
    cited = sources_out(web.engine.knowledge, assessment_sources(view.assessment))
    return render(request, "checkin_result.html", {"view": view, "sources": cited}, status=201)


@router.post("/diary/resolve")
def resolve(
    request: Request,
    diary: DiaryDep,
    _csrf: CsrfChecked,
    summary: Text = "",
) -> Response:
    """Close the active episode (backcare writes the summary unless one is given)."""
    text = summary.strip()
    body = parse_model(ResolveIn, {"summary": text} if text else {})  # the API's own limits
    diary.resolve(summary=body.summary)
    return RedirectResponse("/diary", status_code=303)


@router.get("/export")
def export_page(request: Request, diary: DiaryDep) -> Response:
    """Download the diary (JSON, CSV, FHIR), share an episode with a doctor (report, FHIR)."""
    records = diary.episodes()
    episodes = [episode_out(e) for e in records]
    # The report needs a check-in to report on: offer it only where there is one.
    reportable = {e.id for e in records if diary.history(e.id).checkins}
    return render(request, "export.html", {"episodes": episodes, "reportable": reportable})
