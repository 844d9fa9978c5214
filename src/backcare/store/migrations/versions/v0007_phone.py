"""backcare on a phone: idempotency keys of check-ins, and the secret calendar link.

Table ``idempotency_keys``: the key (a UUID the browser made), a fingerprint of the
request, the check-in it recorded and the answer it got, so a re-sent check-in is
recorded once. Table ``calendar_tokens``: SHA-256 hashes of calendar link tokens, with
when each was made and revoked.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from backcare.store.types import UTCDateTime

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``idempotency_keys`` and ``calendar_tokens``."""
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(36), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkins.id"],
            name="fk_idempotency_keys_checkin_id_checkins",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name="pk_idempotency_keys"),
    )
    op.create_index("ix_idempotency_keys_checkin_id", "idempotency_keys", ["checkin_id"])
    op.create_table(
        "calendar_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_calendar_tokens_token_hash"),
    )


def downgrade() -> None:
    """Drop ``calendar_tokens`` and ``idempotency_keys`` (the check-ins stay)."""
    op.drop_table("calendar_tokens")
    op.drop_index("ix_idempotency_keys_checkin_id", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
