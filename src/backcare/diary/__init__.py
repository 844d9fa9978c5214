"""The episode diary: check-ins, trends, escalation, medicine-log safety.

:func:`open_diary` returns a :class:`Diary`, the use-case layer between the
triage engine and the store. Everything else here is pure: trend classification
(:mod:`~backcare.diary.trends`), escalation (:mod:`~backcare.diary.escalation`),
dose checks (:mod:`~backcare.diary.medicines`), input parsing
(:mod:`~backcare.diary.inputs`) and charts (:mod:`~backcare.diary.charts`). See ``docs/diary.md``.
"""

from backcare.diary.escalation import Escalation
from backcare.diary.inputs import CheckInEntry, DoseEntry
from backcare.diary.medicines import DoseCheck, DoseLimit, DoseProblem
from backcare.diary.service import (
    CheckInResult,
    Diary,
    EpisodeHistory,
    EpisodeStart,
    open_diary,
)
from backcare.diary.trends import FunctionChange, PainChange, Resolution, TrendReport
from backcare.store import (
    ActionCount,
    ActivityScore,
    CheckInRecord,
    DoseRecord,
    EpisodeRecord,
    EpisodeStatus,
    SelfCareAction,
)

__all__ = [
    "ActionCount",
    "ActivityScore",
    "CheckInEntry",
    "CheckInRecord",
    "CheckInResult",
    "Diary",
    "DoseCheck",
    "DoseEntry",
    "DoseLimit",
    "DoseProblem",
    "DoseRecord",
    "EpisodeHistory",
    "EpisodeRecord",
    "EpisodeStart",
    "EpisodeStatus",
    "Escalation",
    "FunctionChange",
    "PainChange",
    "Resolution",
    "SelfCareAction",
    "TrendReport",
    "open_diary",
]
