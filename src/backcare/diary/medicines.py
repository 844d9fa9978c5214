"""Medicine-log safety: check a dose against the label limits before it is recorded.

Pure functions of the knowledge base's medicine entry, the person's status for
that medicine (from the engine's plan) and the doses already logged. A dose is
refused when:

* the medicine is one the person should ``avoid`` (a contraindication rule fired);
* it is larger than the label's largest single dose (``dose_mg``);
* the 24-hour total would pass the person's daily maximum — checked over every
  24-hour window that contains the new dose, so a dose logged late for earlier in the
  day counts against the doses before *and* after it. The maximum is the one in the
  person's plan when it is known (:class:`~backcare.domain.results.MedicineAdvice`:
  lowered for liver disease, heavy drinking or under 50 kg, none for a child), else
  the label's; a plan with no safe maximum for the person refuses every dose, with
  the plan's reason;
* it comes sooner than ``min_interval_hours`` after (or before) another dose.

A refused dose is recorded only when the person explicitly overrides; the
override and the limits it broke are stored with the dose. Warnings (ask a
pharmacist first, two anti-inflammatories within 24 hours, past the label's
maximum number of days) never block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from backcare.domain.enums import MedicineStatus
from backcare.domain.results import MedicineAdvice
from backcare.errors import DoseLimitError, FieldProblem, InputError
from backcare.knowledge.schema import KnowledgeBase, Medicine

__all__ = [
    "DAY",
    "DoseCheck",
    "DoseLimit",
    "DoseProblem",
    "check_dose",
    "find_medicine",
    "refuse",
    "window_total",
]

DAY = timedelta(hours=24)


class DoseLimit(StrEnum):
    """Which safety limit a dose breaks."""

    AVOID = "avoid"
    SINGLE_DOSE = "single_dose"
    DAILY_MAXIMUM = "daily_maximum"
    MIN_INTERVAL = "min_interval"


@dataclass(frozen=True, slots=True)
class DoseProblem:
    """One broken limit, in words, with its sources."""

    limit: DoseLimit
    message: str
    sources: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.limit.value}: {self.message} ({', '.join(self.sources)})"


@dataclass(frozen=True, slots=True)
class DoseCheck:
    """The outcome of checking one dose: problems refuse it, warnings only inform."""

    drug: str
    name: str
    mg: int
    taken_at: datetime
    status: MedicineStatus
    problems: tuple[DoseProblem, ...]
    warnings: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        """True when no limit is broken."""
        return not self.problems

    def override_reason(self) -> str | None:
        """What an override of this dose overrides, for the record (``None`` if nothing)."""
        return "; ".join(str(p) for p in self.problems) or None


def find_medicine(kb: KnowledgeBase, name: str) -> Medicine:
    """The over-the-counter medicine called ``name`` (id, name or alias, any case).

    Raises:
        InputError: backcare does not know it, or it is prescription-only.
    """
    medicine = kb.medicine(name)
    known = ", ".join(m.id for m in kb.medicines if m.otc)
    if medicine is None:
        raise InputError(
            f"unknown medicine {name!r}",
            problems=[FieldProblem("drug", f"backcare can check the doses of: {known}")],
        )
    if not medicine.otc or medicine.max_daily_mg is None or medicine.min_interval_hours is None:
        raise InputError(
            f"{medicine.name} is prescription-only: backcare does not log or check it",
            problems=[FieldProblem("drug", f"backcare can check the doses of: {known}")],
        )
    return medicine


def _label_sources(medicine: Medicine) -> tuple[str, ...]:
    labels = tuple(s for s in medicine.sources if s.endswith("_label"))
    return labels or medicine.sources


def _clock(when: datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def window_total(doses: Sequence[tuple[datetime, int]], *, at: datetime, mg: int) -> int:
    """The largest total in any 24-hour window that contains a new dose of ``mg`` at ``at``.

    Args:
        doses: ``(taken_at, mg)`` of the same medicine already logged, any order.
        at: when the new dose is taken.
        mg: the new dose.
    """
    near = [(t, m) for t, m in doses if at - DAY < t < at + DAY] + [(at, mg)]
    # A maximal window can be taken to start at one of the doses at or before ``at``.
    starts = [t for t, _ in near if t <= at]
    return max(sum(m for t, m in near if start <= t < start + DAY) for start in starts)


def check_dose(
    medicine: Medicine,
    *,
    mg: int,
    taken_at: datetime,
    status: MedicineStatus,
    status_reasons: Sequence[str] = (),
    same_drug: Sequence[tuple[datetime, int]] = (),
    same_class: Sequence[tuple[str, datetime]] = (),
    first_taken: datetime | None = None,
    plan: MedicineAdvice | None = None,
) -> DoseCheck:
    """Check one dose against the label limits and the person's status.

    Args:
        medicine: the knowledge-base entry (from :func:`find_medicine`).
        mg: the dose in milligrams.
        taken_at: when it was taken (aware).
        status: the person's status for this medicine (engine plan).
        status_reasons: why, as the plan says.
        same_drug: ``(taken_at, mg)`` of other doses of this medicine.
        same_class: ``(drug name, taken_at)`` of doses of other medicines of its class.
        first_taken: the first dose of this medicine in the episode, for ``max_days``.
        plan: the person's advice for this medicine; its ``max_daily_mg`` replaces the
            label's (``None`` there means no amount is safe to assume for them).

    Returns:
        The problems (a refusal unless overridden) and warnings.
    """
    sources = _label_sources(medicine)
    problems: list[DoseProblem] = []
    warnings: list[str] = []
    if status is MedicineStatus.AVOID:
        why = " ".join(status_reasons) or "a contraindication applies to you"
        problems.append(DoseProblem(DoseLimit.AVOID, f"avoid {medicine.name}: {why}", sources))
    elif status is MedicineStatus.ASK_FIRST:
        warnings.append(
            f"{medicine.name}: ask a pharmacist or doctor first. " + " ".join(status_reasons)
        )
    if medicine.dose_mg is not None and mg > medicine.dose_mg[1]:
        problems.append(
            DoseProblem(
                DoseLimit.SINGLE_DOSE,
                f"{mg} mg is more than the largest single dose of {medicine.dose_mg[1]} mg",
                sources,
            )
        )
    assert medicine.max_daily_mg is not None
    assert medicine.min_interval_hours is not None
    total = window_total(same_drug, at=taken_at, mg=mg)
    if plan is None:
        limit: int | None = medicine.max_daily_mg
        limit_sources, why = sources, ""
    else:
        limit, limit_sources = plan.max_daily_mg, plan.sources
        why = " ".join(plan.reasons)
    if limit is None:
        problems.append(
            DoseProblem(
                DoseLimit.DAILY_MAXIMUM,
                f"your plan gives no safe daily amount of {medicine.name} for you: "
                + (why or "ask a pharmacist or doctor how much you can take"),
                limit_sources,
            )
        )
    elif total > limit:
        lowered = (
            f" (your plan's limit, lower than the label's {medicine.max_daily_mg} mg: {why})"
            if limit < medicine.max_daily_mg
            else ""
        )
        problems.append(
            DoseProblem(
                DoseLimit.DAILY_MAXIMUM,
                f"this dose would make {total} mg within 24 hours; the limit is "
                f"{limit} mg in 24 hours{lowered}",
                limit_sources,
            )
        )
    interval = timedelta(hours=medicine.min_interval_hours)
    close = [t for t, _ in same_drug if abs(t - taken_at) < interval]
    if close:
        nearest = min(close, key=lambda t: abs(t - taken_at))
        gap = abs(nearest - taken_at).total_seconds() / 3600
        problems.append(
            DoseProblem(
                DoseLimit.MIN_INTERVAL,
                f"only {gap:.1f} h from the dose at {_clock(nearest)}; leave at least "
                f"{medicine.min_interval_hours:g} hours between doses",
                sources,
            )
        )
    for other, when in same_class:
        if abs(when - taken_at) < DAY:
            warnings.append(
                f"You also logged {other} at {_clock(when)}: do not take two "
                "anti-inflammatory painkillers within 24 hours."
            )
            break
    if (
        medicine.max_days is not None
        and first_taken is not None
        and taken_at - first_taken >= timedelta(days=medicine.max_days)
    ):
        warnings.append(
            f"You have been taking {medicine.name} for more than {medicine.max_days} days: "
            "the label says to see a doctor before going on."
        )
    return DoseCheck(
        drug=medicine.id,
        name=medicine.name,
        mg=mg,
        taken_at=taken_at,
        status=status,
        problems=tuple(problems),
        warnings=tuple(warnings),
    )


def refuse(checks: Sequence[DoseCheck]) -> DoseLimitError:
    """The error for doses that break a limit, naming each limit (raise it)."""
    refused = [c for c in checks if not c.allowed]
    names = ", ".join(f"{c.name} {c.mg} mg at {_clock(c.taken_at)}" for c in refused)
    problems = [
        FieldProblem(f"{c.drug} {c.mg} mg at {_clock(c.taken_at)}", str(p))
        for c in refused
        for p in c.problems
    ]
    return DoseLimitError(
        f"dose refused: {names} would break a safety limit. Nothing was recorded. "
        "Record it anyway only with an explicit override, and talk to a pharmacist or doctor.",
        problems=problems,
    )
