"""Shared send budget, process leases (one poller), liaisons, who confirmed, pending
re-registration.

Revision ID: 0002_send_budget_leases_liaisons
Revises: 0001_initial
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002_send_budget_leases_liaisons"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "send_budget",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("next_free", sa.Float(), nullable=False),
        sa.Column("paused_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "process_lease",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("acquired_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "liaison",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("approved_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("approved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "user_id", name="uq_liaison"),
    )
    op.create_index("ix_liaison_user_id", "liaison", ["user_id"])
    with op.batch_alter_table("completion") as batch:
        batch.add_column(
            sa.Column("confirmed_by_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
    with op.batch_alter_table("chat") as batch:
        batch.add_column(
            sa.Column("requested_by_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch.add_column(sa.Column("requested_unit_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat") as batch:
        batch.drop_column("requested_unit_id")
        batch.drop_column("requested_by_id")
    with op.batch_alter_table("completion") as batch:
        batch.drop_column("confirmed_by_id")
    op.drop_index("ix_liaison_user_id", table_name="liaison")
    op.drop_table("liaison")
    op.drop_table("process_lease")
    op.drop_table("send_budget")
