"""The outbox: every outgoing message is a row first, then a delivery.

Guarantees and their limits
---------------------------
- **Idempotent enqueue.** ``key`` is unique; enqueueing a key twice (a planner re-run, a double
  click on "confirm broadcast") inserts nothing the second time (``INSERT … ON CONFLICT DO
  NOTHING``).
- **Claim.** A sender claims messages one by one (each of its pipelines holds one): it picks the oldest ready row
  (PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED``, so several sender processes share the queue
  without waiting on each other or taking the same row; SQLite: run a single sender) and flips it
  from ``queued`` to ``sending`` with its sender id in the same transaction, then commits.
- **Send, then mark.** The channel is called outside any transaction; the outcome is recorded
  in a second transaction.
- **The duplicate window.** If a sender process dies between the channel's send and the mark,
  the row stays ``sending``. When that sender restarts (same ``sender_id``) :func:`recover`
  puts its ``sending`` rows back to ``queued``; a row whose lease expired is taken back the same
  way for a sender that never returns. That message may then go out a second time. A sender
  holds at most ``in_flight`` claimed messages (:mod:`scheduler.sender`, 10 by default), so a
  crash costs **at most that many duplicates per sender**; nothing is lost.
- **Outcomes.** Retry (with exponential back-off, honouring the peer's ``retry_after``) up to
  ``RetryPolicy.max_attempts``, then ``failed`` with the last error kept; ``unknown`` (timed
  out after sending: not retried, to avoid a duplicate, and counted in reports); ``blocked``
  (the chat is marked blocked and its other queued messages stop); ``migrated`` (the chat's id
  changes and the message is re-queued to the new id); a message past its ``not_after`` is
  ``dropped``, not sent late.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from scheduler.channel import DeliveryOutcome, DeliveryStatus, OutgoingMessage
from scheduler.clock import utcnow
from scheduler.models import Chat, ChatStatus, OutboxMessage, OutboxState, UnitRow
from scheduler.registry import admin_chat_ids, follow_migration, get_chat, mark_blocked

DEFAULT_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay: float = 5.0  # seconds before the 2nd attempt
    factor: float = 3.0
    max_delay: float = 3600.0

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        backoff = min(self.max_delay, self.base_delay * self.factor ** max(0, attempts - 1))
        return max(backoff, retry_after or 0.0)


def enqueue(
    session: Session,
    *,
    key: str,
    chat_id: str | int,
    body: str,
    kind: str = "reminder",
    parse_mode: str | None = "HTML",
    buttons: list[list[dict[str, str]]] | None = None,
    meta: dict[str, Any] | None = None,
    is_group: bool = False,
    unit_name: str | None = None,
    broadcast_id: int | None = None,
    not_after: datetime | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Queue a message unless ``key`` was queued before; True when a row was inserted."""
    values = {
        "key": key,
        "chat_id": str(chat_id),
        "body": body,
        "kind": kind,
        "parse_mode": parse_mode,
        "buttons": json.dumps(buttons, ensure_ascii=False) if buttons else None,
        "meta": json.dumps(meta or {}, ensure_ascii=False, default=str),
        "is_group": is_group,
        "unit_name": unit_name,
        "broadcast_id": broadcast_id,
        "state": OutboxState.QUEUED.value,
        "attempts": 0,
        "next_attempt_at": not_before or utcnow(),
        "not_after": not_after,
        "created_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxMessage.id)
    )
    return session.exec(stmt).first() is not None  # type: ignore[call-overload]


def to_outgoing(row: OutboxMessage) -> OutgoingMessage:
    return OutgoingMessage(
        id=row.id,  # type: ignore[arg-type]
        chat_id=row.chat_id,
        body=row.body,
        kind=row.kind,
        parse_mode=row.parse_mode,
        buttons=json.loads(row.buttons) if row.buttons else None,
        meta=json.loads(row.meta or "{}"),
        is_group=row.is_group,
    )


