"""Closed sets of the public contract, as StrEnums so JSON shows their plain values."""

from __future__ import annotations

from enum import StrEnum

from backcare.i18n import label

__all__ = [
    "Condition",
    "EvidenceGrade",
    "MedicineStatus",
    "Phase",
    "Sex",
    "Sides",
    "Track",
    "Trend",
    "TriageLevel",
    "Trigger",
]


class TriageLevel(StrEnum):
    """How soon the person needs care, from least to most urgent.

    Compare levels with :attr:`rank`; the string order is not the clinical order.
    """

    SELF_CARE = "self_care"
    SEE_DOCTOR = "see_doctor"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {level: i for i, level in enumerate(TriageLevel)}


class EvidenceGrade(StrEnum):
    """What a recommendation rests on, strongest first.

    ``guideline``: a clinical guideline or health-service advice (NICE, ACP, NHS);
    ``trial``: trials or systematic reviews; ``expert``: professional or expert opinion;
    ``seed``: only the seed articles backcare was built from.
    """

    GUIDELINE = "guideline"
    TRIAL = "trial"
    EXPERT = "expert"
    SEED = "seed"

    @property
    def label(self) -> str:
        """The grade in words, as every view shows it (from the message catalogue)."""
        return label("evidence", self)


class Phase(StrEnum):
    """Stage of the episode, set by time since onset (see the ``phases`` knowledge file)."""

    ACUTE = "acute"
    SUBACUTE = "subacute"
    RECOVERY = "recovery"


class Track(StrEnum):
    """The protocol's three tracks (the seeds' "methods")."""

    RELIEF = "relief"
    CAUSE = "cause"
    PREVENTION = "prevention"


class Sex(StrEnum):
    """Sex, asked only where it changes the questions (the erection question, pregnancy)."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class Trigger(StrEnum):
    """What set the episode off."""

    LIFTING = "lifting"
    TWISTING_OR_SUDDEN_MOVEMENT = "twisting_or_sudden_movement"
    AFTER_INACTIVITY = "after_inactivity"
    OVERUSE = "overuse"
    MINOR_FALL = "minor_fall"
    SERIOUS_ACCIDENT = "serious_accident"
    UNKNOWN = "unknown"


class Trend(StrEnum):
    """How the pain is going, as the person (or the diary) reports it."""

    BETTER = "better"
    SAME = "same"
    WORSE = "worse"


class Condition(StrEnum):
    """Health conditions that change which medicines are safe."""

    PREGNANT = "pregnant"
    STOMACH_ULCER_OR_BLEED = "stomach_ulcer_or_bleed"
    KIDNEY_DISEASE = "kidney_disease"
    LIVER_DISEASE = "liver_disease"
    HEART_DISEASE_OR_STROKE = "heart_disease_or_stroke"
    HIGH_BLOOD_PRESSURE = "high_blood_pressure"
    ASTHMA_NSAID_SENSITIVE = "asthma_nsaid_sensitive"
    NSAID_ALLERGY = "nsaid_allergy"
    BLOOD_THINNERS = "blood_thinners"
    HEAVY_ALCOHOL_USE = "heavy_alcohol_use"


class MedicineStatus(StrEnum):
    """Whether an over-the-counter medicine suits this person, worst last."""

    SUITABLE = "suitable"
    ASK_FIRST = "ask_first"
    AVOID = "avoid"

    @property
    def rank(self) -> int:
        return _STATUS_RANK[self]


_STATUS_RANK = {status: i for i, status in enumerate(MedicineStatus)}


class Sides(StrEnum):
    """Whether an exercise is done once (``both``) or on the left then the right (``each``)."""

    BOTH = "both"
    EACH = "each"
