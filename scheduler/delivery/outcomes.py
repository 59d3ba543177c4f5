"""Recording what the channel answered for a claimed outbox row: sent, retried with back-off,
failed, unknown, blocked (the chat is marked and the admins told once), migrated or dropped
(see :mod:`scheduler.delivery.outbox` for the guarantees)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session

from scheduler.delivery.channel import DeliveryOutcome, DeliveryStatus
from scheduler.delivery.outbox import enqueue
from scheduler.records.access import admin_chat_ids
from scheduler.records.chat_registry import follow_migration, get_chat, mark_blocked
from scheduler.store.models import Chat, ChatStatus, OutboxMessage, OutboxState, UnitRow
from scheduler.timing.clock import utcnow


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay: float = 5.0  # seconds before the 2nd attempt
    factor: float = 3.0
    max_delay: float = 3600.0

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        backoff = min(self.max_delay, self.base_delay * self.factor ** max(0, attempts - 1))
        return max(backoff, retry_after or 0.0)


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
    """Apply a channel's outcome to a claimed row; returns the row's new state.

    A delivered message is marked ``sent`` even when its lease has meanwhile passed to another
    sender (that sender's own mark then finds it done); any other outcome is applied only while
    ``sender_id`` still holds the claim. Raises the database's error when the mark cannot be
    written: the caller retries it (see :meth:`scheduler.delivery.sender.OutboxSender`)."""
    now = now or utcnow()
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(
            OutboxMessage, message_id, with_for_update=engine.dialect.name == "postgresql"
        )
        status = outcome.status
        if row is None:
            return "missing"
        mine = row.state == OutboxState.SENDING and row.claimed_by == sender_id
        if status == DeliveryStatus.SENT and (
            mine or row.state in (OutboxState.QUEUED, OutboxState.SENDING)
        ):
            row.sent_at = now
            row.provider_message_id = outcome.provider_message_id
            _finish(session, row, OutboxState.SENT)
            session.commit()
            return str(row.state)
        if not mine:
            return str(row.state)  # lease expired and someone else took it
        if status == DeliveryStatus.RETRY:
            if outcome.throttled:  # a 429 is the server pacing us, not a failed attempt
                row.attempts = max(0, row.attempts - 1)
            if row.attempts >= policy.max_attempts:
                _finish(
                    session,
                    row,
                    OutboxState.FAILED,
                    f"重试{row.attempts}次后放弃：{outcome.error or ''}",
                )
            else:
                delay = (
                    outcome.retry_after or 0.0
                    if outcome.throttled
                    else policy.delay(row.attempts, outcome.retry_after)
                )
                row.next_attempt_at = now + timedelta(seconds=delay)
                _finish(session, row, OutboxState.QUEUED, outcome.error)
        elif status == DeliveryStatus.FAILED:
            _finish(session, row, OutboxState.FAILED, outcome.error)
        elif status == DeliveryStatus.UNKNOWN:
            _finish(session, row, OutboxState.UNKNOWN, outcome.error or "发送超时，结果未知")
        elif status in (DeliveryStatus.BLOCKED, DeliveryStatus.UNREACHABLE):
            gone = status == DeliveryStatus.UNREACHABLE
            reason = "聊天不存在或机器人无法访问" if gone else "对方已屏蔽机器人"
            _finish(session, row, OutboxState.BLOCKED, outcome.error or reason)
            block_chat(session, row.chat_id, row.unit_name, unreachable=gone)
            session.exec(  # type: ignore[call-overload]
                update(OutboxMessage)
                .where(
                    OutboxMessage.chat_id == row.chat_id, OutboxMessage.state == OutboxState.QUEUED
                )
                .values(state=OutboxState.BLOCKED.value, last_error=reason)
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


def block_chat(
    session: Session, chat_id: str | int, unit_name: str | None = None, unreachable: bool = False
) -> bool:
    """A registered chat blocked the bot, removed it from the group, or no longer exists
    (``unreachable``): mark it, and tell the admins once per blocking, through the outbox like
    every other message. True when the chat was newly marked."""
    chat = get_chat(session, chat_id)
    if chat is None or chat.status in (
        ChatStatus.BLOCKED,
        ChatStatus.REMOVED,
        ChatStatus.UNREACHABLE,
    ):
        return False
    mark_blocked(session, chat.chat_id, unreachable=unreachable)
    if unit_name is None and chat.unit_id is not None:
        unit = session.get(UnitRow, chat.unit_id)
        unit_name = unit.name if unit else None
    _tell_admins_blocked(session, chat, unit_name, unreachable)
    return True


def _tell_admins_blocked(
    session: Session, chat: Chat, unit_name: str | None, unreachable: bool = False
) -> None:
    who = html.escape(chat.title or chat.user_name or chat.chat_id)
    unit = f"（{html.escape(unit_name)}）" if unit_name else ""
    what = (
        "在 Telegram 上已不存在或机器人无法访问（chat not found）"
        if unreachable
        else "已屏蔽机器人或将其移出群组"
    )
    body = (
        f"【送达异常】聊天 {who}{unit} {what}，之后的提醒无法送达。"
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
