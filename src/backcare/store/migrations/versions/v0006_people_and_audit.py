"""People, care teams, sign-in and the audit log; every episode belongs to a person.

Tables ``care_teams``, ``users``, ``care_team_members``, ``invites``, ``password_resets``,
``web_sessions``, ``acknowledgements`` (a clinician saw an urgent check-in),
``login_attempts`` and ``audit_log`` (append-only: triggers refuse UPDATE and DELETE).
``episodes.patient_id`` says whose episode it is: a diary made before this revision gets
one ``local`` person who owns every existing episode, so a local diary reads as before.
"At most one active episode" becomes "at most one per person".

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from backcare.store.types import UTCDateTime

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_REFUSE = "the audit log is append-only"


def upgrade() -> None:
    """Create the people and audit tables, the local person, and ``episodes.patient_id``."""
    op.create_table(
        "care_teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_care_teams"),
        sa.UniqueConstraint("name", name="uq_care_teams_name"),
    )
    users = op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("display_name", sa.String(120), server_default="", nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("totp_secret", sa.String(64), nullable=True),
        sa.Column("care_team_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "role IN ('local', 'patient', 'clinician', 'admin')", name="ck_users_role"
        ),
        sa.ForeignKeyConstraint(
            ["care_team_id"],
            ["care_teams.id"],
            name="fk_users_care_team_id_care_teams",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "care_team_members",
        sa.Column("care_team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["care_team_id"],
            ["care_teams.id"],
            name="fk_care_team_members_care_team_id_care_teams",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_care_team_members_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("care_team_id", "user_id", name="pk_care_team_members"),
    )
    op.create_table(
        "invites",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("care_team_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["care_team_id"],
            ["care_teams.id"],
            name="fk_invites_care_team_id_care_teams",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name="fk_invites_created_by_users", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_invites"),
    )
    op.create_table(
        "password_resets",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_password_resets_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_password_resets"),
    )
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("verified", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_web_sessions_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_web_sessions"),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(254), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_attempts"),
    )
    op.create_index("ix_login_attempts_account_at", "login_attempts", ["account", "at"])
    op.create_index("ix_login_attempts_address_at", "login_attempts", ["address", "at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("detail", sa.String(200), server_default="", nullable=False),
        sa.Column("address", sa.String(64), server_default="", nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sa.UniqueConstraint("hash", name="uq_audit_log_hash"),
    )
    op.create_index("ix_audit_log_patient_id", "audit_log", ["patient_id"])
    _append_only()
    op.create_table(
        "acknowledgements",
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkins.id"],
            name="fk_acknowledgements_checkin_id_checkins",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["by_id"], ["users.id"], name="fk_acknowledgements_by_id_users", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("checkin_id", name="pk_acknowledgements"),
    )

    # The local person owns everything a local diary already holds.
    op.bulk_insert(
        users,
        [{"id": 1, "role": "local", "display_name": "", "created_at": datetime.now(UTC)}],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('users', 'id'), 1)")
    op.drop_index("uq_episodes_one_active", table_name="episodes")
    with op.batch_alter_table("episodes") as batch:
        batch.add_column(sa.Column("patient_id", sa.Integer(), nullable=True))
    op.execute("UPDATE episodes SET patient_id = 1")
    with op.batch_alter_table("episodes") as batch:
        batch.alter_column("patient_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(
            "fk_episodes_patient_id_users", "users", ["patient_id"], ["id"], ondelete="CASCADE"
        )
    op.create_index(
        "uq_episodes_one_active",
        "episodes",
        ["patient_id", "status"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_index("ix_episodes_patient_id_started_at", "episodes", ["patient_id", "started_at"])


def _append_only() -> None:
    """Triggers that refuse to change or remove an audit row, on either database."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{_REFUSE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
            f"BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END"
        )


def downgrade() -> None:
    """Drop the people and audit tables and ``episodes.patient_id`` (all episodes kept)."""
    op.drop_index("ix_episodes_patient_id_started_at", table_name="episodes")
    op.drop_index("uq_episodes_one_active", table_name="episodes")
    with op.batch_alter_table("episodes") as batch:
        batch.drop_constraint("fk_episodes_patient_id_users", type_="foreignkey")
        batch.drop_column("patient_id")
    op.create_index(
        "uq_episodes_one_active",
        "episodes",
        ["status"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    for table in (
        "acknowledgements",
        "audit_log",
        "login_attempts",
        "web_sessions",
        "password_resets",
        "invites",
        "care_team_members",
        "users",
        "care_teams",
    ):
        op.drop_table(table)
