"""Terms of an exercise session that the coach and the diary store both use.

They live below both (the store must not import the coach): which side a segment is
for, what a progression decision did to the dose, and what a person can report
during or after a session (:mod:`backcare.coach.symptoms` says what each report means).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from backcare.i18n import label

__all__ = ["Side", "Step", "Symptom"]


class Side(StrEnum):
    """Which side of the body a segment is for."""

    BOTH = "both"
    LEFT = "left"
    RIGHT = "right"


class Step(StrEnum):
    """What a progression decision did to the dose."""

    START = "start"
    UP = "up"
    SAME = "same"
    BACK = "back"


class Symptom(StrEnum):
    """Something new the person noticed during or after a session; each one stops it."""

    ONE_LEG_NUMBNESS_OR_TINGLING = "one_leg_numbness_or_tingling"
    BOTH_LEGS = "both_legs"
    WORSENING_LEG_WEAKNESS = "worsening_leg_weakness"
    SEVERE_PAIN = "severe_pain"

    @property
    def label(self) -> str:
        """The symptom in plain words, for messages and the diary (from the catalogue)."""
        return label("symptom", self)

    @property
    def red_flag(self) -> str | None:
        """The red-flag answer this symptom sets (``None`` for severe pain)."""
        return None if self is Symptom.SEVERE_PAIN else f"red_flags.{self.value}"

    def answers_update(self) -> dict[str, Any] | None:
        """The answers update (answers contract v1) to merge before re-running triage."""
        if self is Symptom.SEVERE_PAIN:
            return None
        return {"red_flags": {self.value: True}}
