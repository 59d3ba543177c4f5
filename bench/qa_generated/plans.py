"""The plans questions are generated over, and their facts read from the plan model.

Responsibility is computed here from the data (a unit's category, a group's categories and
whether the group is partial), not with the directory's own ``responsibility`` method, so
that the oracle and the engine do not share that logic.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from knowledge.plan.model import ETC_NAME, Item, Role, UnitCategory, WorkPlan
from knowledge.plan.units import UnitDirectory
from knowledge.reading.loader import default_plan, directory_for, load_file

ROOT = Path(__file__).resolve().parents[2]
FAMILY = ROOT / "tests" / "data" / "family"
FIXTURES = (
    "fz01_qinghe_2023_notice.txt",
    "fz04_nanshan_2023_roles.txt",
    "fz16_huaiyang_2022_long.txt",
)
"""Family fixtures of other districts (invented documents, see tests/data/family/README.md):
sections and a partial list (fz01), role phrases (fz04), a long plan with roles and
obligations (fz16)."""

# a trailing 等 never stands for towns, subdistricts or parks (they are listed as groups)
_ETC_EXCLUDES = frozenset({UnitCategory.TOWN, UnitCategory.SUBDISTRICT, UnitCategory.PARK})

NAMED, GROUP, PARTIAL, NONE = "named", "group", "partial", "none"


@dataclass
class PlanFacts:
    """One plan with its unit directory and the relations the oracle needs."""

    plan: WorkPlan
    directory: UnitDirectory

    @property
    def plan_id(self) -> str:
        return self.plan.plan_id

    @property
    def year(self) -> int | None:
        return self.plan.meta.plan_year

    @cached_property
    def units(self) -> tuple[str, ...]:
        """The concrete units the plan names (never groups), in first-mention order."""
        seen: dict[str, None] = {}
        for it in self.plan.items:
            for ref in it.units:
                if not ref.is_group and ref.name != ETC_NAME:
                    seen.setdefault(ref.name, None)
        return tuple(seen)

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(it.number for it in self.plan.items)

    def item(self, number: int) -> Item:
        found = self.plan.item(number)
        assert found is not None, number
        return found

    @staticmethod
    def named_refs(item: Item) -> tuple[str, ...]:
        """The entries of the item's unit list (units and groups), without a trailing 等."""
        return tuple(dict.fromkeys(r.name for r in item.units if r.name != ETC_NAME))

    @staticmethod
    def named_units(item: Item) -> tuple[str, ...]:
        """The concrete units the item names (no groups)."""
        return tuple(
            dict.fromkeys(r.name for r in item.units if not r.is_group and r.name != ETC_NAME)
        )

    @staticmethod
    def has_etc(item: Item) -> bool:
        return any(r.name == ETC_NAME for r in item.units)

    def is_partial_group(self, name: str) -> bool:
        group = self.directory.groups.get(name)
        return group is not None and group.partial

    def roles_of(self, item: Item, role: Role) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.name for r in item.units if r.role == role))

    def relation(self, unit: str, item: Item) -> str:
        """How ``unit`` stands to ``item``: named, through a whole group, possibly through a
        partial group or a trailing 等, or not at all."""
        if unit in self.named_units(item):
            return NAMED
        known = self.directory.units.get(unit)
        if known is None:
            return NONE
        partial = False
        for ref in item.units:
            if ref.name == ETC_NAME:
                partial = partial or known.category not in _ETC_EXCLUDES
                continue
            if not ref.is_group:
                continue
            group = self.directory.groups.get(ref.name)
            if group is None or known.category not in group.categories:
                continue
            if group.partial or ref.partial:
                partial = True
            else:
                return GROUP
        return PARTIAL if partial else NONE

    def items_where(self, unit: str, *relations: str) -> frozenset[int]:
        return frozenset(
            it.number for it in self.plan.items if self.relation(unit, it) in relations
        )

    @cached_property
    def _spelled(self) -> dict[str, set[str]]:
        """Every name and alias of the directory → the units and groups spelled so."""
        out: dict[str, set[str]] = {}
        for known in (*self.directory.units.values(), *self.directory.groups.values()):
            for spelling in (known.name, *known.aliases):
                out.setdefault(spelling, set()).add(known.name)
        return out

    def aliases(self, unit: str) -> tuple[str, ...]:
        """Short names an official would type for ``unit``: the directory's aliases that name
        nothing else (审批局 is not one when 区行政审批局 is listed too), without the clipped
        fragments such as 委编办 / 治区办."""
        known = self.directory.units.get(unit) or self.directory.groups.get(unit)
        if known is None:
            return ()
        return tuple(
            a
            for a in known.aliases
            if a != unit
            and len(a) >= 2
            and not a.startswith(("委", "治", "直"))
            and self._spelled.get(a) == {unit}
        )


def load(path: Path) -> PlanFacts:
    plan = load_file(path)
    return PlanFacts(plan, directory_for([plan]))


def bundled() -> PlanFacts:
    plan = default_plan()
    return PlanFacts(plan, directory_for([plan]))


def all_plans() -> list[PlanFacts]:
    """The bundled plan first, then the family fixtures."""
    return [bundled(), *(load(FAMILY / name) for name in FIXTURES)]
