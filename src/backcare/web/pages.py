"""The HTML pages. Each builds the same view model as its JSON twin and renders it.

Forms post back with a CSRF token (:data:`~backcare.web.dependencies.CsrfChecked`).
The assessment carries its answers in a signed hidden field, so it needs no login
and no server-side session: one question at a time, most dangerous first; an
emergency answer stops the questions at once; a skipped question stays unanswered.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from backcare.coach.symptoms import Symptom
from backcare.diary import CheckInEntry, CheckInResult, Diary, EpisodeStatus
from backcare.diary.week import week_svg
from backcare.domain.answers import Answers
from backcare.domain.enums import TriageLevel
from backcare.errors import (
    BackcareError,
    ConflictError,
    EpisodeActiveError,
    FieldProblem,
    InputError,
    NotFoundError,
    StoreError,
)
from backcare.flow import NONE_OF_THESE, NOT_SURE, AssessmentFlow, Page, SummaryLine
from backcare.i18n import N_, gettext
from backcare.rules.assessor import Engine
from backcare.store.records import SelfCareAction
from backcare.text.hints import StoryHints
from backcare.viewmodels.donow import day_view, do_now, merge_schedule
from backcare.web._chart import pain_chart
from backcare.web.dependencies import CoachDep, CsrfChecked, DiaryDep, Web, request_diary
from backcare.web.errors import parse_model
from backcare.web.forms import (
    DiaryUpdate,
    checkin_entry,
    checkin_from_form,
    decode_hints,
    decode_state,
    decode_update,
    encode_state,
)
from backcare.web.home import HomeState, home_state
from backcare.web.imperial import (
    IMPERIAL_TEXT,
    imperial_problems,
    imperial_summary,
    imperial_values,
    read_imperial,
)
from backcare.web.notify import checkin_escalated
from backcare.web.paging import PAGE_SIZE, Before, decode_cursor, encode_cursor
from backcare.web.questionnaires import questionnaire_context
from backcare.web.rendering import render
from backcare.web.schemas.coach import coach_view
from backcare.web.schemas.common import assessment_sources, otc_ids, sources_out, trusted_first
from backcare.web.schemas.diary import (
    CheckInView,
    ResolveIn,
    TodayView,
    checkin_view,
    episode_out,
    history_view,
)
from backcare.web.security import ACCESS_PATH
from backcare.web.story import prefilled_value, story_enabled

__all__ = ["router"]

log = logging.getLogger("backcare.web")

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=4000)]
Short = Annotated[str, Form(max_length=200)]
Many = Annotated[list[str], Form(max_length=64)]


@router.get("/")
def home(request: Request, web: Web) -> Response:
    """Where the person stands and the one thing to do next; else what backcare does.

    A diary that cannot be opened leaves the page as it is without one: the
    assessment needs no database.
    """
    try:
        # Hosted: the signed-in patient's own diary, as every diary page reads it.
        state = home_state(
            request_diary(request, web), emergency_number=web.settings.emergency_number
        )
    except NotFoundError:  # hosted, and not a patient's account: their own start page
        person = request.state.person
        return RedirectResponse("/clinic" if person.role == "clinician" else "/account", 303)
    except StoreError:
        log.warning("home page without the diary: the database is not available")
        state = HomeState(state="none")
    return render(request, "home.html", {"home": state})


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
        problem = FieldProblem(
            "code", gettext("this is not the code the server printed when it started")
        )
        return render(
            request,
            "access.html",
            {"granted": False, "problems": (problem,), "message": gettext("wrong access code")},
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


@lru_cache(maxsize=4)
def _flow(engine: Engine) -> AssessmentFlow:
    return AssessmentFlow(engine)


def _url(
    web: Any,
    answers: Answers,
    skipped: Sequence[str],
    hints: StoryHints,
    *,
    path: str = "/assess",
    page: str | None = None,
    update: DiaryUpdate | None = None,
) -> str:
    """The address of a step: the whole state is in it, so Back and reload just work."""
    query = {"s": encode_state(web.signer, answers, skipped, hints, update)}
    if page:
        query["page"] = page
    return f"{path}?{urlencode(query)}"


def _form_values(
    page: Page, answers: Answers, skipped: Sequence[str], facts: Any
) -> dict[str, Any]:
    """Each question's current answer as the form shows it."""
    values: dict[str, Any] = {}
    for question in page.questions:
        value = facts[question.key]
        if value is None:
            values[question.key] = NOT_SURE if question.key in skipped else None
        elif isinstance(value, bool):
            values[question.key] = "yes" if value else "no"
        elif isinstance(value, frozenset):
            values[question.key] = sorted(str(v) for v in value) or [NONE_OF_THESE]
        elif isinstance(value, float):
            values[question.key] = f"{value:g}"
        else:
            values[question.key] = str(value)
    return values