def claim_next(engine: Engine, sender_id: str, now: datetime | None = None) -> OutboxMessage | None:
    """Claim the oldest ready message for ``sender_id`` (committed), or None."""
    now = now or utcnow()
    with Session(engine, expire_on_commit=False) as session:
        pg = engine.dialect.name == "postgresql"
        for _ in range(5):  # SQLite: another writer may win the race; try the next row
            stmt = (
                select(OutboxMessage)
                .where(
                    OutboxMessage.state == OutboxState.QUEUED, OutboxMessage.next_attempt_at <= now
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(1)
            )
            if pg:
                stmt = stmt.with_for_update(skip_locked=True)
            row = session.exec(stmt).first()
            if row is None:
                session.rollback()
                return None
            result = session.exec(  # type: ignore[call-overload]
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.state == OutboxState.QUEUED)
                .values(
                    state=OutboxState.SENDING.value,
                    claimed_by=sender_id,
                    claimed_at=now,
                    attempts=OutboxMessage.attempts + 1,
                )
            )
            session.commit()
            if result.rowcount == 1:
                return session.get(OutboxMessage, row.id, populate_existing=True)
        return None


def recover(
    engine: Engine,
    sender_id: str | None = None,
    lease: timedelta = DEFAULT_LEASE,
    now: datetime | None = None,
) -> int:
    """Put back to ``queued`` the rows ``sender_id`` had claimed (it restarted) and every claim
    older than ``lease`` (its sender is gone). Returns how many rows."""
    now = now or utcnow()
    cond = OutboxMessage.claimed_at < now - lease
    if sender_id is not None:
        cond = cond | (OutboxMessage.claimed_by == sender_id)
    with Session(engine) as session:
        result = session.exec(  # type: ignore[call-overload]
            update(OutboxMessage)
            .where(OutboxMessage.state == OutboxState.SENDING, cond)
            .values(state=OutboxState.QUEUED.value, claimed_by=None, claimed_at=None)
        )
        session.commit()
        return int(result.rowcount or 0)


def _finish(
    session: Session, row: OutboxMessage, state: OutboxState, error: str | None = None
) -> None:
    row.state = state
    row.last_error = error
    row.claimed_by = None
    session.add(row)


def record_outcome(
    engine: Engine,
    message_id: int,
    sender_id: str,
    outcome: DeliveryOutcome,
    policy: RetryPolicy = RetryPolicy(),
    now: datetime | None = None,
) -> str:
    """Apply a channel's outcome to a claimed row; returns the row's new state."""
    now = now or utcnow()
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(
            OutboxMessage, message_id, with_for_update=engine.dialect.name == "postgresql"
        )
        if row is None or row.state != OutboxState.SENDING or row.claimed_by != sender_id:
            return row.state if row else "missing"  # lease expired and someone else took it
        status = outcome.status
        if status == DeliveryStatus.SENT:
            row.sent_at = now
            row.provider_message_id = outcome.provider_message_id
            _finish(session, row, OutboxState.SENT)
        elif status == DeliveryStatus.RETRY:
            if row.attempts >= policy.max_attempts:
                _finish(
                    session,
                    row,
                    OutboxState.FAILED,
                    f"重试{row.attempts}次后放弃：{outcome.error or ''}",
                )
            else:
                row.next_attempt_at = now + timedelta(
                    seconds=policy.delay(row.attempts, outcome.retry_after)
                )
                _finish(session, row, OutboxState.QUEUED, outcome.error)
        elif status == DeliveryStatus.FAILED:
            _finish(session, row, OutboxState.FAILED, outcome.error)
        elif status == DeliveryStatus.UNKNOWN:
            _finish(session, row, OutboxState.UNKNOWN, outcome.error or "发送超时，结果未知")
        elif status == DeliveryStatus.BLOCKED:
            _finish(session, row, OutboxState.BLOCKED, outcome.error or "对方已屏蔽机器人")
            block_chat(session, row.chat_id, row.unit_name)
            session.exec(  # type: ignore[call-overload]
                update(OutboxMessage)
                .where(
                    OutboxMessage.chat_id == row.chat_id, OutboxMessage.state == OutboxState.QUEUED
                )
                .values(state=OutboxState.BLOCKED.value, last_error="对方已屏蔽机器人")
            )
        elif status == DeliveryStatus.MIGRATED and outcome.new_chat_id:
            old = row.chat_id
            follow_migration(session, old, outcome.new_chat_id)
            session.exec(  # type: ignore[call-overload]
                update(OutboxMessage)
                .where(OutboxMessage.chat_id == old, OutboxMessage.state == OutboxState.QUEUED)
                .values(chat_id=outcome.new_chat_id)
            )
            row.chat_id = outcome.new_chat_id
            row.next_attempt_at = now
            row.attempts = max(0, row.attempts - 1)  # the move is not a failed attempt
            _finish(session, row, OutboxState.QUEUED, f"群组已迁移：{old} → {outcome.new_chat_id}")
        else:
            _finish(session, row, OutboxState.FAILED, outcome.error or f"无法处理的结果：{status}")
        session.commit()
        return str(row.state)


