"""The care plan: phase, recommendations, exercises, today's schedule, warning signs.

Everything that does not depend on the individual answers (recommendation items,
exercise doses, schedules per phase) is built once per knowledge base and reused,
so assessing a person is cheap. What does depend on them (phase, medicines, BMI,
the triage level's effect on the plan) is applied per call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from backcare.domain.answers import Answers
from backcare.domain.enums import Phase, TriageLevel
from backcare.domain.results import (
    BodyMassIndex,
    CarePlan,
    Dose,
    PlannedExercise,
    RecommendationItem,
    ScheduleItem,
    WarningSign,
)
from backcare.knowledge.schema import Exercise, KnowledgeBase, PhaseSpec, Recommendation
from backcare.rules.conditions import Predicate, body_mass_index, compile_condition
from backcare.rules.medicines import CompiledMedicines, compile_medicines

__all__ = ["CompiledPlanner", "bmi_category", "compile_planner", "phase_at"]

_PHASE_ORDER = {phase: i for i, phase in enumerate(Phase)}
_DAY = datetime(2000, 1, 1)  # any date: schedules are clock times within one waking day
_BMI_SOURCES = ("who_bmi", "seed_000")
_ASSUMED_ONSET = (
    " You did not say when it started, so backcare assumes it is new (acute phase); "
    "answer 'hours since onset' for a plan that fits."
)
_EMERGENCY_NOTE = (
    "Self-care is on hold: get emergency help now. The plan resumes once a clinician has seen you."
)
_URGENT_NOTE = (
    " Until you have been seen today, use only the pain-relief steps; exercises wait until "
    "a clinician has checked you."
)


def phase_at(phases: tuple[PhaseSpec, ...], hours: float) -> PhaseSpec:
    """The phase that contains ``hours`` since onset (the loader checks phases tile time)."""
    for spec in phases:
        if spec.from_hours <= hours and (spec.until_hours is None or hours < spec.until_hours):
            return spec
    raise AssertionError("phases do not cover the timeline")  # pragma: no cover - loader checks


def bmi_category(value: float) -> str:
    """The WHO adult BMI category of ``value`` (kg/m²)."""
    if value < 18.5:
        return "underweight"
    if value < 25:
        return "healthy weight"
    if value < 30:
        return "overweight"
    return "obese"


@dataclass(frozen=True, slots=True)
class _CompiledRecommendation:
    item: RecommendationItem
    phases: frozenset[Phase]
    from_hours: float
    until_hours: float | None
    applies: Predicate | None
    spec: Recommendation

    def fits(self, phase: Phase, hours: float, answers: Answers) -> bool:
        if phase not in self.phases or hours < self.from_hours:
            return False
        if self.until_hours is not None and hours >= self.until_hours:
            return False
        return self.applies is None or self.applies(answers)


@dataclass(frozen=True, slots=True)
class CompiledPlanner:
    """A knowledge base's plan material, precompiled for one waking day."""

    phases: tuple[PhaseSpec, ...]
    recommendations: tuple[_CompiledRecommendation, ...]
    exercises: tuple[tuple[Phase, PlannedExercise], ...]
    warning_signs: tuple[WarningSign, ...]
    medicines: CompiledMedicines
    wake: time
    sleep: time

    def plan(self, answers: Answers, *, level: TriageLevel) -> CarePlan:
        """Build the plan for these answers at this triage level."""
        hours = answers.hours_since_onset
        spec = phase_at(self.phases, 0.0 if hours is None else hours)
        phase = spec.id
        note = spec.summary + (_ASSUMED_ONSET if hours is None else "")
        if level is TriageLevel.EMERGENCY:
            return CarePlan.model_construct(
                phase=phase,
                phase_note=_EMERGENCY_NOTE,
                recommendations=(),
                medications=(),
                exercises=(),
                schedule=(),
                see_doctor_if=(),
                bmi=None,
            )
        at = 0.0 if hours is None else hours
        recs = [r for r in self.recommendations if r.fits(phase, at, answers)]
        exercises: tuple[PlannedExercise, ...] = ()
        if level is TriageLevel.URGENT:
            note += _URGENT_NOTE
        else:
            rank = _PHASE_ORDER[phase]
            exercises = tuple(ex for start, ex in self.exercises if _PHASE_ORDER[start] <= rank)
        return CarePlan.model_construct(
            phase=phase,
            phase_note=note,
            recommendations=tuple(r.item for r in recs),
            medications=self.medicines.advise(answers),
            exercises=exercises,
            schedule=self._schedule(recs, exercises, at),
            see_doctor_if=self.warning_signs,
            bmi=_bmi(answers),
        )

    def _schedule(
        self,
        recs: list[_CompiledRecommendation],
        exercises: tuple[PlannedExercise, ...],
        hours: float,
    ) -> tuple[ScheduleItem, ...]:
        items: list[ScheduleItem] = []
        for rec in recs:
            sched = rec.spec.schedule
            # A recommendation can be offered before it is timetabled (heat from 48 h is an
            # option, but cold stays the scheduled action until 72 h; see conflicts.yaml).
            if sched is None or hours < sched.from_hours:
                continue
            if sched.anchor == "sleep":
                last = datetime.combine(_DAY, self.sleep) - timedelta(minutes=sched.offset_minutes)
                clocks = [last.strftime("%H:%M")]
            else:
                clocks = _times(
                    self.wake,
                    self.sleep,
                    sched.every_hours,
                    sched.times_per_day,
                    sched.offset_minutes,
                )
            for clock in clocks:
                items.append(
                    ScheduleItem.model_construct(
                        time=clock, action=rec.spec.id, title=sched.title, minutes=sched.minutes
                    )
                )
        if exercises:
            per_day = max(ex.times_per_day for ex in exercises)
            for clock in _times(self.wake, self.sleep, None, per_day, 60):
                items.append(
                    ScheduleItem.model_construct(
                        time=clock,
                        action="exercises",
                        title="Exercise session: " + ", ".join(ex.name for ex in exercises),
                        minutes=None,
                    )
                )
        items.sort(key=lambda item: (item.time, item.action))
        return tuple(items)