def _page(
    request: Request,
    web: Any,
    page: Page,
    answers: Answers,
    skipped: Sequence[str],
    hints: StoryHints,
    *,
    values: dict[str, Any] | None = None,
    problems: tuple[FieldProblem, ...] = (),
    status: int = 200,
    typed_imperial: dict[str, str] | None = None,
    story_read: bool = False,
    update: DiaryUpdate | None = None,
) -> Response:
    flow = _flow(web.engine)
    only = update.questions if update is not None else None
    shown = values
    prefilled: set[str] = set()
    facts = web.engine.facts(answers)
    imperial = None
    if web.settings.units == "imperial":
        imperial = typed_imperial if typed_imperial is not None else imperial_values(facts)
        problems = imperial_problems(problems)
    if shown is None:
        shown = _form_values(page, answers, skipped, facts)
        for question in page.questions:  # what the person's own words said, to check
            told = prefilled_value(question, hints) if shown.get(question.key) is None else None
            if told is not None:
                shown[question.key] = told
                prefilled.add(question.key)
    previous = flow.previous_page(page.id, answers, only=only)
    texts = {q.key: q.text for q in page.questions}
    if imperial is not None:
        texts.update((k, t) for k, (t, _) in IMPERIAL_TEXT.items() if k in texts)
    return render(
        request,
        "question.html",
        {
            "page": page,
            "state": encode_state(web.signer, answers, skipped, hints, update),
            "values": shown,
            "errors": {p.field: p.problem for p in problems},
            "problems": [(p.field, texts.get(p.field, ""), p.problem) for p in problems],
            "back_url": _url(web, answers, skipped, hints, page=previous.id, update=update)
            if previous
            else None,
            "none_value": NONE_OF_THESE,
            "not_sure": NOT_SURE,
            "quotes": hints.quotes,
            "prefilled": prefilled,
            # What the story box took from the person's words, said once, above the page.
            "story_read": {"mentioned": len(hints.mentioned), "filled": len(hints.prefill)}
            if story_read
            else None,
            "imperial": imperial,
            "imperial_text": {k: text for k, (text, _) in IMPERIAL_TEXT.items()},
            # The optional story box: only on the first page, before anything is answered or told.
            "story_box": story_enabled()
            and page.number == 1
            and answers == Answers()
            and not skipped
            and not (hints.mentioned or hints.prefill),
        },
        status=status,
        # Shown in answer to a post (problems to fix): its history entry becomes the page's
        # own address, so Back and Forward never offer to send the answers again.
        settle=_url(web, answers, skipped, hints, page=page.id, update=update)
        if problems
        else None,
    )


def _outcome(
    request: Request,
    web: Any,
    answers: Answers,
    skipped: Sequence[str],
    hints: StoryHints,
    name: str,
) -> Response:
    assessment = web.engine.assess(answers)
    kb = web.engine.knowledge
    cited = trusted_first(sources_out(kb, assessment_sources(assessment)))
    otc = otc_ids(kb)
    return render(
        request,
        name,
        {
            "assessment": assessment,
            "sources": cited,
            "state": encode_state(web.signer, answers, skipped, hints),
            "actions": do_now(assessment, otc=otc.__contains__),
            "otc_ids": otc,
        },
    )


