"""Notices with receipts: a broadcast may require a receipt (with a deadline); receipts by unit.

Revision ID: 0004_notice_receipts
Revises: 0003_evidence_as_text
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004_notice_receipts"
down_revision = "0003_evidence_as_text"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("broadcast") as batch:
        batch.add_column(
            sa.Column("receipt_required", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("receipt_deadline", sa.Date(), nullable=True))
    op.create_table(
        "receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("unit_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("acknowledged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["broadcast_id"], ["broadcast.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("broadcast_id", "unit_name", name="uq_receipt_unit"),
    )
    op.create_index("ix_receipt_broadcast_id", "receipt", ["broadcast_id"])


def downgrade() -> None:
    op.drop_index("ix_receipt_broadcast_id", table_name="receipt")
    op.drop_table("receipt")
    with op.batch_alter_table("broadcast") as batch:
        batch.drop_column("receipt_deadline")
        batch.drop_column("receipt_required")
