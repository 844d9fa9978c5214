"""The assessor: compile a knowledge base once, then assess answers purely and fast.

``Engine`` is what the CLI, the diary and the web app hold. It reads the answers
into facts (:mod:`backcare.rules.facts`), decides (:mod:`backcare.rules.decide`)
and builds the typed result (:mod:`backcare.rules.build`); the result's JSON is kept
per distinct decisions, bounded. (The typed result is not kept: building it from
decisions costs a few microseconds, less than keeping it costs when, as with most
people, the decisions are new; the builder keeps the larger parts it shares.) The
module-level :func:`assess` and :func:`next_questions` use a cached engine built from
the shipped knowledge base and the settings of the process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from backcare.domain.answers import Answers, parse_answers
from backcare.domain.results import Assessment, PlannedExercise, Question
from backcare.knowledge.loader import load_knowledge_base
from backcare.knowledge.schema import KnowledgeBase
from backcare.rules.build import Builder
from backcare.rules.decide import Decisions, Policy
from backcare.rules.facts import Facts
from backcare.rules.protocol import TYPED, compile_protocol, facts_of
from backcare.settings import Settings, get_settings

__all__ = ["Engine", "assess", "default_engine", "next_questions"]

# Results' JSON kept per distinct decisions; varied people rarely repeat exactly, so
# this mostly serves a person who assesses again with the same answers.
_RESULTS_KEPT = 1024
_ASSESSMENT_JSON = Assessment.__pydantic_serializer__


class Engine:
    """Assess answers against one knowledge base with one set of settings.

    Attributes:
        protocol: the knowledge base and settings compiled into plain data
            (:func:`backcare.rules.protocol.compile_protocol`).
    """

    def __init__(self, knowledge: KnowledgeBase, settings: Settings) -> None:
        self.knowledge = knowledge
        self.settings = settings
        self.protocol: dict[str, Any] = compile_protocol(knowledge, settings)
        self._policy = Policy(self.protocol)
        self._builder = Builder(self._policy, TYPED)
        self._json = lru_cache(maxsize=_RESULTS_KEPT)(self._dump)

    def facts(self, answers: Answers | object) -> Facts:
        """The answers flattened by answer path, with the derived values.

        Plainly valid JSON-like answers are read directly (the reader is checked to agree
        with the contract model); anything else is validated by the contract model.

        Raises:
            InputError: the data does not fit the contract; each problem names its field.
        """
        if type(answers) is dict:
            facts = self._policy.reader.read(answers)
            if facts is not None:
                return facts
        return facts_of(parse_answers(answers))

    def decide(self, answers: Answers | object) -> Decisions:
        """Every clinical decision for these answers, before any result is built.

        Raises:
            InputError: the data does not fit the contract; each problem names its field.
        """
        return self._policy.decide(self.facts(answers))

    def assess(self, answers: Answers | object) -> Assessment:
        """Triage the answers and build the plan.

        Args:
            answers: :class:`Answers`, or JSON-like data in the public contract v1.

        Raises:
            InputError: the data does not fit the contract; each problem names its field.
        """
        result: Assessment = self._builder.build(self.decide(answers))
        return result

    def assess_json(self, answers: Answers | object) -> bytes:
        """The assessment as compact JSON: exactly ``assess(answers).model_dump_json()``.

        Raises:
            InputError: the data does not fit the contract; each problem names its field.
        """
        encoded: bytes = self._json(self.decide(answers))
        return encoded

    def _dump(self, decisions: Decisions) -> bytes:
        result: Assessment = self._builder.build(decisions)
        # The model's own serializer, straight to bytes: ``model_dump_json()`` is the same
        # encoder but returns text, which the response would encode again (a third of the
        # cost of a 40 KB plan).
        return _ASSESSMENT_JSON.to_json(result)

    def bmi_band(self, value: float) -> str:
        """The WHO adult BMI band of ``value`` (kg/m²), as the knowledge base words it."""
        return self._builder.bmi_band(value)

    def exercises_at(self, hours: float) -> tuple[PlannedExercise, ...]:
        """The exercises the protocol allows ``hours`` after onset, gentlest phase first."""
        exercises: tuple[PlannedExercise, ...] = self._builder.exercises_in(
            self._policy.phase_at(hours)
        )
        return exercises

    def next_questions(self, answers: Answers | object) -> tuple[Question, ...]:
        """The questions still unanswered, most dangerous first."""
        unanswered = self._policy.unanswered(self.facts(answers))
        questions: tuple[Question, ...] = self._builder.questions(unanswered)
        return questions


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


def __getattr__(name: str) -> Any:
    """``DISCLAIMER``: the shipped knowledge base's disclaimer (its text lives in messages.yaml)."""
    if name == "DISCLAIMER":
        return load_knowledge_base().message("disclaimer")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
