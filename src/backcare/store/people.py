"""People, care teams, sign-in sessions, failed sign-ins and the hash-chained audit log.

Hosted mode's accounts live in the same database as the diary (tables of migration 0006).
:class:`PeopleRepository` wraps one session in one transaction, like the diary's
repository. It also decides who may act for whom (:meth:`PeopleRepository.may_read`): a
patient for themselves, a clinician (or an admin who is a care-team member) for the
patients of their care teams, nobody else. An admin's role alone gives no clinical access.

Secrets are never stored in the clear: sessions and invitations are kept as SHA-256
hashes of their random tokens; passwords arrive already hashed (argon2id, by the
accounts service).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from backcare.errors import ConflictError, NotFoundError
from backcare.i18n import gettext
from backcare.store.tables import (
    Acknowledgement,
    AuditEntry,
    CareTeam,
    CareTeamMember,
    CheckIn,
    Episode,
    Invite,
    LoginAttempt,
    PasswordReset,
    User,
    WebSession,
)

__all__ = [
    "GENESIS",
    "ROLES",
    "AuditRecord",
    "ChainBreak",
    "PeopleRepository",
    "Person",
    "token_hash",
]

#: Roles a signed-in person can have (``local`` is a local diary's person, never signed in).
ROLES = ("patient", "clinician", "admin")
#: The ``prev_hash`` of the first audit row.
GENESIS = "0" * 64
_AUDIT_LOCK = 0x61756469  # "audi": serialises appends to the chain across workers


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


USERS, TEAMS, MEMBERS = _table(User), _table(CareTeam), _table(CareTeamMember)
INVITES, SESSIONS, ATTEMPTS, AUDIT = (
    _table(Invite),
    _table(WebSession),
    _table(LoginAttempt),
    _table(AuditEntry),
)
RESETS = _table(PasswordReset)
ACKS, CHECKINS, EPISODES = _table(Acknowledgement), _table(CheckIn), _table(Episode)
_U = USERS.c


def token_hash(token: str) -> str:
    """The SHA-256 (hex) of a random token: what is stored instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Person:
    """An account as the app needs it (never the password hash or TOTP secret)."""

    id: int
    email: str | None
    role: str
    display_name: str
    care_team_id: int | None
    has_totp: bool
    disabled: bool = False

    @property
    def needs_second_factor(self) -> bool:
        """Clinicians and admins must use a second factor."""
        return self.role in ("clinician", "admin")


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One row of the audit log."""

    id: int
    at: datetime
    actor_id: int | None
    patient_id: int | None
    action: str
    detail: str
    address: str
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """Where the audit chain stops holding: the row, and what is wrong with it."""

    id: int
    problem: str


def _chain_hash(
    prev: str,
    at: datetime,
    actor: int | None,
    patient: int | None,
    action: str,
    detail: str,
    address: str,
) -> str:
    fields = [prev, _aware(at).isoformat(), actor, patient, action, detail, address]
    return hashlib.sha256(json.dumps(fields, separators=(",", ":")).encode()).hexdigest()


_PERSON_COLUMNS = (
    _U.id,
    _U.email,
    _U.role,
    _U.display_name,
    _U.care_team_id,
    _U.totp_secret,
    _U.disabled_at,
)


def _person(row: Any) -> Person:
    return Person(
        id=row.id,
        email=row.email,
        role=row.role,
        display_name=row.display_name,
        care_team_id=row.care_team_id,
        has_totp=row.totp_secret is not None,
        disabled=row.disabled_at is not None,
    )


def _audit_record(row: Any) -> AuditRecord:
    return AuditRecord(
        row.id,
        _aware(row.at),
        row.actor_id,
        row.patient_id,
        row.action,
        row.detail,
        row.address,
        row.prev_hash,
        row.hash,
    )


class PeopleRepository:
    """Accounts, care teams, sessions, throttling and the audit log, in one transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- accounts -------------------------------------------------------------------

    def add_person(
        self,
        *,
        email: str,
        role: str,
        password_hash: str | None,
        display_name: str = "",
        care_team_id: int | None = None,
        now: datetime,
    ) -> Person:
        """Create an account.

        Raises:
            ConflictError: the e-mail address already has an account.
        """
        if self.person_by_email(email) is not None:
            raise ConflictError(
                gettext("there is already an account for {email}").format(email=email)
            )
        person_id = self.session.execute(
            insert(USERS)
            .values(
                email=email,
                role=role,
                display_name=display_name,
                password_hash=password_hash,
                care_team_id=care_team_id,
                created_at=now,
            )
            .returning(_U.id)
        ).scalar_one()
        return self.person(person_id)

    def person(self, person_id: int) -> Person:
        """The account with this id.

        Raises:
            NotFoundError: there is none.
        """
        row = self.session.execute(select(*_PERSON_COLUMNS).where(_U.id == person_id)).first()
        if row is None:
            raise NotFoundError(gettext("no account {person_id}").format(person_id=person_id))
        return _person(row)

    def person_by_email(self, email: str) -> Person | None:
        """The account with this e-mail address (compared without case), if any."""
        row = self.session.execute(
            select(*_PERSON_COLUMNS).where(func.lower(_U.email) == email.strip().lower())
        ).first()
        return None if row is None else _person(row)

    def credentials(self, person_id: int) -> tuple[str | None, str | None]:
        """The account's password hash and TOTP secret (for the accounts service only)."""
        row = self.session.execute(
            select(_U.password_hash, _U.totp_secret).where(_U.id == person_id)
        ).one()
        return row.password_hash, row.totp_secret

    def lock(self, person_id: int) -> None:
        """Lock the account's row until the transaction ends (PostgreSQL; SQLite has one writer)."""
        self.session.execute(select(_U.id).where(_U.id == person_id).with_for_update())

    def set_password_hash(self, person_id: int, password_hash: str) -> None:
        """Replace the account's password hash."""
        self.session.execute(
            update(USERS).where(_U.id == person_id).values(password_hash=password_hash)
        )

    def set_totp_secret(self, person_id: int, secret: str | None) -> None:
        """Set (or clear) the account's TOTP secret (a new secret has no used codes yet)."""
        self.session.execute(
            update(USERS).where(_U.id == person_id).values(totp_secret=secret, totp_last_step=None)
        )

    def use_totp_step(self, person_id: int, step: int) -> bool:
        """Record that the account signed in with the TOTP code of time-step ``step``.

        One conditional ``UPDATE``: it succeeds only if ``step`` is newer than the last
        one used, so of two workers given the same code at once only one accepts it.

        Returns:
            ``False``: a code of this step or a later one was used already (a replay).
        """
        result = self.session.execute(
            update(USERS)
            .where(
                _U.id == person_id,
                (_U.totp_last_step.is_(None)) | (_U.totp_last_step < step),
            )
            .values(totp_last_step=step)
        )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    def people(self) -> list[Person]:
        """Every account that can sign in, in the order they were made."""
        rows = self.session.execute(
            select(*_PERSON_COLUMNS).where(_U.role != "local").order_by(_U.id)
        )
        return [_person(row) for row in rows]

    def delete_person(self, person_id: int) -> None:
        """Delete the account; its episodes, check-ins, doses, coach sessions, sessions and
        reset links go with it (foreign keys cascade)."""
        self.session.execute(delete(USERS).where(_U.id == person_id))

    # --- care teams -----------------------------------------------------------------

    def care_team(self, name: str) -> int:
        """The id of the care team called ``name``, made if it does not exist."""
        found = self.session.execute(select(TEAMS.c.id).where(TEAMS.c.name == name)).first()
        if found is not None:
            return int(found[0])
        return int(
            self.session.execute(insert(TEAMS).values(name=name).returning(TEAMS.c.id)).scalar_one()
        )

    def add_member(self, care_team_id: int, person_id: int) -> None:
        """Make the person a member of the care team (no change if already one)."""
        exists = self.session.execute(
            select(MEMBERS.c.user_id).where(
                MEMBERS.c.care_team_id == care_team_id, MEMBERS.c.user_id == person_id
            )
        ).first()
        if exists is None:
            self.session.execute(
                insert(MEMBERS).values(care_team_id=care_team_id, user_id=person_id)
            )

    def teams_of(self, person_id: int) -> list[int]:
        """The care teams the person is a member of."""
        rows = self.session.execute(
            select(MEMBERS.c.care_team_id).where(MEMBERS.c.user_id == person_id)
        )
        return [int(team) for (team,) in rows]

    def may_read(self, actor: Person, patient_id: int) -> bool:
        """Whether ``actor`` may read and write ``patient_id``'s clinical records.

        A patient: only their own. Anyone else: only a patient of a care team they are a
        member of (an admin's role alone gives nothing).
        """
        return patient_id in self.readable(actor, [patient_id])

    def readable(self, actor: Person, patient_ids: Collection[int]) -> set[int]:
        """Which of ``patient_ids`` ``actor`` may read (:meth:`may_read`), in one query."""
        allowed = set()
        others = set(patient_ids)
        if actor.id in others:
            others.discard(actor.id)
            if actor.role in ("patient", "local"):
                allowed.add(actor.id)
        if others:
            rows = self.session.execute(
                select(_U.id)
                .join(MEMBERS, MEMBERS.c.care_team_id == _U.care_team_id)
                .where(
                    _U.id.in_(sorted(others)),
                    _U.role == "patient",
                    MEMBERS.c.user_id == actor.id,
                )
            )
            allowed.update(int(person_id) for (person_id,) in rows)
        return allowed

    def patients_of(self, actor: Person) -> list[Person]:
        """The patients of the actor's care teams."""
        rows = self.session.execute(
            select(*_PERSON_COLUMNS)
            .join(MEMBERS, MEMBERS.c.care_team_id == _U.care_team_id)
            .where(_U.role == "patient", MEMBERS.c.user_id == actor.id)
            .order_by(_U.id)
        )
        return [_person(row) for row in rows]

    # --- e-mail: who is told, and the daily digests ----------------------------------

    def escalation_contacts(self, episode_id: int) -> tuple[int | None, list[str]]:
        """Who is told when this episode escalates: its patient's id, and the e-mail
        addresses of the members of the patient's care team (the people who may read the
        record), in a stable order.

        A deleted patient or member is gone with their row; an episode of nobody's (or of
        the local person) gives ``(None, [])`` or no addresses.
        """
        owner = self.session.execute(
            select(EPISODES.c.patient_id, _U.care_team_id, _U.role)
            .join(USERS, _U.id == EPISODES.c.patient_id)
            .where(EPISODES.c.id == episode_id)
        ).first()
        if owner is None:
            return None, []
        if owner.role != "patient" or owner.care_team_id is None:
            return int(owner.patient_id), []
        rows = self.session.execute(
            select(_U.email)
            .join(MEMBERS, MEMBERS.c.user_id == _U.id)
            .where(
                MEMBERS.c.care_team_id == owner.care_team_id,
                _U.role.in_(("clinician", "admin")),
                _U.email.is_not(None),
                _U.disabled_at.is_(None),
            )
            .order_by(_U.id)
        )
        return int(owner.patient_id), [str(email) for (email,) in rows]

    def daily_reminder(self, person_id: int) -> bool:
        """Whether the person asked for the daily reminder e-mail."""
        found = self.session.execute(
            select(_U.daily_reminder).where(_U.id == person_id)
        ).scalar_one_or_none()
        return bool(found)

    def set_disabled(self, person_id: int, at: datetime | None) -> None:
        """Switch the account off (``at``: since when) or back on (``None``)."""
        self.session.execute(
            update(USERS)
            .where(_U.id == person_id)
            .values(disabled_at=None if at is None else _aware(at).astimezone(UTC))
        )

    def set_daily_reminder(self, person_id: int, wanted: bool) -> None:
        """Switch the person's daily reminder e-mail on or off."""
        self.session.execute(update(USERS).where(_U.id == person_id).values(daily_reminder=wanted))

    def reminder_patients(self) -> list[Person]:
        """Patients who asked for the daily reminder and have an episode going."""
        going = select(EPISODES.c.id).where(
            EPISODES.c.patient_id == _U.id, EPISODES.c.status == "active"
        )
        rows = self.session.execute(
            select(*_PERSON_COLUMNS)
            .where(
                _U.role == "patient",
                _U.daily_reminder.is_(True),
                _U.email.is_not(None),
                _U.disabled_at.is_(None),
                going.exists(),
            )
            .order_by(_U.id)
        )
        return [_person(row) for row in rows]

    def care_team_clinicians(self) -> list[Person]:
        """Clinicians who are members of a care team (the daily digest's readers)."""
        member = select(MEMBERS.c.user_id).where(MEMBERS.c.user_id == _U.id)
        rows = self.session.execute(
            select(*_PERSON_COLUMNS)
            .where(
                _U.role == "clinician",
                _U.email.is_not(None),
                _U.disabled_at.is_(None),
                member.exists(),
            )
            .order_by(_U.id)
        )
        return [_person(row) for row in rows]

    def claim_digest(self, person_id: int, day: date) -> bool:
        """Mark ``day``'s digest of the person as sent, unless it already is.

        One UPDATE that only matches a person not yet served that day: on PostgreSQL a
        second worker's UPDATE waits for the first transaction's row lock and then
        matches nothing, so keep the transaction open until the e-mail is handed over.
        """
        claimed = self.session.execute(
            update(USERS)
            .where(
                _U.id == person_id,
                (_U.digest_sent_on.is_(None)) | (_U.digest_sent_on < day),
            )
            .values(digest_sent_on=day)
            .returning(_U.id)
        ).first()
        return claimed is not None

    # --- acknowledgements -----------------------------------------------------------

    def acknowledge(self, patient_id: int, checkin_id: int, *, by: int, now: datetime) -> None:
        """Record that ``by`` has seen the patient's check-in (no change if already seen).

        Raises:
            NotFoundError: the check-in is not this patient's.
        """
        owner = self.session.execute(
            select(EPISODES.c.patient_id)
            .join(CHECKINS, CHECKINS.c.episode_id == EPISODES.c.id)
            .where(CHECKINS.c.id == checkin_id)
        ).scalar_one_or_none()
        if owner != patient_id:
            raise NotFoundError(
                gettext("no check-in {checkin_id} for this patient").format(checkin_id=checkin_id)
            )
        seen = self.session.execute(
            select(ACKS.c.checkin_id).where(ACKS.c.checkin_id == checkin_id)
        ).first()
        if seen is None:
            self.session.execute(insert(ACKS).values(checkin_id=checkin_id, by_id=by, at=now))

    def acknowledged(self, patient_id: int) -> dict[int, tuple[int | None, datetime]]:
        """The patient's acknowledged check-ins: who saw each, and when."""
        return self.acknowledged_of([patient_id])[patient_id]

    def acknowledged_of(
        self, patient_ids: Collection[int]
    ) -> dict[int, dict[int, tuple[int | None, datetime]]]:
        """:meth:`acknowledged` of each of several patients, in one query."""
        found: dict[int, dict[int, tuple[int | None, datetime]]] = {p: {} for p in patient_ids}
        if not found:
            return found
        rows = self.session.execute(
            select(EPISODES.c.patient_id, ACKS.c.checkin_id, ACKS.c.by_id, ACKS.c.at)
            .join(CHECKINS, CHECKINS.c.id == ACKS.c.checkin_id)
            .join(EPISODES, EPISODES.c.id == CHECKINS.c.episode_id)
            .where(EPISODES.c.patient_id.in_(sorted(found)))
        )
        for patient, checkin, by, at in rows:
            found[int(patient)][int(checkin)] = (by, _aware(at))
        return found

    # --- invitations ----------------------------------------------------------------

    def add_invite(
        self, token: str, *, care_team_id: int, created_by: int | None, now: datetime, days: int
    ) -> None:
        """Store an invitation (its token's hash), valid for ``days`` days."""
        self.session.execute(
            insert(INVITES).values(
                token_hash=token_hash(token),
                care_team_id=care_team_id,
                created_by=created_by,
                created_at=now,
                expires_at=now + timedelta(days=days),
            )
        )

    def use_invite(self, token: str, *, now: datetime) -> int:
        """Spend an invitation: its care team, if it is unused and unexpired.

        Raises:
            NotFoundError: no such invitation, or it was used or has expired.
        """
        return self._spend(
            INVITES,
            INVITES.c.care_team_id,
            token,
            now=now,
            refused=gettext("this invitation link has been used or has expired"),
        )

    # --- password resets ------------------------------------------------------------

    def add_reset(self, token: str, person_id: int, *, now: datetime, minutes: int) -> None:
        """Store a password-reset link (its token's hash), valid for ``minutes``."""
        self.session.execute(
            insert(RESETS).values(
                token_hash=token_hash(token),
                user_id=person_id,
                expires_at=now + timedelta(minutes=minutes),
            )
        )

    def use_reset(self, token: str, *, now: datetime) -> int:
        """Spend a reset link: the account it is for, if unused and unexpired.

        Raises:
            NotFoundError: no such link, or it was used or has expired.
        """
        return self._spend(
            RESETS,
            RESETS.c.user_id,
            token,
            now=now,
            refused=gettext("this link has been used or has expired: ask for a new one"),
        )

    def _spend(
        self, table: Table, returned: ColumnElement[int], token: str, *, now: datetime, refused: str
    ) -> int:
        # One UPDATE marks a single-use link used only if it is unused and unexpired, so two
        # requests racing with the same link cannot both spend it.
        spent = self.session.execute(
            update(table)
            .where(
                table.c.token_hash == token_hash(token),
                table.c.used_at.is_(None),
                table.c.expires_at > now,
            )
            .values(used_at=now)
            .returning(returned)
        ).first()
        if spent is None:
            raise NotFoundError(refused)
        return int(spent[0])

    # --- sessions -------------------------------------------------------------------

    def add_session(
        self, token: str, person_id: int, *, now: datetime, hours: int, verified: bool
    ) -> None:
        """Start a sign-in session (stored as its token's hash)."""
        self.session.execute(
            insert(SESSIONS).values(
                token_hash=token_hash(token),
                user_id=person_id,
                created_at=now,
                expires_at=now + timedelta(hours=hours),
                verified=verified,
            )
        )

    def session_person(self, token: str, *, now: datetime) -> tuple[Person, bool] | None:
        """The person a session token signs in, and whether the second factor was done."""
        row = self.session.execute(
            select(*_PERSON_COLUMNS, SESSIONS.c.verified)
            .join(SESSIONS, SESSIONS.c.user_id == _U.id)
            .where(
                SESSIONS.c.token_hash == token_hash(token),
                SESSIONS.c.expires_at > now,
                _U.disabled_at.is_(None),  # a switched-off account's sessions open nothing
            )
        ).first()
        return None if row is None else (_person(row), bool(row.verified))

    def verify_session(self, token: str) -> None:
        """Mark a session's second factor as done."""
        self.session.execute(
            update(SESSIONS).where(SESSIONS.c.token_hash == token_hash(token)).values(verified=True)
        )

    def end_session(self, token: str) -> None:
        """Sign one browser out."""
        self.session.execute(delete(SESSIONS).where(SESSIONS.c.token_hash == token_hash(token)))

    def end_sessions(self, person_id: int) -> int:
        """Sign the person out everywhere; how many sessions ended."""
        result = self.session.execute(delete(SESSIONS).where(SESSIONS.c.user_id == person_id))
        return int(result.rowcount)  # type: ignore[attr-defined]

    # --- throttling -----------------------------------------------------------------

    def add_failure(self, *, account: str, address: str, now: datetime) -> None:
        """Count a failed sign-in for the account (as typed) and the address."""
        self.session.execute(
            insert(ATTEMPTS).values(account=account.strip().lower(), address=address, at=now)
        )

    def failures(self, *, account: str, address: str, since: datetime) -> tuple[int, int]:
        """Failed sign-ins since ``since``: for the account, and from the address."""
        by_account = self.session.execute(
            select(func.count())
            .select_from(ATTEMPTS)
            .where(ATTEMPTS.c.account == account.strip().lower(), ATTEMPTS.c.at >= since)
        ).scalar_one()
        by_address = self.session.execute(
            select(func.count())
            .select_from(ATTEMPTS)
            .where(ATTEMPTS.c.address == address, ATTEMPTS.c.at >= since)
        ).scalar_one()
        return int(by_account), int(by_address)

    def clear_failures(self, account: str) -> None:
        """Forget an account's failures after it signs in."""
        self.session.execute(delete(ATTEMPTS).where(ATTEMPTS.c.account == account.strip().lower()))

    # --- audit ----------------------------------------------------------------------

    def audit(
        self,
        *,
        actor_id: int | None,
        patient_id: int | None,
        action: str,
        detail: str = "",
        address: str = "",
        now: datetime,
    ) -> AuditRecord:
        """Append a row to the audit log, chained to the one before it."""
        (record,) = self.audit_many(
            actor_id=actor_id,
            patient_ids=[patient_id],
            action=action,
            detail=detail,
            address=address,
            now=now,
        )
        return record

    def audit_many(
        self,
        *,
        actor_id: int | None,
        patient_ids: Sequence[int | None],
        action: str,
        detail: str = "",
        address: str = "",
        now: datetime,
    ) -> list[AuditRecord]:
        """Append one chained row per patient, in order, taking the chain's lock once.

        A clinician's dashboard reads every patient of the team: one lock and one read of
        the chain's end for the whole page, not one per patient (each would wait for every
        other worker's appends).
        """
        now = _aware(now).astimezone(UTC)
        if not patient_ids:
            return []
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(select(func.pg_advisory_xact_lock(_AUDIT_LOCK)))
        last = self.session.execute(
            select(AUDIT.c.id, AUDIT.c.hash).order_by(AUDIT.c.id.desc()).limit(1)
        ).first()
        last_id, prev = (0, GENESIS) if last is None else (int(last.id), str(last.hash))
        detail, address = detail[:200], address[:64]
        rows: list[dict[str, Any]] = []
        for patient_id in patient_ids:
            digest = _chain_hash(prev, now, actor_id, patient_id, action, detail, address)
            rows.append(
                {
                    "at": now,
                    "actor_id": actor_id,
                    "patient_id": patient_id,
                    "action": action,
                    "detail": detail,
                    "address": address,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev = digest
        if len(rows) == 1:
            ids = [
                self.session.execute(
                    insert(AUDIT).values(**rows[0]).returning(AUDIT.c.id)
                ).scalar_one()
            ]
        else:
            # One statement for a page of rows (SQLite would send a RETURNING insert row by
            # row). The chain's lock is held, so the rows after the last one read are these,
            # in the order they were hashed.
            self.session.execute(insert(AUDIT), rows)
            ids = list(
                self.session.execute(
                    select(AUDIT.c.id).where(AUDIT.c.id > last_id).order_by(AUDIT.c.id)
                ).scalars()
            )
        return [
            AuditRecord(
                row_id,
                now,
                actor_id,
                row["patient_id"],
                action,
                detail,
                address,
                row["prev_hash"],
                row["hash"],
            )
            for row_id, row in zip(ids, rows, strict=True)
        ]

    def audit_rows(self, *, patient_id: int | None = None) -> Iterator[AuditRecord]:
        """The audit log in order (only the rows about ``patient_id`` when given)."""
        query = select(AUDIT).order_by(AUDIT.c.id)
        if patient_id is not None:
            query = query.where(AUDIT.c.patient_id == patient_id)
        for row in self.session.execute(query):
            yield _audit_record(row)

    def actions_of(self, actor_id: int, actions: Sequence[str], *, limit: int) -> list[AuditRecord]:
        """The actor's latest audit rows of these actions, newest first (at most ``limit``)."""
        query = (
            select(AUDIT)
            .where(AUDIT.c.actor_id == actor_id, AUDIT.c.action.in_(list(actions)))
            .order_by(AUDIT.c.id.desc())
            .limit(limit)
        )
        return [_audit_record(row) for row in self.session.execute(query)]

    def verify_audit(self) -> tuple[int, ChainBreak | None]:
        """Check the whole chain: how many rows, and the first one that does not hold."""
        prev, count = GENESIS, 0
        for record in self.audit_rows():
            count += 1
            if record.prev_hash != prev:
                return count, ChainBreak(record.id, "the row before it was changed or removed")
            expected = _chain_hash(
                prev,
                record.at,
                record.actor_id,
                record.patient_id,
                record.action,
                record.detail,
                record.address,
            )
            if record.hash != expected:
                return count, ChainBreak(record.id, "the row was changed after it was written")
            prev = record.hash
        return count, None
