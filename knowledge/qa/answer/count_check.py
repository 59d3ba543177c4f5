"""第五条是不是有5个责任单位 / 第四条是不是单位最多的: the item's unit list measured."""

from __future__ import annotations

from dataclasses import replace

from knowledge.plan.model import ETC_NAME
from knowledge.qa.answer.answerer import Answerer
from knowledge.qa.answer.families import legacy
from knowledge.qa.query.form import Query
from knowledge.qa.result.answer import Answer, Intent
from knowledge.qa.text import render as R


def count_check(a: Answerer, query: Query) -> Answer:
    """Yes when the item lists exactly the count asked (a group phrase counts as one entry);
    a list ending in 等 or naming 有关 units is never exactly that count."""
    nums = list(a.in_range)
    if not nums or query.amount is None:
        return legacy(a, query.with_(ask="who", op="count", verdict=""))
    n, asked = nums[0], query.amount[1]
    pos = a.p.position[n]
    refs = a.p.items[pos].units
    listed = [r for r in refs if not r.partial and r.name != ETC_NAME]
    groups = [r.name for r in listed if r.is_group]
    open_list = any(r.partial or r.name == ETC_NAME for r in refs)
    yes = len(listed) == asked and not open_list
    head = ("是。" if yes else "不是。") + f"{R.item_label(n)}列了{len(listed)}个责任单位"
    if groups:
        head += f"（其中“{'、'.join(groups)}”是单位类别，涵盖多个单位）"
    if open_list:
        head += "，另有“等”“有关”单位未逐一列明"
    text = "\n".join(
        [head + "。", R.item_heading(a.p.item_at(n)), R.units_line(a.p.units_lines[pos])]
    )
    ans = a.build_answer(Intent.WHO, [n], text, quotes=a.p.quotes([n])[:1])
    return replace(ans, verdict="yes" if yes else "no")


def extreme_check(a: Answerer, query: Query) -> Answer:
    """Whether the item lists the most (fewest) units of all items; an entry is a unit or a
    group phrase, a trailing 等 or an 有关 group is not counted."""
    nums = list(query.items) or list(a.in_range)
    if not nums or query.amount is None:
        return legacy(a, query.with_(ask="who", verdict=""))
    n, most = nums[0], query.amount[0] == "most"
    sizes = {
        it.number: len([r for r in it.units if not r.partial and r.name != ETC_NAME])
        for it in a.p.items
    }
    closed = {  # a list ending in 等 or naming 有关 units has no exact size: not ranked
        it.number: sizes[it.number]
        for it in a.p.items
        if not any(r.partial or r.name == ETC_NAME for r in it.units)
    } or sizes
    best = max(closed.values()) if most else min(v for v in closed.values() if v)
    top = [k for k, v in closed.items() if v == best]
    yes = n in top
    word = "最多" if most else "最少"
    tops = "、".join(R.item_label(k) for k in top)
    head = ("是。" if yes else "不是。") + f"责任单位{word}的是{tops}，各列{best}个；"
    head += f"{R.item_label(n)}列了{sizes[n]}个。"
    pos = a.p.position[n]
    text = "\n".join([head, R.item_heading(a.p.item_at(n)), R.units_line(a.p.units_lines[pos])])
    ans = a.build_answer(Intent.WHO, [n], text, quotes=a.p.quotes([n])[:1])
    return replace(ans, verdict="yes" if yes else "no")
