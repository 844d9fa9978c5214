"""Keep the settings the person chooses in the web app (emergency number, waking hours).

Table ``preferences``: one row per setting that overrides backcare's default.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``preferences``."""
    op.create_table(
        "preferences",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("value", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_preferences"),
    )


def downgrade() -> None:
    """Drop ``preferences`` (the rest of the diary is untouched)."""
    op.drop_table("preferences")
