"""The interactive assessment: ask the core's next question until done or an emergency.

The order of questions and the stopping rule come from the core
(:meth:`backcare.Engine.next_questions` and the triage level); this module only
asks and parses what the person types. A question can be skipped: it then stays
unanswered and the result says it is incomplete, never "no". With the ``text`` extra, an
optional first prompt reads the person's own words: red flags they mention are asked
first, values they gave are offered as defaults (see :mod:`backcare.text.hints`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.prompt import Prompt

from backcare.domain.answers import Answers, parse_answers
from backcare.domain.enums import TriageLevel
from backcare.domain.results import Assessment, Question
from backcare.errors import InputError
from backcare.knowledge.loader import load_knowledge_base
from backcare.rules.engine import Engine
from backcare.text.hints import StoryHints, first_question_key

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
    """Ask questions most dangerous first; stop at once on an emergency answer.

    ``ask_story`` offers the optional "tell us what happened" prompt first (default:
    when the ``text`` extra is installed).
    """
    console.print(
        "[bold]backcare[/bold] asks the most important safety questions first. "
        "Answer y/n, or [bold]s[/bold] to skip a question you cannot answer "
        "(a skipped safety question is never taken as a 'no')."
    )
    hints = _story(console) if _offer_story(ask_story) else StoryHints()
    data: dict[str, Any] = {}
    asked: set[str] = set()
    assessment = engine.assess(data)
    while True:
        pending = {q.key: q for q in engine.next_questions(data) if q.key not in asked}
        key = first_question_key(list(pending), hints)
        if key is None:
            break
        question = pending[key]
        asked.add(question.key)
        value = _ask(console, question, hints)
        if value is None:
            continue
        _set(data, question.key, value)
        assessment = engine.assess(data)
        if assessment.triage.level is TriageLevel.EMERGENCY:
            break
    return InteractiveResult(answers=data, assessment=assessment)


def answers_from(data: dict[str, Any]) -> Answers:
    """Validate collected answers (used by callers that keep the raw dict)."""
    return parse_answers(data)


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
        "[bold]Tell us what happened[/bold], in your own words "
        "[dim](optional: press Enter to skip)[/dim]",
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
            "Thank you. We will check what you mentioned first; press Enter to keep a value "
            "we read from your words, or type another."
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


def _ask(console: Console, question: Question, hints: StoryHints | None = None) -> Any:
    """Ask one question until the reply parses; ``None`` means skipped."""
    hints = hints or StoryHints()
    quote = hints.quotes.get(question.key)
    lead = f"You mentioned [italic]“{quote}”[/italic]. Is that right? " if quote else ""
    default = _default(question, hints)
    while True:
        hint = _hint(question)
        text = f"{lead}[bold]{question.text}[/bold] {hint}"
        if default is None:
            reply = Prompt.ask(text, console=console).strip()
        else:
            reply = Prompt.ask(text, console=console, default=default).strip()
        if reply.lower() == _SKIP:
            return None
        try:
            return _parse(question, reply)
        except InputError as exc:
            console.print(f"[red]{exc.problems[0].problem if exc.problems else exc}[/red]")


def _hint(question: Question) -> str:
    if question.kind == "boolean":
        return "[dim](y/n/s)[/dim]"
    if question.kind in {"choice", "multi_choice"}:
        labels = load_knowledge_base().choice_labels()
        options = "  ".join(
            f"{i}={labels.get(c, c)}" for i, c in enumerate(question.choices, start=1)
        )
        extra = (
            ", several separated by commas, or 0=none" if question.kind == "multi_choice" else ""
        )
        return f"[dim]({options}{extra}; s=skip)[/dim]"
    return "[dim](number, or s to skip)[/dim]"


def _parse(question: Question, reply: str) -> Any:
    lowered = reply.lower()
    if question.kind == "boolean":
        if lowered in _YES:
            return True
        if lowered in _NO:
            return False
        raise _bad(question, "please answer y (yes), n (no) or s (skip)")
    if question.kind == "choice":
        return _choice(question, lowered)
    if question.kind == "multi_choice":
        if lowered in {"0", "none", ""}:
            return []
        return sorted({_choice(question, part.strip()) for part in lowered.split(",")})
    try:
        number = float(reply)
    except ValueError:
        raise _bad(question, "please type a number") from None
    if question.kind == "integer":
        if not number.is_integer():
            raise _bad(question, "please type a whole number")
        return int(number)
    return number


def _choice(question: Question, reply: str) -> str:
    if reply.isdigit() and 1 <= int(reply) <= len(question.choices):
        return question.choices[int(reply) - 1]
    if reply in question.choices:
        return reply
    raise _bad(question, f"please choose 1-{len(question.choices)}")


def _bad(question: Question, problem: str) -> InputError:
    from backcare.errors import FieldProblem

    return InputError("invalid answer", problems=[FieldProblem(question.key, problem)])
