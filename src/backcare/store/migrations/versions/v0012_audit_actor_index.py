"""An index on the audit log's actor, for a person's own recent sign-ins.

The account page lists the last few sign-ins (and refused ones) of the person looking at
it; the audit log grows with every read of a record, so that look-up must not scan it.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Index ``audit_log`` by ``(actor_id, id)``."""
    op.create_index("ix_audit_log_actor_id", "audit_log", ["actor_id", "id"])


def downgrade() -> None:
    """Drop the index (the rows are untouched)."""
    op.drop_index("ix_audit_log_actor_id", table_name="audit_log")
