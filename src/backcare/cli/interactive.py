"""The interactive assessment: the core's pages of questions until done or an emergency.

The pages, their order and the stopping rule come from the core
(:class:`backcare.flow.AssessmentFlow` and the triage level), the same as the web
app's; this module only asks and turns what the person types into the page's form
values. A page of yes/no questions first asks whether any apply: "n" (none of these)
answers them all "no" because the person chose it; otherwise each is asked. A
question can be skipped: it then stays unanswered and the result says it is
incomplete, never "no". With the ``text`` extra, an
optional first prompt reads the person's own words: red flags they mention are asked
first, values they gave are offered as defaults (see :mod:`backcare.text.hints`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from rich.console import Console
from rich.prompt import Prompt

from backcare.diary.service import compact_answers
from backcare.domain.answers import Answers
from backcare.domain.enums import TriageLevel
from backcare.domain.results import Assessment, Question
from backcare.errors import InputError
from backcare.flow import NONE_OF_THESE, NOT_SURE, AssessmentFlow, Page
from backcare.i18n import gettext
from backcare.rules.assessor import Engine
from backcare.text.hints import StoryHints

__all__ = ["InteractiveResult", "run_interactive"]

_SKIP = "s"
_YES = {"y", "yes"}
_NO = {"n", "no"}


@dataclass(frozen=True, slots=True)
class InteractiveResult:
    """What the person answered (contract v1 JSON) and the resulting assessment."""

    answers: dict[str, Any]
    assessment: Assessment


def run_interactive(
    console: Console, engine: Engine, *, ask_story: bool | None = None
) -> InteractiveResult:
    """Ask the pages in order; stop at once on an emergency answer.

    ``ask_story`` offers the optional "tell us what happened" prompt first (default:
    when the ``text`` extra is installed).
    """
    console.print(
        gettext(
            "[bold]backcare[/bold] asks the most important safety questions first. "
            "Answer y/n, or [bold]s[/bold] if you are not sure "
            "(a skipped safety question is never taken as a 'no')."
        )
    )
    hints = _story(console) if _offer_story(ask_story) else StoryHints()
    flow = AssessmentFlow(engine)
    answers = Answers()
    skipped: tuple[str, ...] = ()
    assessment = engine.assess(answers)
    while assessment.triage.level is not TriageLevel.EMERGENCY:
        page = flow.next_page(answers, skipped, hints.mentioned)
        if page is None:
            break
        step = gettext("Step {number} of {total}").format(number=page.number, total=page.total)
        console.print(f"\n[dim]{step}[/dim]  [bold]{page.title}[/bold]")
        if page.hint:
            console.print(f"[dim]{page.hint}[/dim]")
        questions = list(page.questions)
        if page.none_option and not any(k in hints.mentioned for k in _keys(page)):
            for i, question in enumerate(questions, start=1):
                console.print(f"  {i}. {question.text}")
            reply = _ask_any(console)
            if reply == "none":
                read = flow.submit(page, answers, skipped, {}, none_of_these=True)
                answers, skipped = read.answers, read.skipped
                assessment = engine.assess(answers)
                continue
        for question in questions:
            single = replace(page, questions=(question,))
            while True:
                value = _ask(console, question, hints, flow)
                read = flow.submit(single, answers, skipped, {question.key: value})
                if not read.problems:
                    break
                console.print(f"[red]{read.problems[0].problem}[/red]")
            answers, skipped = read.answers, read.skipped
            assessment = engine.assess(answers)
            if read.emergency:
                break
    data = compact_answers(answers)
    return InteractiveResult(answers=data, assessment=assessment)


def _keys(page: Page) -> list[str]:
    return [q.key for q in page.questions]


def _ask_any(console: Console) -> str:
    """Whether any question of a yes/no page applies: ``none`` only when the person says so."""
    while True:
        reply = (
            Prompt.ask(
                gettext(
                    "Do any of these apply to you? [dim](y = yes, at least one; "
                    "n = none of these; s = not sure: ask me each)[/dim]"
                ),
                console=console,
            )
            .strip()
            .lower()
        )
        if reply in _NO:
            return "none"
        if reply in _YES or reply == _SKIP:
            return "each"
        again = gettext("Please answer y (yes), n (none of these) or s (not sure).")
        console.print(f"[red]{again}[/red]")


def _set(data: dict[str, Any], key: str, value: Any) -> None:
    group, _, field = key.partition(".")
    if field:
        data.setdefault(group, {})[field] = value
    else:
        data[key] = value


def _offer_story(ask_story: bool | None) -> bool:
    if ask_story is not None:
        return ask_story
    from backcare.text import available

    return available()


def _story(console: Console) -> StoryHints:
    """The optional first prompt: the person's own words, read for hints."""
    from backcare.text import extract
    from backcare.text.hints import story_hints

    story = Prompt.ask(
        gettext(
            "[bold]Tell us what happened[/bold], in your own words "
            "[dim](optional: press Enter to skip)[/dim]"
        ),
        console=console,
        default="",
        show_default=False,
    ).strip()
    if not story:
        return StoryHints()
    try:
        hints = story_hints(extract(story))
    except InputError as exc:
        console.print(f"[red]{exc.problems[0].problem if exc.problems else exc}[/red]")
        return StoryHints()
    if hints.mentioned or hints.prefill:
        console.print(
            gettext(
                "Thank you. We will check what you mentioned first; press Enter to keep a value "
                "we read from your words, or type another."
            )
        )
    return hints


