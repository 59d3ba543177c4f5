"""What changed between two plans (last year's and this year's, or two districts'): items
added, removed or reworded; units added or removed per item (matched across documents by
``knowledge.plan.unit_keys``); obligations whose cadence changed."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from rapidfuzz import fuzz

from knowledge.plan.model import Item, WorkPlan
from knowledge.plan.unit_keys import unit_key
from knowledge.text.normalize import norm

MATCH_CUTOFF = 55.0  # title similarity (0..100) for "the same item, reworded"


@dataclass(frozen=True)
class ItemChange:
    old: Item
    new: Item
    reworded: bool
    units_added: tuple[str, ...]
    units_removed: tuple[str, ...]
    # (action, old cadence and count, new): 每季度至少1次 → 每季度至少2次
    cadence_changed: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class PlanDiff:
    old: WorkPlan
    new: WorkPlan
    added: tuple[Item, ...] = ()
    removed: tuple[Item, ...] = ()
    changed: tuple[ItemChange, ...] = field(default=())
    obligations_added: tuple[tuple[int, str, str], ...] = ()  # (item, action, cadence)
    obligations_removed: tuple[tuple[int, str, str], ...] = ()

    @property
    def empty(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.obligations_added
            or self.obligations_removed
            or any(
                c.reworded or c.units_added or c.units_removed or c.cadence_changed
                for c in self.changed
            )
        )


def _similarity(a: Item, b: Item) -> float:
    if norm(a.title) == norm(b.title):
        return 100.0
    return max(
        fuzz.ratio(norm(a.title), norm(b.title)),
        0.9 * fuzz.token_set_ratio(norm(a.title), norm(b.title)),
        0.8 * fuzz.ratio(norm(a.text[:200]), norm(b.text[:200])),
    )


def _match(old: WorkPlan, new: WorkPlan) -> list[tuple[Item, Item]]:
    """Greedy best-first pairing of items by similarity."""
    scored = sorted(
        (
            (_similarity(a, b), i, j)
            for i, a in enumerate(old.items)
            for j, b in enumerate(new.items)
        ),
        reverse=True,
    )
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for score, i, j in scored:
        if score < MATCH_CUTOFF:
            break
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        pairs.append((i, j))
    pairs.sort(key=lambda p: p[1])
    return [(old.items[i], new.items[j]) for i, j in pairs]


def diff_plans(old: WorkPlan, new: WorkPlan) -> PlanDiff:
    pairs = _match(old, new)
    matched_old = {id(a) for a, _ in pairs}
    matched_new = {id(b) for _, b in pairs}
    changes: list[ItemChange] = []
    ob_added: list[tuple[int, str, str]] = []
    ob_removed: list[tuple[int, str, str]] = []
    for a, b in pairs:
        old_units = {unit_key(n): n for n in a.unit_names}
        new_units = {unit_key(n): n for n in b.unit_names}
        added = tuple(n for k, n in new_units.items() if k not in old_units)
        removed = tuple(n for k, n in old_units.items() if k not in new_units)
        old_obs = {o.kind: o for o in a.obligations}
        new_obs = {o.kind: o for o in b.obligations}
        cadence = tuple(
            (new_obs[k].action, old_obs[k].count_label, new_obs[k].count_label)
            for k in new_obs
            if k in old_obs
            and (old_obs[k].cadence, old_obs[k].min_count)
            != (new_obs[k].cadence, new_obs[k].min_count)
        )
        ob_added += [
            (b.number, o.action, o.count_label) for k, o in new_obs.items() if k not in old_obs
        ]
        ob_removed += [
            (a.number, o.action, o.count_label) for k, o in old_obs.items() if k not in new_obs
        ]
        reworded = norm(a.title) != norm(b.title) or norm(a.text) != norm(b.text)
        changes.append(ItemChange(a, b, reworded, added, removed, cadence))
    added_items = tuple(b for b in new.items if id(b) not in matched_new)
    removed_items = tuple(a for a in old.items if id(a) not in matched_old)
    ob_added += [(b.number, o.action, o.count_label) for b in added_items for o in b.obligations]
    ob_removed += [
        (a.number, o.action, o.count_label) for a in removed_items for o in a.obligations
    ]
    return PlanDiff(
        old,
        new,
        added_items,
        removed_items,
        tuple(changes),
        tuple(ob_added),
        tuple(ob_removed),
    )


def plan_label(plan: WorkPlan) -> str:
    year = plan.meta.plan_year
    return plan.meta.title or (f"{year}年工作要点" if year else plan.plan_id)


def diff_text(d: PlanDiff, limit: int = 40) -> str:
    """The diff as a user reads it (Chinese, plain text)."""
    lines = [f"《{plan_label(d.new)}》与《{plan_label(d.old)}》相比："]
    if d.empty:
        return lines[0] + "条目、责任单位和周期性任务都没有变化。"
    if d.added:
        lines.append(f"新增条目 {len(d.added)} 条：")
        lines += [f"  + 第{i.number}条 {i.title}" for i in d.added[:limit]]
    if d.removed:
        lines.append(f"删去条目 {len(d.removed)} 条：")
        lines += [f"  - 原第{i.number}条 {i.title}" for i in d.removed[:limit]]
    reworded = [c for c in d.changed if c.reworded]
    if reworded:
        lines.append(f"内容有改动的条目 {len(reworded)} 条：")
        for c in reworded[:limit]:
            title = c.new.title if c.old.title == c.new.title else f"{c.old.title} → {c.new.title}"
            lines.append(f"  ~ 第{c.new.number}条（原第{c.old.number}条）{title}")
    units = [c for c in d.changed if c.units_added or c.units_removed]
    if units:
        lines.append("责任单位的变化：")
        for c in units[:limit]:
            parts = []
            if c.units_added:
                parts.append("增加 " + "、".join(c.units_added))
            if c.units_removed:
                parts.append("不再列 " + "、".join(c.units_removed))
            lines.append(f"  第{c.new.number}条 {c.new.title}：{'；'.join(parts)}")
    cad = [(c, x) for c in d.changed for x in c.cadence_changed]
    if cad or d.obligations_added or d.obligations_removed:
        lines.append("周期性任务的变化：")
        for c, (action, before, after) in cad[:limit]:
            lines.append(f"  第{c.new.number}条 {action}：{before} → {after}")
        for number, action, cadence in d.obligations_added[:limit]:
            lines.append(f"  + 第{number}条 {action}（{cadence}）")
        for number, action, cadence in d.obligations_removed[:limit]:
            lines.append(f"  - 原第{number}条 {action}（{cadence}）")
    return "\n".join(lines)


def diff_dict(d: PlanDiff) -> dict:
    return {
        "old": d.old.plan_id,
        "new": d.new.plan_id,
        "added": [{"number": i.number, "title": i.title} for i in d.added],
        "removed": [{"number": i.number, "title": i.title} for i in d.removed],
        "changed": [
            {
                "old_number": c.old.number,
                "new_number": c.new.number,
                "title": c.new.title,
                "reworded": c.reworded,
                "units_added": list(c.units_added),
                "units_removed": list(c.units_removed),
                "cadence_changed": [
                    {"action": a, "old": o, "new": n} for a, o, n in c.cadence_changed
                ],
            }
            for c in d.changed
            if c.reworded or c.units_added or c.units_removed or c.cadence_changed
        ],
        "obligations_added": [
            {"item": n, "action": a, "cadence": c} for n, a, c in d.obligations_added
        ],
        "obligations_removed": [
            {"item": n, "action": a, "cadence": c} for n, a, c in d.obligations_removed
        ],
    }


@lru_cache(maxsize=1)
def _question_words() -> dict[str, tuple[str, ...]]:
    text = resources.files("knowledge.data").joinpath("plan_diff.toml").read_text("utf-8")
    return {k: tuple(v) for k, v in tomllib.loads(text).items()}


def is_diff_question(text: str) -> bool:
    """ "今年的要点比去年多了什么", "和去年相比工作要点有哪些变化"…"""
    t = norm(text)
    words = _question_words()
    if any(w in t for w in words["compare"]):
        return True
    return (
        any(w in t for w in words["change"])
        and any(w in t for w in words["years"])
        and any(w in t for w in words["document"])
    )
