"""Over-the-counter medicine advice, checked against the person's conditions.

Each medicine starts ``suitable`` and every matching contraindication rule can
only make it stricter (``ask_first``, then ``avoid``). When the person has not
said which conditions they have, nothing is ``suitable``: every OTC medicine is
``ask_first`` until they answer, because an unanswered question is not a "no".
Prescription-only treatments are always "ask a doctor".
"""

from __future__ import annotations

from dataclasses import dataclass

from backcare.domain.answers import Answers
from backcare.domain.enums import MedicineStatus
from backcare.domain.results import MedicineAdvice
from backcare.knowledge.schema import KnowledgeBase, Medicine
from backcare.rules.conditions import Predicate, compile_condition

__all__ = ["CompiledMedicines", "compile_medicines"]

_UNKNOWN_CONDITIONS = (
    "You have not told us about your health conditions yet (for example pregnancy, stomach "
    "ulcers, kidney or heart disease): ask a pharmacist or doctor first, or answer that question."
)
_NOT_OTC = "Prescription only: ask a doctor; backcare never suggests taking it on your own."


@dataclass(frozen=True, slots=True)
class _CompiledMedicine:
    medicine: Medicine
    rules: tuple[tuple[Predicate, MedicineStatus, str, tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class CompiledMedicines:
    """The medicines of one knowledge base with their compiled contraindication rules."""

    medicines: tuple[_CompiledMedicine, ...]

    def advise(self, answers: Answers) -> tuple[MedicineAdvice, ...]:
        """Advice for every medicine in the knowledge base, in knowledge-base order."""
        return tuple(self._advise_one(m, answers) for m in self.medicines)

    @staticmethod
    def _advise_one(compiled: _CompiledMedicine, answers: Answers) -> MedicineAdvice:
        med = compiled.medicine
        status = MedicineStatus.SUITABLE
        reasons: list[str] = []
        sources = list(med.sources)
        if not med.otc:
            status = MedicineStatus.ASK_FIRST
        elif answers.conditions is None:
            status = MedicineStatus.ASK_FIRST
            reasons.append(_UNKNOWN_CONDITIONS)
        for fires, rule_status, reason, rule_sources in compiled.rules:
            if fires(answers):
                status = max(status, rule_status, key=lambda s: s.rank)
                reasons.append(reason)
                sources.extend(s for s in rule_sources if s not in sources)
        if not med.otc and not reasons:
            reasons.append(_NOT_OTC)
        return MedicineAdvice.model_construct(
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
    return CompiledMedicines(
        tuple(
            _CompiledMedicine(
                med,
                tuple(
                    (compile_condition(r.when), r.status, r.reason, r.sources) for r in med.rules
                ),
            )
            for med in kb.medicines
        )
    )
