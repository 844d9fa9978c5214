"""The person's secret calendar link: hashes of calendar tokens (table ``calendar_tokens``).

A phone's calendar app subscribes to ``/calendar/TOKEN.ics`` without a cookie, so the
token is the only key to the feed. Only its SHA-256 is stored (a token is 256 random
bits, so a plain digest is enough: there is nothing to guess), the newest link
revokes the ones before it, and a revoked row stays so the link keeps answering 404.
Created by migration 0007.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from backcare.store.tables import Base

__all__ = ["CalendarToken", "FeedRepository"]


class CalendarToken(Base):
    """A calendar link's token, hashed; ``revoked_at`` set once it no longer works."""

    __tablename__ = "calendar_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class FeedRepository:
    """Calendar tokens, inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def replace(self, token_hash: str, *, now: datetime) -> None:
        """Revoke every working token and store a new one."""
        self.revoke_all(now=now)
        self.session.execute(insert(CalendarToken).values(token_hash=token_hash, created_at=now))

    def revoke_all(self, *, now: datetime) -> int:
        """Revoke every working token; returns how many there were."""
        result = self.session.execute(
            update(CalendarToken).where(CalendarToken.revoked_at.is_(None)).values(revoked_at=now)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def works(self, token_hash: str) -> bool:
        """Whether a token with this hash exists and is not revoked."""
        found = self.session.execute(
            select(CalendarToken.id).where(
                CalendarToken.token_hash == token_hash, CalendarToken.revoked_at.is_(None)
            )
        ).first()
        return found is not None

    def active_since(self) -> datetime | None:
        """When the working link was made, if there is one."""
        return self.session.execute(
            select(CalendarToken.created_at).where(CalendarToken.revoked_at.is_(None))
        ).scalar_one_or_none()
