"""Triage: the highest level any red flag or rule gives, and what is still unknown.

Safety properties (tested, and guaranteed by the condition language):
- each red flag answered "yes" gives at least its own level;
- answering one more question "yes" never lowers the level (rules cannot negate);
- an unanswered screening question is never read as "no": ``complete`` stays
  false and the question is listed in ``missing``, most dangerous first.
"""

from __future__ import annotations

from dataclasses import dataclass

from backcare.domain.enums import TriageLevel
from backcare.domain.results import EmergencyInstruction, Reason, Triage, trusted
from backcare.knowledge.schema import KnowledgeBase
from backcare.rules.conditions import Facts, Predicate, compile_condition

__all__ = ["CompiledTriage", "compile_triage"]

_SUMMARIES = {
    TriageLevel.EMERGENCY: "Call {number} or go to the emergency department now.",
    TriageLevel.URGENT: (
        "Get medical advice today: an urgent GP appointment, an urgent care service or "
        "NHS 111 (or your local equivalent)."
    ),
    TriageLevel.SEE_DOCTOR: (
        "Book a doctor's appointment within the next few days; meanwhile follow the self-care plan."
    ),
    TriageLevel.SELF_CARE: (
        "Nothing you told us points to a serious cause: follow the self-care plan and watch "
        "for the warning signs."
    ),
}
_INCOMPLETE = (
    " Some safety questions are still unanswered, so this result is provisional: "
    "please answer them."
)


@dataclass(frozen=True, slots=True)
class _Rule:
    reason: Reason
    fires: Predicate


@dataclass(frozen=True, slots=True)
class CompiledTriage:
    """The triage rules of one knowledge base, compiled for repeated use."""

    flags: tuple[tuple[str, Reason], ...]  # (answer path, reason if "yes")
    rules: tuple[_Rule, ...]
    screening: tuple[str, ...]  # answer paths, most dangerous first
    summaries: dict[TriageLevel, str]
    emergency: EmergencyInstruction

    def run(self, facts: Facts) -> Triage:
        """Triage one set of answers.

        Args:
            facts: the validated answers flattened by ``facts_of``; unanswered is ``None``.
        """
        fired = [reason for path, reason in self.flags if facts[path] is True]
        fired += [rule.reason for rule in self.rules if rule.fires(facts)]
        # Most severe first, then knowledge-base order, so the first reason explains the level.
        fired.sort(key=_severity)
        level = fired[0].level if fired else TriageLevel.SELF_CARE
        missing = tuple(path for path in self.screening if facts[path] is None)
        summary = self.summaries[level]
        if missing and level is not TriageLevel.EMERGENCY:
            summary += _INCOMPLETE
        return trusted(
            Triage,
            level=level,
            reasons=tuple(fired),
            complete=not missing,
            missing=missing,
            summary=summary,
            emergency=self.emergency if level is TriageLevel.EMERGENCY else None,
        )


def _severity(reason: Reason) -> int:
    return -reason.level.rank


def compile_triage(kb: KnowledgeBase, *, emergency_number: str) -> CompiledTriage:
    """Compile the red flags, triage rules and screening questions of ``kb``.

    Args:
        kb: the knowledge base.
        emergency_number: the number every emergency instruction tells the person to call.
    """
    flags = tuple(
        (
            flag.answer,
            Reason(id=flag.id, message=flag.reason, level=flag.level, sources=flag.sources),
        )
        for flag in kb.red_flags
    )
    rules = tuple(
        _Rule(
            Reason(id=rule.id, message=rule.message, level=rule.level, sources=rule.sources),
            compile_condition(rule.when),
        )
        for rule in kb.triage_rules
    )
    screening = [(flag.priority, flag.answer) for flag in kb.red_flags]
    screening += [(q.priority, q.answer) for q in kb.intake if q.screening]
    return CompiledTriage(
        flags=flags,
        rules=rules,
        screening=tuple(path for _, path in sorted(screening)),
        summaries={
            level: text.format(number=emergency_number) for level, text in _SUMMARIES.items()
        },
        emergency=EmergencyInstruction(
            number=emergency_number,
            message=(
                f"Call {emergency_number} now (or go straight to the nearest emergency "
                "department). Do not drive yourself. Stop the self-care plan: no exercises, "
                "no heat or cold, and do not take anything by mouth unless told to."
            ),
        ),
    )