def _default(question: Question, hints: StoryHints) -> str | None:
    value = hints.prefill.get(question.key)
    if value is None:
        return None
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _ask(
    console: Console, question: Question, hints: StoryHints, flow: AssessmentFlow
) -> list[str]:
    """Ask one question until the reply is of its kind: the page's form values for it."""
    quote = hints.quotes.get(question.key)
    lead = ""
    if quote:
        lead = gettext("You mentioned [italic]“{words}”[/italic]. Is that right?").format(
            words=quote
        )
        lead += " "
    default = _default(question, hints)
    while True:
        text = f"{lead}[bold]{question.text}[/bold] {_hint(question, flow)}"
        if default is None:
            reply = Prompt.ask(text, console=console).strip()
        else:
            reply = Prompt.ask(text, console=console, default=default).strip()
        if reply.lower() == _SKIP:
            return [] if question.kind in {"integer", "number"} else [NOT_SURE]
        try:
            return _parse(question, reply)
        except InputError as exc:
            console.print(f"[red]{exc.problems[0].problem if exc.problems else exc}[/red]")


def _hint(question: Question, flow: AssessmentFlow) -> str:
    if question.kind == "boolean":
        return "[dim]" + gettext("(y/n/s)") + "[/dim]"
    if question.kind in {"choice", "multi_choice"}:
        labels = flow.labels(question.key)
        options = "  ".join(f"{i}={labels[c]}" for i, c in enumerate(question.choices, start=1))
        if question.kind == "multi_choice":
            hint = gettext("({options}, several separated by commas, or 0=none; s=skip)")
        else:
            hint = gettext("({options}; s=skip)")
        return "[dim]" + hint.format(options=options) + "[/dim]"
    if question.key == "hours_since_onset":
        return "[dim]" + gettext("(e.g. 6h, 2d, yesterday evening; s=skip)") + "[/dim]"
    return "[dim]" + gettext("(number, or s to skip)") + "[/dim]"


def _parse(question: Question, reply: str) -> list[str]:
    """The reply as the page's form values (the core reads and checks them)."""
    lowered = reply.lower()
    if question.kind == "boolean":
        if lowered in _YES:
            return ["yes"]
        if lowered in _NO:
            return ["no"]
        raise _bad(question, gettext("please answer y (yes), n (no) or s (skip)"))
    if question.kind == "choice":
        return [_choice(question, lowered)]
    if question.kind == "multi_choice":
        if lowered in {"0", "none", ""}:
            return [NONE_OF_THESE]
        return sorted({_choice(question, part.strip()) for part in lowered.split(",")})
    return [reply]


def _choice(question: Question, reply: str) -> str:
    if reply.isdigit() and 1 <= int(reply) <= len(question.choices):
        return question.choices[int(reply) - 1]
    if reply in question.choices:
        return reply
    raise _bad(question, gettext("please choose 1-{last}").format(last=len(question.choices)))


def _bad(question: Question, problem: str) -> InputError:
    from backcare.errors import FieldProblem

    return InputError(gettext("invalid answer"), problems=[FieldProblem(question.key, problem)])
