"""The diary's tables (SQLAlchemy 2.0 declarative), as they are at the newest migration.

::

    episodes 1──* checkins 1──* checkin_activities   (PSFS: up to 3 rated activities)
        │              1──* checkin_actions      (ice, heat, walk, exercises: counts)
        └──* medicine_doses *──0..1 checkins     (a dose may be logged without a check-in)

The migrations under :mod:`backcare.store.migrations` create exactly these tables;
a test compares them. Closed sets are checked in the database too, so a bad row
cannot come in by a side door (an import, a second program). At most one episode
is active at a time (a partial unique index). Timestamps are naive UTC on disk
(:class:`~backcare.store.types.UTCDateTime`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from backcare.store.types import UTCDateTime

__all__ = [
    "Acknowledgement",
    "ActionTaken",
    "ActivityRating",
    "AuditEntry",
    "Base",
    "CareTeam",
    "CareTeamMember",
    "CheckIn",
    "Episode",
    "Invite",
    "LoginAttempt",
    "MedicineDose",
    "PasswordReset",
    "Preference",
    "User",
    "WebSession",
    "WebauthnChallenge",
    "WebauthnCredential",
    "metadata",
]

#: Constraint names are fixed so migrations (and SQLite batch operations) can address them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of the diary tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


metadata = Base.metadata


class Episode(Base):
    """One episode of back spasm, from onset to resolution."""

    __tablename__ = "episodes"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'resolved')", name="status"),
        CheckConstraint(
            "(status = 'resolved' AND resolved_at IS NOT NULL) "
            "OR (status = 'active' AND resolved_at IS NULL)",
            name="resolved_at",
        ),
        Index(
            "uq_episodes_one_active",
            "patient_id",
            "status",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_episodes_patient_id_started_at", "patient_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    # The person the episode belongs to (migration 0006; a local diary's is the local person).
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    onset_at: Mapped[datetime]
    started_at: Mapped[datetime]
    trigger: Mapped[str | None] = mapped_column(String(40))
    answers: Mapped[dict[str, Any]]
    assessment: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(10))
    resolved_at: Mapped[datetime | None]
    summary: Mapped[str | None] = mapped_column(Text)
    # The closing summary as facts (backcare.diary.summary), worded when shown.
    summary_facts: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class CheckIn(Base):
    """A check-in: pain, function, self-care done, and the triage it produced."""

    __tablename__ = "checkins"
    __table_args__ = (
        CheckConstraint("pain BETWEEN 0 AND 10", name="pain"),
        CheckConstraint("worst_pain IS NULL OR worst_pain BETWEEN 0 AND 10", name="worst_pain"),
        CheckConstraint("days_of_self_care >= 0", name="days_of_self_care"),
        CheckConstraint("trend IS NULL OR trend IN ('better', 'same', 'worse')", name="trend"),
        CheckConstraint(
            "triage_level IN ('self_care', 'see_doctor', 'urgent', 'emergency')",
            name="triage_level",
        ),
        Index("ix_checkins_episode_id_recorded_at", "episode_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    recorded_at: Mapped[datetime]
    pain: Mapped[int] = mapped_column(SmallInteger)
    worst_pain: Mapped[int | None] = mapped_column(SmallInteger)
    days_of_self_care: Mapped[int] = mapped_column(Integer)
    trend: Mapped[str | None] = mapped_column(String(10))
    triage_level: Mapped[str] = mapped_column(String(20))
    triage_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON())
    # SQL NULL (not JSON 'null') when nothing changed, so "IS NOT NULL" finds the updates.
    answers_update: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    note: Mapped[str | None] = mapped_column(Text)


class ActivityRating(Base):
    """One PSFS activity rated at a check-in (position 1-3 keeps the person's order)."""

    __tablename__ = "checkin_activities"
    __table_args__ = (
        CheckConstraint("position BETWEEN 1 AND 3", name="position"),
        CheckConstraint("score BETWEEN 0 AND 10", name="score"),
        UniqueConstraint("checkin_id", "position"),
        UniqueConstraint("checkin_id", "name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(80))
    score: Mapped[int] = mapped_column(SmallInteger)


class ActionTaken(Base):
    """A self-care action done since the last check-in, with how many times."""

    __tablename__ = "checkin_actions"
    __table_args__ = (
        CheckConstraint("action IN ('ice', 'heat', 'walk', 'exercises')", name="action"),
        CheckConstraint("count >= 1", name="count"),
        UniqueConstraint("checkin_id", "action"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(Integer)


class MedicineDose(Base):
    """A dose of an over-the-counter medicine; ``overridden`` records a refused dose taken anyway.

    Doses are checked across all episodes (a dose limit is about the person, not the
    episode), hence the index on ``(drug, taken_at)`` added by migration 0002.
    """

    __tablename__ = "medicine_doses"
    __table_args__ = (
        CheckConstraint("mg > 0", name="mg"),
        Index("ix_medicine_doses_drug_taken_at", "drug", "taken_at"),
        Index("ix_medicine_doses_episode_id", "episode_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id", ondelete="SET NULL"))
    drug: Mapped[str] = mapped_column(String(60))
    mg: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime]
    overridden: Mapped[bool] = mapped_column(Boolean, server_default=false())
    override_reason: Mapped[str | None] = mapped_column(Text)


class Preference(Base):
    """One setting the person chose in the web app (name and text value), overriding the default.

    Names and values are checked by :class:`backcare.settings.Settings` before they are
    saved, so a bad value never comes back out.
    """

    __tablename__ = "preferences"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(40))


# --- hosted clinic mode: people, care teams, sign-in, audit (migration 0006) -------------


class CareTeam(Base):
    """A care team: the clinicians who look after a group of patients."""

    __tablename__ = "care_teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)


class User(Base):
    """A person who signs in (patient, clinician, admin), or the local diary's one person.

    The ``local`` person owns a local diary's records (``backcare serve``); it never signs in.
    """

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('local', 'patient', 'clinician', 'admin')", name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(12))
    display_name: Mapped[str] = mapped_column(String(120), server_default="")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: The time-step of the newest TOTP code accepted (older or equal ones are refused).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    care_team_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_teams.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    # Daily e-mails (migration 0011): a patient's opt-in, and the UTC day of the last digest.
    daily_reminder: Mapped[bool] = mapped_column(Boolean, server_default=false())
    digest_sent_on: Mapped[date | None] = mapped_column(Date)
    # Switched off by the clinic (migration 0013): no sign-in, no session, no e-mail.
    disabled_at: Mapped[datetime | None]


class CareTeamMember(Base):
    """A clinician's membership of a care team."""

    __tablename__ = "care_team_members"

    care_team_id: Mapped[int] = mapped_column(
        ForeignKey("care_teams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )


class Invite(Base):
    """A single-use, expiring invitation for a patient to join a care team (hash of the token)."""

    __tablename__ = "invites"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    care_team_id: Mapped[int] = mapped_column(ForeignKey("care_teams.id", ondelete="CASCADE"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class PasswordReset(Base):
    """A single-use, short-lived password-reset link (hash of its token)."""

    __tablename__ = "password_resets"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class WebSession(Base):
    """A signed-in browser: the hash of its cookie's random token, never the token itself."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_user_id", "user_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    verified: Mapped[bool] = mapped_column(Boolean, server_default=false())


class WebauthnCredential(Base):
    """A passkey: the public key and sign count of one of a person's authenticators."""

    __tablename__ = "webauthn_credentials"
    __table_args__ = (Index("ix_webauthn_credentials_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)  # base64url
    public_key: Mapped[str] = mapped_column(Text)  # base64url of the COSE key
    sign_count: Mapped[int] = mapped_column(Integer, server_default="0")
    transports: Mapped[str] = mapped_column(String(200), server_default="")
    name: Mapped[str] = mapped_column(String(60), server_default="")
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]


class WebauthnChallenge(Base):
    """A passkey ceremony's random challenge: single-use, short-lived, bound to a browser."""

    __tablename__ = "webauthn_challenges"

    challenge_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(12))
    browser_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginAttempt(Base):
    """A failed sign-in, counted per account and per address (shared by every worker)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_account_at", "account", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class Acknowledgement(Base):
    """A clinician has seen an urgent or emergency check-in: who and when."""

    __tablename__ = "acknowledgements"

    checkin_id: Mapped[int] = mapped_column(
        ForeignKey("checkins.id", ondelete="CASCADE"), primary_key=True
    )
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime]


class AuditEntry(Base):
    """Who read or changed which patient's data, when and from where; rows are hash-chained.

    Append-only: database triggers refuse UPDATE and DELETE. ``hash`` covers the row's
    fields and the previous row's hash, so an edited or removed row breaks the chain.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_patient_id", "patient_id"),
        # A person's own recent sign-ins (migration 0012).
        Index("ix_audit_log_actor_id", "actor_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(Integer)
    patient_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(200), server_default="")
    address: Mapped[str] = mapped_column(String(64), server_default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
