"""The one-question-at-a-time assessment: what a client sends and where it stands."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
)

from backcare.domain.answers import Answers
from backcare.domain.enums import TriageLevel
from backcare.domain.results import Assessment, Question
from backcare.rules.assessor import Engine
from backcare.web.schemas.fields import INPUT as _IN
from backcare.web.schemas.fields import OUTPUT as _OUT

__all__ = [
    "AssessmentStep",
    "QuestionsView",
    "StepIn",
    "assessment_step",
]

# --- the assessment flow ----------------------------------------------------------------


class StepIn(BaseModel):
    """Answers so far and the questions the person chose to skip."""

    model_config = _IN

    answers: Answers = Answers()
    skipped: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=64)] = []


class QuestionsView(BaseModel):
    """The questions still unanswered, most dangerous first."""

    model_config = _OUT

    questions: tuple[Question, ...]


class AssessmentStep(BaseModel):
    """Where the one-question-at-a-time assessment stands.

    ``stage`` is ``question`` while a question remains to ask, ``emergency`` as soon as
    the answers call for emergency help (no more questions are asked), and ``result``
    when every question is answered or skipped. Skipped questions stay unanswered, so
    the assessment says it is incomplete.
    """

    model_config = _OUT

    stage: Literal["question", "emergency", "result"]
    question: Question | None
    remaining: int
    skipped: tuple[str, ...]
    assessment: Assessment


def assessment_step(
    engine: Engine, answers: Answers | Mapping[str, Any], skipped: Iterable[str] = ()
) -> AssessmentStep:
    """Assess the answers so far and pick the next question (skipped ones are not re-asked).

    Raises:
        InputError: the answers do not fit the contract.
    """
    assessment = engine.assess(answers)
    skip = tuple(dict.fromkeys(skipped))
    if assessment.triage.level is TriageLevel.EMERGENCY:
        return AssessmentStep(
            stage="emergency", question=None, remaining=0, skipped=skip, assessment=assessment
        )
    pending = [q for q in assessment.next_questions if q.key not in skip]
    return AssessmentStep(
        stage="question" if pending else "result",
        question=pending[0] if pending else None,
        remaining=len(pending),
        skipped=skip,
        assessment=assessment,
    )
