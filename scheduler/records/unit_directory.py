"""A deployment's unit directory: the document's units plus the units admins added, with
admins' per-obligation overrides (:mod:`scheduler.records.overrides`), read fresh from the database."""

from __future__ import annotations

from sqlmodel import Session, select

from knowledge.plan.model import Unit, UnitCategory
from knowledge.plan.units import UnitDirectory
from scheduler.records.overrides import load_overrides
from scheduler.store.models import UnitRow


def registry_directory(session: Session, base: UnitDirectory) -> UnitDirectory:
    """``base`` plus the units admins added, so group items (区直各单位, 各镇(街、区)) apply to
    them through their category, and admins' per-obligation overrides (knowledge.plan.binding)."""
    overrides = load_overrides(session)
    rows = session.exec(
        select(UnitRow.name, UnitRow.category, UnitRow.aliases).where(UnitRow.active)
    )
    extra = [
        Unit(
            name=name,
            category=UnitCategory(category),
            aliases=tuple(a for a in aliases.split("、") if a),
            source="admin",
        )
        for name, category, aliases in rows  # columns, not rows: every tick reads them all
        if name not in base.units
    ]
    if not extra:
        return base.with_overrides(overrides) if overrides else base
    return UnitDirectory(
        [*base.units.values(), *extra], base.groups.values(), base._outside_by_name(), overrides
    )
