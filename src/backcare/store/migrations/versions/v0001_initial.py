"""Initial diary schema: episodes, check-ins with PSFS activities and self-care actions, doses.

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from backcare.store.types import UTCDateTime

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create the four diary tables and their indexes."""
    op.create_table(
        "episodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(32), nullable=False),
        sa.Column("onset_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("trigger", sa.String(40), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("assessment", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_episodes"),
        sa.UniqueConstraint("uid", name="uq_episodes_uid"),
        sa.CheckConstraint("status IN ('active', 'resolved')", name="ck_episodes_status"),
        sa.CheckConstraint(
            "(status = 'resolved' AND resolved_at IS NOT NULL) "
            "OR (status = 'active' AND resolved_at IS NULL)",
            name="ck_episodes_resolved_at",
        ),
    )
    op.create_index(
        "uq_episodes_one_active",
        "episodes",
        ["status"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("pain", sa.SmallInteger(), nullable=False),
        sa.Column("worst_pain", sa.SmallInteger(), nullable=True),
        sa.Column("days_of_self_care", sa.Integer(), nullable=False),
        sa.Column("trend", sa.String(10), nullable=True),
        sa.Column("triage_level", sa.String(20), nullable=False),
        sa.Column("triage_reasons", sa.JSON(), nullable=False),
        sa.Column("answers_update", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_checkins"),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name="fk_checkins_episode_id_episodes",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("pain BETWEEN 0 AND 10", name="ck_checkins_pain"),
        sa.CheckConstraint(
            "worst_pain IS NULL OR worst_pain BETWEEN 0 AND 10", name="ck_checkins_worst_pain"
        ),
        sa.CheckConstraint("days_of_self_care >= 0", name="ck_checkins_days_of_self_care"),
        sa.CheckConstraint(
            "trend IS NULL OR trend IN ('better', 'same', 'worse')", name="ck_checkins_trend"
        ),
        sa.CheckConstraint(
            "triage_level IN ('self_care', 'see_doctor', 'urgent', 'emergency')",
            name="ck_checkins_triage_level",
        ),
    )
    op.create_index("ix_checkins_episode_id_recorded_at", "checkins", ["episode_id", "recorded_at"])
    op.create_table(
        "checkin_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_checkin_activities"),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkins.id"],
            name="fk_checkin_activities_checkin_id_checkins",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "checkin_id", "position", name="uq_checkin_activities_checkin_id_position"
        ),
        sa.UniqueConstraint("checkin_id", "name", name="uq_checkin_activities_checkin_id_name"),
        sa.CheckConstraint("position BETWEEN 1 AND 3", name="ck_checkin_activities_position"),
        sa.CheckConstraint("score BETWEEN 0 AND 10", name="ck_checkin_activities_score"),
    )
    op.create_table(
        "checkin_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_checkin_actions"),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkins.id"],
            name="fk_checkin_actions_checkin_id_checkins",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("checkin_id", "action", name="uq_checkin_actions_checkin_id_action"),
        sa.CheckConstraint(
            "action IN ('ice', 'heat', 'walk', 'exercises')", name="ck_checkin_actions_action"
        ),
        sa.CheckConstraint("count >= 1", name="ck_checkin_actions_count"),
    )
    op.create_table(
        "medicine_doses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        sa.Column("drug", sa.String(60), nullable=False),
        sa.Column("mg", sa.Integer(), nullable=False),
        sa.Column("taken_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_medicine_doses"),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name="fk_medicine_doses_episode_id_episodes",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkins.id"],
            name="fk_medicine_doses_checkin_id_checkins",
            ondelete="SET NULL",
        ),
        sa.CheckConstraint("mg > 0", name="ck_medicine_doses_mg"),
    )
    op.create_index("ix_medicine_doses_episode_id", "medicine_doses", ["episode_id"])


def downgrade() -> None:
    """Drop every diary table."""
    op.drop_index("ix_medicine_doses_episode_id", table_name="medicine_doses")
    op.drop_table("medicine_doses")
    op.drop_table("checkin_actions")
    op.drop_table("checkin_activities")
    op.drop_index("ix_checkins_episode_id_recorded_at", table_name="checkins")
    op.drop_table("checkins")
    op.drop_index("uq_episodes_one_active", table_name="episodes")
    op.drop_table("episodes")
