"""The care plan: phase, recommendations, exercises, today's schedule, warning signs.

Everything that does not depend on the individual answers (recommendation items,
exercise doses, schedules per phase) is built once per knowledge base and reused,
so assessing a person is cheap. What does depend on them (phase, medicines, BMI,
the triage level's effect on the plan) is applied per call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from backcare.domain.enums import Phase, TriageLevel
from backcare.domain.results import (
    BodyMassIndex,
    CarePlan,
    Dose,
    PlannedExercise,
    RecommendationItem,
    ScheduleItem,
    WarningSign,
    trusted,
)
from backcare.knowledge.schema import Exercise, KnowledgeBase, PhaseSpec, Recommendation
from backcare.rules.conditions import Facts, Predicate, compile_condition
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
    from_hours: float
    until_hours: float | None
    applies: Predicate | None
    spec: Recommendation

    @property
    def conditional(self) -> bool:
        """Whether it depends on more than the phase (an hour window or a condition)."""
        return self.from_hours > 0 or self.until_hours is not None or self.applies is not None

    def fits(self, hours: float, facts: Facts) -> bool:
        """Whether this recommendation (already in the phase) applies at ``hours``."""
        if hours < self.from_hours or (self.until_hours is not None and hours >= self.until_hours):
            return False
        return self.applies is None or self.applies(facts)


_Day = tuple[tuple[RecommendationItem, ...], tuple[PlannedExercise, ...], tuple[ScheduleItem, ...]]


@dataclass(frozen=True, slots=True)
class CompiledPlanner:
    """A knowledge base's plan material, precompiled for one waking day."""

    phases: tuple[PhaseSpec, ...]
    by_phase: dict[Phase, tuple[_CompiledRecommendation, ...]]
    conditional: dict[Phase, tuple[_CompiledRecommendation, ...]]  # subset needing a check
    exercises_from: dict[Phase, tuple[PlannedExercise, ...]]  # allowed in each phase
    warning_signs: tuple[WarningSign, ...]
    medicines: CompiledMedicines
    wake: time
    sleep: time
    timetable_from: tuple[float, ...]  # hours at which a scheduled item starts to be timetabled
    # Recommendations, exercises and schedule depend only on a few discrete facts (phase,
    # whether exercises are held, which items apply, which are timetabled), so each
    # combination is built once and shared: the items are immutable.
    _days: dict[tuple[object, ...], _Day] = field(default_factory=dict)

    def exercises_at(self, hours: float) -> tuple[PlannedExercise, ...]:
        """The exercises the protocol allows ``hours`` after onset (before any triage hold)."""
        return self.exercises_from[phase_at(self.phases, hours).id]

    def plan(self, facts: Facts, *, level: TriageLevel) -> CarePlan:
        """Build the plan for these (flattened) answers at this triage level."""
        hours = facts["hours_since_onset"]
        at = 0.0 if hours is None else hours
        spec = phase_at(self.phases, at)
        phase = spec.id
        note = spec.summary + (_ASSUMED_ONSET if hours is None else "")
        if level is TriageLevel.EMERGENCY:
            return trusted(
                CarePlan,
                phase=phase,
                phase_note=_EMERGENCY_NOTE,
                recommendations=(),
                medications=(),
                exercises=(),
                schedule=(),
                see_doctor_if=(),
                bmi=None,
            )
        hold_exercises = level is TriageLevel.URGENT
        if hold_exercises:
            note += _URGENT_NOTE
        applies = tuple(rec.fits(at, facts) for rec in self.conditional[phase])
        timetabled = tuple(at >= start for start in self.timetable_from)
        key = (phase, hold_exercises, applies, timetabled)
        day = self._days.get(key)
        if day is None:
            excluded = {
                rec.spec.id
                for rec, ok in zip(self.conditional[phase], applies, strict=True)
                if not ok
            }
            recs = [rec for rec in self.by_phase[phase] if rec.spec.id not in excluded]
            exercises = () if hold_exercises else self.exercises_from[phase]
            day = self._days[key] = (
                tuple(rec.item for rec in recs),
                exercises,
                self._build_schedule(recs, exercises, at),
            )
        recommendations, exercises, schedule = day
        return trusted(
            CarePlan,
            phase=phase,
            phase_note=note,
            recommendations=recommendations,
            medications=self.medicines.advise(facts),
            exercises=exercises,
            schedule=schedule,
            see_doctor_if=self.warning_signs,
            bmi=_bmi(facts["derived.bmi"]),
        )

    def _build_schedule(
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
            items += [
                trusted(
                    ScheduleItem,
                    time=clock,
                    action=rec.spec.id,
                    title=sched.title,
                    minutes=sched.minutes,
                )
                for clock in clocks
            ]
        if exercises:
            per_day = max(ex.times_per_day for ex in exercises)
            title = "Exercise session: " + ", ".join(ex.name for ex in exercises)
            items += [
                trusted(ScheduleItem, time=clock, action="exercises", title=title, minutes=None)
                for clock in _times(self.wake, self.sleep, None, per_day, 60)
            ]
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


def _bmi(value: float | None) -> BodyMassIndex | None:
    if value is None:
        return None
    return trusted(BodyMassIndex, value=value, category=bmi_category(value), sources=_BMI_SOURCES)


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
    by_phase: dict[Phase, tuple[_CompiledRecommendation, ...]] = {}
    exercises_from: dict[Phase, tuple[PlannedExercise, ...]] = {}
    for phase in Phase:
        by_phase[phase] = tuple(
            _CompiledRecommendation(
                item=_item(rec),
                from_hours=rec.hours[0] if rec.hours else 0.0,
                until_hours=rec.hours[1] if rec.hours else None,
                applies=compile_condition(rec.when) if rec.when else None,
                spec=rec,
            )
            for rec in kb.recommendations
            if phase in rec.phases
        )
        exercises_from[phase] = tuple(
            _exercise(ex)
            for ex in kb.exercises
            if _PHASE_ORDER[ex.from_phase] <= _PHASE_ORDER[phase]
        )
    starts = {rec.schedule.from_hours for rec in kb.recommendations if rec.schedule}
    return CompiledPlanner(
        phases=tuple(sorted(kb.phases, key=lambda p: p.from_hours)),
        by_phase=by_phase,
        conditional={
            phase: tuple(rec for rec in recs if rec.conditional) for phase, recs in by_phase.items()
        },
        exercises_from=exercises_from,
        warning_signs=tuple(
            WarningSign(id=w.id, text=w.text, level=w.level, sources=w.sources)
            for w in kb.warning_signs
        ),
        medicines=compile_medicines(kb),
        wake=wake,
        sleep=sleep,
        timetable_from=tuple(sorted(starts - {0.0})),
    )
