"""The web assessment's optional "Tell us what happened" box.

Reading the words is :mod:`backcare.text`'s job; this module only fits its hints into
the one-question-at-a-time flow: a red flag the person mentioned is asked first ("You
mentioned X. Is that right?") and still needs their explicit answer; values they gave
are shown pre-filled and can be changed. Without the ``text`` extra the box is hidden.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from backcare.domain.results import Question
from backcare.text.hints import StoryHints, first_question_key
from backcare.web.views import AssessmentStep

__all__ = ["prefilled_value", "story_enabled", "story_step"]


@lru_cache(maxsize=1)
def story_enabled() -> bool:
    """Whether to offer the box (the ``text`` extra is installed)."""
    from backcare.text import available

    return available()


def story_step(step: AssessmentStep, hints: StoryHints) -> AssessmentStep:
    """The step with a mentioned question moved to the front."""
    if step.stage != "question" or not hints.mentioned:
        return step
    pending = [q for q in step.assessment.next_questions if q.key not in step.skipped]
    key = first_question_key([q.key for q in pending], hints)
    chosen = next((q for q in pending if q.key == key), step.question)
    return step.model_copy(update={"question": chosen})


def prefilled_value(question: Question | None, hints: StoryHints) -> Any:
    """The value to show pre-filled for ``question``: text for a number, the choice or
    the list of choices; ``None`` for yes/no questions, which are never pre-answered."""
    if question is None or question.kind == "boolean":
        return None
    value = hints.prefill.get(question.key)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return value
