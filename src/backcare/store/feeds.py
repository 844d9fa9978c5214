"""Each person's secret calendar link: hashes of calendar tokens (table ``calendar_tokens``).

A phone's calendar app subscribes to ``/calendar/TOKEN.ics`` without a cookie, so the
token is the only key to the feed. Only its SHA-256 is stored (a token is 256 random
bits, so a plain digest is enough: there is nothing to guess), and a token is found by
that digest in the database, never by comparing tokens. Every token has an owner
(``person_id``; ``NULL`` is a local diary's one person): the person's newest link
revokes their earlier ones and nobody else's, and a revoked row stays so the link keeps
answering 404. Created by migration 0007, owners by 0009.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, ForeignKey, Integer, String, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from backcare.store.repository import LOCAL_PERSON
from backcare.store.tables import Base

__all__ = ["CalendarToken", "FeedRepository", "calendar_owner"]


class CalendarToken(Base):
    """A calendar link's token, hashed; ``revoked_at`` set once it no longer works."""

    __tablename__ = "calendar_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )


def _stored_owner(person: int) -> int | None:
    return None if person == LOCAL_PERSON else person


def _owned_by(person: int) -> ColumnElement[bool]:
    owner = _stored_owner(person)
    column = CalendarToken.person_id
    return column.is_(None) if owner is None else column == owner


def calendar_owner(session: Session, token_hash: str) -> int | None:
    """Whose working calendar token this is (``users.id``), or ``None`` if none works.

    The one lookup without an acting person: the token is the caller's only credential.
    What its owner's feed may show is then read through the owner's own scope.
    """
    row = session.execute(
        select(CalendarToken.person_id).where(
            CalendarToken.token_hash == token_hash, CalendarToken.revoked_at.is_(None)
        )
    ).first()
    if row is None:
        return None
    return LOCAL_PERSON if row.person_id is None else int(row.person_id)


class FeedRepository:
    """One person's calendar tokens, inside the caller's transaction.

    Args:
        session: the open session.
        person: whose tokens (``users.id``); default: a local diary's one person.
    """

    def __init__(self, session: Session, person: int = LOCAL_PERSON) -> None:
        self.session = session
        self.person = person

    def replace(self, token_hash: str, *, now: datetime) -> None:
        """Revoke the person's working tokens and store a new one."""
        self.revoke_all(now=now)
        self.session.execute(
            insert(CalendarToken).values(
                token_hash=token_hash, created_at=now, person_id=_stored_owner(self.person)
            )
        )

    def revoke_all(self, *, now: datetime) -> int:
        """Revoke the person's working tokens; returns how many there were."""
        result = self.session.execute(
            update(CalendarToken)
            .where(_owned_by(self.person), CalendarToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def works(self, token_hash: str) -> bool:
        """Whether a token with this hash is the person's and is not revoked."""
        found = self.session.execute(
            select(CalendarToken.id).where(
                CalendarToken.token_hash == token_hash,
                CalendarToken.revoked_at.is_(None),
                _owned_by(self.person),
            )
        ).first()
        return found is not None

    def active_since(self) -> datetime | None:
        """When the person's working link was made, if there is one."""
        return self.session.execute(
            select(CalendarToken.created_at).where(
                _owned_by(self.person), CalendarToken.revoked_at.is_(None)
            )
        ).scalar_one_or_none()
