"""Render pages: the Jinja environment, its filters, and the CSRF cookie every form needs.

Presentation only: turning ``twisting_or_sudden_movement`` into words, times into
the person's local time, levels into their labels. Nothing here decides anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, tzinfo
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.responses import Response

import backcare.i18n as i18n
from backcare import __version__
from backcare.domain.verdict import (
    INCOMPLETE_EXPLAINED,
    incomplete_headline,
    unanswered_safety_questions,
    verdict_state,
)
from backcare.knowledge.drawings import Pose, drawing_markup
from backcare.knowledge.loader import load_knowledge_base
from backcare.knowledge.schema import Drawing
from backcare.viewmodels.donow import dose_text, merge_schedule, times_a_day
from backcare.web.context import TEMPLATES_DIR, WebContext
from backcare.web.errors import ErrorEnvelope
from backcare.web.security import CSRF_COOKIE

__all__ = ["make_templates", "render", "render_error_page"]


def _capitalize_first(value: object) -> str:
    """A sentence made elsewhere, with a capital first letter (the rest left as written)."""
    text = str(value).strip()
    return text[:1].upper() + text[1:]


def _labelled(labels: Mapping[str, str]) -> Any:
    """``human``: the knowledge base's words for a choice id (an unknown id shows as itself,
    never title-cased: the pseudo-locale test reports it)."""

    def human(value: object) -> str:
        return labels.get(str(value)) or str(value)

    return human


def _warning_signs() -> Any:
    """``warning_sign``: a red flag's answer name (``fever``) as its question, in the knowledge
    base's words (an unknown name shows as itself)."""
    questions = {
        flag.answer.partition(".")[2]: flag.question
        for flag in load_knowledge_base().red_flags
        if flag.answer.startswith("red_flags.")
    }

    def warning_sign(value: object) -> str:
        return questions.get(str(value)) or str(value)

    return warning_sign


def _medicine_name(value: object) -> str:
    """A medicine id in the knowledge base's words (``ibuprofen`` -> ``Ibuprofen``)."""
    medicine = load_knowledge_base().medicine(str(value))
    return medicine.name if medicine is not None else str(value)


def _label(value: object, kind: str) -> str:
    """``{{ plan.phase|label("phase") }}``: an id's words from the catalogue."""
    return i18n.label(kind, value)


def _local_tz() -> tzinfo:
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


def _when(value: datetime | None, style: str = "weekday_date_comma_time") -> str:
    """``{{ at|when("date") }}``: a moment in the person's time zone, in a named style."""
    if value is None:
        return ""
    return i18n.format_when(value.astimezone(_local_tz()), style)


def _date_as(value: datetime | date | None, style: str) -> str:
    """``{{ day|date_as("date") }}``: a date, or a moment in its own time zone (UTC pages)."""
    if value is None:
        return ""
    return i18n.format_when(value, style)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"


def _phase_spans() -> Any:
    """``phase_span``: when a phase falls, in days since the pain began, from the knowledge
    base's phase windows (``phases.yaml``), so "Phase: Acute" says what acute means here."""
    windows = {
        spec.id.value: (spec.from_hours, spec.until_hours) for spec in load_knowledge_base().phases
    }

    def phase_span(value: object) -> str:
        if str(value) not in windows:
            return ""
        start, until = windows[str(value)]
        first = f"{start / 24:g}"
        if until is None:
            return i18n.gettext("from day {first} since the pain began").format(first=first)
        last = until / 24
        if start == 0:
            return i18n.ngettext(
                "the first {days} day since the pain began",
                "the first {days} days since the pain began",
                round(last),
            ).format(days=f"{last:g}")
        return i18n.gettext("day {first} to day {last} since the pain began").format(
            first=first, last=f"{last:g}"
        )

    return phase_span


def _drawing_svg(drawing: Drawing, pose: str = "both") -> Markup:
    # The drawings are the knowledge base's own files, checked when it loads.
    return Markup(drawing_markup(drawing.file, pose=Pose(pose)))


