"""Requests a phone may send twice: idempotency keys of check-ins (table ``idempotency_keys``).

::

    checkins 1──0..1 idempotency_keys   (key: a UUID the browser made with the check-in)

A check-in made offline is queued on the phone and sent when it is back online; a
lost answer makes the phone send it again. The key is stored in the same transaction
as the check-in, under a primary key, so a check-in (and its doses) is recorded at
most once per key whatever the timing. The row keeps a fingerprint of the request
(to refuse the same key with a different check-in) and the original answer (to give
a repeat exactly what the first request got). Created by migration 0007.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from backcare.store.repository import DiaryRepository
from backcare.store.tables import Base, Episode
from backcare.store.tables import CheckIn as CheckInRow

__all__ = ["IdempotencyKey", "RequestRepository", "StoredResponse"]


class IdempotencyKey(Base):
    """A key a client sent with a check-in, and what the check-in answered."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(36), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    checkin_id: Mapped[int] = mapped_column(
        ForeignKey("checkins.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    response: Mapped[dict[str, Any]] = mapped_column(JSON())


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """The first answer given for a key, with the fingerprint of its request."""

    fingerprint: str
    checkin_id: int
    response: dict[str, Any]
    mine: bool
    """Whether the key's check-in is the acting person's (another's is never replayed)."""


class RequestRepository:
    """Reads and writes idempotency keys inside the caller's transaction, for one person.

    Args:
        diary: The repository of an open write block; a key used by another person's
            check-in is reported as not this person's, and its answer is never returned.
    """

    def __init__(self, diary: DiaryRepository) -> None:
        self.diary = diary
        self.session: Session = diary.session

    def find(self, key: str) -> StoredResponse | None:
        """What was answered for ``key``, if it was seen."""
        row = self.session.execute(
            select(
                IdempotencyKey.fingerprint,
                IdempotencyKey.checkin_id,
                IdempotencyKey.response,
                Episode.patient_id,
            )
            .join(CheckInRow, CheckInRow.id == IdempotencyKey.checkin_id)
            .join(Episode, Episode.id == CheckInRow.episode_id)
            .where(IdempotencyKey.key == key)
        ).first()
        if row is None:
            return None
        return StoredResponse(
            fingerprint=row[0],
            checkin_id=row[1],
            response=dict(row[2]),
            mine=row[3] == self.diary.person,
        )

    def add(
        self,
        key: str,
        *,
        fingerprint: str,
        checkin_id: int,
        created_at: datetime,
        response: dict[str, Any],
    ) -> None:
        """Record a key (the primary key refuses a second row with the same key)."""
        self.session.execute(
            insert(IdempotencyKey).values(
                key=key,
                fingerprint=fingerprint,
                checkin_id=checkin_id,
                created_at=created_at,
                response=response,
            )
        )
