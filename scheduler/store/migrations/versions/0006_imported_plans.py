"""Imported work plans: year, issuer, source hash, text, active flag.

Revision ID: 0006_imported_plans
Revises: 0005_obligation_overrides
Create Date: 2026-11-29 11:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006_imported_plans"
down_revision = "0005_obligation_overrides"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("issuer", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("source_name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("source_format", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("imported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("imported_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("activated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
        sa.UniqueConstraint("sha256"),
    )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_year"), ["year"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_active"), ["active"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_active"))
        batch_op.drop_index(batch_op.f("ix_plan_year"))
    op.drop_table("plan")
