"""Build: turn :class:`~backcare.rules.decide.Decisions` into the assessment, once.

One :class:`Builder` assembles every result from decisions. It makes its parts
through :class:`Parts`: the engine's (:data:`backcare.rules.protocol.TYPED`) makes
the frozen pydantic models of :mod:`backcare.domain.results`; :data:`PLAIN` makes
JSON-ready dicts in the same field order, for the command line's fast path, which
must not import pydantic. Both go through this one builder, so they cannot
disagree, and the plain form is only ever handed out as JSON text
(:meth:`Builder.json_text`), so no caller can edit a part the builder shares.

Everything that does not depend on the person (reasons, questions, recommendation
items, exercises, warning signs) is built once. The larger pieces a result is made
of depend on a few of the decisions only (the triage on :class:`TriageDecisions`,
the day on :class:`DayDecisions`, the medicines on :class:`MedicineDecisions`), so
each is built once per distinct value of those and shared (results are immutable).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any, Protocol

from backcare.rules.decide import (
    ASK_FIRST,
    EMERGENCY,
    SUITABLE,
    DayDecisions,
    Decisions,
    EpisodeDecision,
    MedicineDecisions,
    Policy,
    Recommendation,
    TriageDecisions,
)

__all__ = ["PLAIN", "Builder", "Parts"]

# How many distinct triages, days and medicine sets are kept built (each is small).
_PARTS_KEPT = 2048


class Parts(Protocol):
    """How the builder makes the parts of a result: typed models, or plain dicts."""

    def leaf(self, kind: str, data: dict[str, Any]) -> Any:
        """A shared part (a reason, question, exercise...) from its canonical JSON form."""

    def builder(self, kind: str) -> Callable[..., Any]:
        """The constructor of a per-assessment part, called with every field by keyword,
        in the contract's field order."""

    def value(self, kind: str, raw: str) -> Any:
        """A contract enum value (``TriageLevel``, ``Phase``, ``MedicineStatus``)."""


class _Plain:
    """Parts as plain dicts: ``json.dumps`` of them is the contract's JSON."""

    def leaf(self, kind: str, data: dict[str, Any]) -> Any:
        return data

    def builder(self, kind: str) -> Callable[..., Any]:
        return dict

    def value(self, kind: str, raw: str) -> Any:
        return raw


PLAIN: Parts = _Plain()

_COMPOSITES = (
    "Assessment",
    "Triage",
    "CarePlan",
    "BodyMassIndex",
    "EpisodeAge",
    "ScheduleItem",
    "MedicineAdvice",
)


