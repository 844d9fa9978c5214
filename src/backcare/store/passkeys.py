"""Passkeys (WebAuthn credentials) and the single-use challenges of their ceremonies.

Tables of migration 0010. Every credential query is scoped by the person it belongs to,
except :meth:`PasskeyRepository.by_credential_id`, which a sign-in needs to find whose
passkey was used. Challenges are stored as SHA-256 hashes and spent by one UPDATE, so a
challenge answered twice (a replay, or two workers racing) counts once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from backcare.store.tables import WebauthnChallenge, WebauthnCredential

__all__ = ["PURPOSES", "Passkey", "PasskeyRepository"]

#: What a challenge is for: adding a passkey, signing in, or a staff second step.
PURPOSES = ("register", "signin", "second")


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


CREDENTIALS, CHALLENGES = _table(WebauthnCredential), _table(WebauthnChallenge)
_C = CREDENTIALS.c


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Passkey:
    """One registered passkey (the public key is not secret, but only the server needs it)."""

    id: int
    person_id: int
    credential_id: str
    public_key: str
    sign_count: int
    transports: tuple[str, ...]
    name: str
    created_at: datetime
    last_used_at: datetime | None


def _passkey(row: Any) -> Passkey:
    created = _aware(row.created_at)
    assert created is not None
    return Passkey(
        id=row.id,
        person_id=row.user_id,
        credential_id=row.credential_id,
        public_key=row.public_key,
        sign_count=row.sign_count,
        transports=tuple(t for t in row.transports.split(",") if t),
        name=row.name,
        created_at=created,
        last_used_at=_aware(row.last_used_at),
    )


class PasskeyRepository:
    """Passkeys and challenges, in the caller's session and transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- credentials ----------------------------------------------------------------

    def add(
        self,
        person_id: int,
        *,
        credential_id: str,
        public_key: str,
        sign_count: int,
        transports: tuple[str, ...],
        name: str,
        now: datetime,
    ) -> Passkey:
        """Store a new passkey of the person."""
        row_id = self.session.execute(
            insert(CREDENTIALS)
            .values(
                user_id=person_id,
                credential_id=credential_id,
                public_key=public_key,
                sign_count=sign_count,
                transports=",".join(transports)[:200],
                name=name[:60],
                created_at=now,
            )
            .returning(_C.id)
        ).scalar_one()
        row = self.session.execute(select(CREDENTIALS).where(_C.id == row_id)).one()
        return _passkey(row)

    def of(self, person_id: int) -> list[Passkey]:
        """The person's passkeys, oldest first."""
        rows = self.session.execute(
            select(CREDENTIALS).where(_C.user_id == person_id).order_by(_C.id)
        )
        return [_passkey(row) for row in rows]

    def count(self, person_id: int) -> int:
        """How many passkeys the person has."""
        return int(
            self.session.execute(
                select(func.count()).select_from(CREDENTIALS).where(_C.user_id == person_id)
            ).scalar_one()
        )

    def exists(self, credential_id: str) -> bool:
        """Whether any account already holds this credential."""
        found = self.session.execute(select(_C.id).where(_C.credential_id == credential_id)).first()
        return found is not None

    def by_credential_id(self, credential_id: str) -> Passkey | None:
        """The passkey with this credential id, whoever it belongs to (to sign in with)."""
        row = self.session.execute(
            select(CREDENTIALS).where(_C.credential_id == credential_id)
        ).first()
        return None if row is None else _passkey(row)

    def used(self, passkey_id: int, *, old_count: int, new_count: int, now: datetime) -> bool:
        """Record a sign-in: the new sign count, if the stored one is still ``old_count``.

        False when another sign-in with the same passkey got there first (the counter
        moved under us): that answer is refused like a clone's.
        """
        result = self.session.execute(
            update(CREDENTIALS)
            .where(_C.id == passkey_id, _C.sign_count == old_count)
            .values(sign_count=new_count, last_used_at=now)
        )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    def remove(self, person_id: int, passkey_id: int) -> bool:
        """Delete one of the person's passkeys; False if they have none with that id."""
        result = self.session.execute(
            delete(CREDENTIALS).where(_C.id == passkey_id, _C.user_id == person_id)
        )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    # --- challenges -----------------------------------------------------------------

    def add_challenge(
        self,
        challenge: str,
        *,
        purpose: str,
        browser: str,
        person_id: int | None,
        now: datetime,
        seconds: int,
    ) -> None:
        """Keep a challenge (its hash) for ``seconds``, bound to the browser's token."""
        # Old challenges are of no use to anyone: clear them as new ones come.
        self.session.execute(delete(CHALLENGES).where(CHALLENGES.c.expires_at < now))
        self.session.execute(
            insert(CHALLENGES).values(
                challenge_hash=_hash(challenge),
                purpose=purpose,
                browser_hash=_hash(browser),
                user_id=person_id,
                expires_at=now + timedelta(seconds=seconds),
            )
        )

    def spend_challenge(
        self, challenge: str, *, purpose: str, browser: str, now: datetime
    ) -> tuple[bool, int | None]:
        """Spend a challenge once: whether it was there unspent, and the person it is for."""
        spent = self.session.execute(
            update(CHALLENGES)
            .where(
                CHALLENGES.c.challenge_hash == _hash(challenge),
                CHALLENGES.c.purpose == purpose,
                CHALLENGES.c.browser_hash == _hash(browser),
                CHALLENGES.c.used_at.is_(None),
                CHALLENGES.c.expires_at > now,
            )
            .values(used_at=now)
            .returning(CHALLENGES.c.user_id)
        ).first()
        if spent is None:
            return False, None
        return True, spent[0]
