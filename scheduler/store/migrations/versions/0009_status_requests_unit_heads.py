"""Units' requests for an exemption (豁免) or an extension (延期) of an obligation's period, with
the admins' decisions; and each unit's head (负责人), whom escalation tells after the liaison.

Revision ID: 0009_status_requests_unit_heads
Revises: 0008_plan_short_ids
Create Date: 2026-12-07 21:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009_status_requests_unit_heads"
down_revision = "0008_plan_short_ids"
branch_labels = None
depends_on = None

_str = sqlmodel.sql.sqltypes.AutoString
_when = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "status_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", _str(length=10), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("obligation_key", _str(length=80), nullable=False),
        sa.Column("period", _str(length=16), nullable=False),
        sa.Column("new_due", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", _str(length=10), nullable=False),
        sa.Column("chat_id", _str(length=64), nullable=True),
        sa.Column("requested_by", _str(length=200), nullable=False),
        sa.Column("requested_by_id", _str(length=64), nullable=True),
        sa.Column("requested_at", _when(), nullable=False),
        sa.Column("decided_by", _str(length=200), nullable=True),
        sa.Column("decided_by_id", _str(length=64), nullable=True),
        sa.Column("decided_at", _when(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("status_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_status_request_key", ["unit_id", "obligation_key", "period"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_status_request_state"), ["state"], unique=False)
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("head_name", _str(length=200), nullable=True))
        batch_op.add_column(sa.Column("head_chat_id", _str(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_column("head_chat_id")
        batch_op.drop_column("head_name")
    with op.batch_alter_table("status_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_request_state"))
        batch_op.drop_index("ix_status_request_key")
    op.drop_table("status_request")
