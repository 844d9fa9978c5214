"""backcare: red-flag triage and a phase-aware self-care plan for acute back muscle spasm.

The public API is what ``__all__`` lists; everything else may change without notice.
Names are imported on first use (PEP 562), so ``import backcare`` is cheap and a
command pays only for the parts it uses.

    >>> import backcare
    >>> result = backcare.assess({"trigger": "lifting", "hours_since_onset": 5})
    >>> result.triage.level
    <TriageLevel.SELF_CARE: 'self_care'>
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from backcare.domain.answers import Answers, parse_answers
    from backcare.domain.enums import MedicineStatus, Phase, Track, Trend, TriageLevel, Trigger
    from backcare.domain.results import Assessment, CarePlan, Question, Triage
    from backcare.errors import (
        BackcareError,
        ConflictError,
        DoseLimitError,
        ImportFormatError,
        InputError,
        KnowledgeBaseError,
        NotFoundError,
        StoreError,
    )
    from backcare.knowledge.loader import load_knowledge_base
    from backcare.knowledge.schema import KnowledgeBase
    from backcare.rules.assessor import DISCLAIMER, Engine, assess, next_questions
    from backcare.settings import Settings, get_settings
    from backcare.text import Extraction, extract

from backcare._version import __version__

_WHERE = {
    "Answers": "backcare.domain.answers",
    "parse_answers": "backcare.domain.answers",
    "MedicineStatus": "backcare.domain.enums",
    "Phase": "backcare.domain.enums",
    "TriageLevel": "backcare.domain.enums",
    "Track": "backcare.domain.enums",
    "Trend": "backcare.domain.enums",
    "Trigger": "backcare.domain.enums",
    "Assessment": "backcare.domain.results",
    "CarePlan": "backcare.domain.results",
    "Question": "backcare.domain.results",
    "Triage": "backcare.domain.results",
    "BackcareError": "backcare.errors",
    "ConflictError": "backcare.errors",
    "DoseLimitError": "backcare.errors",
    "ImportFormatError": "backcare.errors",
    "InputError": "backcare.errors",
    "KnowledgeBaseError": "backcare.errors",
    "NotFoundError": "backcare.errors",
    "StoreError": "backcare.errors",
    "load_knowledge_base": "backcare.knowledge.loader",
    "KnowledgeBase": "backcare.knowledge.schema",
    "DISCLAIMER": "backcare.rules.assessor",
    "Engine": "backcare.rules.assessor",
    "assess": "backcare.rules.assessor",
    "next_questions": "backcare.rules.assessor",
    "Settings": "backcare.settings",
    "get_settings": "backcare.settings",
    "Extraction": "backcare.text",
    "extract": "backcare.text",
}

__all__ = [
    "DISCLAIMER",
    "Answers",
    "Assessment",
    "BackcareError",
    "CarePlan",
    "ConflictError",
    "DoseLimitError",
    "Engine",
    "Extraction",
    "ImportFormatError",
    "InputError",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "MedicineStatus",
    "NotFoundError",
    "Phase",
    "Question",
    "Settings",
    "StoreError",
    "Track",
    "Trend",
    "Triage",
    "TriageLevel",
    "Trigger",
    "__version__",
    "assess",
    "extract",
    "get_settings",
    "load_knowledge_base",
    "next_questions",
    "parse_answers",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use and keep it (PEP 562)."""
    try:
        module = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module 'backcare' has no attribute {name!r}") from None
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
