"""Broadcasts: an admin's notice to many chats, through the outbox.

Module API for the bot's /broadcast:

- :func:`create_broadcast` (session, author, body, audience, key=None, not_after=None) → Broadcast;
  ``key`` (e.g. the admin's message id) makes a repeated create return the first one;
- :func:`enqueue_broadcast` (session, broadcast_id, actor) → number of new messages; one outbox
  row per chat with key ``bc:{id}:c{chat}``, so a double "confirm" enqueues once;
- :func:`broadcast_report` (session, broadcast_id) → :class:`BroadcastReport` with counts of
  sent / failed / blocked / unknown / dropped / queued;
- :func:`resend_failed` (session, broadcast_id, actor) → re-queues the failed and unknown ones.

``audience`` is a dict: ``{"all": true}`` (every active chat), ``{"categories": ["town", …]}``,
``{"units": ["区司法局", …]}`` (canonical names); keys combine as a union.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from scheduler.delivery.outbox import counts, enqueue
from scheduler.records.audit_log import audit
from scheduler.records.chat_registry import active_chats
from scheduler.records.unit_registry import RegistryError
from scheduler.store.models import Broadcast, OutboxMessage, OutboxState
from scheduler.timing.clock import utcnow


def create_broadcast(
    session: Session,
    author: str,
    body: str,
    audience: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    not_after: datetime | None = None,
) -> Broadcast:
    if not body.strip():
        raise RegistryError("通知内容不能为空")
    if key is not None:
        found = session.exec(select(Broadcast).where(Broadcast.key == key)).first()
        if found is not None:
            return found
    bc = Broadcast(
        key=key,
        author=str(author),
        body=body,
        audience=json.dumps(audience or {"all": True}, ensure_ascii=False),
        not_after=not_after,
    )
    session.add(bc)
    session.flush()
    audit(session, author, "create_broadcast", str(bc.id), audience=audience or {"all": True})
    return bc


def audience_chats(session: Session, audience: dict[str, Any]) -> list:
    cats = set(audience.get("categories", ()))
    units = set(audience.get("units", ()))
    everyone = bool(audience.get("all"))
    return [
        c for c, u in active_chats(session) if everyone or u.category in cats or u.name in units
    ]


def enqueue_broadcast(session: Session, broadcast_id: int, actor: str) -> int:
    bc = session.get(Broadcast, broadcast_id)
    if bc is None:
        raise RegistryError(f"没有编号为 {broadcast_id} 的通知")
    new = 0
    body, buttons = bc.body, None
    if bc.receipt_required:  # 需回执: a 收到 button under every recipient's message
        from scheduler.delivery.receipts import receipt_buttons, receipt_footer

        body, buttons = bc.body + receipt_footer(bc), receipt_buttons(bc.id)  # type: ignore[arg-type]
    for chat in audience_chats(session, json.loads(bc.audience)):
        new += enqueue(
            session,
            key=f"bc:{bc.id}:c{chat.id}",
            chat_id=chat.chat_id,
            body=body,
            kind="broadcast",
            buttons=buttons,
            broadcast_id=bc.id,
            is_group=chat.is_group,
            not_after=bc.not_after,
        )
    if new:
        bc.enqueued_at = bc.enqueued_at or utcnow()
        session.add(bc)
        audit(session, actor, "enqueue_broadcast", str(bc.id), messages=new)
    session.flush()
    return new


@dataclass(frozen=True)
class BroadcastReport:
    broadcast_id: int
    total: int
    sent: int
    failed: int
    blocked: int
    unknown: int
    dropped: int
    queued: int  # queued or being sent

    def as_text(self) -> str:
        return (
            f"通知 #{self.broadcast_id}：共 {self.total} 条，已送达 {self.sent}，失败 {self.failed}，"
            f"被屏蔽 {self.blocked}，结果未知 {self.unknown}，过期未发 {self.dropped}，待发送 {self.queued}"
        )


def broadcast_report(session: Session, broadcast_id: int) -> BroadcastReport:
    c = counts(session, broadcast_id=broadcast_id)
    return BroadcastReport(
        broadcast_id=broadcast_id,
        total=sum(c.values()),
        sent=c["sent"],
        failed=c["failed"],
        blocked=c["blocked"],
        unknown=c["unknown"],
        dropped=c["dropped"],
        queued=c["queued"] + c["sending"],
    )


def resend_failed(
    session: Session, broadcast_id: int, actor: str, include_unknown: bool = True
) -> int:
    """Re-queue this broadcast's failed (and, by default, unknown) messages; a second call finds
    none left to re-queue, so a double click resends once."""
    states = [OutboxState.FAILED.value] + ([OutboxState.UNKNOWN.value] if include_unknown else [])
    result = session.exec(  # type: ignore[call-overload]
        update(OutboxMessage)
        .where(OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.state.in_(states))  # type: ignore[attr-defined]
        .values(
            state=OutboxState.QUEUED.value, attempts=0, next_attempt_at=utcnow(), last_error=None
        )
    )
    n = int(result.rowcount or 0)
    audit(session, actor, "resend_broadcast", str(broadcast_id), messages=n)
    session.flush()
    return n
