"""The clinician report's questionnaire lines: each questionnaire's scores over the range.

For each questionnaire filled in during the range: the first and the latest result (the
score, and the band in words), what the change means against the questionnaire's
minimal clinically important change (MCID) when the knowledge base gives one, and every
reading with its date. Questionnaires the knowledge base defines but the person did not
fill in are listed as not recorded. Scores come from the definitions alone
(:func:`backcare.measures.score_questionnaire`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, tzinfo

from backcare.domain.questionnaire import QuestionnaireDefinition
from backcare.errors import InputError
from backcare.i18n import format_when, gettext
from backcare.knowledge.questionnaires import Questionnaires
from backcare.measures import QuestionnaireScore, score_questionnaire
from backcare.store.questionnaires import QuestionnaireResponseRecord

__all__ = ["QuestionnaireLine", "questionnaire_lines"]


@dataclass(frozen=True, slots=True)
class QuestionnaireLine:
    """One questionnaire over the range: first, latest, the change, every reading."""

    name: str
    first: str
    latest: str
    change: str
    readings: str


def _value(definition: QuestionnaireDefinition, score: QuestionnaireScore, score_id: str) -> str:
    spec = next(s for s in definition.scores if s.id == score_id)
    value = score.values[score_id]
    shown = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    return f"{shown} %" if spec.method == "percent" else shown


def _result(definition: QuestionnaireDefinition, score: QuestionnaireScore) -> str:
    main = definition.mcid.score if definition.mcid else definition.scores[0].id
    band = f" ({score.band.label})" if score.band else ""
    return _value(definition, score, main) + band


def _change(
    definition: QuestionnaireDefinition, first: QuestionnaireScore, latest: QuestionnaireScore
) -> str:
    mcid = definition.mcid
    if mcid is None:
        return "no agreed size of a meaningful change"
    moved = latest.values[mcid.score] - first.values[mcid.score]
    points = f"{abs(moved):.0f}" if float(moved).is_integer() else f"{abs(moved):.1f}"
    limit = f"meaningful: {mcid.points:g} points"
    if abs(moved) < mcid.points:
        return f"{points} points: no meaningful change ({limit})"
    better = (moved < 0) == (mcid.better == "lower")
    return f"{points} points {'better' if better else 'worse'} ({limit})"


def questionnaire_lines(
    responses: Sequence[QuestionnaireResponseRecord],
    questionnaires: Questionnaires,
    *,
    first_day: date,
    last_day: date,
    tz: tzinfo,
) -> tuple[list[QuestionnaireLine], list[str]]:
    """The lines of the questionnaires filled in over the range, and the titles of the rest."""
    lines: list[QuestionnaireLine] = []
    missing: list[str] = []
    for definition in questionnaires.definitions:
        scored: list[tuple[date, QuestionnaireScore]] = []
        for response in responses:
            day = response.answered_at.astimezone(tz).date()
            if response.questionnaire != definition.id or not first_day <= day <= last_day:
                continue
            try:
                scored.append((day, score_questionnaire(definition, response.answers)))
            except InputError:
                continue  # answers the current definition no longer scores
        if not scored:
            missing.append(definition.title)
            continue
        first, latest = scored[0][1], scored[-1][1]
        lines.append(
            QuestionnaireLine(
                name=definition.title,
                first=_result(definition, first),
                latest=_result(definition, latest) if len(scored) > 1 else "-",
                change=_change(definition, first, latest)
                if len(scored) > 1
                else gettext("filled in once"),
                readings="; ".join(
                    f"{format_when(day, 'day_month')}: {_result(definition, score)}"
                    for day, score in scored
                ),
            )
        )
    return lines, missing
