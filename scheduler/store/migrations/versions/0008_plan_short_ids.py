"""Plan ids become short slugs (xiangzhou-2026, from the issuer and the year); the old id
(often the document's whole title) is kept as ``legacy_slug`` so that it still finds the plan,
and admins' overrides that named a plan by its old id name it by the new one.

Revision ID: 0008_plan_short_ids
Revises: 0007_completion_occurrences
Create Date: 2026-12-07 18:40:00
"""

from __future__ import annotations

import re

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008_plan_short_ids"
down_revision = "0007_completion_occurrences"
branch_labels = None
depends_on = None

_SHORT = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
BUNDLED_ID = "xiangzhou-2021"  # the bundled plan's id (knowledge.reading.loader)


def upgrade() -> None:
    from knowledge.plan.ids import plan_slug

    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("legacy_slug", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True)
        )
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, slug, year, issuer, title FROM plan ORDER BY id"))
    rows = list(rows)
    taken = {BUNDLED_ID, *(r.slug for r in rows)}
    for r in rows:
        if _SHORT.match(r.slug):
            continue
        base = plan_slug(r.year, issuer=r.issuer or "", title=r.title or "")
        new, k = base, 2
        while new in taken:
            new, k = f"{base}-{k}", k + 1
        taken.add(new)
        conn.execute(
            sa.text("UPDATE plan SET slug = :new, legacy_slug = :old WHERE id = :id"),
            {"new": new, "old": r.slug, "id": r.id},
        )
        conn.execute(
            sa.text("UPDATE obligation_override SET plan_id = :new WHERE plan_id = :old"),
            {"new": new, "old": r.slug},
        )


def downgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, slug, legacy_slug FROM plan"))
    for r in list(rows):
        if r.legacy_slug:
            conn.execute(
                sa.text("UPDATE obligation_override SET plan_id = :old WHERE plan_id = :new"),
                {"new": r.slug, "old": r.legacy_slug},
            )
            conn.execute(
                sa.text("UPDATE plan SET slug = :old WHERE id = :id"),
                {"old": r.legacy_slug, "id": r.id},
            )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_column("legacy_slug")
