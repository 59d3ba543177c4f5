"""Plain-text pieces of answers (Simplified Chinese). ``bot/`` renders the structured Answer
its own way; this is the channel-neutral ``Answer.text``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from knowledge.plan.model import CATEGORY_LABELS, Item, UnitCategory
from knowledge.qa.result.answer import ItemDuty, ObligationDue, UnitLine
from knowledge.text.normalize import int_to_cn

REGISTER_HINT = "你还没有登记所在单位。发送 /unit 单位名称（例如 /unit 区司法局）登记后，我就能回答“我单位”要做什么。"
MAX_LISTED = 30


def item_label(number: int) -> str:
    return f"第{int_to_cn(number)}条"


def cn_date(iso: str) -> str:
    """2021-03-01 → 2021年3月1日 (anything else as it is)."""
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{d.year}年{d.month}月{d.day}日"


def category_label(cat: UnitCategory) -> str:
    """The Chinese name of a category (never its internal key)."""
    return CATEGORY_LABELS.get(cat, "其他单位")


def item_heading(item: Item) -> str:
    return f"{item_label(item.number)}　{item.title}"


_ROLE_LABELS = {"lead": "牵头单位", "supporting": "配合单位", "responsible": "责任单位"}


def units_line(lines: Sequence[UnitLine]) -> str:
    """责任单位：A、B等部门（未逐一列明）; with roles: 牵头单位：A；配合单位：B、C."""
    by_role: dict[str, list[str]] = {}
    for u in lines:
        parts = by_role.setdefault(u.role, [])
        if u.partial and u.name == "等有关单位":
            etc = f"{u.raw or '等有关单位'}（未逐一列明）"
            if parts:
                parts[-1] += etc  # 区司法局等部门（未逐一列明）
            else:
                parts.append(etc)
        elif u.partial:
            parts.append(f"{u.raw or u.name}（部分单位，未逐一列明）")
        else:
            parts.append(u.raw or u.name)
    if not by_role:
        return "责任单位：文件未列明"
    return "；".join(
        f"{_ROLE_LABELS.get(role, '责任单位')}：" + "、".join(parts)
        for role, parts in by_role.items()
    )


def item_full(item: Item, lines: Sequence[UnitLine]) -> str:
    body = "。".join(item.tasks)
    out = [item_heading(item)]
    if body:
        out.append(body + "。")
    out.append(units_line(lines))
    return "\n".join(out)


def tasks_list(item: Item) -> str:
    return "\n".join(f"{i}. {t}。" for i, t in enumerate(item.tasks, 1))


def obligation_line(o: ObligationDue) -> str:
    count = f"至少{o.min_count}次" if o.min_count else ""
    when = ""
    if o.next_due is not None:
        when = f"；下一截止日 {o.next_due.isoformat()}（{o.due_rule}）"
    elif o.due_rule:
        when = f"；{o.due_rule}"
    return f"· {o.action}：{o.cadence_label}{count}{when}\n  {quote_source(o)}"


def quote_source(o: ObligationDue) -> str:
    """The obligation's wording with where it comes from: the plan's item, or the regulation
    by name (a regulation's words are not the plan's: no item number on them)."""
    if o.source == "document":
        return f"原文：“{o.text}”（工作要点{item_label(o.item)}）"
    return f"{o.source}规定：“{o.text}”（工作要点{item_label(o.item)}提出此项要求）"


def obligations_block(obs: Iterable[ObligationDue]) -> str:
    lines = [obligation_line(o) for o in obs]
    return "定期事项：\n" + "\n".join(lines) if lines else ""


def duty_phrase(d: ItemDuty, unit: str, wording: str = "") -> str:
    if d.kind == "named":
        return f"{unit}是{item_label(d.item)}列明的责任单位。"
    if d.kind == "group":
        return f"{unit}属于“{d.via}”，是{item_label(d.item)}的责任单位。"
    if d.kind == "partial":
        return (
            f"{item_label(d.item)}的责任单位写的是“{wording or d.via}”，文件未逐一列明，"
            f"{unit}可能在内，请以区委依法治区办的分工为准。"
        )
    return f"{unit}不在{item_label(d.item)}的责任单位之列。"


def duties_head(who: str, sure: Sequence[ItemDuty], category: bool = False) -> str:
    """The first line of "what must X do": how many items, and how the document names X in
    them, in words a reader can check (never "列名0条")."""
    named = sum(1 for d in sure if d.kind == "named")
    vias = list(dict.fromkeys(d.via for d in sure if d.kind != "named" and d.via))
    through = "、".join(f"“{v}”" for v in vias[:2]) + ("等" if len(vias) > 2 else "")
    n = len(sure)
    if category:
        if named == 0:
            return f"{who}负责{n}条工作（文件用{through}统称，没有单独点名哪一个）："
        return f"{who}负责{n}条工作："
    if named == 0:
        return f"{who}负责{n}条工作（都是通过{through}这类统称列入的，文件没有单独点名{who}）："
    if named == n:
        return f"{who}负责{n}条工作（每条都单独点名{who}）："
    return f"{who}负责{n}条工作：其中{named}条单独点名{who}，{n - named}条通过{through}统称列入："


def duty_list(duties: Sequence[ItemDuty], limit: int = MAX_LISTED) -> str:
    lines = []
    for d in duties[:limit]:
        how = "单独点名" if d.kind == "named" else f"通过“{d.via}”"
        lines.append(f"{item_label(d.item)}　{d.title}（{how}）")
    if len(duties) > limit:
        lines.append(f"……等共{len(duties)}条")
    return "\n".join(lines)


def numbers(nums: Sequence[int], limit: int = MAX_LISTED) -> str:
    shown = "、".join(item_label(n) for n in nums[:limit])
    return shown + (f"等{len(nums)}条" if len(nums) > limit else "")
