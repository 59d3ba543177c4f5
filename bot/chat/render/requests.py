"""Texts of exemption (豁免) and extension (延期) requests, shared by the chat and the CLI, and
the reading of a day as people write it (2026-10-15, 2026年10月15日, 10月15日)."""

from __future__ import annotations

import re
from datetime import date

from scheduler.records.requests import APPROVED, EXEMPT, RequestView
from scheduler.records.status_overrides import KIND_LABELS, STATE_LABELS

_FULL = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_SHORT = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def parse_day(text: str, year: int) -> date | None:
    """The day ``text`` names (a month and day without a year are of ``year``), else None."""
    text = text.strip()
    m = _FULL.match(text)
    parts = (int(m[1]), int(m[2]), int(m[3])) if m else None
    if parts is None and (s := _SHORT.match(text)):
        parts = (year, int(s[1]), int(s[2]))
    if parts is None:
        return None
    try:
        return date(*parts)
    except ValueError:
        return None


def asked_what(v: RequestView) -> str:
    """豁免 / 延期至 2026-10-15, with the reason."""
    r = v.row
    if r.kind == EXEMPT:
        return f"豁免（本期不适用），理由：{r.reason}"
    due = f"（原截止 {v.due.isoformat()}）" if v.due else ""
    return f"延期至 {r.new_due.isoformat() if r.new_due else '?'}{due}，理由：{r.reason}"


def request_line(v: RequestView) -> str:
    """One line of a list: #3 区司法局：学法（第2条）2026Q3 · 豁免… · 待审批."""
    r = v.row
    who = r.requested_by or r.requested_by_id or "?"
    state = STATE_LABELS.get(r.state, r.state)
    if r.decided_by:
        state += f"（{r.decided_by}{'：' + r.decision_note if r.decision_note else ''}）"
    return f"#{v.id} {v.what} · {asked_what(v)} · {who}申请 · {state}"


def asked_text(v: RequestView, new: bool) -> str:
    label = KIND_LABELS[v.row.kind]
    if not new:
        return f"已有同样的{label}申请 #{v.id} 在等待管理员审批：{v.what}。"
    return (
        f"已提交{label}申请 #{v.id}：{v.what}，{asked_what(v)}。管理员审批后会通知本聊天；"
        "批准前，本期任务照常计算。"
    )


def admin_notice(v: RequestView) -> str:
    who = v.row.requested_by or v.row.requested_by_id or "?"
    return (
        f"【{KIND_LABELS[v.row.kind]}申请 #{v.id}】{v.what}，{asked_what(v)}（{who}申请）。"
        f"可点按钮，或发送 /grant {v.id} 批准、/deny {v.id} 理由 驳回。"
    )


def decided_text(v: RequestView) -> str:
    """What the admin is told after deciding, and the requesting chat too."""
    r = v.row
    label = KIND_LABELS[r.kind]
    note = f"（{r.decision_note}）" if r.decision_note else ""
    if r.state != APPROVED:
        return f"{label}申请 #{v.id} 已驳回{note}：{v.what}。本期任务照常计算。"
    if r.kind == EXEMPT:
        effect = "本期该任务计为“不适用（豁免）”，不再提醒"
    else:
        effect = f"截止日改为 {r.new_due.isoformat() if r.new_due else '?'}，此前不计逾期"
    return f"{label}申请 #{v.id} 已批准{note}：{v.what}。{effect}。"