class Builder:
    """Build results from decisions with one :class:`Parts`.

    ``kept`` bounds how many distinct triages, days, medicine sets and question lists
    are kept built.
    """

    def __init__(self, policy: Policy, parts: Parts, *, kept: int = _PARTS_KEPT) -> None:
        protocol = policy.protocol
        self.policy = policy
        self.parts = parts
        texts: Mapping[str, Any] = protocol["texts"]
        self._texts = texts
        number = protocol["emergency_number"]
        self._make = {kind: parts.builder(kind) for kind in _COMPOSITES}
        self._levels = {name: parts.value("TriageLevel", name) for name in policy.levels}
        self._status_rank = {name: rank for rank, name in enumerate(protocol["statuses"])}
        self._statuses = {
            name: parts.value("MedicineStatus", name) for name in protocol["statuses"]
        }
        reasons = [reason for _, reason in protocol["flags"]]
        reasons += [reason for _, reason in protocol["rules"]]
        self._reasons = tuple(parts.leaf("Reason", reason) for reason in reasons)
        self._summaries = {
            level: text.format(number=number) for level, text in texts["summaries"].items()
        }
        self._emergency = parts.leaf(
            "EmergencyInstruction",
            {"number": number, "message": texts["emergency_message"].format(number=number)},
        )
        self._questions = tuple(parts.leaf("Question", q) for _, q in protocol["questions"])
        self._phases = {
            name: (parts.value("Phase", name), summary) for name, _, _, summary in policy.phases
        }
        self._items = {
            spec["id"]: parts.leaf("RecommendationItem", spec["item"])
            for spec in protocol["recommendations"]
        }
        self._exercises = {
            phase: tuple(parts.leaf("PlannedExercise", spec["item"]) for spec in specs)
            for phase, specs in policy.exercises.items()
        }
        self._session_clocks = {int(k): v for k, v in protocol["session_clocks"].items()}
        self._warning_signs = tuple(
            parts.leaf("WarningSign", sign) for sign in protocol["warning_signs"]
        )
        self._bmi_bands = tuple((band["below"], band["label"]) for band in texts["bmi"]["bands"])
        self._bmi_sources = tuple(texts["bmi"]["sources"])
        # Parts shared by results with equal decisions, bounded.
        self.triage = lru_cache(maxsize=kept)(self._triage)
        self.day = lru_cache(maxsize=kept)(self._day)
        self.medicines = lru_cache(maxsize=kept)(self._medicines)
        self.questions = lru_cache(maxsize=kept)(self._unanswered)
        self.bmi = lru_cache(maxsize=kept)(self._bmi)
        # The plan but its BMI depends on a few decisions only, which many people share.
        self.plan_fields = lru_cache(maxsize=kept)(self._plan_fields)
        # The exercise positions of each phase, for the note on positions left out.
        self._positions_in = {
            phase: frozenset(spec["position"] for spec in specs)
            for phase, specs in policy.exercises.items()
        }

    # -- the whole assessment --

    def build(self, decisions: Decisions) -> Any:
        """The assessment these decisions make."""
        return self._make["Assessment"](
            contract_version=1,
            triage=self.triage(decisions.triage),
            plan=self._plan(decisions),
            next_questions=self.questions(decisions.unanswered),
            disclaimer=self._texts["disclaimer"],
            episode=self._episode(decisions.episode),
        )

    def json_text(self, decisions: Decisions, *, indent: int | None = None) -> str:
        """The assessment as the contract's JSON text (plain parts only)."""
        separators = (",", ":") if indent is None else None
        return json.dumps(
            self.build(decisions), ensure_ascii=False, indent=indent, separators=separators
        )

    def bmi_band(self, value: float) -> str:
        """The WHO adult BMI band of ``value`` (kg/m²), as the knowledge base words it."""
        for below, label in self._bmi_bands:
            if below is None or value < below:
                return str(label)
        raise AssertionError("the BMI bands leave no upper band")  # pragma: no cover

    def exercises_in(self, phase: str) -> tuple[Any, ...]:
        """The exercises a phase allows (before any triage hold)."""
        return self._exercises[phase]

    # -- parts --

    def _triage(self, triage: TriageDecisions) -> Any:
        summary = self._summaries[triage.level]
        if triage.missing and triage.level != EMERGENCY:
            summary += " " + self._texts["incomplete"]
        return self._make["Triage"](
            level=self._levels[triage.level],
            reasons=tuple([self._reasons[i] for i in triage.fired]),
            complete=not triage.missing,
            missing=triage.missing,
            summary=summary,
            emergency=self._emergency if triage.level == EMERGENCY else None,
        )

    def _unanswered(self, unanswered: tuple[bool, ...]) -> tuple[Any, ...]:
        pairs = zip(self._questions, unanswered, strict=True)
        return tuple([question for question, missing in pairs if missing])

    def _episode(self, episode: EpisodeDecision) -> Any:
        note = None
        if episode.contradiction is not None:
            days, hours = episode.contradiction
            note = self._texts["contradictory_timing"].format(days=days, hours=hours)
        return self._make["EpisodeAge"](days=episode.days, source=episode.source, note=note)

    def _plan(self, decisions: Decisions) -> Any:
        fields = self.plan_fields(
            decisions.phase,
            decisions.onset_assumed,
            decisions.episode.contradiction,
            decisions.day,
            decisions.medicines,
        )
        bmi = decisions.bmi
        return self._make["CarePlan"](**fields, bmi=None if bmi is None else self.bmi(bmi))

    def _plan_fields(
        self,
        phase: str,
        onset_assumed: bool,
        contradiction: tuple[int, float] | None,
        day: DayDecisions | None,
        medicines: MedicineDecisions | None,
    ) -> dict[str, Any]:
        """Every field of the plan but the BMI, in the contract's order (shared: never
        edit the dict; the plan is made from a copy)."""
        phase_value, summary = self._phases[phase]
        texts = self._texts
        if day is None or medicines is None:  # an emergency: no plan
            return {
                "phase": phase_value,
                "phase_note": texts["emergency_note"],
                "recommendations": (),
                "medications": (),
                "exercises": (),
                "schedule": (),
                "see_doctor_if": (),
            }
        note = summary
        if onset_assumed:
            note += " " + texts["assumed_onset"]
        if day.hold_exercises:
            note += " " + texts["urgent_note"]
        if contradiction is not None:
            days, hours = contradiction
            note += " " + texts["contradictory_timing"].format(days=days, hours=hours)
        if not day.hold_exercises:
            # Say why exercises of this phase are missing (e.g. lying on the back in pregnancy).
            positions = self._positions_in[day.phase]
            for (position, _, why), out in zip(self.policy.positions, day.left_out, strict=True):
                if out and position in positions:
                    note += " " + why
        recommendations, exercises, schedule = self.day(day)
        return {
            "phase": phase_value,
            "phase_note": note,
            "recommendations": recommendations,
            "medications": self.medicines(medicines),
            "exercises": exercises,
            "schedule": schedule,
            "see_doctor_if": self._warning_signs,
        }

    def _bmi(self, value: float) -> Any:
        return self._make["BodyMassIndex"](
            value=value, category=self.bmi_band(value), sources=self._bmi_sources
        )

    def _day(self, day: DayDecisions) -> tuple[Any, Any, Any]:
        """Recommendations, exercises and schedule of one day."""
        policy = self.policy
        conditional = policy.conditional[day.phase]
        excluded = {rec.id for rec, ok in zip(conditional, day.applies, strict=True) if not ok}
        recs = [
            rec
            for rec in policy.by_phase[day.phase]
            if rec.id not in excluded and not (day.hold_exercises and rec.exercise)
        ]
        # A variant that applies (e.g. for pregnancy) stands in for the advice it replaces.
        replaced = frozenset().union(*(rec.replaces for rec in recs))
        if replaced:
            recs = [rec for rec in recs if rec.id not in replaced]
        kept: list[tuple[Any, Mapping[str, Any]]] = []
        if not day.hold_exercises:
            gone = {
                position
                for (position, _, _), out in zip(policy.positions, day.left_out, strict=True)
                if out
            }
            kept = [
                (leaf, spec)
                for leaf, spec in zip(
                    self._exercises[day.phase], policy.exercises[day.phase], strict=True
                )
                if spec["position"] not in gone
            ]
        ready = {0.0}.union(
            start for start, ok in zip(policy.timetable_from, day.timetabled, strict=True) if ok
        )
        return (
            tuple([self._items[rec.id] for rec in recs]),
            tuple([leaf for leaf, _ in kept]),
            self._schedule(recs, [spec for _, spec in kept], ready),
        )

    def _schedule(
        self,
        recs: Sequence[Recommendation],
        exercises: Sequence[Mapping[str, Any]],
        ready: set[float],
    ) -> tuple[Any, ...]:
        make = self._make["ScheduleItem"]
        items: list[tuple[str, str, Any]] = []
        for rec in recs:
            # A recommendation can be offered before it is timetabled (heat from 48 h is an
            # option, but cold stays the scheduled action until 72 h; see conflicts.yaml).
            if rec.schedule is None or rec.schedule[0] not in ready:
                continue
            _, clocks, title, minutes = rec.schedule
            items += [
                (clock, rec.id, make(time=clock, action=rec.id, title=title, minutes=minutes))
                for clock in clocks
            ]
        if exercises:
            per_day = max(spec["item"]["times_per_day"] for spec in exercises)
            title = (
                self._texts["exercise_session"]
                + ": "
                + ", ".join(spec["item"]["name"] for spec in exercises)
            )
            items += [
                (
                    clock,
                    "exercises",
                    make(time=clock, action="exercises", title=title, minutes=None),
                )
                for clock in self._session_clocks[per_day]
            ]
        items.sort(key=lambda item: (item[0], item[1]))
        return tuple([item[2] for item in items])

    def _medicines(self, decisions: MedicineDecisions) -> tuple[Any, ...]:
        """Advice for every medicine in the knowledge base, in knowledge-base order."""
        return tuple(
            [
                self._advise(medicine.spec, decisions.conditions_unknown, fired)
                for medicine, fired in zip(self.policy.medicines, decisions.fired, strict=True)
            ]
        )

    def _advise(self, med: Mapping[str, Any], unknown: bool, fired: tuple[int, ...]) -> Any:
        rank = self._status_rank
        status = SUITABLE
        reasons: list[str] = []
        sources = list(med["sources"])
        max_daily_mg, usual_dose = med["max_daily_mg"], None
        if not med["otc"]:
            status = ASK_FIRST
        elif unknown:
            status = ASK_FIRST
            reasons.append(self._texts["unknown_conditions"])
        for index in fired:
            rule = med["rules"][index]
            status = max(status, rule["status"], key=rank.__getitem__)
            reasons.append(rule["reason"])
            sources.extend(s for s in rule["sources"] if s not in sources)
            # The lowest maximum wins; 0 means none can be given here (None stays None).
            if rule["max_daily_mg"] is not None and max_daily_mg is not None:
                max_daily_mg = min(max_daily_mg, rule["max_daily_mg"]) or None
            if usual_dose is None:
                usual_dose = rule["usual_dose"]
        if not med["otc"] and not reasons:
            reasons.append(self._texts["not_otc"])
        return self._make["MedicineAdvice"](
            drug=med["id"],
            name=med["name"],
            status=self._statuses[status],
            reasons=tuple(dict.fromkeys(reasons)),
            usual_dose=med["usual_dose"] if usual_dose is None else usual_dose,
            min_interval_hours=med["min_interval_hours"],
            max_daily_mg=max_daily_mg,
            max_days=med["max_days"],
            notes=tuple(med["notes"]),
            sources=tuple(sources),
        )
