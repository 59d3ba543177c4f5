"""Admins' per-unit, per-obligation overrides of whom an obligation binds.

Revision ID: 0005_obligation_overrides
Revises: 0004_notice_receipts
Create Date: 2026-11-29 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005_obligation_overrides"
down_revision = "0004_notice_receipts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "obligation_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("obligation_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("applies", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("set_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "unit_id", "obligation_key", name="uq_obligation_override"),
    )
    with op.batch_alter_table("obligation_override", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_obligation_override_unit_id"), ["unit_id"], unique=False
        )
    # 区纪委监委 is a discipline commission, its own category since this revision
    op.execute(
        sa.text(
            "UPDATE unit SET category = 'discipline' "
            "WHERE name = '区纪委监委' AND category = 'party_organ' AND source = 'directory'"
        )
    )


def downgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE unit SET category = 'party_organ' "
            "WHERE name = '区纪委监委' AND category = 'discipline' AND source = 'directory'"
        )
    )
    with op.batch_alter_table("obligation_override", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_obligation_override_unit_id"))
    op.drop_table("obligation_override")
