"""Notices with receipts (回执): who has acknowledged a notice, reminders and chasing.

A broadcast with ``receipt_required`` goes out with a 收到 button (:func:`receipt_buttons`).
A tap records one :class:`~scheduler.store.models.Receipt` per unit (:func:`acknowledge`; a double
tap or a second chat of the unit finds the first). :func:`receipt_status` says, by unit, who
acknowledged and when, and who has not; :func:`chase` queues a reminder to the units that have
not (idempotent per day, so a double tap chases once); :func:`run_receipt_reminders` (run with
the planner) reminds them once, on the working day before the deadline.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from scheduler.delivery.buttons import Acknowledge, keyboard_row
from scheduler.delivery.outbox import enqueue
from scheduler.records.audit_log import audit
from scheduler.records.unit_registry import RegistryError
from scheduler.store.db import session_scope
from scheduler.store.models import Broadcast, Chat, ChatStatus, OutboxMessage, Receipt, UnitRow
from scheduler.timing.clock import TZ, local
from scheduler.timing.clock import now as clock_now
from scheduler.timing.workdays import WorkCalendar

REMINDER_HOUR = 9  # local time of the reminder on the working day before the deadline


def receipt_buttons(broadcast_id: int) -> list[list[dict[str, str]]]:
    return [keyboard_row(("✅ 收到", Acknowledge(broadcast_id)))]


def receipt_footer(bc: Broadcast) -> str:
    """The line under a notice that asks for a receipt (HTML)."""
    when = f"，请于 {bc.receipt_deadline:%Y年%m月%d日} 前" if bc.receipt_deadline else "，请"
    return f"\n\n<i>本通知（第{bc.id}号）需回执{when}点击“收到”。</i>"


@dataclass(frozen=True)
class Ack:
    unit: str
    user_name: str
    at: datetime  # local
    reply: str = ""


@dataclass(frozen=True)
class ReceiptStatus:
    broadcast_id: int
    deadline: date | None
    acknowledged: list[Ack]
    missing: list[str]  # units that received the notice and have not acknowledged

    @property
    def total(self) -> int:
        return len(self.acknowledged) + len(self.missing)

    def lines(self) -> list[str]:
        """Plain lines for the delivery report and the chat answer."""
        head = f"回执：{len(self.acknowledged)}/{self.total} 个单位已回执"
        if self.deadline:
            head += f"（截止 {self.deadline.isoformat()}）"
        out = [head]
        for a in self.acknowledged:
            extra = f"：{a.reply}" if a.reply else ""
            out.append(f"✓ {a.unit}（{a.user_name or '—'}，{a.at:%m-%d %H:%M}）{extra}")
        if self.missing:
            out.append(f"未回执 {len(self.missing)} 个：" + "、".join(self.missing))
        return out


def get_receipt_broadcast(session: Session, broadcast_id: int) -> Broadcast:
    bc = session.get(Broadcast, broadcast_id)
    if bc is None:
        raise RegistryError(f"没有第{broadcast_id}号通知")
    if not bc.receipt_required:
        raise RegistryError(f"第{broadcast_id}号通知不需要回执")
    return bc


def set_receipt(
    session: Session, broadcast_id: int, required: bool, deadline: date | None = None
) -> Broadcast:
    """Mark a not yet sent broadcast as needing a receipt (or not)."""
    bc = session.get(Broadcast, broadcast_id)
    if bc is None:
        raise RegistryError(f"没有第{broadcast_id}号通知")
    if bc.enqueued_at is not None:
        raise RegistryError(f"第{broadcast_id}号通知已经发送，不能再更改回执要求")
    bc.receipt_required = required
    if deadline is not None or not required:
        bc.receipt_deadline = deadline if required else None
    session.add(bc)
    session.flush()
    return bc


def recipients(session: Session, broadcast_id: int) -> dict[str, list[Chat]]:
    """Unit → the chats the notice was queued to (in the order of units' names)."""
    rows = session.exec(
        select(Chat, UnitRow)
        .join(OutboxMessage, OutboxMessage.chat_id == Chat.chat_id)
        .join(UnitRow, Chat.unit_id == UnitRow.id)
        .where(OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.kind == "broadcast")
    ).all()
    out: dict[str, list[Chat]] = {}
    for chat, unit in sorted(rows, key=lambda r: r[1].name):
        chats = out.setdefault(unit.name, [])
        if chat not in chats:
            chats.append(chat)
    return out


def acknowledge(
    session: Session,
    broadcast_id: int,
    unit: str,
    chat_id: str,
    user_id: str = "",
    user_name: str = "",
    reply: str = "",
    now: datetime | None = None,
) -> tuple[Receipt, bool]:
    """Record ``unit``'s receipt of the notice; ``(receipt, False)`` when it already had one
    (a short ``reply`` sent later is added to it)."""
    bc = get_receipt_broadcast(session, broadcast_id)
    if unit not in recipients(session, broadcast_id):
        raise RegistryError(f"第{broadcast_id}号通知没有发给“{unit}”")
    found = _receipt(session, bc.id, unit)  # type: ignore[arg-type]
    if found is None:
        row = Receipt(
            broadcast_id=bc.id,  # type: ignore[arg-type]
            unit_name=unit,
            chat_id=str(chat_id),
            user_id=str(user_id),
            user_name=user_name,
            reply=reply.strip(),
            acknowledged_at=now or clock_now(),
        )
        try:
            with session.begin_nested():  # a concurrent tap of another chat of the unit
                session.add(row)
            audit(session, user_id or chat_id, "receipt", str(bc.id), unit=unit)
            session.flush()
            return row, True
        except IntegrityError:
            found = _receipt(session, bc.id, unit)  # type: ignore[arg-type]
            assert found is not None
    if reply.strip() and not found.reply:
        found.reply = reply.strip()
        session.add(found)
        session.flush()
    return found, False


def _receipt(session: Session, broadcast_id: int, unit: str) -> Receipt | None:
    return session.exec(
        select(Receipt).where(Receipt.broadcast_id == broadcast_id, Receipt.unit_name == unit)
    ).first()


def receipt_status(session: Session, broadcast_id: int) -> ReceiptStatus:
    bc = get_receipt_broadcast(session, broadcast_id)
    got = {
        r.unit_name: r
        for r in session.exec(select(Receipt).where(Receipt.broadcast_id == broadcast_id)).all()
    }
    units = list(recipients(session, broadcast_id))
    acked = sorted(
        (
            Ack(u, got[u].user_name, local(got[u].acknowledged_at), got[u].reply)
            for u in units
            if u in got
        ),
        key=lambda a: a.at,
    )
    return ReceiptStatus(
        bc.id,  # type: ignore[arg-type]
        bc.receipt_deadline,
        acked,
        [u for u in units if u not in got],
    )


def _reminder_body(bc: Broadcast, urgent: bool) -> str:
    excerpt = html.unescape(bc.body).removeprefix("【通知】")
    if len(excerpt) > 60:
        excerpt = excerpt[:60] + "…"
    when = f"（截止 {bc.receipt_deadline:%Y年%m月%d日}）" if bc.receipt_deadline else ""
    head = "【回执提醒】" if urgent else "【回执催办】"
    return (
        f"{head}第{bc.id}号通知{when}贵单位尚未回执，请点击下方“收到”。\n"
        f"<blockquote>{html.escape(excerpt)}</blockquote>"
    )


def _queue_to_missing(
    session: Session, bc: Broadcast, key_part: str, urgent: bool, actor: str
) -> int:
    status = receipt_status(session, bc.id)  # type: ignore[arg-type]
    chats = recipients(session, bc.id)  # type: ignore[arg-type]
    new = 0
    for unit in status.missing:
        for chat in chats.get(unit, ()):
            if chat.status != ChatStatus.ACTIVE:
                continue
            new += enqueue(
                session,
                key=f"bc:{bc.id}:{key_part}:c{chat.id}",
                chat_id=chat.chat_id,
                body=_reminder_body(bc, urgent),
                kind="receipt",
                buttons=receipt_buttons(bc.id),  # type: ignore[arg-type]
                meta={"broadcast": bc.id, "unit": unit},
                is_group=chat.is_group,
                unit_name=unit,
            )
    if new:
        audit(session, actor, "receipt_reminder", str(bc.id), kind=key_part, messages=new)
    session.flush()
    return new


def chase(session: Session, broadcast_id: int, actor: str, now: datetime | None = None) -> int:
    """An admin's chase of the units that have not acknowledged: one message to each of their
    chats, at most once a day (a double tap chases once). Returns how many were queued."""
    bc = get_receipt_broadcast(session, broadcast_id)
    day = local(now or clock_now()).date()
    return _queue_to_missing(session, bc, f"chase{day:%Y%m%d}", urgent=False, actor=actor)


def reminder_time(bc: Broadcast, cal: WorkCalendar) -> datetime | None:
    """When the unacknowledged are reminded: 09:00 of the working day before the deadline."""
    if bc.receipt_deadline is None:
        return None
    day = cal.shift(bc.receipt_deadline, -1)
    return datetime.combine(day, time(REMINDER_HOUR), tzinfo=TZ)


def due_receipt_reminders(
    session: Session, cal: WorkCalendar, now: datetime, actor: str = "scheduler"
) -> int:
    """Remind, once, the units that have not acknowledged a notice whose deadline nears."""
    now = local(now)
    new = 0
    open_notices = session.exec(
        select(Broadcast).where(
            Broadcast.receipt_required == True,  # noqa: E712 - SQL expression
            Broadcast.receipt_deadline != None,  # noqa: E711
            Broadcast.receipt_deadline >= now.date(),  # type: ignore[operator]
            Broadcast.enqueued_at != None,  # noqa: E711
        )
    ).all()
    for bc in open_notices:
        at = reminder_time(bc, cal)
        if at is None or now < at:
            continue
        if bc.enqueued_at is not None and local(bc.enqueued_at) >= at:
            continue  # sent after the reminder time: the notice itself is fresh enough
        new += _queue_to_missing(session, bc, "remind", urgent=True, actor=actor)
    return new


def run_receipt_reminders(ctx, now: datetime | None = None) -> int:  # noqa: ANN001 - SchedulerContext
    """The planner's part for receipts (see :func:`due_receipt_reminders`)."""
    with session_scope(ctx.engine) as s:
        return due_receipt_reminders(s, ctx.calendar(s), now or clock_now())
