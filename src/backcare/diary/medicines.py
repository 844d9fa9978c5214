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

The diary logs doses the person says they have *taken*, so a dose over a limit is
recorded all the same, flagged with the limits it broke (leaving it out would hide it
from the next dose's check), and :func:`dose_advice` says what to do now: when the
next dose is allowed, and who to call after too much (the knowledge base's
``overdose`` advice, with its sources). A caller may instead ask for the old
all-or-nothing refusal (:func:`refuse`). Warnings (ask a pharmacist first, two
anti-inflammatories within 24 hours, past the label's maximum number of days) never
block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from backcare.domain.enums import EvidenceGrade, MedicineStatus
from backcare.domain.results import MedicineAdvice
from backcare.errors import DoseLimitError, FieldProblem, InputError
from backcare.i18n import format_when
from backcare.i18n import gettext as _
from backcare.knowledge.schema import KnowledgeBase, Medicine

__all__ = [
    "DAY",
    "DoseAdvice",
    "DoseCheck",
    "DoseLimit",
    "DoseProblem",
    "check_dose",
    "dose_advice",
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
    can_check = _("backcare can check the doses of: {known}").format(known=known)
    if medicine is None:
        raise InputError(
            _("unknown medicine {name}").format(name=repr(name)),
            problems=[FieldProblem("drug", can_check)],
        )
    if not medicine.otc or medicine.max_daily_mg is None or medicine.min_interval_hours is None:
        raise InputError(
            _("{name} is prescription-only: backcare does not log or check it").format(
                name=medicine.name
            ),
            problems=[FieldProblem("drug", can_check)],
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
        why = " ".join(status_reasons) or _("a contraindication applies to you")
        avoid = _("avoid {name}: {why}").format(name=medicine.name, why=why)
        problems.append(DoseProblem(DoseLimit.AVOID, avoid, sources))
    elif status is MedicineStatus.ASK_FIRST:
        warnings.append(
            _("{name}: ask a pharmacist or doctor first.").format(name=medicine.name)
            + " "
            + " ".join(status_reasons)
        )
    if medicine.dose_mg is not None and mg > medicine.dose_mg[1]:
        problems.append(
            DoseProblem(
                DoseLimit.SINGLE_DOSE,
                _("{mg} mg is more than the largest single dose of {largest} mg").format(
                    mg=mg, largest=medicine.dose_mg[1]
                ),
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
                _("your plan gives no safe daily amount of {name} for you: {why}").format(
                    name=medicine.name,
                    why=why or _("ask a pharmacist or doctor how much you can take"),
                ),
                limit_sources,
            )
        )
    elif total > limit:
        lowered = (
            _(" (your plan's limit, lower than the label's {label_mg} mg: {why})").format(
                label_mg=medicine.max_daily_mg, why=why
            )
            if limit < medicine.max_daily_mg
            else ""
        )
        problems.append(
            DoseProblem(
                DoseLimit.DAILY_MAXIMUM,
                _(
                    "this dose would make {total} mg within 24 hours; the limit is "
                    "{limit} mg in 24 hours{lowered}"
                ).format(total=total, limit=limit, lowered=lowered),
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
                _(
                    "only {gap} h from the dose at {when}; leave at least {hours} hours "
                    "between doses"
                ).format(
                    gap=f"{gap:.1f}",
                    when=_clock(nearest),
                    hours=f"{medicine.min_interval_hours:g}",
                ),
                sources,
            )
        )
    for other, when in same_class:
        if abs(when - taken_at) < DAY:
            warnings.append(
                _(
                    "You also logged {other} at {when}: do not take two "
                    "anti-inflammatory painkillers within 24 hours."
                ).format(other=other, when=_clock(when))
            )
            break
    if (
        medicine.max_days is not None
        and first_taken is not None
        and taken_at - first_taken >= timedelta(days=medicine.max_days)
    ):
        warnings.append(
            _(
                "You have been taking {name} for more than {days} days: "
                "the label says to see a doctor before going on."
            ).format(name=medicine.name, days=medicine.max_days)
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
    dose = _("{name} {mg} mg at {when}")
    names = ", ".join(dose.format(name=c.name, mg=c.mg, when=_clock(c.taken_at)) for c in refused)
    problems = [
        FieldProblem(dose.format(name=c.drug, mg=c.mg, when=_clock(c.taken_at)), str(p))
        for c in refused
        for p in c.problems
    ]
    return DoseLimitError(
        _(
            "dose refused: {names} would break a safety limit. Nothing was recorded. "
            "Record it anyway only with an explicit override, and talk to a pharmacist or doctor."
        ).format(names=names),
        problems=problems,
    )


@dataclass(frozen=True, slots=True)
class DoseAdvice:
    """What to do after a dose that broke a limit (it is recorded, flagged).

    Attributes:
        drug: the medicine's id.
        name: its name.
        next_dose_at: the earliest time another (smallest) dose keeps within every
            limit; ``None`` when the person should take no more without advice.
        next_dose: that, in words.
        over_maximum: the dose makes more than the label's daily maximum, or is larger
            than its largest single dose: the ``overdose`` advice is urgent.
        overdose: who to call after too much, in words (the knowledge base's advice).
        evidence: the grade of that advice.
        sources: its sources.
    """

    drug: str
    name: str
    next_dose_at: datetime | None
    next_dose: str
    over_maximum: bool
    overdose: str
    evidence: EvidenceGrade
    sources: tuple[str, ...]


def _next_dose_time(
    doses: Sequence[tuple[datetime, int]], *, mg: int, limit: int, interval: timedelta
) -> datetime:
    """The earliest time a dose of ``mg`` keeps the interval and the 24-hour ``limit``."""
    last = max(t for t, _ in doses)
    earliest = last + interval
    # The total only falls when a dose leaves the 24-hour window: those are the candidates.
    candidates = sorted({earliest, *(t + DAY for t, _ in doses if t + DAY > earliest)})
    for at in candidates:
        if window_total(doses, at=at, mg=mg) <= limit and all(
            abs(t - at) >= interval for t, _ in doses
        ):
            return at
    return last + DAY


def dose_advice(
    medicine: Medicine,
    check: DoseCheck,
    *,
    doses: Sequence[tuple[datetime, int]],
    plan: MedicineAdvice | None,
    emergency_number: str,
    tz: tzinfo,
) -> DoseAdvice:
    """What to tell a person who has taken a dose that broke a limit.

    Args:
        medicine: the knowledge-base entry.
        check: the dose's check (with its problems).
        doses: ``(taken_at, mg)`` of the other doses of this medicine logged around it.
        plan: the person's advice for the medicine (its daily maximum replaces the label's).
        emergency_number: the person's emergency number, for the overdose advice.
        tz: the person's time zone, for the time in words.
    """
    assert medicine.max_daily_mg is not None
    assert medicine.min_interval_hours is not None
    assert medicine.overdose is not None  # the schema requires it of every OTC medicine
    limit = medicine.max_daily_mg if plan is None else plan.max_daily_mg
    total = window_total(doses, at=check.taken_at, mg=check.mg)
    over = total > medicine.max_daily_mg or (
        medicine.dose_mg is not None and check.mg > medicine.dose_mg[1]
    )
    next_at: datetime | None = None
    if check.status is MedicineStatus.AVOID or limit is None:
        words = _("Do not take any more {name} until a pharmacist or doctor says you can.").format(
            name=medicine.name
        )
    else:
        smallest = medicine.dose_mg[0] if medicine.dose_mg is not None else check.mg
        next_at = _next_dose_time(
            [*doses, (check.taken_at, check.mg)],
            mg=smallest,
            limit=limit,
            interval=timedelta(hours=medicine.min_interval_hours),
        )
        words = _(
            "Do not take any more {name} before {when} (then at most {smallest} mg), "
            "and no more than {limit} mg in any 24 hours."
        ).format(
            name=medicine.name,
            when=_("{time} on {day}").format(
                time=format_when(next_at.astimezone(tz), "time"),
                day=format_when(next_at.astimezone(tz), "long_weekday_date"),
            ),
            smallest=smallest,
            limit=limit,
        )
    text = medicine.overdose.text.replace("{number}", emergency_number).replace(
        "{max}", str(medicine.max_daily_mg)
    )
    return DoseAdvice(
        drug=medicine.id,
        name=medicine.name,
        next_dose_at=next_at,
        next_dose=words,
        over_maximum=over,
        overdose=text,
        evidence=medicine.overdose.evidence,
        sources=medicine.overdose.sources,
    )
