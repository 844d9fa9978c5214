"""Questionnaire use-cases: record, list and score the questionnaires of an episode.

:class:`QuestionnaireService` works on an open :class:`~backcare.diary.Diary` and the
questionnaire definitions of the knowledge base
(:func:`~backcare.knowledge.questionnaires.load_questionnaires`). Answers are checked
and scored against the definition before anything is saved, so a stored response
always scores; a problem names the item and says what is wrong in plain words. Scores
are worked out from the stored answers each time they are read (:class:`ScoredResponse`).
The CLI (``backcare questionnaire``) and the web pages and API call this; none of them
score anything themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from backcare.diary.inputs import CLOCK_SKEW, bounded_time
from backcare.diary.service import Diary
from backcare.domain.questionnaire import QuestionnaireDefinition
from backcare.errors import BackcareError
from backcare.knowledge.questionnaires import Questionnaires
from backcare.measures import QuestionnaireScore, score_questionnaire
from backcare.store.questionnaires import (
    NewQuestionnaireResponse,
    QuestionnaireRepository,
    QuestionnaireResponseRecord,
)

__all__ = ["QuestionnaireService", "ScoredResponse", "format_score", "scored"]


@dataclass(frozen=True, slots=True)
class ScoredResponse:
    """A stored response with its definition and score.

    ``definition`` and ``score`` are ``None`` only when the knowledge base no longer
    has the questionnaire (or its answers no longer fit it); ``problem`` then says why.
    """

    record: QuestionnaireResponseRecord
    definition: QuestionnaireDefinition | None
    score: QuestionnaireScore | None
    problem: str | None = None

    @property
    def title(self) -> str:
        """The questionnaire's title, or its id when the definition is gone."""
        return self.definition.title if self.definition else self.record.questionnaire


def format_score(value: float) -> str:
    """A score as a person reads it: whole numbers plainly, others to one decimal."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def scored(
    records: Iterable[QuestionnaireResponseRecord], questionnaires: Questionnaires
) -> list[ScoredResponse]:
    """Score stored responses with the current definitions (never raises)."""
    result: list[ScoredResponse] = []
    known = {d.id: d for d in questionnaires.definitions}
    for record in records:
        definition = known.get(record.questionnaire)
        if definition is None:
            problem = (
                f"the questionnaire {record.questionnaire!r} is no longer in the knowledge base"
            )
            result.append(ScoredResponse(record, None, None, problem))
            continue
        try:
            score = score_questionnaire(definition, record.answers)
        except BackcareError as exc:
            result.append(ScoredResponse(record, definition, None, str(exc)))
            continue
        result.append(ScoredResponse(record, definition, score))
    return result


class QuestionnaireService:
    """Record and read an episode's questionnaires.

    Args:
        diary: the open diary.
        questionnaires: the definitions; default: the diary's (the shipped knowledge base
            unless the diary was given others).
    """

    def __init__(self, diary: Diary, questionnaires: Questionnaires | None = None) -> None:
        self.diary = diary
        self.questionnaires = questionnaires if questionnaires is not None else diary.questionnaires

    def definitions(self) -> tuple[QuestionnaireDefinition, ...]:
        """Every questionnaire backcare can collect."""
        return self.questionnaires.definitions

    def definition(self, questionnaire_id: str) -> QuestionnaireDefinition:
        """One questionnaire's definition.

        Raises:
            NotFoundError: there is no such questionnaire.
        """
        return self.questionnaires.get(questionnaire_id)

    def score(self, questionnaire_id: str, answers: Mapping[str, object]) -> QuestionnaireScore:
        """Score answers without saving them.

        Raises:
            NotFoundError: no such questionnaire.
            InputError: an answer is missing or not one the item offers (named).
        """
        return score_questionnaire(self.definition(questionnaire_id), answers)

    def record(
        self,
        questionnaire_id: str,
        answers: Mapping[str, object],
        *,
        episode_id: int | None = None,
        at: datetime | None = None,
    ) -> ScoredResponse:
        """Check, score and save a completed questionnaire to an episode.

        Args:
            questionnaire_id: which questionnaire.
            answers: the answer value per item id (blank optional items left out or ``None``).
            episode_id: default: the active episode, else the latest.
            at: when it was completed (aware); default: now. Not before the episode began.

        Raises:
            NotFoundError: no such questionnaire or episode.
            InputError: an answer is missing or invalid, or the time is out of range.
        """
        definition = self.definition(questionnaire_id)
        score = score_questionnaire(definition, answers)
        kept = {
            item.id: str(answers[item.id])
            for item in definition.items
            if answers.get(item.id) is not None and answers.get(item.id) != ""
        }
        now = self.diary.now()
        with self.diary.store.write() as repo:
            episode = self.diary._episode(repo, episode_id)
            when = bounded_time(
                now if at is None else at,
                field="at",
                earliest=episode.onset_at,
                latest=now + CLOCK_SKEW,
                what="the episode began",
            )
            record = QuestionnaireRepository(repo).add(
                episode.id,
                NewQuestionnaireResponse(
                    questionnaire=definition.id,
                    version=definition.version,
                    answered_at=when,
                    answers=kept,
                ),
            )
        return ScoredResponse(record, definition, score)

    def response(self, response_id: int) -> ScoredResponse:
        """One stored response, scored.

        Raises:
            NotFoundError: there is no such response.
        """
        with self.diary.store.read() as repo:
            record = QuestionnaireRepository(repo).response(response_id)
        return scored([record], self.questionnaires)[0]

    def responses(
        self, episode_id: int | None = None, *, questionnaire: str | None = None
    ) -> list[ScoredResponse]:
        """An episode's responses (default: active, else latest episode), oldest first, scored.

        Raises:
            NotFoundError: no such episode, or the diary is empty.
        """
        with self.diary.store.read() as repo:
            episode = self.diary._episode(repo, episode_id)
            records = QuestionnaireRepository(repo).responses(
                episode.id, questionnaire=questionnaire
            )
        return scored(records, self.questionnaires)
