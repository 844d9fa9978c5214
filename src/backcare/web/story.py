"""The web assessment's optional "Tell us what happened" box.

Reading the words is :mod:`backcare.text`'s job; the pages put a mentioned red flag's
page first (:meth:`backcare.flow.AssessmentFlow.next_page`), where it still needs the
person's explicit answer ("You mentioned X. Is that right?"); this module gives the
values they gave, shown pre-filled to be checked and changed.
Without the ``text`` extra the box is hidden.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from backcare.domain.results import Question
from backcare.text.hints import StoryHints

__all__ = ["prefilled_value", "story_enabled"]


@lru_cache(maxsize=1)
def story_enabled() -> bool:
    """Whether to offer the box (the ``text`` extra is installed)."""
    from backcare.text import available

    return available()


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
