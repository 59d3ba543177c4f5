"""The outbox: every outgoing message is a row first, then a delivery.

Guarantees and their limits
---------------------------
- **Idempotent enqueue.** ``key`` is unique; enqueueing a key twice (a planner re-run, a double
  click on "confirm broadcast") inserts nothing the second time (``INSERT … ON CONFLICT DO
  NOTHING``).
- **Claim = lease.** :func:`claim` takes up to ``n`` ready rows in one statement (PostgreSQL:
  ``FOR UPDATE SKIP LOCKED`` in a materialised CTE, so several sender processes share the queue
  without waiting on each other or taking the same row; SQLite: one ``UPDATE … RETURNING`` under
  the database's write lock) and flips them from ``queued`` to ``sending`` with the sender's id
  and ``claimed_at``. The lease lasts ``lease`` (default 30 s, ``$FAZHI_OUTBOX_LEASE``); a
  sender renews it (:func:`renew`) while a send is slow. A ``sending`` row whose lease ran out
  is claimable again by **any** running sender, in its normal claiming: a crashed process's
  messages go out again within one lease plus one poll, without a restart.
- **Send, then mark.** The channel is called outside any transaction; the outcome is recorded
  in a second transaction (:func:`record_outcome`). A "sent" mark is written even when the
  lease has meanwhile passed to another sender. A mark the database refuses raises; the sender
  retries it until written before it claims anything else.
- **The duplicate window.** At least once: if a sender dies between the channel's send and the
  mark, the row stays ``sending`` until its lease expires, and that message may go out a second
  time. A crash therefore re-sends **at most the messages that sender had in flight**
  (``in_flight`` of :mod:`scheduler.delivery.sender`, 10 by default); nothing is lost.
- **Outcomes.** Retry (with exponential back-off, honouring the peer's ``retry_after``) up to
  ``RetryPolicy.max_attempts`` (a 429, ``throttled``, is retried after its ``retry_after`` and
  is not counted as an attempt), then ``failed`` with the last error kept; ``unknown`` (timed
  out after sending: not retried, to avoid a duplicate, and counted in reports); ``blocked``
  (the chat is marked blocked, or ``unreachable`` when it does not exist, its other queued
  messages stop and the admins are told once); ``migrated`` (the chat's id
  changes and the message is re-queued to the new id); a message past its ``not_after`` is
  ``dropped``, not sent late.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from scheduler.delivery.channel import DeliveryOutcome, DeliveryStatus, OutgoingMessage
from scheduler.records.access import admin_chat_ids
from scheduler.records.chat_registry import follow_migration, get_chat, mark_blocked
from scheduler.store.models import Chat, ChatStatus, OutboxMessage, OutboxState, UnitRow
from scheduler.timing.clock import utcnow

DEFAULT_LEASE = timedelta(seconds=30)  # stuck messages are back in the queue within a minute


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay: float = 5.0  # seconds before the 2nd attempt
    factor: float = 3.0
    max_delay: float = 3600.0

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        backoff = min(self.max_delay, self.base_delay * self.factor ** max(0, attempts - 1))
        return max(backoff, retry_after or 0.0)


def message_values(
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
) -> dict[str, Any]:
    """The column values of a new outbox row (for :func:`enqueue_many`)."""
    now = utcnow()
    return {
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
        "next_attempt_at": not_before or now,
        "not_after": not_after,
        "created_at": now,
    }


def _insert_new(session: Session, table: Any = OutboxMessage):  # noqa: ANN202, ANN401
    """The dialect's ``INSERT … ON CONFLICT (key) DO NOTHING`` into the outbox."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=["key"])


def enqueue(session: Session, **message: Any) -> bool:  # noqa: ANN401
    """Queue a message unless ``key`` was queued before; True when a row was inserted.
    Takes the keyword arguments of :func:`message_values`."""
    stmt = _insert_new(session).values(**message_values(**message)).returning(OutboxMessage.id)
    return session.exec(stmt).first() is not None  # type: ignore[call-overload]


def existing_keys(session: Session, keys: Iterable[str], chunk: int = 500) -> set[str]:
    """Which of ``keys`` are in the outbox already (the unique index answers, in chunks)."""
    wanted = list(dict.fromkeys(keys))
    found: set[str] = set()
    for i in range(0, len(wanted), chunk):
        part = wanted[i : i + chunk]
        found.update(session.exec(select(OutboxMessage.key).where(OutboxMessage.key.in_(part))))  # type: ignore[attr-defined]
    return found


