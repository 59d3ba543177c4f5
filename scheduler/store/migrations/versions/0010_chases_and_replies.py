"""Chases (催办) of a unit for an obligation of a period, and the units' replies to them.

Revision ID: 0010_chases_and_replies
Revises: 0009_status_requests_unit_heads
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010_chases_and_replies"
down_revision = "0009_status_requests_unit_heads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("obligation_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("chased_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("chased_by_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("chased_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "obligation_key", "period", "day", name="uq_chase_day"),
    )
    op.create_index("ix_chase_unit_id", "chase", ["unit_id"])
    op.create_table(
        "chase_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chase_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("replied_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["chase_id"], ["chase.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_chase_reply_chase_id", "chase_reply", ["chase_id"])


def downgrade() -> None:
    op.drop_index("ix_chase_reply_chase_id", table_name="chase_reply")
    op.drop_table("chase_reply")
    op.drop_index("ix_chase_unit_id", table_name="chase")
    op.drop_table("chase")
