"""What a person can report during or after an exercise session, and what each report means.

The exercise safety flags of the knowledge base (``exercises.yaml`` ``stop_if``; NHS and
NHS inform exercise pages) say: new numbness, tingling or weakness in the legs → stop and
answer the warning-sign questions again; severe pain → stop and book a GP appointment.
Each nerve symptom maps onto one red-flag answer, so the core triage rules (not the coach)
decide how urgent it is:

==========================  ==========================================  ====================
Report                      Red-flag answer set to ``true``             Level (red_flags.yaml)
==========================  ==========================================  ====================
numbness/tingling, one leg  ``red_flags.one_leg_numbness_or_tingling``  see a doctor
numbness/tingling, both     ``red_flags.both_legs``                     emergency
weakness in a leg           ``red_flags.worsening_leg_weakness``        emergency
severe pain                 (none: the "see a doctor" advice is shown)  see a doctor
==========================  ==========================================  ====================
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

__all__ = ["EXERCISE_PAIN_WARNING", "Symptom"]

#: Id of the knowledge base's warning sign for pain or nerve symptoms caused by an exercise.
EXERCISE_PAIN_WARNING = "exercise_pain"


class Symptom(StrEnum):
    """Something new the person noticed during or after a session; each one stops it."""

    ONE_LEG_NUMBNESS_OR_TINGLING = "one_leg_numbness_or_tingling"
    BOTH_LEGS = "both_legs"
    WORSENING_LEG_WEAKNESS = "worsening_leg_weakness"
    SEVERE_PAIN = "severe_pain"

    @property
    def label(self) -> str:
        """The symptom in plain words, for messages and the diary."""
        return _LABELS[self]

    @property
    def red_flag(self) -> str | None:
        """The red-flag answer this symptom sets (``None`` for severe pain)."""
        return None if self is Symptom.SEVERE_PAIN else f"red_flags.{self.value}"

    def answers_update(self) -> dict[str, Any] | None:
        """The answers update (answers contract v1) to merge before re-running triage."""
        if self is Symptom.SEVERE_PAIN:
            return None
        return {"red_flags": {self.value: True}}


_LABELS = {
    Symptom.ONE_LEG_NUMBNESS_OR_TINGLING: "new numbness or tingling in one leg",
    Symptom.BOTH_LEGS: "new numbness or tingling in both legs",
    Symptom.WORSENING_LEG_WEAKNESS: "new or worsening weakness in a leg",
    Symptom.SEVERE_PAIN: "severe pain",
}
