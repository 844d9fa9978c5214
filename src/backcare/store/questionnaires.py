"""Questionnaire responses of an episode: the table, its record and its repository.

::

    episodes 1──* questionnaire_responses   (one row per completed questionnaire)

A response keeps which questionnaire (its knowledge-base id and version) was answered,
when, and the answer chosen per item (a JSON object of item id to answer value; a blank
optional item is left out). Scores are not stored: they are worked out from the
answers and the questionnaire's definition whenever they are shown, so they can never
disagree with the answers. Created by migration 0005.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from backcare.errors import NotFoundError
from backcare.i18n import gettext
from backcare.store.repository import DiaryRepository
from backcare.store.tables import Base, Episode

__all__ = [
    "NewQuestionnaireResponse",
    "QuestionnaireRepository",
    "QuestionnaireResponseRecord",
    "QuestionnaireResponseRow",
]


class QuestionnaireResponseRow(Base):
    """One completed questionnaire (table ``questionnaire_responses``)."""

    __tablename__ = "questionnaire_responses"
    __table_args__ = (
        Index("ix_questionnaire_responses_episode_id_answered_at", "episode_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    questionnaire: Mapped[str] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(60))
    answered_at: Mapped[datetime]
    answers: Mapped[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class NewQuestionnaireResponse:
    """A completed questionnaire to save (already checked against its definition)."""

    questionnaire: str
    version: str
    answered_at: datetime
    answers: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class QuestionnaireResponseRecord:
    """A saved questionnaire response."""

    id: int
    episode_id: int
    questionnaire: str
    version: str
    answered_at: datetime
    answers: dict[str, str]


_COLUMNS = (
    QuestionnaireResponseRow.id,
    QuestionnaireResponseRow.episode_id,
    QuestionnaireResponseRow.questionnaire,
    QuestionnaireResponseRow.version,
    QuestionnaireResponseRow.answered_at,
    QuestionnaireResponseRow.answers,
)


def _record(row: Any) -> QuestionnaireResponseRecord:
    return QuestionnaireResponseRecord(
        id=row.id,
        episode_id=row.episode_id,
        questionnaire=row.questionnaire,
        version=row.version,
        answered_at=row.answered_at,
        answers={str(k): str(v) for k, v in row.answers.items()},
    )


class QuestionnaireRepository:
    """Questionnaire-response queries on an open transaction, for one person's episodes.

    Args:
        diary: The repository of an open :meth:`~backcare.store.Store.read` or
            :meth:`~backcare.store.Store.write` block; its person's episodes are the only
            ones reached (another person's episode or response is "not found").
    """

    def __init__(self, diary: DiaryRepository) -> None:
        self.diary = diary
        self.session: Session = diary.session

    def add(self, episode_id: int, new: NewQuestionnaireResponse) -> QuestionnaireResponseRecord:
        """Save a response to one of the person's episodes and return it with its id.

        Raises:
            NotFoundError: The episode is not this person's.
        """
        self.diary.require_episode(episode_id)
        response_id = self.session.execute(
            insert(QuestionnaireResponseRow)
            .values(
                episode_id=episode_id,
                questionnaire=new.questionnaire,
                version=new.version,
                answered_at=new.answered_at,
                answers=dict(new.answers),
            )
            .returning(QuestionnaireResponseRow.id)
        ).scalar_one()
        return self.response(response_id)

    def response(self, response_id: int) -> QuestionnaireResponseRecord:
        """The response with this id.

        Raises:
            NotFoundError: there is none.
        """
        mine = select(Episode.id).where(Episode.patient_id == self.diary.person)
        row = self.session.execute(
            select(*_COLUMNS).where(
                QuestionnaireResponseRow.id == response_id,
                QuestionnaireResponseRow.episode_id.in_(mine),
            )
        ).first()
        if row is None:
            raise NotFoundError(
                gettext("no questionnaire response {response_id} in the diary").format(
                    response_id=response_id
                )
            )
        return _record(row)

    def responses(
        self, episode_id: int, *, questionnaire: str | None = None
    ) -> list[QuestionnaireResponseRecord]:
        """An episode's responses, oldest first (optionally of one questionnaire only).

        Raises:
            NotFoundError: The episode is not this person's.
        """
        self.diary.require_episode(episode_id)
        query = select(*_COLUMNS).where(QuestionnaireResponseRow.episode_id == episode_id)
        if questionnaire is not None:
            query = query.where(QuestionnaireResponseRow.questionnaire == questionnaire)
        rows = self.session.execute(
            query.order_by(QuestionnaireResponseRow.answered_at, QuestionnaireResponseRow.id)
        )
        return [_record(row) for row in rows]