def _times(
    wake: time, sleep: time, every_hours: float | None, times_per_day: int | None, offset: int
) -> list[str]:
    """Clock times in the waking day, e.g. every 2 h from wake, or N times spread evenly."""
    start = datetime.combine(_DAY, wake) + timedelta(minutes=offset)
    end = datetime.combine(_DAY, sleep)
    if start >= end:
        return []
    if every_hours is not None:
        step = timedelta(hours=every_hours)
        times, current = [], start
        while current < end:
            times.append(current.strftime("%H:%M"))
            current += step
        return times
    count = times_per_day or 1
    # Spread sessions evenly, the last one at least an hour before sleep.
    usable = max(end - timedelta(hours=1) - start, timedelta(0))
    gap = usable / max(count - 1, 1)
    return [(start + gap * i).strftime("%H:%M") for i in range(count)]


def _bmi(answers: Answers) -> BodyMassIndex | None:
    value = body_mass_index(answers)
    if value is None:
        return None
    return BodyMassIndex.model_construct(
        value=value, category=bmi_category(value), sources=_BMI_SOURCES
    )


def _item(rec: Recommendation) -> RecommendationItem:
    dose = None
    if rec.dose is not None:
        dose = Dose(**rec.dose.model_dump())
    return RecommendationItem(
        id=rec.id,
        track=rec.track,
        title=rec.title,
        instructions=rec.instructions,
        dose=dose,
        safety=rec.safety,
        stop_if=rec.stop_if,
        sources=rec.sources,
    )


def _exercise(ex: Exercise) -> PlannedExercise:
    return PlannedExercise(
        id=ex.id,
        name=ex.name,
        steps=ex.steps,
        hold_seconds=ex.hold_seconds,
        reps=ex.reps,
        sides=ex.sides,
        rest_seconds=ex.rest_seconds,
        times_per_day=ex.times_per_day,
        stop_if=ex.stop_if,
        sources=ex.sources,
    )


def compile_planner(kb: KnowledgeBase, *, wake: time, sleep: time) -> CompiledPlanner:
    """Precompile the plan material of ``kb`` for a waking day from ``wake`` to ``sleep``."""
    recs = tuple(
        _CompiledRecommendation(
            item=_item(rec),
            phases=frozenset(rec.phases),
            from_hours=rec.hours[0] if rec.hours else 0.0,
            until_hours=rec.hours[1] if rec.hours else None,
            applies=compile_condition(rec.when) if rec.when else None,
            spec=rec,
        )
        for rec in kb.recommendations
    )
    warning_signs = tuple(
        WarningSign(id=w.id, text=w.text, level=w.level, sources=w.sources)
        for w in kb.warning_signs
    )
    return CompiledPlanner(
        phases=tuple(sorted(kb.phases, key=lambda p: p.from_hours)),
        recommendations=recs,
        exercises=tuple((ex.from_phase, _exercise(ex)) for ex in kb.exercises),
        warning_signs=warning_signs,
        medicines=compile_medicines(kb),
        wake=wake,
        sleep=sleep,
    )
