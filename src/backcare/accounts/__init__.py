"""Hosted mode's accounts: passwords, second factor, sign-in, invitations and who may see what.

:class:`Accounts` is the service the ``backcare server`` web app and the ``backcare users``
and ``backcare audit`` commands use; the SQL is in :mod:`backcare.store.people`.

* Passwords are hashed with argon2id (argon2-cffi's RFC 9106 defaults).
* Clinicians and admins must pass a TOTP second factor (pyotp) before their session
  counts as signed in.
* Failed sign-ins are counted in the database per account and per address, so every
  worker process sees them; past the limit, sign-in is refused for a while (429).
  Unknown account and wrong password get the same message, and an unknown account
  still costs a hash check, so neither words nor timing tell whether it exists.
* A session is a fresh random token per sign-in (the old cookie is never reused, so a
  token planted before sign-in is worthless), stored only as its hash, with an
  absolute expiry; "sign out everywhere" ends all of a person's sessions.
* Sign-ins (by which means), refused sign-ins of a known account or an unknown one,
  password resets and "sign out everywhere" are written to the audit log with the
  address, about no patient: who got in, and who tried, can be traced like any read.
* :meth:`Accounts.diary_store` is the one gate to clinical records: it checks that the
  actor may act for the patient, returns the store scoped to that patient, and writes
  an audit row when the actor is not the patient.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyotp
    from argon2 import PasswordHasher

from backcare.errors import BackcareError, FieldProblem, InputError, NotFoundError
from backcare.i18n import N_, gettext
from backcare.store.database import Store
from backcare.store.people import (
    ROLES,
    AuditRecord,
    ChainBreak,
    PeopleRepository,
    Person,
    token_hash,
)
from backcare.store.repository import CurrentEpisode, current_episodes

__all__ = [
    "ACCOUNT_LIMIT",
    "ADDRESS_LIMIT",
    "SESSION_HOURS",
    "SIGN_IN_ACTIONS",
    "SIGN_IN_REFUSED",
    "SWITCHED_OFF",
    "THROTTLE_WINDOW",
    "Accounts",
    "SignIn",
    "SignInError",
    "TooManyAttemptsError",
    "hash_password",
    "verify_password",
]

#: Failed sign-ins allowed per account, and per address, in :data:`THROTTLE_WINDOW`.
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
THROTTLE_WINDOW = timedelta(minutes=15)
#: How long a session lasts from sign-in, in hours.
SESSION_HOURS = 12
#: How long an invitation link can be used, in days.
INVITE_DAYS = 7
#: The one answer to a wrong e-mail, a wrong password or a wrong code.
SIGN_IN_REFUSED = N_("the e-mail address or password is not right")
SWITCHED_OFF = N_("this account has been switched off; ask your clinic to switch it back on")
#: The audit log's actions about getting into an account (its own recent ones are shown).
SIGN_IN_ACTIONS = ("sign_in", "sign_in_refused")
MIN_PASSWORD = 10


def _too_many() -> str:
    minutes = int(THROTTLE_WINDOW.total_seconds() // 60)
    return gettext(
        "too many attempts to sign in: please wait {minutes} minutes and try again"
    ).format(minutes=minutes)


class SignInError(BackcareError):
    """A refused sign-in (always the same words, whatever was wrong)."""

    exit_code = 1
    status = 401
    code = "sign_in_failed"


class TooManyAttemptsError(BackcareError):
    """Too many failed sign-ins for this account or from this address."""

    exit_code = 1
    status = 429
    code = "too_many_attempts"


@lru_cache(maxsize=1)
def _argon2() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id, RFC 9106 low-memory profile


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted; the encoded string holds the parameters)."""
    return str(_argon2().hash(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; a missing hash still costs one check (no timing tell)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    target = password_hash or _DUMMY_HASH()
    try:
        _argon2().verify(target, password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


_dummy: str | None = None


def _DUMMY_HASH() -> str:  # noqa: N802 - a lazily made constant
    global _dummy
    if _dummy is None:
        _dummy = hash_password(secrets.token_urlsafe(16))
    return _dummy


def check_password(password: str) -> None:
    """Refuse a password that is too short to be safe.

    Raises:
        InputError: shorter than :data:`MIN_PASSWORD` characters.
    """
    if len(password) < MIN_PASSWORD:
        raise InputError(
            gettext("the password is too short"),
            problems=[
                FieldProblem(
                    "password",
                    gettext("use at least {count} characters").format(count=MIN_PASSWORD),
                )
            ],
        )


@dataclass(frozen=True, slots=True)
class SignIn:
    """A started session: the cookie's token, who it is, and whether a code is still needed."""

    token: str
    person: Person
    needs_code: bool


class Accounts:
    """The accounts service on one store.

    Args:
        store: the database (PostgreSQL in hosted mode; SQLite works for tests and tools).
        clock: the current time (aware); default: the system clock.
    """

    def __init__(self, store: Store, *, clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self._clock = clock if clock is not None else (lambda: datetime.now(UTC))

    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        return self._clock().astimezone(UTC)

    @contextmanager
    def _people(self, *, write: bool) -> Iterator[PeopleRepository]:
        with self.store.write() if write else self.store.read() as repo:
            yield PeopleRepository(repo.session)

    # --- accounts -------------------------------------------------------------------

    def add_person(
        self,
        *,
        email: str,
        role: str,
        password: str,
        care_team: str | None = None,
        display_name: str = "",
    ) -> Person:
        """Create an account; a clinician or admin given ``care_team`` becomes a member.

        Raises:
            InputError: the role, e-mail address or password is not acceptable.
            ConflictError: the e-mail address already has an account.
        """
        if role not in ROLES:
            raise InputError(
                gettext("unknown role"),
                problems=[
                    FieldProblem(
                        "role", gettext("must be one of {roles}").format(roles=", ".join(ROLES))
                    )
                ],
            )
        email = _email(email)
        check_password(password)
        hashed = hash_password(password)
        with self._people(write=True) as people:
            team = people.care_team(care_team) if care_team else None
            person = people.add_person(
                email=email,
                role=role,
                password_hash=hashed,
                display_name=display_name,
                care_team_id=team if role == "patient" else None,
                now=self.now(),
            )
            if team is not None and role != "patient":
                people.add_member(team, person.id)
            return person

    def set_totp(self, person_id: int) -> str:
        """Give the account a new TOTP secret and return it (for the authenticator app)."""
        import pyotp

        secret = pyotp.random_base32()
        with self._people(write=True) as people:
            people.set_totp_secret(person_id, secret)
        return secret

    def totp_uri(self, person: Person, secret: str) -> str:
        """The ``otpauth://`` address an authenticator app scans."""
        import pyotp

        return pyotp.TOTP(secret).provisioning_uri(name=person.email or "", issuer_name="backcare")

    # --- sign-in --------------------------------------------------------------------

    def sign_in(self, email: str, password: str, *, address: str) -> SignIn:
        """Check the password and start a session.

        Raises:
            TooManyAttemptsError: too many recent failures for the account or address.
            SignInError: unknown account or wrong password (the same words for both).
        """
        now = self.now()
        with self._people(write=False) as people:
            by_account, by_address = people.failures(
                account=email, address=address, since=now - THROTTLE_WINDOW
            )
        if by_account >= ACCOUNT_LIMIT or by_address >= ADDRESS_LIMIT:
            raise TooManyAttemptsError(_too_many())
        with self._people(write=False) as people:
            person = people.person_by_email(email) if email.strip() else None
            hashed = people.credentials(person.id)[0] if person is not None else None
        if person is None or not verify_password(hashed, password):
            with self._people(write=True) as people:
                people.add_failure(account=email, address=address, now=now)
                _audit_sign_in(people, person, "sign_in_refused", "password", address, now)
            raise SignInError(gettext(SIGN_IN_REFUSED))
        if person.disabled:  # said only to whoever knows the password
            with self._people(write=True) as people:
                _audit_sign_in(people, person, "sign_in_refused", "switched off", address, now)
            raise SignInError(gettext(SWITCHED_OFF))
        token = secrets.token_urlsafe(32)
        with self._people(write=True) as people:
            people.clear_failures(email)
            people.add_session(
                token,
                person.id,
                now=now,
                hours=SESSION_HOURS,
                verified=not person.needs_second_factor,
            )
            if not person.needs_second_factor:  # else signed in only once the code is right
                _audit_sign_in(people, person, "sign_in", "password", address, now)
        return SignIn(token, person, needs_code=person.needs_second_factor)

    def check_code(self, token: str, code: str, *, address: str) -> Person:
        """Check a session's TOTP code and mark the session signed in.

        Raises:
            TooManyAttemptsError: too many recent failures.
            SignInError: no such session, no TOTP set up, or a wrong code.
        """
        import pyotp

        now = self.now()
        with self._people(write=False) as people:
            found = people.session_person(token, now=now)
            if found is None:
                raise SignInError(gettext("please sign in again"))
            person = found[0]
            secret = people.credentials(person.id)[1]
            failures = people.failures(
                account=person.email or "", address=address, since=now - THROTTLE_WINDOW
            )
        if failures[0] >= ACCOUNT_LIMIT or failures[1] >= ADDRESS_LIMIT:
            raise TooManyAttemptsError(_too_many())
        step = _totp_step(pyotp.TOTP(secret), code.strip(), now) if secret is not None else None
        if step is not None:
            with self._people(write=True) as people:
                if people.use_totp_step(person.id, step):
                    people.verify_session(token)
                    _audit_sign_in(people, person, "sign_in", "password and code", address, now)
                    return person
        with self._people(write=True) as people:
            people.add_failure(account=person.email or "", address=address, now=now)
            _audit_sign_in(people, person, "sign_in_refused", "code", address, now)
        if step is not None:  # right code, but it was used already: a replay
            raise SignInError(gettext("that code was used already; wait for the next one"))
        raise SignInError(gettext("that code is not right; use the newest code from your app"))

    def session(self, token: str | None) -> tuple[Person, bool] | None:
        """Who a session cookie signs in, and whether their second factor is done."""
        if not token:
            return None
        with self._people(write=False) as people:
            return people.session_person(token, now=self.now())

    def sign_out(self, token: str) -> None:
        """End one session."""
        with self._people(write=True) as people:
            people.end_session(token)

    def sign_out_everywhere(self, person_id: int) -> int:
        """End every session of the person; how many ended."""
        with self._people(write=True) as people:
            ended = people.end_sessions(person_id)
            people.audit(
                actor_id=person_id, patient_id=None, action="sign_out_everywhere", now=self.now()
            )
            return ended

    def set_switched_off(self, email: str, off: bool) -> Person:
        """Switch an account off (no sign-in, every session ended, no e-mail) or back on.

        For the clinic's administrator (``backcare users switch-off``): a clinician who
        leaves loses access at once, while the account and what the audit log says it did
        are kept. Written to the audit log.

        Raises:
            NotFoundError: no account has this e-mail address.
        """
        now = self.now()
        with self._people(write=True) as people:
            person = people.person_by_email(email) if email.strip() else None
            if person is None:
                raise NotFoundError(gettext("no account for {email}").format(email=email))
            people.lock(person.id)
            people.set_disabled(person.id, now if off else None)
            if off:
                people.end_sessions(person.id)
            people.audit(
                actor_id=None,
                patient_id=person.id if person.role == "patient" else None,
                action="switched_off" if off else "switched_on",
                detail=person.email or "",
                now=now,
            )
            return people.person(person.id)

    def erase(self, person: Person, password: str, *, address: str = "") -> None:
        """Delete a patient's account and every record of theirs, after their password.

        The audit log keeps that the account was erased (who, when, from where), never
        what it held.

        Raises:
            SignInError: the password is wrong.
            NotFoundError: the account is not a patient's.
        """
        if person.role != "patient":
            raise NotFoundError(gettext("only a patient's own account can be deleted here"))
        with self._people(write=False) as people:
            hashed = people.credentials(person.id)[0]
        if not verify_password(hashed, password):
            raise SignInError(gettext("that password is not right; nothing was deleted"))
        with self._people(write=True) as people:
            people.audit(
                actor_id=person.id,
                patient_id=person.id,
                action="erase",
                address=address,
                now=self.now(),
            )
            people.delete_person(person.id)

    # --- invitations ----------------------------------------------------------------

    def invite(self, actor: Person) -> str:
        """A single-use invitation token for a patient to join the actor's care team.

        Raises:
            NotFoundError: the actor is not a member of any care team.
        """
        with self._people(write=True) as people:
            teams = people.teams_of(actor.id)
            if not teams:
                raise NotFoundError(gettext("you are not a member of a care team"))
            token = secrets.token_urlsafe(32)
            people.add_invite(
                token, care_team_id=teams[0], created_by=actor.id, now=self.now(), days=INVITE_DAYS
            )
        return token

    def accept_invite(self, token: str, *, email: str, password: str) -> Person:
        """Create a patient account from an invitation (which is then spent).

        Raises:
            NotFoundError: the invitation was used or has expired.
            InputError: the e-mail address or password is not acceptable.
            ConflictError: the e-mail address already has an account.
        """
        email = _email(email)
        check_password(password)
        hashed = hash_password(password)
        with self._people(write=True) as people:
            team = people.use_invite(token, now=self.now())
            return people.add_person(
                email=email, role="patient", password_hash=hashed, care_team_id=team, now=self.now()
            )

    def register(self, *, email: str, password: str) -> Person:
        """Self-registration (when the server allows it): a patient with no care team yet.

        Raises:
            InputError: the e-mail address or password is not acceptable.
            ConflictError: the e-mail address already has an account.
        """
        return self.add_person(email=email, role="patient", password=password)

    # --- password reset -------------------------------------------------------------

    def start_reset(self, email: str) -> tuple[Person, str] | None:
        """A single-use reset token for the account, or ``None`` if there is no such account.

        The caller says the same thing either way, so the answer reveals nothing.
        """
        from backcare.accounts.mail import RESET_MINUTES

        with self._people(write=True) as people:
            person = people.person_by_email(email) if email.strip() else None
            if person is None or person.disabled:
                return None
            token = secrets.token_urlsafe(32)
            people.add_reset(token, person.id, now=self.now(), minutes=RESET_MINUTES)
        return person, token

    def finish_reset(self, token: str, password: str) -> Person:
        """Set a new password from a reset link; every session of the account ends.

        Raises:
            NotFoundError: the link was used or has expired.
            InputError: the password is too short.
        """
        check_password(password)
        hashed = hash_password(password)
        with self._people(write=True) as people:
            person_id = people.use_reset(token, now=self.now())
            people.set_password_hash(person_id, hashed)
            people.end_sessions(person_id)
            people.clear_failures(people.person(person_id).email or "")
            people.audit(
                actor_id=person_id, patient_id=None, action="password_reset", now=self.now()
            )
            return people.person(person_id)

    # --- e-mail: escalation contacts and the daily digests ---------------------------

    def escalation_contacts(self, episode_id: int) -> tuple[int | None, list[str]]:
        """The episode's patient and the addresses of their care team's members."""
        with self._people(write=False) as people:
            return people.escalation_contacts(episode_id)

    def daily_reminder(self, person_id: int) -> bool:
        """Whether the person asked for the daily reminder e-mail (off by default)."""
        with self._people(write=False) as people:
            return people.daily_reminder(person_id)

    def set_daily_reminder(self, person_id: int, wanted: bool) -> None:
        """Switch the daily reminder e-mail on or off."""
        with self._people(write=True) as people:
            people.set_daily_reminder(person_id, wanted)

    def reminder_patients(self) -> list[Person]:
        """Patients who asked for the daily reminder and have an episode going."""
        with self._people(write=False) as people:
            return people.reminder_patients()

    def care_team_clinicians(self) -> list[Person]:
        """Clinicians who are members of a care team."""
        with self._people(write=False) as people:
            return people.care_team_clinicians()

    @contextmanager
    def digest_claim(self, person_id: int, day: date) -> Iterator[bool]:
        """Claim ``day``'s digest of the person: ``True`` if nobody has sent it yet.

        The claim commits when the block ends without an error, so send the e-mail
        inside the block: a failed send undoes the claim (the job retries), and a second
        worker claiming at the same time waits, then gets ``False``.
        """
        with self._people(write=True) as people:
            yield people.claim_digest(person_id, day)

    # --- clinical records: the one gate ---------------------------------------------

    def diary_store(
        self, actor: Person, patient_id: int, *, action: str, address: str = ""
    ) -> Store:
        """The store scoped to ``patient_id``'s records, if ``actor`` may act for them.

        Reading or changing another person's records is written to the audit log.

        Raises:
            NotFoundError: the actor may not see this patient (said as "not found", so
                ids of other people's records reveal nothing).
        """
        stores = self.diary_stores(actor, [patient_id], action=action, address=address)
        if patient_id not in stores:
            raise NotFoundError(gettext("no such patient"))
        return stores[patient_id]

    def diary_stores(
        self, actor: Person, patient_ids: Sequence[int], *, action: str, address: str = ""
    ) -> dict[int, Store]:
        """:meth:`diary_store` for several patients at once: one transaction, one lock.

        Only the patients ``actor`` may see are in the result; each of them read by
        someone else is written to the audit log, in the order given.
        """
        wanted = list(dict.fromkeys(patient_ids))
        # A patient reading their own records writes nothing: a read transaction will do.
        with self._people(write=any(p != actor.id for p in wanted)) as people:
            readable = people.readable(actor, wanted)
            allowed = [p for p in wanted if p in readable]
            people.audit_many(
                actor_id=actor.id,
                patient_ids=[p for p in allowed if p != actor.id],
                action=action,
                address=address,
                now=self.now(),
            )
        return {patient_id: self.store.for_person(patient_id) for patient_id in allowed}

    def calendar_link_owner(self, token: str) -> Person | None:
        """The patient whose working calendar link ``token`` is (``None``: no such link).

        The token is found by its hash in the database. The feed is then read through
        :meth:`diary_store` as that patient reading their own records (not audited: the
        audit log records reads by anyone other than the patient).
        """
        from backcare.store.feeds import calendar_owner

        if not token or len(token) > 100:
            return None
        with self.store.read() as repo:
            owner = calendar_owner(repo.session, token_hash(token))
            person = PeopleRepository(repo.session).person(owner) if owner is not None else None
        return person if person is not None and person.role == "patient" else None

    def patients_of(self, actor: Person) -> list[Person]:
        """The patients of the actor's care teams."""
        with self._people(write=False) as people:
            return people.patients_of(actor)

    def acknowledge(
        self, actor: Person, patient_id: int, checkin_id: int, *, address: str = ""
    ) -> None:
        """Record that ``actor`` has seen an urgent or emergency check-in (who and when).

        Raises:
            NotFoundError: the actor may not see this patient, or the check-in is not theirs.
        """
        with self._people(write=True) as people:
            if actor.id == patient_id or not people.may_read(actor, patient_id):
                raise NotFoundError(gettext("no such patient"))
            now = self.now()
            people.acknowledge(patient_id, checkin_id, by=actor.id, now=now)
            people.audit(
                actor_id=actor.id,
                patient_id=patient_id,
                action="acknowledge",
                detail=f"check-in {checkin_id}",
                address=address,
                now=now,
            )

    def acknowledged(self, patient_id: int) -> dict[int, tuple[int | None, datetime]]:
        """The patient's acknowledged check-ins: who saw each, and when."""
        with self._people(write=False) as people:
            return people.acknowledged(patient_id)

    def current_episodes(
        self, stores: Mapping[int, Store]
    ) -> tuple[dict[int, CurrentEpisode], dict[int, dict[int, tuple[int | None, datetime]]]]:
        """Patients' current episodes (whole) and acknowledged check-ins, in one read.

        For the dashboard: ``stores`` are what :meth:`diary_stores` gave (it checks and
        audits who may be read), and only their people are read, in five queries
        whatever their number. Patients without an episode are not in the first mapping.
        """
        patient_ids = sorted({scoped.person for scoped in stores.values()})
        with self.store.read() as repo:
            episodes = current_episodes(repo.session, patient_ids)
            acknowledged = PeopleRepository(repo.session).acknowledged_of(patient_ids)
        return episodes, acknowledged

    # --- the audit log --------------------------------------------------------------

    def record(
        self, *, actor_id: int | None, patient_id: int | None, action: str, address: str = ""
    ) -> AuditRecord:
        """Append an entry to the audit log."""
        with self._people(write=True) as people:
            return people.audit(
                actor_id=actor_id,
                patient_id=patient_id,
                action=action,
                address=address,
                now=self.now(),
            )

    def audit_rows(self, patient_id: int | None = None) -> list[AuditRecord]:
        """The audit log, oldest first (only rows about ``patient_id`` when given)."""
        with self._people(write=False) as people:
            return list(people.audit_rows(patient_id=patient_id))

    def recent_sign_ins(self, person_id: int, limit: int = 5) -> list[AuditRecord]:
        """The person's latest sign-ins and refused sign-ins, newest first."""
        with self._people(write=False) as people:
            return people.actions_of(person_id, SIGN_IN_ACTIONS, limit=limit)

    def verify_audit(self) -> tuple[int, ChainBreak | None]:
        """Check the audit chain: rows checked, and the first break (``None``: intact)."""
        with self._people(write=False) as people:
            return people.verify_audit()

    def person_of(self, person_id: int) -> Person:
        """The account with this id.

        Raises:
            NotFoundError: there is none.
        """
        with self._people(write=False) as people:
            return people.person(person_id)

    def person_by_email(self, email: str) -> Person | None:
        """The account with this e-mail address, if any."""
        with self._people(write=False) as people:
            return people.person_by_email(email)


def _audit_sign_in(
    people: PeopleRepository,
    person: Person | None,
    action: str,
    means: str,
    address: str,
    now: datetime,
) -> None:
    """An audit row for a sign-in or a refused one (``person`` ``None``: unknown account)."""
    people.audit(
        actor_id=person.id if person is not None else None,
        patient_id=None,
        action=action,
        detail=means if person is not None else f"{means}, unknown account",
        address=address,
        now=now,
    )


def _totp_step(totp: pyotp.TOTP, code: str, now: datetime) -> int | None:
    """The time-step whose code ``code`` is (the current one or either neighbour), if any.

    The same window as ``pyotp.TOTP.verify(code, valid_window=1)``, but saying which step
    matched, so the caller can refuse a step no newer than the last one used.
    """
    current = totp.timecode(now)
    for offset in (0, -1, 1):
        if hmac.compare_digest(code.encode(), totp.at(now, counter_offset=offset).encode()):
            return current + offset
    return None


def _email(value: str) -> str:
    value = value.strip()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or len(value) > 254 or " " in value:
        raise InputError(
            gettext("not an e-mail address"),
            problems=[
                FieldProblem("email", gettext("enter an e-mail address, such as name@example.org"))
            ],
        )
    return value
