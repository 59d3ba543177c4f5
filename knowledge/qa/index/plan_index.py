"""Everything about one work plan that answering needs, computed once: the BM25 index over
items, the obligations index, the sentences for quoting, and who is responsible for what."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from knowledge.plan.binding import bound_units
from knowledge.plan.model import ETC_NAME as PARTIAL_ETC
from knowledge.plan.model import Item, Obligation, UnitCategory, WorkPlan
from knowledge.plan.units import UnitDirectory
from knowledge.qa.index.bm25 import BM25Index, char_terms
from knowledge.qa.result.answer import ItemDuty, ObligationDue, Quote, UnitLine
from knowledge.qa.result.due import next_due
from knowledge.text.normalize import norm

# "…等部门 / 等有关单位" after a list of district units: possibly any district-level unit
# (as UnitDirectory.responsibility has it), never a town, sub-district or park.
ETC_CATEGORIES = frozenset(UnitCategory) - {
    UnitCategory.TOWN,
    UnitCategory.SUBDISTRICT,
    UnitCategory.PARK,
}


@dataclass(frozen=True)
class Target:
    """Whom a unit question is about: a directory unit, a group, or a category of units."""

    kind: str  # "unit", "group", "category"
    name: str  # canonical name; for "category" the display name (镇, 张家集镇…)
    categories: frozenset[UnitCategory]


@dataclass(frozen=True)
class _Coverage:
    named: dict[str, str]  # unit/group name → role
    full: dict[UnitCategory, tuple[str, str]]  # category → (group, role), first in order
    partial: dict[UnitCategory, tuple[str, str]]


class PlanIndex:
    def __init__(self, plan: WorkPlan, directory: UnitDirectory, analyzer: str = "char") -> None:
        self.plan = plan
        self.directory = directory
        self.items: list[Item] = list(plan.items)
        self.position = {it.number: i for i, it in enumerate(self.items)}
        self.index = BM25Index([(it.title, "。".join(it.tasks)) for it in self.items], analyzer)
        self.sentences: list[list[str]] = [[it.title, *it.tasks] for it in self.items]
        self._texts = self.index.texts
        self.obligations: list[Obligation] = list(plan.obligations)
        self.obl_index = BM25Index(
            [(f"{o.action}{o.kind}", o.text) for o in self.obligations], analyzer, title_boost=2.0
        )
        self._coverage = [self._item_coverage(it) for it in self.items]
        self._contains_cache: dict[str, bool] = {}
        self.units_lines = [tuple(self._unit_line(u) for u in it.units) for it in self.items]

    # -- text ------------------------------------------------------------------------------
    def contains(self, window: str) -> bool:
        """Does some item's text contain ``window`` (normalised)? Bigram postings narrow the
        candidates first, so this stays cheap on large corpora."""
        hit = self._contains_cache.get(window)
        if hit is not None:
            return hit
        grams = {window[i : i + 2] for i in range(len(window) - 1)} or {window}
        docs: set[int] | None = None
        for g in sorted(grams, key=lambda g: len(self.index.postings(g))):
            ids = self.index.postings(g)
            docs = set(ids) if docs is None else docs.intersection(ids)
            if not docs:
                break
        result = bool(docs and any(window in self._texts[d] for d in sorted(docs)[:200]))
        if len(self._contains_cache) < 100_000:
            self._contains_cache[window] = result
        return result

    def best_sentence(self, pos: int, terms: Sequence[str]) -> str:
        """The item's sentence sharing the most idf-weighted query terms (title on ties)."""
        qterms = set(terms)
        best, best_score = self.sentences[pos][0], 0.0
        for s in self.sentences[pos]:
            st = set(char_terms(norm(s)))
            score = sum(self.index.idf.get(t, 0.0) * self.index.term_weight(t) for t in qterms & st)
            if score > best_score:
                best, best_score = s, score
        return best

    def item_at(self, number: int) -> Item:
        return self.items[self.position[number]]

    def quotes(self, numbers: Sequence[int]) -> tuple[Quote, ...]:
        """Every sentence of the items, for quoting under their numbers."""
        return tuple(Quote(n, s + "。") for n in numbers for s in self.sentences[self.position[n]])

    # -- units -----------------------------------------------------------------------------
    def _unit_line(self, ref) -> UnitLine:  # noqa: ANN001 - knowledge.plan.model.UnitRef
        desc = ""
        if ref.is_group:
            g = self.directory.groups.get(ref.name)
            desc = g.description if g else ""
        return UnitLine(ref.name, ref.raw, ref.role.value, ref.is_group, ref.partial, desc)

    def _item_coverage(self, item: Item) -> _Coverage:
        named: dict[str, str] = {}
        full: dict[UnitCategory, tuple[str, str]] = {}
        partial: dict[UnitCategory, tuple[str, str]] = {}
        for ref in item.units:
            role = ref.role.value
            named.setdefault(ref.name, role)
            if not ref.is_group:
                continue
            if ref.name == PARTIAL_ETC:
                continue
            group = self.directory.groups.get(ref.name)
            if group is None:
                continue
            target = partial if (group.partial or ref.partial) else full
            for c in group.categories:
                target.setdefault(c, (ref.name, role))
        if any(ref.name == PARTIAL_ETC for ref in item.units):
            for c in ETC_CATEGORIES:
                partial.setdefault(c, (PARTIAL_ETC, "responsible"))
        return _Coverage(named, full, partial)

    def duty(self, target: Target, pos: int) -> ItemDuty:
        """How ``target`` is responsible for the item at ``pos``. For a single unit this is
        :meth:`UnitDirectory.responsibility`; a group or category is responsible when every
        one of its categories is covered by a whole group, possibly when only some are."""
        item = self.items[pos]
        if target.kind == "unit":
            r = self.directory.responsibility(target.name, item)
            return ItemDuty(
                item.number, item.title, r.kind, r.via, r.role.value if r.role else None
            )
        cov = self._coverage[pos]
        if target.kind == "group" and target.name in cov.named:
            return ItemDuty(item.number, item.title, "named", target.name, cov.named[target.name])
        full = [cov.full[c] for c in target.categories if c in cov.full]
        if full and len(full) == len(target.categories):
            return ItemDuty(item.number, item.title, "group", full[0][0], full[0][1])
        some = full + [cov.partial[c] for c in target.categories if c in cov.partial]
        if some:
            return ItemDuty(item.number, item.title, "partial", some[0][0], some[0][1])
        return ItemDuty(item.number, item.title, "none")

    @lru_cache(maxsize=256)  # noqa: B019 - one PlanIndex per plan, lives as long as the engine
    def duties(self, target: Target) -> tuple[ItemDuty, ...]:
        """Every item where ``target`` is responsible or possibly responsible, in item order."""
        out: list[ItemDuty] = []
        unit = self.directory.units.get(target.name) if target.kind == "unit" else None
        for pos, cov in enumerate(self._coverage):
            if unit is not None:
                # fast path equivalent to UnitDirectory.responsibility (tested against it)
                if target.name in cov.named and not self.directory.is_group(target.name):
                    d = ItemDuty(
                        self.items[pos].number,
                        self.items[pos].title,
                        "named",
                        target.name,
                        cov.named[target.name],
                    )
                elif unit.category in cov.full:
                    via, role = cov.full[unit.category]
                    d = ItemDuty(self.items[pos].number, self.items[pos].title, "group", via, role)
                elif unit.category in cov.partial:
                    via, role = cov.partial[unit.category]
                    d = ItemDuty(
                        self.items[pos].number, self.items[pos].title, "partial", via, role
                    )
                else:
                    continue
            else:
                d = self.duty(target, pos)
                if d.kind == "none":
                    continue
            out.append(d)
        return tuple(out)

    def obligations_due(
        self, numbers: Sequence[int], unit: str | None, today: date
    ) -> tuple[ObligationDue, ...]:
        """The items' obligations with their next due date after ``today``; for ``unit`` (a
        directory unit), only those whose subject binds it (knowledge.plan.binding: 各地政府…
        does not bind a bureau or the court)."""
        out = []
        year = self.plan.meta.plan_year
        for n in numbers:
            for o in self.item_at(n).obligations:
                if unit is not None and unit not in bound_units(self.plan, o, self.directory):
                    continue
                due, rule = next_due(o, today, year)
                out.append(
                    ObligationDue(
                        o.key,
                        o.item,
                        o.kind,
                        o.action,
                        o.cadence.value,
                        o.cadence_label,
                        o.min_count,
                        o.text,
                        o.subject,
                        o.source,
                        due,
                        rule,
                    )
                )
        return tuple(out)
