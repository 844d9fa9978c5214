"""Calendar links per person, and the last TOTP time-step each account used.

Column ``calendar_tokens.person_id`` (nullable, ``users.id``, deleted with the account):
whose calendar link a token is. ``NULL`` is a local diary's one person, so links made
before this revision keep working. Column ``users.totp_last_step`` (nullable): the
30-second time-step of the newest TOTP code the account signed in with; a code of that
step or an older one is refused, so a code seen over someone's shoulder cannot be used
again, on any worker.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``calendar_tokens.person_id`` and ``users.totp_last_step``."""
    with op.batch_alter_table("calendar_tokens") as batch:
        batch.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_calendar_tokens_person_id_users",
            "users",
            ["person_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index("ix_calendar_tokens_person_id", ["person_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Drop both columns; every patient's calendar link is dropped with its owner column.

    Without an owner a hosted patient's token would read as the local person's, so only
    the local person's links (``person_id`` ``NULL``) are kept.
    """
    with op.batch_alter_table("users") as batch:
        batch.drop_column("totp_last_step")
    op.execute(sa.text("DELETE FROM calendar_tokens WHERE person_id IS NOT NULL"))
    with op.batch_alter_table("calendar_tokens") as batch:
        batch.drop_index("ix_calendar_tokens_person_id")
        batch.drop_constraint("fk_calendar_tokens_person_id_users", type_="foreignkey")
        batch.drop_column("person_id")
