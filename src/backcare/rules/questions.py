"""Which questions to ask next: unanswered ones, most dangerous first.

Used by the interactive CLI and the web app's one-question-at-a-time flow, so
the order lives here, in the core, and comes from the knowledge base priorities.
"""

from __future__ import annotations

from dataclasses import dataclass

from backcare.domain.results import Question
from backcare.knowledge.schema import KnowledgeBase
from backcare.rules.conditions import Facts

__all__ = ["CompiledQuestions", "compile_questions"]


@dataclass(frozen=True, slots=True)
class CompiledQuestions:
    """Every question of a knowledge base in asking order, with a reader for its answer."""

    questions: tuple[Question, ...]

    def unanswered(self, facts: Facts) -> tuple[Question, ...]:
        """The questions whose answers are still missing, most dangerous first."""
        return tuple(q for q in self.questions if facts[q.key] is None)


def compile_questions(kb: KnowledgeBase) -> CompiledQuestions:
    """Build the ordered question list of ``kb``."""
    ranked: list[tuple[int, Question]] = []
    for flag in kb.red_flags:
        question = Question(
            key=flag.answer,
            text=flag.question,
            kind="boolean",
            level_if_yes=flag.level,
            why=flag.reason,
            sources=flag.sources,
        )
        ranked.append((flag.priority, question))
    for item in kb.intake:
        question = Question(
            key=item.answer,
            text=item.question,
            kind=item.kind,
            choices=item.choices,
            why=item.why,
            sources=item.sources,
        )
        ranked.append((item.priority, question))
    ranked.sort(key=lambda pair: pair[0])
    return CompiledQuestions(tuple(q for _, q in ranked))
