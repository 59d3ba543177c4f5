"""The unit directory: canonical units, their categories and aliases, group names, and
resolution of free text (司法局, 市监局, 纪委…) to a unit with rapidfuzz.

Data lives in ``knowledge/data/units.toml``; units a document names that the file does not
know are added with a category inferred from the name. Admins may add more units later
(``UnitDirectory.with_unit``); group items then apply to them through their category.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

from knowledge.plan.model import ETC_NAME as PARTIAL_ETC
from knowledge.plan.model import Group, Item, Role, Unit, UnitCategory, UnitRef, WorkPlan
from knowledge.plan.unit_keys import spellings
from knowledge.text.normalize import norm

DATA_FILE = "units.toml"

# Category inference from a unit's name, first match wins. Order matters: 区委编办 is a party
# organ although it ends in 办; 街道 before 镇 (…镇街道 is rare but 街道 is the stronger signal).
_CATEGORY_RULES: tuple[tuple[re.Pattern[str], UnitCategory], ...] = (
    (re.compile(r"(法院|检察院)$"), UnitCategory.JUDICIAL),
    (re.compile(r"纪委|监委|纪检|监察委"), UnitCategory.DISCIPLINE),
    (re.compile(r"^(区|县|市|旗)(人民)?政府$"), UnitCategory.GOVERNMENT),
    (
        re.compile(r"^(区|县|市)?(委|纪委|监委)|纪委监委|政法委|编办|依法治"),
        UnitCategory.PARTY_ORGAN,
    ),
    (re.compile(r"(人大|政协|总工会|团委|妇联|工商联|科协|残联)"), UnitCategory.PEOPLES_ORG),
    (re.compile(r"(街道|街道办事处|街办)$"), UnitCategory.SUBDISTRICT),
    (re.compile(r"(园区|开发区|管委会|产业园|新区)$"), UnitCategory.PARK),
    (re.compile(r"(镇|乡)(人民政府)?$"), UnitCategory.TOWN),
    (re.compile(r"(局|办|委|中心|队|所|站|公司|部|办公室)$"), UnitCategory.DEPARTMENT),
)

_GROUP_HINT = re.compile(
    r"^(各|全区|全县|全市|所有)|^(区|县|市)直各|有关|相关|等\S{0,6}(部门|单位|机构)$"
)


def infer_category(name: str) -> UnitCategory:
    n = norm(name)
    for pattern, category in _CATEGORY_RULES:
        if pattern.search(n):
            return category
    return UnitCategory.OTHER


def infer_group(name: str) -> Group | None:
    """A group spelled in a way the data file does not know: 各乡镇(街道), 区直各部门, 有关单位…"""
    n = norm(name)
    if not _GROUP_HINT.search(n):
        return None
    partial = bool(re.search(r"有关|相关|等", n))
    cats: set[UnitCategory] = set()
    inner = n
    if re.search(r"镇|乡", inner):
        cats.add(UnitCategory.TOWN)
    if "街" in inner:
        cats.add(UnitCategory.SUBDISTRICT)
    if re.search(r"园|\(.*区.*\)|开发区|管委会", inner):
        cats.add(UnitCategory.PARK)
    if re.search(r"区直|部门|单位|机关", inner) and not cats:
        cats |= {
            UnitCategory.DEPARTMENT,
            UnitCategory.PARTY_ORGAN,
            UnitCategory.DISCIPLINE,
            UnitCategory.JUDICIAL,
            UnitCategory.PEOPLES_ORG,
        }
        if "执法" in inner or "部门" in inner:
            cats = {UnitCategory.DEPARTMENT}
    if not cats:
        cats = {UnitCategory.OTHER}
    return Group(name=name, categories=frozenset(cats), partial=partial)


@dataclass(frozen=True)
class Candidate:
    name: str
    score: float
    is_group: bool


@dataclass(frozen=True)
class Resolution:
    """The outcome of resolving free text to a unit or group."""

    query: str
    match: Unit | Group | None  # set when one candidate is clearly best
    candidates: tuple[Candidate, ...]  # ranked, best first, scores 0..100

    @property
    def ambiguous(self) -> bool:
        return self.match is None and len(self.candidates) > 1

    @property
    def name(self) -> str | None:
        return self.match.name if self.match else None


@dataclass(frozen=True)
class Responsibility:
    """Whether and how a unit is responsible for an item."""

    kind: str  # "named", "group", "partial", "none"
    via: str | None = None  # the group name or the unit's own name
    role: Role | None = None

    @property
    def responsible(self) -> bool:
        return self.kind in ("named", "group")


class UnitDirectory:
    """Units and groups with name resolution. Immutable in use: ``with_unit`` returns a copy."""

    def __init__(
        self,
        units: Iterable[Unit] = (),
        groups: Iterable[Group] = (),
        outside: dict[str, UnitCategory] | None = None,
        overrides: Iterable[Any] = (),
    ) -> None:
        self.units: dict[str, Unit] = {}
        # admins' per-obligation decisions (knowledge.plan.binding.Override), read by the binding
        self.overrides: tuple[Any, ...] = tuple(overrides)
        self.groups: dict[str, Group] = {}
        # usual unit names the directory does not hold (normalised, with and without 区)
        self.outside: dict[str, UnitCategory] = {}
        for name, category in (outside or {}).items():
            # the usual name, its short / full forms (区城市管理执法局 ⇄ 区城管执法局), ± 区
            for spelling in (name, *spellings(name)):
                self.outside.setdefault(norm(spelling), category)
                self.outside.setdefault(norm(spelling).removeprefix("区"), category)
        for u in units:
            self.units[u.name] = u
        for g in groups:
            self.groups[g.name] = g
        self._build_index()

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_data(cls, text: str | None = None) -> UnitDirectory:
        if text is None:
            text = resources.files("knowledge.data").joinpath(DATA_FILE).read_text("utf-8")
        data = tomllib.loads(text)
        units = [
            Unit(
                name=u["name"],
                category=UnitCategory(u["category"]),
                aliases=tuple(u.get("aliases", ())),
                source="aliases data",
            )
            for u in data.get("unit", [])
        ]
        groups = [
            Group(
                name=g["name"],
                categories=frozenset(UnitCategory(c) for c in g["categories"]),
                partial=bool(g.get("partial", False)),
                aliases=tuple(g.get("aliases", ())),
                description=g.get("description", ""),
            )
            for g in data.get("group", [])
        ]
        outside = {
            name: UnitCategory(category)
            for category, names in data.get("outside", {}).items()
            for name in names
        }
        return cls(units, groups, outside)

    @classmethod
    def for_plans(cls, plans: Iterable[WorkPlan], data: str | None = None) -> UnitDirectory:
        """The data file's directory extended with every unit and group the plans name.

        A plan's names are canonical: a data entry the document spells differently (the data
        says 区发改局, the document 区发展和改革局) gives the document's unit its category and
        its spellings, and does not stay as a second unit. The general abbreviation rules add
        more spellings (县市场监督管理局 → 县市场监管局, 市场监管局)."""
        base = cls.from_data(data)
        units: dict[str, Unit] = dict(base.units)
        groups: dict[str, Group] = dict(base.groups)

        def absorb(name: str, raw: str, is_group: bool) -> None:
            found = base.get(raw) or base.get(name)
            extra = tuple(s for s in (raw, *spellings(name)) if s != name)
            if is_group:
                if name in groups or name == PARTIAL_ETC:
                    return
                if isinstance(found, Group) and found.name in groups:
                    old = groups.pop(found.name)
                    groups[name] = replace(
                        old,
                        name=name,
                        aliases=tuple(dict.fromkeys((old.name, *old.aliases, *extra))),
                    )
                else:
                    groups[name] = infer_group(name) or Group(
                        name, frozenset({UnitCategory.OTHER}), partial=True
                    )
                return
            if name in units:
                u = units[name]
                new = tuple(a for a in extra if a not in u.aliases)
                if new:
                    units[name] = replace(u, aliases=(*u.aliases, *new))
                return
            if isinstance(found, Unit) and found.name in units and found.name != name:
                old = units.pop(found.name)
                units[name] = Unit(
                    name,
                    old.category,
                    tuple(dict.fromkeys((old.name, *old.aliases, *extra))),
                    source="document",
                )
                return
            units[name] = Unit(name, infer_category(name), tuple(dict.fromkeys(extra)))

        for plan in plans:
            for item in plan.items:
                for ref in item.units:
                    absorb(ref.name, ref.raw, ref.is_group)
        # units named by the data file but by no plan stay: they are real units of the district
        return cls(units.values(), groups.values(), base._outside_by_name())

    def with_unit(
        self, name: str, category: UnitCategory | None = None, aliases: Iterable[str] = ()
    ) -> UnitDirectory:
        unit = Unit(
            name=name,
            category=category or infer_category(name),
            aliases=tuple(aliases),
            source="admin",
        )
        return UnitDirectory(
            [*self.units.values(), unit],
            self.groups.values(),
            self._outside_by_name(),
            self.overrides,
        )

    def with_overrides(self, overrides: Iterable[Any]) -> UnitDirectory:
        """A copy carrying admins' per-obligation overrides (see :mod:`knowledge.plan.binding`)."""
        return UnitDirectory(
            self.units.values(), self.groups.values(), self._outside_by_name(), overrides
        )

    def _outside_by_name(self) -> dict[str, UnitCategory]:
        return dict(self.outside)

    def outside_category(self, name: str) -> UnitCategory | None:
        """The category of a usual unit name the directory does not hold (区审计局, 教育局)."""
        return self.outside_category_key(norm(name))

    def outside_category_key(self, key: str) -> UnitCategory | None:
        """:meth:`outside_category` of an already normalised name (question text is normalised
        once, not window by window)."""
        if self._exact.get(key) is not None:
            return None
        return self.outside.get(key) or self.outside.get(key.removeprefix("区"))

    # -- lookup ----------------------------------------------------------------------------
    def _build_index(self) -> None:
        self._exact: dict[str, str] = {}
        self._choices: list[str] = []  # normalised spellings
        self._choice_owner: list[str] = []
        for name, owner in self._spellings():
            key = norm(name)
            self._exact.setdefault(key, owner)
            self._choices.append(key)
            self._choice_owner.append(owner)

    def _spellings(self) -> Iterable[tuple[str, str]]:
        for u in self.units.values():
            yield u.name, u.name
            for a in u.aliases:
                yield a, u.name
        for g in self.groups.values():
            yield g.name, g.name
            for a in g.aliases:
                yield a, g.name

    def get(self, name: str) -> Unit | Group | None:
        owner = self._exact.get(norm(name))
        if owner is None:
            return None
        return self.units.get(owner) or self.groups.get(owner)

    def canonical(self, name: str) -> str:
        """The canonical name of a known spelling, or the name itself."""
        found = self.get(name)
        return found.name if found else name

    def is_group(self, name: str) -> bool:
        return name in self.groups

    def resolve(self, text: str, limit: int = 5, cutoff: float = 60.0) -> Resolution:
        """Free text to a unit or group. Exact spellings win; otherwise rapidfuzz ranks the
        spellings and the best owner is taken when it clearly leads."""
        query = norm(text)
        if not query:
            return Resolution(text, None, ())
        exact = self._exact.get(query)
        if exact is not None:
            found = self.units.get(exact) or self.groups.get(exact)
            return Resolution(text, found, (Candidate(exact, 100.0, exact in self.groups),))
        if self.outside_category(query) is not None:
            return Resolution(text, None, ())  # a real unit the directory does not list
        # WRatio forgives extra words (区司法局机关); Levenshtein ranks one-character typos
        # (区司发局) by edits, where token-based scores tie. Half of each.
        scored: dict[str, float] = {}
        # imported here: most questions name their unit exactly, and rapidfuzz costs ~10 ms
        # at start-up. One scorer call per spelling (a few hundred): cdist would need numpy.
        from rapidfuzz import fuzz
        from rapidfuzz.distance import Levenshtein

        for idx, choice in enumerate(self._choices):
            w = fuzz.WRatio(query, choice)
            lv = Levenshtein.normalized_similarity(query, choice)
            score = 0.5 * w + 50.0 * lv
            if score < cutoff:
                continue
            owner = self._choice_owner[idx]
            scored[owner] = max(scored.get(owner, 0.0), score)
        # A query contained in exactly one spelling (审批 → 区行政审批局) is strong evidence.
        if len(query) >= 2:
            contained = {self._choice_owner[i] for i, c in enumerate(self._choices) if query in c}
            for owner in contained:
                scored[owner] = max(scored.get(owner, 0.0), 90.0 if len(contained) == 1 else 80.0)
        ranked = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        cands = tuple(Candidate(n, round(s, 1), n in self.groups) for n, s in ranked)
        match: Unit | Group | None = None
        lead = cands[0].score - cands[1].score if len(cands) > 1 else 100.0
        if cands and (
            (cands[0].score >= 85 and lead >= 8) or (cands[0].score >= 65 and lead >= 10)
        ):
            match = self.units.get(cands[0].name) or self.groups.get(cands[0].name)
        return Resolution(text, match, cands)

    # -- responsibility ----------------------------------------------------------------------
    def members(self, group_name: str) -> list[Unit]:
        group = self.groups.get(group_name)
        if group is None:
            return []
        return [u for u in self.units.values() if u.category in group.categories]

    def responsibility(self, unit_name: str, item: Item) -> Responsibility:
        """Is ``unit_name`` responsible for ``item``: named, through a whole group, or possibly
        through a partial group (区直有关单位, …等部门), or not at all."""
        unit = self.units.get(unit_name)
        for ref in item.units:
            if not ref.is_group and ref.name == unit_name:
                return Responsibility("named", ref.name, ref.role)
        if unit is None:
            return Responsibility("none")
        partial_via: UnitRef | None = None
        for ref in item.units:
            if not ref.is_group:
                continue
            group = self.groups.get(ref.name)
            if group is None or unit.category not in group.categories:
                continue
            if group.partial or ref.partial:
                partial_via = partial_via or ref
                continue
            return Responsibility("group", ref.name, ref.role)
        if partial_via is not None:
            return Responsibility("partial", partial_via.name, partial_via.role)
        if any(ref.name == PARTIAL_ETC for ref in item.units) and unit.category not in (
            UnitCategory.TOWN,
            UnitCategory.SUBDISTRICT,
            UnitCategory.PARK,
        ):
            return Responsibility("partial", PARTIAL_ETC, Role.RESPONSIBLE)
        return Responsibility("none")

    def responsible_units(self, item: Item) -> list[tuple[Unit, Responsibility]]:
        """Every directory unit responsible for the item (named or through a whole group)."""
        out: list[tuple[Unit, Responsibility]] = []
        for unit in self.units.values():
            r = self.responsibility(unit.name, item)
            if r.responsible:
                out.append((unit, r))
        return out