# The offline notices phone.js shows are counted up to this many check-ins in the
# catalogue's plural forms; a longer queue gets a sentence without the number.
PHONE_COUNTED = 20


def phone_words(emergency_number: str) -> dict[str, Any]:
    """The words ``static/phone.js`` shows, from the message catalogue (its ``data-words``).

    The script holds no words of its own (it runs offline, with no server to ask), so every
    page carries these. Plurals are worked out here, one sentence per count, because
    gettext's plural rules live on the server. ``{when}`` and ``{problem}`` are filled in
    by the script.
    """
    _ = i18n.gettext
    return {
        "offline_saved": _(
            "You are offline. Your check-in is saved on this phone and will be sent when "
            "you are back online."
        ),
        "offline_warning": _(
            "You ticked a warning sign. Do not wait for this check-in to be sent: call "
            "{number} now, or get medical help today."
        ).format(number=emergency_number),
        "sent": {
            str(n): i18n.ngettext(
                "Sent {count} check-in made offline.", "Sent {count} check-ins made offline.", n
            ).format(count=n)
            for n in range(1, PHONE_COUNTED + 1)
        },
        "sent_many": _("Sent the check-ins made offline."),
        "see_diary": _("See them in your diary"),
        "no_reason": _("the server gave no reason"),
        "refused": _(
            "A check-in made offline on {when} was not saved: {problem}. Please check in again."
        ),
    }


def make_templates() -> Jinja2Templates:
    """The page templates, with backcare's filters (autoescaping on)."""
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    # Words come from the message catalogue: {% trans %}...{% endtrans %} and _() in templates.
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    env.policies["ext.i18n.trimmed"] = True  # as babel.cfg extracts them
    env.filters["label"] = _label
    env.filters["human"] = _labelled(load_knowledge_base().choice_labels())
    env.filters["warning_sign"] = _warning_signs()
    env.filters["when"] = _when
    env.filters["phase_span"] = _phase_spans()
    env.filters["date_as"] = _date_as
    env.filters["number"] = _number
    env.filters["capitalize_first"] = _capitalize_first
    env.filters["medicine"] = _medicine_name
    env.filters["verdict"] = verdict_state
    env.filters["dose_text"] = dose_text
    env.filters["times_a_day"] = times_a_day
    env.filters["slots"] = merge_schedule
    env.filters["incomplete_headline"] = incomplete_headline
    env.filters["unanswered"] = unanswered_safety_questions
    env.globals["incomplete_explained"] = lambda: i18n.gettext(INCOMPLETE_EXPLAINED)
    env.globals["version"] = __version__
    env.globals["phone_words"] = phone_words
    env.globals["drawing_svg"] = _drawing_svg
    env.trim_blocks = True
    env.lstrip_blocks = True
    return templates


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    settle: str | None = None,
) -> Response:
    """Render a page, with a CSRF token in ``csrf_token`` and in its cookie.

    ``settle`` is for a page shown in answer to a form post: the page moves its own
    history entry to that address (``static/settle.js``), so reload, Back and Forward
    fetch it instead of the browser offering to send the form again.
    """
    web: WebContext = request.app.state.backcare
    token = request.cookies.get(CSRF_COOKIE)
    fresh = not web.signer.valid_csrf_token(token)
    if fresh or token is None:
        token = web.signer.new_csrf_token()
    values = {
        "request": request,
        "language": i18n.active_language(),
        "csrf_token": token,
        "emergency_number": web.settings.emergency_number,
        "hosted": web.hosting is not None,
        "drawings": {e.id: e.drawing for e in web.engine.knowledge.exercises},
        "settle": settle,
        **(context or {}),
    }
    response = web.templates.TemplateResponse(
        request, name, values, status_code=status, headers=dict(headers or {})
    )
    if fresh:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            path="/",
            secure=web.hosting is not None and web.hosting.secure,
        )
    return response


def render_error_page(
    request: Request,
    *,
    status: int,
    body: ErrorEnvelope,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error envelope as a page, for browsers."""
    return render(
        request,
        "error.html",
        {"status": status, "error": body.error},
        status=status,
        headers=headers,
    )
