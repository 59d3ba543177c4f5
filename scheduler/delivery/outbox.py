"""The outbox: every outgoing message is a row first, then a delivery.

This module queues rows and counts them; :mod:`scheduler.delivery.leases` claims them for a
sender, :mod:`scheduler.delivery.outcomes` records what the channel answered.

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

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from scheduler.delivery.channel import OutgoingMessage
from scheduler.store.models import OutboxMessage, OutboxState
from scheduler.timing.clock import utcnow


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
    """Which of ``keys`` are in the outbox already (the unique index answers, in chunks).

    On PostgreSQL each key is looked up through the index by itself (a lateral ``LIMIT 1``
    per key of one array parameter): an ``IN (…500 keys…)`` list is planned as a sequential
    scan of the whole outbox whenever the planner believes that cheaper, which it does right
    after a bulk insert and ever more as the outbox grows, so each hourly tick would read the
    table 120 times at 20,000 units. The per-key form costs what the keys cost, whatever the
    table's size or statistics. SQLite answers ``IN`` from the unique index always."""
    wanted = list(dict.fromkeys(keys))
    found: set[str] = set()
    postgres = session.get_bind().dialect.name == "postgresql"
    for i in range(0, len(wanted), chunk):
        part = wanted[i : i + chunk]
        if postgres:
            found.update(session.execute(_PG_EXISTING, {"keys": part}).scalars())
        else:
            found.update(session.exec(select(OutboxMessage.key).where(OutboxMessage.key.in_(part))))  # type: ignore[attr-defined]
    return found


_PG_EXISTING = text(
    "SELECT o.key FROM unnest(CAST(:keys AS varchar[])) AS k(key) "
    "CROSS JOIN LATERAL (SELECT outbox.key FROM outbox WHERE outbox.key = k.key LIMIT 1) AS o"
)


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
