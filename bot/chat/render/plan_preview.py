"""What a plan about to be stored holds, in lines (the chat's upload preview and ``fazhi kb
import``)."""

from __future__ import annotations

from collections import Counter

from knowledge.plan.model import WorkPlan


def plan_preview_lines(plan: WorkPlan, warnings: list[tuple[int, str]]) -> list[str]:
    """Items, units by role, obligations and warnings of a plan about to be stored."""
    roles = {"lead": "牵头", "responsible": "责任", "supporting": "配合"}
    by_role: dict[str, Counter[str]] = {r: Counter() for r in roles}
    for it in plan.items:
        for ref in it.units:
            if ref.name != "等有关单位":
                by_role[ref.role.value][ref.name] += 1
    m = plan.meta
    lines = [
        f"《{m.title or plan.plan_id}》　年度：{m.plan_year or '未识别'}　发文单位：{m.issuer or '未识别'}",
        f"条目 {len(plan.items)} 条，周期性任务 {len(plan.obligations)} 项。",
    ]
    for role, label in roles.items():
        if by_role[role]:
            names = "、".join(f"{n}（{c}）" for n, c in by_role[role].most_common(12))
            more = "…" if len(by_role[role]) > 12 else ""
            lines.append(f"{label}单位 {len(by_role[role])} 个：{names}{more}")
    for ob in plan.obligations[:12]:
        lines.append(f"  · 第{ob.item}条 {ob.action}（{ob.cadence_label}至少{ob.min_count}次）")
    for line, msg in warnings[:10]:
        lines.append(f"提示：第{line}行：{msg}" if line else f"提示：{msg}")
    return lines