def _is_emergency(web: Any, answers: Answers) -> bool:
    return bool(web.engine.assess(answers).triage.level is TriageLevel.EMERGENCY)


@router.get("/assess")
async def assess_step(
    request: Request,
    web: Web,
    s: Annotated[str, Query(max_length=8000)] = "",
    page: Annotated[str | None, Query(max_length=64)] = None,
    story: Annotated[Literal["read"] | None, Query()] = None,
) -> Response:
    """One page of the assessment, the emergency instruction, or "check your answers".

    The answers so far travel signed in the address (``s``), so the browser's Back
    button, a reload and the in-page Back link all show a page, never a resubmission.
    ``page`` opens a given page (Back, or Change from the summary); ``story=read`` (just
    after the "Tell us what happened" box) says what was taken from the person's words.
    """
    answers, skipped = decode_state(web.signer, s)
    hints = decode_hints(web.signer, s)
    update = decode_update(web.signer, s)
    if _is_emergency(web, answers):
        return _outcome(request, web, answers, skipped, hints, "emergency.html")
    flow = _flow(web.engine)
    only = update.questions if update is not None else None
    shown = flow.page(page, answers, only=only) if page else None
    if shown is None:
        shown = flow.next_page(answers, skipped, hints.mentioned, only=only)
    if shown is not None:
        return _page(
            request, web, shown, answers, skipped, hints, story_read=story == "read", update=update
        )
    if update is not None:
        return _update_check(request, web, answers, skipped, update)
    pages = flow.pages(answers)
    lines: Sequence[SummaryLine] = flow.summary(answers, skipped)
    if web.settings.units == "imperial":
        lines = imperial_summary(lines, web.engine.facts(answers))
    return render(
        request,
        "check.html",
        {
            "lines": lines,
            "titles": {p.id: p.title for p in pages},
            "step": len(pages) + 1,
            "change": {p.id: _url(web, answers, skipped, hints, page=p.id) for p in pages},
            "back_url": _url(web, answers, skipped, hints, page=pages[-1].id) if pages else None,
            "result_url": _url(web, answers, skipped, hints, path="/assess/result"),
        },
    )


@router.get("/assess/result")
async def assess_result(
    request: Request, web: Web, s: Annotated[str, Query(max_length=8000)] = ""
) -> Response:
    """The result of the answers in ``s`` (the emergency instruction if they call for it)."""
    answers, skipped = decode_state(web.signer, s)
    hints = decode_hints(web.signer, s)
    name = "emergency.html" if _is_emergency(web, answers) else "result.html"
    return _outcome(request, web, answers, skipped, hints, name)


@router.post("/assess")
async def assess_answer(
    request: Request,
    web: Web,
    _csrf: CsrfChecked,
    state: Annotated[str, Form(max_length=8000)] = "",
    page: Annotated[str, Form(max_length=64)] = "",
    action: Annotated[Literal["next", "none", "resume"], Form()] = "next",
) -> Response:
    """Read one page of answers, then go (303, POST-redirect-GET) to the next step.

    ``none`` is the page's "None of these"; ``resume`` (from an incomplete result) asks
    the questions answered "Not sure" again. A page that cannot be read is shown again
    with each problem next to its question, and what was typed kept.
    """
    answers, skipped = decode_state(web.signer, state)
    hints = decode_hints(web.signer, state)
    update = decode_update(web.signer, state)
    if action == "resume":
        return RedirectResponse(_url(web, answers, (), hints, update=update), status_code=303)
    flow = _flow(web.engine)
    shown = flow.page(page, answers, only=update.questions if update is not None else None)
    if shown is None:
        return RedirectResponse(_url(web, answers, skipped, hints, update=update), status_code=303)
    form = await request.form()
    values = {q.key: [str(v) for v in form.getlist(q.key)][:64] for q in shown.questions}
    typed: dict[str, str] | None = None
    unread: list[FieldProblem] = []
    if web.settings.units == "imperial":
        # Feet, inches and pounds become the metric text the flow reads (the contract is metric).
        typed = {k: str(form.get(k, ""))[:40] for k in ("height_ft", "height_in", "weight_lb")}
        converted, unread = read_imperial(typed, [k for k in values if k in IMPERIAL_TEXT])
        values.update(converted)
        for problem in unread:
            values[problem.field] = []
    read = flow.submit(shown, answers, skipped, values, none_of_these=action == "none", now=_now())
    if unread and not read.emergency:
        read = replace(
            read, answers=answers, skipped=tuple(skipped), problems=(*unread, *read.problems)
        )
    if read.problems:
        echoed: dict[str, Any] = {
            q.key: (values[q.key] if q.kind == "multi_choice" else next(iter(values[q.key]), None))
            for q in shown.questions
        }
        return _page(
            request,
            web,
            shown,
            answers,
            skipped,
            hints,
            values=echoed,
            problems=read.problems,
            status=422,
            typed_imperial=typed,
            update=update,
        )
    if read.emergency and update is not None:
        # The diary may open its database: off the event loop, like the diary routes.
        await run_in_threadpool(_record_emergency, request, web, read.answers, update)
    return RedirectResponse(
        _url(web, read.answers, read.skipped, hints, update=update), status_code=303
    )


