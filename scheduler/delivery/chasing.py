"""Chasing (催办) units: the office's one action queues, per unit, one message to each of its
active chats listing what it has not done, with an 已在办 button; the records are
:mod:`scheduler.records.chases`.

Idempotent: the chase rows of a unit, obligation, period and day are found again on a retry
and only items chased for the first time that day are sent; the message's outbox key is made
of their rows, so even two processes chasing at once queue it once (``INSERT … ON CONFLICT DO
NOTHING`` of the outbox).
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from scheduler.delivery.buttons import ChaseAnswer, keyboard_row
from scheduler.delivery.outbox import enqueue
from scheduler.records.chases import Target, record_chases
from scheduler.records.chat_registry import active_chats
from scheduler.records.completions import OVERDUE
from scheduler.store.models import Chase
from scheduler.timing.clock import local
from scheduler.timing.clock import now as clock_now

REPLY_HINT = (
    "如需说明情况，请点“已在办”，或发送 /reply 回复内容（如：/reply 已在办，预计本月底前完成）。"
)


@dataclass(frozen=True)
class ChaseResult:
    units: list[str]  # the units chased, in order
    items: int  # (unit, obligation, period) chased
    new_items: int  # of them, not chased before today
    messages: int  # messages newly queued
    no_chat: list[str]  # units chased with no active chat to tell


def body(unit: str, targets: list[Target]) -> str:
    """The chase message (HTML)."""
    lines = [f"【催办】{html.escape(unit)}：以下任务尚未登记完成，请抓紧办理。"]
    for t in targets:
        late = "已逾期" if t.state == OVERDUE else "未完成"
        lines.append(
            f"· 第{t.obligation.item}条 {html.escape(t.obligation.action)}"
            f"（{t.period.label}，截止 {t.due:%Y-%m-%d}，{late}）"
        )
    lines.append("办理后请点提醒下的“已完成”或发送 /done 确认。" + REPLY_HINT)
    return "\n".join(lines)


def chase(
    session: Session,
    targets: list[Target],
    by: str,
    by_id: str | None = None,
    now: datetime | None = None,
) -> ChaseResult:
    """Record the chase of ``targets`` and queue, to each active chat of each unit with an
    item not chased yet today, one message listing those items."""
    now = now or clock_now()
    recorded = record_chases(session, targets, by, by_id, now)
    fresh: dict[str, list[tuple[Target, Chase]]] = {}
    units: list[str] = []
    for t, row, new in recorded:
        if t.unit not in units:
            units.append(t.unit)
        if new:
            fresh.setdefault(t.unit, []).append((t, row))
    day = local(now).date()
    messages = 0
    no_chat: list[str] = []
    for unit, items in fresh.items():
        ids = ",".join(str(row.id) for _, row in items)
        digest = hashlib.sha1(ids.encode()).hexdigest()[:12]  # noqa: S324 - a key, not security
        chats = active_chats(session, unit)
        if not chats:
            no_chat.append(unit)
        first = min(row.id for _, row in items if row.id is not None)
        for chat, unit_row in chats:
            messages += enqueue(
                session,
                key=f"chase:u{unit_row.id}:{day:%Y%m%d}:{digest}:c{chat.id}",
                chat_id=chat.chat_id,
                body=body(unit, [t for t, _ in items]),
                kind="chase",
                buttons=[keyboard_row(("🫡 已在办", ChaseAnswer(first)))],
                meta={"unit": unit, "chases": ids},
                is_group=chat.is_group,
                unit_name=unit,
            )
    session.flush()
    new_items = sum(len(v) for v in fresh.values())
    return ChaseResult(units, len(targets), new_items, messages, no_chat)
