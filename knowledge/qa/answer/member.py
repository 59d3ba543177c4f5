"""Whether a unit belongs to a group of the document (区发改局算不算区直各单位 / 各镇(街、区)包括
区委编办吗): by the unit's category and the categories the group stands for. A group that
stands for only some units of its categories (区直有关单位) has no yes/no answer."""

from __future__ import annotations

from dataclasses import replace

from knowledge.qa.answer.answerer import Answerer
from knowledge.qa.query.form import Query
from knowledge.qa.result.answer import Answer, Intent
from knowledge.qa.text.render import category_label, item_label


def member(a: Answerer, query: Query) -> Answer:
    directory = a.e.directory
    group_name = next((u for u in query.units if u in directory.groups), None)
    unit_name = next((u for u in query.units if u not in directory.groups), None)
    if group_name is None or unit_name is None:
        return a.build_answer(Intent.OUT_OF_SCOPE, [], "请说明是哪个单位和哪一类单位。")
    group = directory.groups[group_name]
    unit = directory.units.get(unit_name)
    category = unit.category if unit is not None else a.e.category_of_unlisted(unit_name)
    kinds = "、".join(sorted(category_label(c) for c in group.categories))
    stands = f"“{group_name}”指{group.description or kinds}"
    if category is None:
        text = f"无法判断：不知道{unit_name}属于哪一类单位。{stands}。"
        return a.build_answer(Intent.UNIT_DUTIES, [], text)
    mine = category_label(category)
    if group.partial:
        text = (
            f"不一定。{stands}中的部分单位，文件没有逐一列明；{unit_name}是{mine}，"
            "是否在内以牵头单位的安排为准。"
        )
        verdict = None
    elif category in group.categories:
        text, verdict = f"是。{unit_name}是{mine}，属于“{group_name}”（{stands}）。", "yes"
    else:
        text = f"不是。{unit_name}是{mine}，不属于“{group_name}”（{stands}）。"
        verdict = "no"
    items = [it.number for it in a.p.items if any(r.name == group_name for r in it.units)]
    if verdict == "yes" and items:
        text += f"\n写了“{group_name}”的条目：{'、'.join(item_label(n) for n in items)}。"
    return replace(a.build_answer(Intent.UNIT_DUTIES, [], text), verdict=verdict)
