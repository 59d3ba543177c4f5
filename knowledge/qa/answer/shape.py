"""Answers about the shape of the unit lists: the items naming the most / fewest units, lists
ending in 等 or not exhaustive, lists of group phrases only, and whether an item's list is
complete. Counted from the plan model (``Item.units``), nothing inferred."""

from __future__ import annotations

from dataclasses import replace

from knowledge.plan.model import ETC_NAME, Item
from knowledge.qa.answer.answerer import Answerer
from knowledge.qa.answer.families import fill
from knowledge.qa.query.form import Query
from knowledge.qa.result.answer import Answer, Intent, Quote
from knowledge.qa.text import render as R

SHAPES = frozenset({"most", "least", "etc", "partial", "groups_only"})


def listed(it: Item) -> int:
    """How many units (and group phrases) the item's list names, a trailing 等 not counted."""
    return sum(1 for r in it.units if r.name != ETC_NAME)


def ends_in_etc(it: Item) -> bool:
    return any(r.name == ETC_NAME for r in it.units)


def is_partial(it: Item) -> bool:
    """The list does not name every unit: a trailing 等 or a partial group (区直有关…)."""
    return any(r.partial or r.name == ETC_NAME for r in it.units)


def shape(a: Answerer, query: Query) -> Answer:
    items = [it for it in a.p.items if it.units]
    rel = query.relation
    if rel in ("most", "least"):
        counts = {it.number: listed(it) for it in items}
        best = max(counts.values()) if rel == "most" else min(counts.values())
        nums = [n for n, c in counts.items() if c == best]
        open_ = [it.number for it in items if ends_in_etc(it) and listed(it) == best]
        word = "最多" if rel == "most" else "最少"
        head = f"责任单位{word}的是{R.numbers(nums)}，各列{best}个"
        if open_ and rel == "most":
            nums = [n for n in nums if n not in open_]
            head = f"责任单位{word}的是{R.numbers(nums)}，各列{best}个（{R.numbers(open_)}另有“等”未列全，不计）"
        head += "。"
    elif rel == "etc":
        nums = [it.number for it in items if ends_in_etc(it)]
        head = f"责任单位以“等”结尾（未逐一列明）的条目共{len(nums)}条：{R.numbers(nums)}。"
    elif rel == "partial":
        nums = [it.number for it in items if is_partial(it)]
        head = (
            f"责任单位没有逐一列明（“等”或“区直有关…”）的条目共{len(nums)}条：{R.numbers(nums)}。"
        )
    else:
        nums = [it.number for it in items if all(r.is_group for r in it.units)]
        head = f"责任单位只写单位类别、没有点具体单位的条目共{len(nums)}条：{R.numbers(nums)}。"
    if not nums:
        head = "没有这样的条目。"
    lines = [head]
    for n in nums:
        pos = a.p.position[n]
        lines.append(f"{R.item_heading(a.p.items[pos])}\n  {R.units_line(a.p.units_lines[pos])}")
    quotes = tuple(Quote(n, a.p.item_at(n).title + "。") for n in nums[: R.MAX_LISTED])
    return a.build_answer(Intent.ITEMS, nums, "\n".join(lines), quotes=quotes)


def complete(a: Answerer, query: Query) -> Answer:
    """第七条的单位列全了吗: no when the list ends in 等 or has a partial group."""
    fill(a, query)
    nums = list(a.in_range)
    if not nums:
        return a.build_answer(Intent.WHO, [], "请说明是哪一条，例如“第七条的单位列全了吗”。")
    parts = []
    open_ = [n for n in nums if is_partial(a.p.item_at(n))]
    for n in nums[:5]:
        pos = a.p.position[n]
        it = a.p.items[pos]
        why = (
            "没有列全：名单以“等”结尾或写的是“区直有关…”，其他单位文件未逐一列明。"
            if is_partial(it)
            else f"列全了：共{listed(it)}个。"
        )
        parts.append(f"{R.item_heading(it)}\n{R.units_line(a.p.units_lines[pos])}\n{why}")
    head = "不是。" if open_ else "是。"
    ans = a.build_answer(Intent.WHO, nums, head + "\n" + "\n\n".join(parts))
    return replace(ans, verdict="no" if open_ else "yes")
