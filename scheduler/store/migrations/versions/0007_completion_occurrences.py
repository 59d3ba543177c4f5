"""Completions counted within a period: an obligation of "至少2次" per quarter needs two rows
(occurrence 1 and 2) for the same unit, obligation and period. Existing rows are occurrence 1.

Revision ID: 0007_completion_occurrences
Revises: 0006_imported_plans
Create Date: 2026-12-07 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_completion_occurrences"
down_revision = "0006_imported_plans"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("completion", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("occurrence", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.drop_constraint("uq_completion", type_="unique")
        batch_op.create_unique_constraint(
            "uq_completion", ["unit_id", "obligation_key", "period", "occurrence"]
        )


def downgrade() -> None:
    op.execute("DELETE FROM completion WHERE occurrence > 1")
    with op.batch_alter_table("completion", schema=None) as batch_op:
        batch_op.drop_constraint("uq_completion", type_="unique")
        batch_op.create_unique_constraint("uq_completion", ["unit_id", "obligation_key", "period"])
        batch_op.drop_column("occurrence")
