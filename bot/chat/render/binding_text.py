"""Whom an obligation binds, as Chinese lines for the CLI and the chat (/item N)."""

from __future__ import annotations

from knowledge.plan.binding import ObligationBinding
from knowledge.plan.model import CATEGORY_LABELS

MAX_LISTED = 30


def _names(names: list[str]) -> str:
    if len(names) <= MAX_LISTED:
        return "、".join(names)
    return "、".join(names[:MAX_LISTED]) + f"……（共{len(names)}个）"


def binding_lines(b: ObligationBinding) -> list[str]:
    """Whom it binds and why (the subject words quoted), groups whose units are not yet in the
    directory, which responsible units it does not bind, and admins' overrides."""
    lines = [f"依据：{b.reason}"]
    bound = b.bound
    groups = [g for g in b.groups if g.bound]
    if bound:
        lines.append(f"约束单位（{len(bound)}）：{_names(bound)}")
    else:
        if groups:
            lines.append(
                "约束单位：暂无（名录中还没有这些类别的单位；添加镇、街道、园区后即生效，"
                "如 fazhi units add 张家集镇 --category town）"
            )
        else:
            lines.append("约束单位：无")
    for g in b.groups:
        if g.bound and g.not_bound:
            skipped = "、".join(CATEGORY_LABELS[c] for c in g.not_bound)
            lines.append(f"· {g.group}：仅{g.label}（不含{skipped}）")
        elif g.bound:
            lines.append(f"· {g.group}：{g.label}")
        else:
            lines.append(f"· {g.group}：不约束")
    not_bound = b.not_bound
    if not_bound:
        lines.append(f"不约束的责任单位（{len(not_bound)}）：{_names([x.unit for x in not_bound])}")
    for x in b.bindings:
        if x.override is not None:
            ov = x.override
            who = f"，{ov.by}" if ov.by else ""
            when = f"，{ov.at[:16].replace('T', ' ')}" if ov.at else ""
            lines.append(
                f"管理员调整：{x.unit} {ov.label}（{ov.reason or '未说明理由'}{who}{when}）"
            )
    return lines
