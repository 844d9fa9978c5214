"""backcare: red-flag triage and a phase-aware self-care plan for acute back muscle spasm.

The public API is what ``__all__`` lists; everything else may change without notice.

    >>> import backcare
    >>> result = backcare.assess({"trigger": "lifting", "hours_since_onset": 5})
    >>> result.triage.level
    <TriageLevel.SELF_CARE: 'self_care'>
"""

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
from backcare.rules.engine import DISCLAIMER, Engine, assess, next_questions
from backcare.settings import Settings, get_settings

__version__ = "0.1.0"

__all__ = [
    "DISCLAIMER",
    "Answers",
    "Assessment",
    "BackcareError",
    "CarePlan",
    "ConflictError",
    "DoseLimitError",
    "Engine",
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
    "get_settings",
    "load_knowledge_base",
    "next_questions",
    "parse_answers",
]
