"""Accounts a clinic can switch off: ``users.disabled_at``.

A clinician who leaves must lose access at once, without their account (and the audit
log's record of what they did) being deleted. A switched-off account cannot sign in, its
sessions stop working, and it gets no e-mail; switching it back on restores it.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from backcare.store.types import UTCDateTime

revision = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``users.disabled_at`` (empty: every existing account stays on)."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    """Drop the column (every switched-off account is on again: say so before downgrading)."""
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled_at")
