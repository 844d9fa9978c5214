"""Keep the questionnaires a person fills in (STarT Back, Oswestry, Roland-Morris, ...).

Table ``questionnaire_responses``: per episode, which questionnaire and version, when,
and the answer per item (JSON). Scores are worked out from the answers when shown
(:mod:`backcare.store.questionnaires`).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from backcare.store.types import UTCDateTime

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``questionnaire_responses``."""
    op.create_table(
        "questionnaire_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire", sa.String(40), nullable=False),
        sa.Column("version", sa.String(60), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_questionnaire_responses"),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["episodes.id"],
            name="fk_questionnaire_responses_episode_id_episodes",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_questionnaire_responses_episode_id_answered_at",
        "questionnaire_responses",
        ["episode_id", "answered_at"],
    )


def downgrade() -> None:
    """Drop ``questionnaire_responses`` (the rest of the diary is untouched)."""
    op.drop_index(
        "ix_questionnaire_responses_episode_id_answered_at", table_name="questionnaire_responses"
    )
    op.drop_table("questionnaire_responses")
