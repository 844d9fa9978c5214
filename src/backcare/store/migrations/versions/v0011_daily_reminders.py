"""Daily reminder e-mails: a patient's opt-in, and the day each account last got its digest.

Columns ``users.daily_reminder`` (off by default: nobody gets e-mail they did not ask for)
and ``users.digest_sent_on`` (the UTC day of the last daily digest, claimed in the same
transaction that sends it, so two job workers send one digest a day).

Revision ID: 0011
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``users.daily_reminder`` and ``users.digest_sent_on``."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("daily_reminder", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("digest_sent_on", sa.Date(), nullable=True))


def downgrade() -> None:
    """Drop both columns (opt-ins are lost: everyone is back to no reminder e-mail)."""
    with op.batch_alter_table("users") as batch:
        batch.drop_column("digest_sent_on")
        batch.drop_column("daily_reminder")
