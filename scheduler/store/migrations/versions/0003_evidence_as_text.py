"""Completion evidence becomes text: several files are appended, never replaced.

Revision ID: 0003_evidence_as_text
Revises: 0002_send_budget_leases_liaisons
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003_evidence_as_text"
down_revision = "0002_send_budget_leases_liaisons"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("completion") as batch:
        batch.alter_column(
            "evidence",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=500),
            type_=sa.Text(),
            existing_nullable=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("completion") as batch:
        batch.alter_column(
            "evidence",
            existing_type=sa.Text(),
            type_=sqlmodel.sql.sqltypes.AutoString(length=500),
            existing_nullable=True,
        )
