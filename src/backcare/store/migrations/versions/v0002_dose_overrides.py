"""Record dose-limit overrides, and index doses by drug and time for the 24-hour check.

A dose that breaks a label limit is refused unless the person overrides it; the
override and the limit it broke are now kept with the dose, for the person and
their clinician to see. The 24-hour total is checked across all episodes, so doses
get an index on ``(drug, taken_at)``.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add ``overridden`` (default false) and ``override_reason``; index drug + time."""
    with op.batch_alter_table("medicine_doses") as batch:
        batch.add_column(
            sa.Column("overridden", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("override_reason", sa.Text(), nullable=True))
    op.create_index("ix_medicine_doses_drug_taken_at", "medicine_doses", ["drug", "taken_at"])


def downgrade() -> None:
    """Drop the override columns and the index."""
    op.drop_index("ix_medicine_doses_drug_taken_at", table_name="medicine_doses")
    with op.batch_alter_table("medicine_doses") as batch:
        batch.drop_column("override_reason")
        batch.drop_column("overridden")