def block_chat(session: Session, chat_id: str | int, unit_name: str | None = None) -> bool:
    """A registered chat blocked the bot (or removed it from the group): mark it, and tell the
    admins once per blocking, through the outbox like every other message. True when the chat
    was newly blocked."""
    chat = get_chat(session, chat_id)
    if chat is None or chat.status in (ChatStatus.BLOCKED, ChatStatus.REMOVED):
        return False
    mark_blocked(session, chat.chat_id)
    if unit_name is None and chat.unit_id is not None:
        unit = session.get(UnitRow, chat.unit_id)
        unit_name = unit.name if unit else None
    _tell_admins_blocked(session, chat, unit_name)
    return True


def _tell_admins_blocked(session: Session, chat: Chat, unit_name: str | None) -> None:
    who = html.escape(chat.title or chat.user_name or chat.chat_id)
    unit = f"（{html.escape(unit_name)}）" if unit_name else ""
    body = (
        f"【送达异常】聊天 {who}{unit} 已屏蔽机器人或将其移出群组，之后的提醒无法送达。"
        "请联系该单位联络员重新添加机器人并发送 /unit 登记。"
    )
    stamp = utcnow().strftime("%Y%m%d%H%M%S")
    for admin_chat in admin_chat_ids(session):
        if admin_chat == chat.chat_id:
            continue
        enqueue(
            session,
            key=f"blocked:{chat.id}:{stamp}:{admin_chat}",
            chat_id=admin_chat,
            body=body,
            kind="notice",
        )


def drop_expired(engine: Engine, message_id: int, sender_id: str) -> None:
    with Session(engine) as session:
        row = session.get(OutboxMessage, message_id)
        if row is not None and row.state == OutboxState.SENDING and row.claimed_by == sender_id:
            _finish(session, row, OutboxState.DROPPED, "已超过“不晚于”时间，未发送")
            session.commit()


def counts(
    session: Session, broadcast_id: int | None = None, kinds: Sequence[str] | None = None
) -> dict[str, int]:
    """Messages per state (every state present, zero when none)."""
    stmt = select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    if broadcast_id is not None:
        stmt = stmt.where(OutboxMessage.broadcast_id == broadcast_id)
    if kinds:
        stmt = stmt.where(OutboxMessage.kind.in_(kinds))  # type: ignore[attr-defined]
    out = {s.value: 0 for s in OutboxState}
    for state, n in session.exec(stmt).all():
        out[state] = int(n)
    return out


def ready_count(engine: Engine, now: datetime | None = None) -> int:
    now = now or utcnow()
    with Session(engine) as session:
        return int(
            session.exec(
                select(func.count()).where(
                    OutboxMessage.state == OutboxState.QUEUED, OutboxMessage.next_attempt_at <= now
                )
            ).one()
        )


def pending_count(engine: Engine) -> int:
    """Messages not finished yet (queued, whenever ready, or being sent)."""
    with Session(engine) as session:
        return int(
            session.exec(
                select(func.count()).where(
                    OutboxMessage.state.in_([OutboxState.QUEUED, OutboxState.SENDING])  # type: ignore[attr-defined]
                )
            ).one()
        )
