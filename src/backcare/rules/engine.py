"""The engine: compile a knowledge base once, then assess answers purely and fast.

``Engine`` is what the CLI, the diary and the web app hold. The module-level
:func:`assess` and :func:`next_questions` use a cached engine built from the
shipped knowledge base and the settings of the process.
"""

from __future__ import annotations

from functools import lru_cache

from backcare.domain.answers import Answers, parse_answers
from backcare.domain.results import Assessment, PlannedExercise, Question, trusted
from backcare.knowledge.loader import load_knowledge_base
from backcare.knowledge.schema import KnowledgeBase
from backcare.rules.conditions import facts_of
from backcare.rules.planning import CompiledPlanner, compile_planner
from backcare.rules.questions import CompiledQuestions, compile_questions
from backcare.rules.triage import CompiledTriage, compile_triage
from backcare.settings import Settings, get_settings

__all__ = ["DISCLAIMER", "Engine", "assess", "default_engine", "next_questions"]

DISCLAIMER = (
    "backcare gives information and self-care guidance for acute back muscle spasm. It is not "
    "a diagnosis or a prescription and does not replace a doctor, pharmacist or physiotherapist. "
    "If you are worried, get medical advice."
)


class Engine:
    """Assess answers against one knowledge base with one set of settings."""

    def __init__(self, knowledge: KnowledgeBase, settings: Settings) -> None:
        self.knowledge = knowledge
        self.settings = settings
        self._triage: CompiledTriage = compile_triage(
            knowledge, emergency_number=settings.emergency_number
        )
        self._questions: CompiledQuestions = compile_questions(knowledge)
        self._planner: CompiledPlanner = compile_planner(
            knowledge, wake=settings.wake_time, sleep=settings.sleep_time
        )

    def assess(self, answers: Answers | object) -> Assessment:
        """Triage the answers and build the plan.

        Args:
            answers: :class:`Answers`, or JSON-like data in the public contract v1.

        Raises:
            InputError: the data does not fit the contract; each problem names its field.
        """
        facts = facts_of(parse_answers(answers))
        triage = self._triage.run(facts)
        return trusted(
            Assessment,
            contract_version=1,
            triage=triage,
            plan=self._planner.plan(facts, level=triage.level),
            next_questions=self._questions.unanswered(facts),
            disclaimer=DISCLAIMER,
        )

    def exercises_at(self, hours: float) -> tuple[PlannedExercise, ...]:
        """The exercises the protocol allows ``hours`` after onset, gentlest phase first."""
        return self._planner.exercises_at(hours)

    def next_questions(self, answers: Answers | object) -> tuple[Question, ...]:
        """The questions still unanswered, most dangerous first."""
        return self._questions.unanswered(facts_of(parse_answers(answers)))


@lru_cache(maxsize=4)
def _engine_for(settings: Settings) -> Engine:
    return Engine(load_knowledge_base(), settings)


@lru_cache(maxsize=1)
def _process_settings() -> Settings:
    return get_settings()


def default_engine(settings: Settings | None = None) -> Engine:
    """The engine for the shipped knowledge base (cached per settings).

    Without ``settings`` it uses the process's ``BACKCARE_*`` environment, read once.
    """
    return _engine_for(settings if settings is not None else _process_settings())


def assess(answers: Answers | object, *, settings: Settings | None = None) -> Assessment:
    """Assess answers with the shipped knowledge base. Pure: no database, no network.

    Args:
        answers: :class:`Answers` or JSON-like data (public contract v1).
        settings: defaults to :func:`backcare.settings.get_settings`.

    Raises:
        InputError: the answers do not fit the contract.
    """
    return default_engine(settings).assess(answers)


def next_questions(
    answers: Answers | object, *, settings: Settings | None = None
) -> tuple[Question, ...]:
    """The questions still needed for these answers, most dangerous first."""
    return default_engine(settings).next_questions(answers)
