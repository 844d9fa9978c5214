"""Over-the-counter medicine advice, checked against the person's conditions.

Each medicine starts ``suitable`` and every matching contraindication rule can
only make it stricter (``ask_first``, then ``avoid``). When the person has not
said which conditions they have, nothing is ``suitable``: every OTC medicine is
``ask_first`` until they answer, because an unanswered question is not a "no".
Prescription-only treatments are always "ask a doctor".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from backcare.domain.enums import MedicineStatus
from backcare.domain.results import MedicineAdvice, trusted
from backcare.knowledge.schema import KnowledgeBase, Medicine
from backcare.rules.conditions import Facts, Predicate, compile_condition

__all__ = ["CompiledMedicines", "compile_medicines"]

_UNKNOWN_CONDITIONS = (
    "You have not told us about your health conditions yet (for example pregnancy, stomach "
    "ulcers, kidney or heart disease): ask a pharmacist or doctor first, or answer that question."
)
_NOT_OTC = "Prescription only: ask a doctor; backcare never suggests taking it on your own."


_Rule = tuple[Predicate, MedicineStatus, str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class _CompiledMedicine:
    medicine: Medicine
    rules: tuple[_Rule, ...]
    # Most rules are "the person has condition X": index those by condition so only the
    # person's own conditions are looked at; the rest are evaluated as predicates.
    by_condition: dict[str, tuple[int, ...]]
    general: tuple[tuple[int, Predicate], ...]

    def fired(self, facts: Facts) -> tuple[int, ...]:
        hits = {i for i, predicate in self.general if predicate(facts)}
        for condition in facts["conditions"] or ():
            hits.update(self.by_condition.get(condition, ()))
        return tuple(sorted(hits))


@dataclass(frozen=True, slots=True)
class CompiledMedicines:
    """The medicines of one knowledge base with their compiled contraindication rules."""

    medicines: tuple[_CompiledMedicine, ...]
    # Advice depends only on which rules fire, so each outcome is built once and shared.
    _advice: dict[tuple[int, bool, tuple[int, ...]], MedicineAdvice] = field(default_factory=dict)

    def advise(self, facts: Facts) -> tuple[MedicineAdvice, ...]:
        """Advice for every medicine in the knowledge base, in knowledge-base order."""
        unknown = facts["conditions"] is None
        out = []
        for index, compiled in enumerate(self.medicines):
            fired = compiled.fired(facts)
            key = (index, unknown, fired)
            advice = self._advice.get(key)
            if advice is None:
                advice = self._advice[key] = self._advise_one(compiled, unknown, fired)
            out.append(advice)
        return tuple(out)

    @staticmethod
    def _advise_one(
        compiled: _CompiledMedicine, unknown_conditions: bool, fired: tuple[int, ...]
    ) -> MedicineAdvice:
        med = compiled.medicine
        status = MedicineStatus.SUITABLE
        reasons: list[str] = []
        sources = list(med.sources)
        if not med.otc:
            status = MedicineStatus.ASK_FIRST
        elif unknown_conditions:
            status = MedicineStatus.ASK_FIRST
            reasons.append(_UNKNOWN_CONDITIONS)
        for index in fired:
            _, rule_status, reason, rule_sources = compiled.rules[index]
            status = max(status, rule_status, key=lambda s: s.rank)
            reasons.append(reason)
            sources.extend(s for s in rule_sources if s not in sources)
        if not med.otc and not reasons:
            reasons.append(_NOT_OTC)
        return trusted(
            MedicineAdvice,
            drug=med.id,
            name=med.name,
            status=status,
            reasons=tuple(dict.fromkeys(reasons)),
            usual_dose=med.usual_dose,
            min_interval_hours=med.min_interval_hours,
            max_daily_mg=med.max_daily_mg,
            max_days=med.max_days,
            notes=med.notes,
            sources=tuple(sources),
        )


def compile_medicines(kb: KnowledgeBase) -> CompiledMedicines:
    """Compile the contraindication rules of every medicine in ``kb``."""
    return CompiledMedicines(tuple(_compile(med) for med in kb.medicines))


def _compile(med: Medicine) -> _CompiledMedicine:
    rules = tuple((compile_condition(r.when), r.status, r.reason, r.sources) for r in med.rules)
    by_condition: dict[str, list[int]] = {}
    general: list[tuple[int, Predicate]] = []
    for index, rule in enumerate(med.rules):
        when = rule.when
        if when.answer == "conditions" and when.contains is not None and not when.or_unanswered:
            by_condition.setdefault(when.contains, []).append(index)
        else:
            general.append((index, rules[index][0]))
    return _CompiledMedicine(
        medicine=med,
        rules=rules,
        by_condition={name: tuple(ids) for name, ids in by_condition.items()},
        general=tuple(general),
    )