def _record_emergency(request: Request, web: Any, answers: Answers, update: DiaryUpdate) -> None:
    """Save an emergency answer to the diary's open questions at once.

    The diary's plan then says to call. The emergency screen is shown whatever happens
    here: it must never wait on the diary.
    """
    try:
        request_diary(request, web).answer_open_questions(
            answers, questions=update.questions, episode_uid=update.episode
        )
    except BackcareError as exc:
        log.warning("emergency answer not saved to the diary: %s", exc)


def _update_check(
    request: Request, web: Any, answers: Answers, skipped: Sequence[str], update: DiaryUpdate
) -> Response:
    """The last step of answering a diary's open questions: the answers, then save."""
    flow = _flow(web.engine)
    pages = flow.pages(answers, only=update.questions)
    hints = StoryHints()
    return render(
        request,
        "safety_check.html",
        {
            "lines": flow.summary(answers, skipped, only=update.questions),
            "titles": {p.id: p.title for p in pages},
            "step": len(pages) + 1,
            "change": {
                p.id: _url(web, answers, skipped, hints, page=p.id, update=update) for p in pages
            },
            "back_url": _url(web, answers, skipped, hints, page=pages[-1].id, update=update)
            if pages
            else None,
            "state": encode_state(web.signer, answers, skipped, hints, update),
        },
    )


def _now() -> datetime:
    return datetime.now().astimezone()


