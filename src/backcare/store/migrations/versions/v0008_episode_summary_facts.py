"""Keep the closing summary of an episode as facts, rendered into words when shown.

Column ``episodes.summary_facts`` (JSON, nullable): the numbers backcare summarises an
episode with when it is resolved. ``episodes.summary`` keeps a summary the person wrote,
and the English prose earlier versions stored, which is still shown as it was.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``episodes.summary_facts``."""
    with op.batch_alter_table("episodes") as batch:
        batch.add_column(sa.Column("summary_facts", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop ``episodes.summary_facts`` (summaries kept as facts are lost)."""
    with op.batch_alter_table("episodes") as batch:
        batch.drop_column("summary_facts")
