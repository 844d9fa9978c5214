"""Record exercise-coach sessions: pain before and after, symptoms, and each exercise's dose.

Each session belongs to an episode; each of its exercises keeps the target dose, what
was achieved (longest hold, reps per side), whether it was skipped, and the progression
step (with its reason) that set the dose, so the next session's dose and the adherence
figures are worked out from the diary alone. Tables: ``coach_sessions`` and
``coach_session_exercises`` (:mod:`backcare.store.coach`).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from backcare.store.types import UTCDateTime

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

# The closed sets as they were at this revision (not imported: a migration is a snapshot).
_PHASES = "'acute', 'subacute', 'recovery'"
_SYMPTOMS = "'one_leg_numbness_or_tingling', 'both_legs', 'worsening_leg_weakness', 'severe_pain'"
_LEVELS = "'self_care', 'see_doctor', 'urgent', 'emergency'"
_STEPS = "'start', 'up', 'same', 'back'"


def upgrade() -> None:
    """Create ``coach_sessions`` and ``coach_session_exercises``."""
    op.create_table(
        "coach_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=False),
        sa.Column("phase", sa.String(10), nullable=False),
        sa.Column("pain_before", sa.SmallInteger(), nullable=True),
        sa.Column("pain_after", sa.SmallInteger(), nullable=True),
        sa.Column("quit_early", sa.Boolean(), nullable=False),
        sa.Column("symptom", sa.String(40), nullable=True),
        sa.Column("stopped_for_symptom", sa.Boolean(), nullable=False),
        sa.Column("triage_level", sa.String(20), nullable=True),
        sa.Column("active_seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coach_sessions"),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name="fk_coach_sessions_episode_id_episodes",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(f"phase IN ({_PHASES})", name="ck_coach_sessions_phase"),
        sa.CheckConstraint(
            "pain_before IS NULL OR pain_before BETWEEN 0 AND 10",
            name="ck_coach_sessions_pain_before",
        ),
        sa.CheckConstraint(
            "pain_after IS NULL OR pain_after BETWEEN 0 AND 10",
            name="ck_coach_sessions_pain_after",
        ),
        sa.CheckConstraint(
            f"symptom IS NULL OR symptom IN ({_SYMPTOMS})", name="ck_coach_sessions_symptom"
        ),
        sa.CheckConstraint(
            "NOT stopped_for_symptom OR symptom IS NOT NULL",
            name="ck_coach_sessions_stopped_for_symptom",
        ),
        sa.CheckConstraint(
            f"triage_level IS NULL OR triage_level IN ({_LEVELS})",
            name="ck_coach_sessions_triage_level",
        ),
        sa.CheckConstraint("ended_at >= started_at", name="ck_coach_sessions_ended_at"),
        sa.CheckConstraint("active_seconds >= 0", name="ck_coach_sessions_active_seconds"),
    )
    op.create_index(
        "ix_coach_sessions_episode_id_started_at",
        "coach_sessions",
        ["episode_id", "started_at"],
    )
    op.create_table(
        "coach_session_exercises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("exercise_id", sa.String(60), nullable=False),
        sa.Column("sides", sa.String(4), nullable=False),
        sa.Column("target_hold_seconds", sa.Integer(), nullable=False),
        sa.Column("target_reps", sa.Integer(), nullable=False),
        sa.Column("achieved_hold_seconds", sa.Float(), nullable=False),
        sa.Column("reps_both", sa.Integer(), nullable=True),
        sa.Column("reps_left", sa.Integer(), nullable=True),
        sa.Column("reps_right", sa.Integer(), nullable=True),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("step", sa.String(5), nullable=False),
        sa.Column("step_reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coach_session_exercises"),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["coach_sessions.id"],
            name="fk_coach_session_exercises_session_id_coach_sessions",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "session_id", "position", name="uq_coach_session_exercises_session_id_position"
        ),
        sa.CheckConstraint("position >= 1", name="ck_coach_session_exercises_position"),
        sa.CheckConstraint("sides IN ('both', 'each')", name="ck_coach_session_exercises_sides"),
        sa.CheckConstraint(
            "target_hold_seconds >= 1", name="ck_coach_session_exercises_target_hold_seconds"
        ),
        sa.CheckConstraint("target_reps >= 1", name="ck_coach_session_exercises_target_reps"),
        sa.CheckConstraint(
            "achieved_hold_seconds >= 0",
            name="ck_coach_session_exercises_achieved_hold_seconds",
        ),
        sa.CheckConstraint(
            "(sides = 'both' AND reps_both >= 0 AND reps_left IS NULL AND reps_right IS NULL) "
            "OR (sides = 'each' AND reps_both IS NULL AND reps_left >= 0 AND reps_right >= 0)",
            name="ck_coach_session_exercises_reps",
        ),
        sa.CheckConstraint(f"step IN ({_STEPS})", name="ck_coach_session_exercises_step"),
    )


def downgrade() -> None:
    """Drop the coach tables (the rest of the diary is untouched)."""
    op.drop_table("coach_session_exercises")
    op.drop_index("ix_coach_sessions_episode_id_started_at", table_name="coach_sessions")
    op.drop_table("coach_sessions")