@router.post("/assess/story")
def assess_story(
    request: Request,
    web: Web,
    _csrf: CsrfChecked,
    story: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Read the optional "Tell us what happened" box, then go to the first page.

    A mentioned red flag's page is asked first and still needs an explicit answer;
    values the person gave are shown pre-filled. An empty box changes nothing.
    """
    from backcare.text import extract
    from backcare.text.hints import story_hints

    if not (story.strip() and story_enabled()):
        return RedirectResponse(_url(web, Answers(), (), StoryHints()), status_code=303)
    hints = story_hints(extract(story))
    # "read": the first page says what was taken from the words, even when nothing was.
    return RedirectResponse(_url(web, Answers(), (), hints) + "&story=read", status_code=303)


@router.post("/diary/start")
def diary_start(
    request: Request,
    web: Web,
    diary: DiaryDep,
    _csrf: CsrfChecked,
    state: Annotated[str, Form(max_length=8000)] = "",
    choice: Annotated[Literal["", "update", "close"], Form()] = "",
) -> Response:
    """Start a diary episode with the assessment's answers, then show today's plan.

    While an episode is active, a page asks what to do with it: update it with these
    answers (``choice=update``, a check-in), close it and start a new one
    (``choice=close``), or cancel. The page is a question, not an error: 200.
    """
    answers, _ = decode_state(web.signer, state)
    if choice == "update":
        try:
            result = diary.update_episode(answers)
        except NotFoundError:  # closed meanwhile: nothing to update, so start afresh
            diary.start_episode(answers=answers)
            return RedirectResponse(STARTED, status_code=303)
        return _updated(request, web, result)
    try:
        diary.start_episode(answers=answers, close_active=choice == "close")
    except EpisodeActiveError:
        current = episode_out(diary.episode())
        result_url = "/assess/result?" + urlencode({"s": state})
        return render(
            request,
            "episode_choice.html",
            {
                "episode": current,
                "state": state,
                "can_update": answers.pain is not None,
                "result_url": result_url,
            },
            settle=result_url,  # reload shows the result, whose button asks again
        )
    return RedirectResponse(STARTED, status_code=303)


# Today's page right after "Start my diary": it says once that the diary has started.
STARTED = "/today?started=true"


def _updated(request: Request, web: Any, result: CheckInResult) -> Response:
    """The diary brought up to date by an assessment's answers, shown as its check-in."""
    view = checkin_view(result)
    kb = web.engine.knowledge
    cited = trusted_first(sources_out(kb, assessment_sources(view.assessment)))
    return render(
        request,
        "checkin_result.html",
        {"view": view, "sources": cited},
        status=201,
        settle=SETTLE_CHECKIN_SAVED,
    )


@router.get("/diary/safety-questions")
def safety_questions(request: Request, web: Web, diary: DiaryDep) -> Response:
    """The active episode's open safety questions, asked in an assessment of just them.

    The assessment starts from the diary's current answers (so nothing answered is asked
    again) and ends by saving the new answers to this episode (``/diary/safety-answers``).
    """
    try:
        answers = diary.current_answers()
        episode = diary.episode()
        missing = diary.plan(episode.id).triage.missing
    except NotFoundError:  # no active episode: the home page says what there is
        return RedirectResponse("/", status_code=303)
    if not missing:
        return RedirectResponse("/", status_code=303)
    # A check-in needs the pain now; asked only when the diary has never had one.
    questions = (*missing, "pain") if answers.pain is None else missing
    update = DiaryUpdate(episode=episode.uid, questions=tuple(questions))
    return RedirectResponse(_url(web, answers, (), StoryHints(), update=update), status_code=303)


@router.post("/diary/safety-answers")
def safety_answers(
    request: Request,
    web: Web,
    diary: DiaryDep,
    _csrf: CsrfChecked,
    state: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    """Save the answers to the open safety questions as a check-in of the active episode.

    Only the questions that were open (and still are) are written; a question left
    "Not sure" stays unanswered. Answers for an episode that is no longer the active
    one are not saved: the home page then says where the person stands.
    """
    answers, _ = decode_state(web.signer, state)
    update = decode_update(web.signer, state)
    if update is None:
        return RedirectResponse("/assess?" + urlencode({"s": state}), status_code=303)
    try:
        result = diary.answer_open_questions(
            answers, questions=update.questions, episode_uid=update.episode
        )
    except NotFoundError:
        return RedirectResponse("/", status_code=303)
    if result is None:  # nothing answered: nothing to record
        return RedirectResponse("/", status_code=303)
    return _updated(request, web, result)


# --- the diary ------------------------------------------------------------------------


def _no_episode(request: Request, what: str) -> Response:
    return render(request, "empty.html", {"what": what})


@router.get("/today")
def today(request: Request, diary: DiaryDep, started: bool = False) -> Response:
    """Today's schedule and exercises for the active episode; else the home page.

    ``started`` (set by the redirect after starting the diary) adds a one-time note that
    the diary has started; the page then moves its history entry to plain ``/today``, so
    a reload or a later visit does not say it again.
    """
    try:
        current = diary.episode_plan(active_only=True)
    except NotFoundError:
        return _no_episode(request, gettext("today's plan"))
    if current.assessment is None:  # a closed episode has no plan for today
        return RedirectResponse("/", status_code=303)
    view = TodayView(episode=episode_out(current.episode), assessment=current.assessment)
    now = datetime.now().astimezone()
    onset = view.episode.onset_at.astimezone(now.tzinfo)
    since = onset.time() if onset.date() == now.date() else None
    day = day_view(merge_schedule(view.assessment.plan.schedule, since=since), now.time())
    return render(
        request,
        "today.html",
        {"view": view, "day": day, "started": started},
        settle="/today" if started else None,
    )


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
        return _no_episode(request, gettext("the exercise coach"))
    return render(
        request,
        "coach.html",
        {"view": view, "speed": f"{speed:g}", "symptoms": list(Symptom), "sessions": True},
    )


@router.get("/diary")
def diary_page(request: Request, diary: DiaryDep, before: Before = None) -> Response:
    """The episode's trend and pain chart, and its check-ins a page at a time (newest first)."""
    try:
        loaded = diary.history_page(before=decode_cursor(before), limit=PAGE_SIZE, with_plan=True)
    except NotFoundError:
        return _no_episode(request, gettext("your diary"))
    view = history_view(
        loaded.episode,
        loaded.checkins,
        loaded.doses,
        loaded.trend,
        next_page=encode_cursor(loaded.older),
    )
    trend = loaded.trend
    chart = pain_chart(
        loaded.chart,
        baseline=view.baseline,
        tz=diary.tz,
        count=trend.checkins,
        latest=trend.pain.current if trend.pain is not None else None,
    )
    # The current plan, so open safety questions are shown (and how to answer them).
    current = loaded.assessment
    context = {
        "view": view,
        "chart": chart,
        "assessment": current,
        "paged": before is not None,
        "sessions": loaded.coach_sessions,
        "week": loaded.week,
        "week_svg": Markup(week_svg(loaded.week)),
    }
    context |= questionnaire_context(loaded.questionnaires, diary.questionnaires)
    return render(request, "history.html", context)


def _checkin_form(
    request: Request,
    web: Any,
    diary: Any,
    *,
    form: dict[str, Any] | None = None,
    problems: tuple[Any, ...] = (),
    message: str | None = None,
    status: int = 200,
) -> Response:
    try:
        episode = diary.episode()
    except NotFoundError:
        return _no_episode(request, gettext("check-ins"))
    if episode.status is not EpisodeStatus.ACTIVE:
        return _no_episode(request, gettext("check-ins"))
    medicines = [m for m in web.engine.knowledge.medicines if m.otc and m.max_daily_mg]
    return render(
        request,
        "checkin.html",
        {
            "flags": diary.checkin_questions(),
            "present": diary.red_flags_present(),
            "activities": diary.recent_activities(),
            "medicines": medicines,
            "actions": [(a.value, gettext(_ACTION_LABELS[a])) for a in SelfCareAction],
            "form": form or {},
            # One key per filled-in form: sending the same form again (a reload of the
            # saved page, a second tap on Save) records it once (see checkin_submit).
            "key": (form or {}).get("key") or str(uuid.uuid4()),
            "problems": problems,
            "message": message,
        },
        status=status,
        settle=SETTLE_CHECKIN_FORM if request.method == "POST" else None,
    )


#: Where the browser's history entry of a check-in page rendered in answer to a post is
#: moved (``history.replaceState``): reload, Back and Forward then fetch this address
#: instead of offering to send the form again.
SETTLE_CHECKIN_FORM = "/diary/check-in"
SETTLE_CHECKIN_SAVED = "/diary"


#: What each self-care action is called on the check-in form, counted in times.
_ACTION_LABELS = {
    SelfCareAction.WALK: N_("Short walks"),
    SelfCareAction.EXERCISES: N_("Exercise sessions"),
    SelfCareAction.ICE: N_("Cold pack"),
    SelfCareAction.HEAT: N_("Heat (warm pack or bath)"),
}


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
    count_walk: Short = "",
    count_exercises: Short = "",
    count_ice: Short = "",
    count_heat: Short = "",
    dose_drug: Short = "",
    dose_mg: Short = "",
    dose_time: Short = "",
    flags: Many = [],  # noqa: B006
    gone: Many = [],  # noqa: B006
    activity_name: Many = [],  # noqa: B006
    activity_score: Many = [],  # noqa: B006
    note: Text = "",
    override: Short = "",
    key: Short = "",
) -> Response:
    """Record the check-in and show what it means; problems re-show the form.

    The same form sent again (a reload of the saved page, Back then Forward, a second
    tap on Save) carries the same ``key`` and is recorded once: the page shows the first
    answer again. Both pages move their history entry to a plain address, so the
    browser never offers to send the form again.

    A dose over a limit is recorded flagged with the rest (the page says what to do
    now); ``gone`` is the person saying a red flag has gone, recorded as a "no".
    """
    form: dict[str, Any] = {
        "pain": [pain],
        "worst_pain": [worst_pain],
        "actions": actions,
        "count_walk": [count_walk],
        "count_exercises": [count_exercises],
        "count_ice": [count_ice],
        "count_heat": [count_heat],
        "gone": gone,
        "activity_name": activity_name,
        "activity_score": activity_score,
        "dose_drug": [dose_drug],
        "dose_mg": [dose_mg],
        "dose_time": [dose_time],
        "flags": flags,
        "note": [note],
        "override": [override],
        "key": [key],
    }
    try:
        # "It has gone" only for a sign the person told us about: never a way to turn a
        # question they have not answered into "no".
        present = {f.answer for f in diary.red_flags_present()}
        unknown = [path for path in gone if path not in present]
        if unknown:
            raise InputError(
                gettext("please check the form"),
                problems=[
                    FieldProblem(
                        "gone",
                        gettext("{path!r} is not a sign you told us about").format(path=path),
                    )
                    for path in unknown
                ],
            )
        data = checkin_from_form(form, now=diary.now(), tz=diary.tz)
        view, result = _record_checkin(diary, checkin_entry(data), key=key, form=form)
    except (InputError, ConflictError) as exc:
        return _checkin_form(
            request,
            web,
            diary,
            form={
                k: v[0]
                if len(v) == 1
                and k not in {"actions", "flags", "gone", "activity_name", "activity_score"}
                else v
                for k, v in form.items()
            },
            problems=exc.problems,
            message=exc.message,
            status=exc.status,
        )
    if result is not None:  # a repeat records nothing, and tells nobody again
        checkin_escalated(request, result)
    advice_ids = (s for a in view.dose_advice for s in a.sources)
    cited_ids = dict.fromkeys([*assessment_sources(view.assessment), *advice_ids])
    cited = trusted_first(sources_out(web.engine.knowledge, cited_ids))
    said_gone = [f for f in diary.checkin_questions() if f.answer in set(gone) - set(flags)]
    return render(
        request,
        "checkin_result.html",
        {"view": view, "sources": cited, "gone": said_gone},
        status=201,
        settle=SETTLE_CHECKIN_SAVED,
    )


def _record_checkin(
    diary: Diary, entry: CheckInEntry, *, key: str, form: dict[str, Any]
) -> tuple[CheckInView, CheckInResult | None]:
    """Record a check-in once per form ``key``: its page, and the new result (or ``None``).

    A repeat of the same form gets the stored page back and records nothing. A form
    without a readable key, or whose key came with a different check-in (a page kept
    from before), is recorded as a new check-in.
    """
    try:
        once_key = str(uuid.UUID(key))
    except ValueError:
        result = diary.check_in(entry)
        return checkin_view(result), result
    recorded: list[CheckInResult] = []

    def encode(result: CheckInResult) -> dict[str, Any]:
        recorded.append(result)
        data: dict[str, Any] = checkin_view(result).model_dump(mode="json")
        return data

    typed = {k: v for k, v in form.items() if k != "key"}
    fingerprint = hashlib.sha256(json.dumps(typed, sort_keys=True).encode()).hexdigest()
    try:
        once = diary.check_in_once(entry, key=once_key, fingerprint=fingerprint, encode=encode)
    except ConflictError as exc:
        if not any(p.field == "Idempotency-Key" for p in exc.problems):
            raise
        result = diary.check_in(entry)
        return checkin_view(result), result
    if recorded:
        return checkin_view(recorded[0]), recorded[0]
    return CheckInView.model_validate_json(json.dumps(once.response)), None


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