def enqueue_many(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Queue many messages (values from :func:`message_values`) in multi-row INSERTs; a key
    queued before is skipped as by :func:`enqueue`. Returns how many rows were inserted."""
    if not rows:
        return 0
    table = OutboxMessage.__table__  # Core, not the ORM's bulk path: thousands of rows a tick
    stmt = _insert_new(session, table).returning(table.c.id)  # type: ignore[attr-defined]
    return len(session.connection().execute(stmt, list(rows)).all())


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


def lease_from_env(default: timedelta = DEFAULT_LEASE) -> timedelta:
    """The claim lease: ``$FAZHI_OUTBOX_LEASE`` seconds when set (tests shorten it), else
    ``default``."""
    raw = os.environ.get("FAZHI_OUTBOX_LEASE", "").strip()
    try:
        return timedelta(seconds=float(raw)) if raw else default
    except ValueError:
        return default


def _claimable(now: datetime, lease: timedelta) -> ColumnElement[bool]:
    """Ready queued rows, and rows whose claim lease ran out (their sender died or hangs)."""
    return or_(
        (OutboxMessage.state == OutboxState.QUEUED) & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.state == OutboxState.SENDING) & (OutboxMessage.claimed_at < now - lease),  # type: ignore[operator]
    )


def claim(
    engine: Engine,
    sender_id: str,
    limit: int = 1,
    *,
    lease: timedelta = DEFAULT_LEASE,
    now: datetime | None = None,
) -> list[OutboxMessage]:
    """Claim up to ``limit`` messages for ``sender_id``, oldest first, and commit.

    A claim is a lease: the row goes to ``sending`` with ``claimed_by``/``claimed_at``; the
    sender keeps it alive with :func:`renew` while a send is slow, and writes the outcome with
    :func:`record_outcome`. A ``sending`` row whose ``claimed_at`` is older than ``lease`` is
    claimable again by any sender (the one holding it died), so every running sender recovers
    stuck messages as part of its normal claiming, not only at start.

    One ``UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING`` statement: on PostgreSQL the
    sub-select takes ``FOR UPDATE SKIP LOCKED`` so concurrent senders never wait on or take the
    same row; on SQLite the statement runs under the database's single write lock, so it is
    atomic as well. Each claim counts as an attempt (a 429 gives it back, see
    :func:`record_outcome`).
    """
    now = now or utcnow()
    pick = (
        select(OutboxMessage.id)
        .where(_claimable(now, lease))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if engine.dialect.name == "postgresql":
        # a materialised CTE: an ``IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`` may be run
        # once per outer row by PostgreSQL's planner and claim far more than ``n`` rows
        picked = pick.with_for_update(skip_locked=True).cte("picked").prefix_with("MATERIALIZED")
        chosen = OutboxMessage.id.in_(select(picked.c.id))  # type: ignore[union-attr]
    else:
        chosen = OutboxMessage.id.in_(pick.scalar_subquery())  # type: ignore[union-attr]
    stmt = (
        update(OutboxMessage)
        .where(chosen, _claimable(now, lease))
        .values(
            state=OutboxState.SENDING.value,
            claimed_by=sender_id,
            claimed_at=now,
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(OutboxMessage)
        .execution_options(synchronize_session=False)
    )
    with Session(engine, expire_on_commit=False) as session:
        rows = list(session.scalars(stmt).all())
        session.commit()
    rows.sort(key=lambda r: (r.next_attempt_at, r.id))
    return rows


def claim_next(
    engine: Engine,
    sender_id: str,
    now: datetime | None = None,
    lease: timedelta = DEFAULT_LEASE,
) -> OutboxMessage | None:
    """Claim the oldest claimable message (see :func:`claim`), or None."""
    rows = claim(engine, sender_id, 1, lease=lease, now=now)
    return rows[0] if rows else None


def renew(
    engine: Engine, sender_id: str, message_ids: Sequence[int], now: datetime | None = None
) -> int:
    """Heartbeat: extend the leases ``sender_id`` still holds on ``message_ids``; returns how
    many it still holds (a lease that expired and was taken by another sender is not renewed)."""
    if not message_ids:
        return 0
    with Session(engine) as session:
        result = session.exec(  # type: ignore[call-overload]
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(list(message_ids)),  # type: ignore[union-attr]
                OutboxMessage.state == OutboxState.SENDING,
                OutboxMessage.claimed_by == sender_id,
            )
            .values(claimed_at=now or utcnow())
        )
        session.commit()
        return int(result.rowcount or 0)


def recover(
    engine: Engine,
    sender_id: str | None = None,
    lease: timedelta = DEFAULT_LEASE,
    now: datetime | None = None,
) -> int:
    """Put back to ``queued`` the rows ``sender_id`` had claimed (it restarted) and every claim
    older than ``lease`` (its sender is gone). Returns how many rows. :func:`claim` takes
    expired leases by itself; this is for a restart under the same id and for tools."""
    now = now or utcnow()
    cond = OutboxMessage.claimed_at < now - lease  # type: ignore[operator]
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
