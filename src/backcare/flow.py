"""The assessment as pages of questions, shared by the web app and the interactive CLI.

The pages, their order and their wording come from the knowledge base
(``groups.yaml``); which questions are still needed comes from the engine. Grouping
never answers anything by itself: each question on a page keeps its own explicit
answer (yes, no or not sure), an unanswered one stays unanswered, and the page's
"None of these" answers its unanswered yes/no questions "no" only when the person
chooses it. A question another answer settles as not applicable (the erection
question for a woman) is left off its page; the engine does not count it as missing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from backcare.diary.inputs import parse_time
from backcare.diary.service import compact_answers
from backcare.domain.answers import Answers, parse_answers
from backcare.domain.enums import TriageLevel
from backcare.domain.results import Question
from backcare.errors import FieldProblem, InputError
from backcare.i18n import gettext, ngettext
from backcare.knowledge.schema import IntakeQuestion
from backcare.rules.assessor import Engine
from backcare.rules.facts import compile_condition
from backcare.rules.protocol import _condition
from backcare.text import read_onset

__all__ = [
    "NONE_OF_THESE",
    "NOT_SURE",
    "AssessmentFlow",
    "Page",
    "PageAnswers",
    "SummaryLine",
    "read_onset_hours",
]

#: The value of a yes/no question's "Not sure" choice: the question stays unanswered.
NOT_SURE = "not_sure"
#: The value of a multiple-choice question's "None of these" box.
NONE_OF_THESE = "none"

_INT = re.compile(r"^[+-]?\d{1,6}$")
_NUMBER = re.compile(r"^[+-]?\d{1,6}(?:[.,]\d{1,3})?$")
_ONSET_PATH = "hours_since_onset"


@dataclass(frozen=True)
class Page:
    """One page of questions, as it applies to these answers.

    ``number`` counts from 1; ``total`` includes the final "check your answers" step.
    """

    id: str
    title: str
    hint: str | None
    none_option: str | None
    questions: tuple[Question, ...]
    labels: Mapping[str, Mapping[str, str]]  # question key -> choice -> label
    number: int
    total: int


@dataclass(frozen=True)
class PageAnswers:
    """What one submitted page made of the answers.

    ``problems`` name questions (by key) in plain words; when there are any (and the
    answers do not call for emergency help) the page must be shown again, and
    ``answers``/``skipped`` are the ones from before the page.
    """

    answers: Answers
    skipped: tuple[str, ...]
    problems: tuple[FieldProblem, ...] = ()
    emergency: bool = False


@dataclass(frozen=True)
class SummaryLine:
    """One answer in "check your answers": the question, the answer in words, its page."""

    key: str
    question: str
    answer: str
    page: str
    answered: bool = field(default=True)


def read_onset_hours(text: str, *, now: datetime) -> float | None:
    """Hours since the episode began, from what a person types or picks.

    Accepts a number of hours ("6"), the command line's forms ("3h", "2d", "HH:MM", an
    ISO date-time such as a date picker's "2026-03-02T08:30") and the story reader's
    phrases ("6 hours", "2 days ago", "yesterday evening", "since Tuesday"). ``None``
    when none of them fits, or the time is in the future.
    """
    raw = text.strip()
    if not raw:
        return None
    if now.tzinfo is None:
        now = now.astimezone()
    if _NUMBER.match(raw):
        hours = float(raw.replace(",", "."))
        return hours if hours >= 0 else None
    try:
        when = parse_time(raw, now=now, tz=now.tzinfo or UTC)
    except InputError:
        pass
    else:
        seconds = (now - when).total_seconds()
        return round(seconds / 3600, 1) if seconds >= 0 else None
    naive = now.replace(tzinfo=None)
    for phrase in (raw, f"{raw} ago"):
        found = read_onset(phrase, now=naive)
        if found is not None:
            return float(found.value)
    return None


class AssessmentFlow:
    """The pages of the assessment for one engine (its knowledge base and settings)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        kb = engine.knowledge
        # With nothing answered nothing is settled, so this is every question.
        self._questions = {q.key: q for q in engine.next_questions(Answers())}
        self._intake: dict[str, IntakeQuestion] = {q.answer: q for q in kb.intake}
        self._groups = kb.groups
        self._hidden_choices = {
            q.answer: {
                choice: compile_condition(_condition(when))
                for choice, when in q.choices_not_offered_when.items()
            }
            for q in kb.intake
            if q.choices_not_offered_when
        }

    # -- which pages --

    def pages(self, answers: Answers, *, only: Collection[str] | None = None) -> tuple[Page, ...]:
        """The pages that hold at least one question that applies, in asking order.

        ``only``: just these questions (a diary's open ones), each page holding only them.
        """
        pending = {q.key for q in self.engine.next_questions(answers)}
        facts = self.engine.facts(answers)
        built: list[tuple[Any, tuple[Question, ...]]] = []
        for group in self._groups:
            shown = tuple(
                self._offered(self._questions[key], facts)
                for key in group.questions
                if (key in pending or facts[key] is not None) and (only is None or key in only)
            )
            if shown:
                built.append((group, shown))
        total = len(built) + 1
        return tuple(
            Page(
                id=group.id,
                title=group.title,
                hint=group.hint,
                none_option=group.none_option,
                questions=shown,
                labels={q.key: self.labels(q.key) for q in shown if q.choices},
                number=i,
                total=total,
            )
            for i, (group, shown) in enumerate(built, start=1)
        )

    def page(
        self, page_id: str, answers: Answers, *, only: Collection[str] | None = None
    ) -> Page | None:
        """The page with this id as it applies to these answers (``None``: no such page)."""
        return next((p for p in self.pages(answers, only=only) if p.id == page_id), None)

    def next_page(
        self,
        answers: Answers,
        skipped: Sequence[str] = (),
        mentioned: Sequence[str] = (),
        *,
        only: Collection[str] | None = None,
    ) -> Page | None:
        """The first page with a question still to ask; ``None`` when only the check remains.

        A page holding a question the person ``mentioned`` (in their own words) comes first.
        """
        pending = {q.key for q in self.engine.next_questions(answers)} - set(skipped)
        pages = self.pages(answers, only=only)
        waiting = [p for p in pages if any(q.key in pending for q in p.questions)]
        for page in waiting:
            if any(q.key in mentioned for q in page.questions):
                return page
        return waiting[0] if waiting else None

    def previous_page(
        self, page_id: str | None, answers: Answers, *, only: Collection[str] | None = None
    ) -> Page | None:
        """The page before ``page_id`` (before the check step when ``None``)."""
        pages = self.pages(answers, only=only)
        ids = [p.id for p in pages]
        if page_id is None:
            return pages[-1] if pages else None
        index = ids.index(page_id) if page_id in ids else 0
        return pages[index - 1] if index > 0 else None

    def labels(self, key: str) -> dict[str, str]:
        """Each choice of a question in words."""
        question = self._questions[key]
        named = self._intake[key].choice_labels if key in self._intake else {}
        return {c: named.get(c, c) for c in question.choices}

    def _offered(self, question: Question, facts: dict[str, Any]) -> Question:
        hidden = self._hidden_choices.get(question.key)
        if not hidden:
            return question
        kept = tuple(c for c in question.choices if not (c in hidden and hidden[c](facts)))
        return question.model_copy(update={"choices": kept})

    # -- reading a page --

    def submit(
        self,
        page: Page,
        answers: Answers,
        skipped: Sequence[str],
        values: Mapping[str, Sequence[str]],
        *,
        none_of_these: bool = False,
        now: datetime | None = None,
    ) -> PageAnswers:
        """Read one page's answers (form text by question key) into the answers.

        A yes/no question needs Yes, No or Not sure, unless the person chose the page's
        "None of these", which makes each *unanswered* one "no"; an emergency "yes" stops
        at once, keeping every other answer the page could read. A blank number is left
        unanswered (the result says so if it matters).
        """
        data = compact_answers(answers)
        keys = {q.key for q in page.questions}
        still_skipped = [k for k in skipped if k not in keys]
        problems: list[FieldProblem] = []
        said_yes: list[Question] = []
        # "None of these" next to a "yes" contradicts itself: it then answers nothing.
        fill_no = none_of_these and not any(
            "yes" in (v.strip() for v in values.get(q.key, ())) for q in page.questions
        )
        for question in page.questions:
            raw = [v.strip() for v in values.get(question.key, ()) if v.strip()]
            try:
                value = self._read(question, raw, fill_no, now)
            except InputError as exc:
                problems.append(FieldProblem(question.key, exc.problems[0].problem))
                continue
            if value is _SKIP:
                still_skipped.append(question.key)
                _drop(data, question.key)
                continue
            if value is True:
                said_yes.append(question)
            _put(data, question.key, value)
        if none_of_these and said_yes:
            # Ask which is right, unless the "yes" is an emergency (then it stops at once).
            problems.insert(
                0,
                FieldProblem(
                    said_yes[0].key,
                    gettext(
                        "You answered Yes here, so 'None of these' does not fit. "
                        "Choose No or Not sure for the others instead."
                    ),
                ),
            )
        try:
            updated = parse_answers(data)
        except InputError as exc:
            problems += [
                FieldProblem(p.field, self._invalid(p.field)) for p in exc.problems if p.field
            ]
            updated = parse_answers(self._readable(data, exc))
        emergency = self.engine.assess(updated).triage.level is TriageLevel.EMERGENCY
        if problems and not emergency:
            return PageAnswers(answers, tuple(skipped), tuple(problems))
        return PageAnswers(updated, tuple(dict.fromkeys(still_skipped)), (), emergency)

    def _read(
        self, question: Question, raw: list[str], none_of_these: bool, now: datetime | None
    ) -> Any:
        if question.kind == "boolean":
            if raw in (["yes"], ["no"]):
                return raw == ["yes"]
            if raw == [NOT_SURE]:
                return _SKIP
            if not raw and none_of_these:
                return False
            raise _Unread(gettext("Please choose Yes, No or Not sure."))
        if question.kind == "choice":
            if len(raw) == 1 and raw[0] in question.choices:
                return raw[0]
            if raw == [NOT_SURE] or (not raw and not self._needed(question.key)):
                return _SKIP
            raise _Unread(gettext("Please choose one of the answers."))
        if question.kind == "multi_choice":
            chosen = set(raw)
            if chosen == {NOT_SURE}:
                return _SKIP
            if chosen == {NONE_OF_THESE}:
                return []
            if not chosen:
                raise _Unread(gettext("Please tick the ones that apply, or 'None of these'."))
            if NONE_OF_THESE in chosen:
                raise _Unread(gettext("'None of these' cannot go with other ticks."))
            if not chosen <= set(question.choices):
                raise _Unread(gettext("Please choose from the answers shown."))
            return sorted(chosen)
        if not raw:
            return _SKIP
        text = raw[0]
        if question.key == _ONSET_PATH:
            hours = read_onset_hours(text, now=now or datetime.now().astimezone())
            if hours is None:
                raise _Unread(self._invalid(question.key))
            return hours
        if question.kind == "integer":
            if _INT.match(text):
                return int(text)
            raise _Unread(self._invalid(question.key))
        if not _NUMBER.match(text):
            raise _Unread(self._invalid(question.key))
        number = float(text.replace(",", "."))
        if not math.isfinite(number):  # pragma: no cover - the pattern admits no inf/nan
            raise _Unread(self._invalid(question.key))
        return number

    def _needed(self, key: str) -> bool:
        intake = self._intake.get(key)
        return intake is None or intake.screening

    def _invalid(self, key: str) -> str:
        intake = self._intake.get(key)
        if intake is not None and intake.invalid:
            return intake.invalid
        return gettext("Please check this answer.")

    @staticmethod
    def _readable(data: dict[str, Any], exc: InputError) -> dict[str, Any]:
        """The answers without the fields the contract refused (they are re-asked)."""
        for problem in exc.problems:
            _drop(data, problem.field)
        return data

    # -- check your answers --

    def summary(
        self,
        answers: Answers,
        skipped: Sequence[str] = (),
        *,
        only: Collection[str] | None = None,
    ) -> tuple[SummaryLine, ...]:
        """Every question asked (``only``: of these), page by page, with the answer in words."""
        facts = self.engine.facts(answers)
        lines: list[SummaryLine] = []
        for page in self.pages(answers, only=only):
            for question in page.questions:
                value = facts[question.key]
                lines.append(
                    SummaryLine(
                        key=question.key,
                        question=question.text,
                        answer=self._words(question, value, skipped),
                        page=page.id,
                        answered=value is not None,
                    )
                )
        return tuple(lines)

    def _words(self, question: Question, value: Any, skipped: Sequence[str]) -> str:
        if value is None:
            return gettext("Not sure") if question.key in skipped else gettext("Not answered")
        if isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        if question.kind in {"choice", "multi_choice"}:
            labels = self.labels(question.key)
            if isinstance(value, str):
                return labels.get(value, value)
            chosen = sorted(str(v) for v in value)
            return ", ".join(labels.get(c, c) for c in chosen) or gettext("None of these")
        if question.key == _ONSET_PATH:
            return _ago(float(value))
        number = float(value)
        return f"{number:g}"


def _Unread(text: str) -> InputError:  # noqa: N802 - reads as the exception it makes
    return InputError(gettext("please check your answer"), problems=[FieldProblem("", text)])


_SKIP: Any = object()


def _ago(hours: float) -> str:
    if hours < 48:
        shown = round(hours)
        return ngettext("{count} hour ago", "{count} hours ago", shown).format(count=shown)
    days = round(hours / 24)
    return ngettext("{count} day ago", "{count} days ago", days).format(count=days)


def _put(data: dict[str, Any], key: str, value: Any) -> None:
    group, _, name = key.partition(".")
    if name:
        data[group] = {**data.get(group, {}), name: value}
    else:
        data[key] = value


def _drop(data: dict[str, Any], key: str) -> None:
    group, _, name = key.partition(".")
    if name:
        inner = dict(data.get(group, {}))
        inner.pop(name, None)
        if inner:
            data[group] = inner
        else:
            data.pop(group, None)
    else:
        data.pop(key, None)
