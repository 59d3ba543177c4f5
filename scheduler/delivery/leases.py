"""Claiming outbox rows for a sender: a claim is a lease, renewed while a send is slow and
claimable again by any sender once it runs out (see :mod:`scheduler.delivery.outbox` for the
guarantees)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, exists, literal, or_, update
from sqlmodel import Session, select

from scheduler.store.db_clock import now_sql
from scheduler.store.models import OutboxMessage, OutboxState, ProcessLease
from scheduler.timing.clock import utcnow

DEFAULT_LEASE = timedelta(seconds=30)  # stuck messages are back in the queue within a minute


def lease_from_env(default: timedelta = DEFAULT_LEASE) -> timedelta:
    """The claim lease: ``$FAZHI_OUTBOX_LEASE`` seconds when set (tests shorten it), else
    ``default``."""
    raw = os.environ.get("FAZHI_OUTBOX_LEASE", "").strip()
    try:
        return timedelta(seconds=float(raw)) if raw else default
    except ValueError:
        return default


HEARTBEAT_PREFIX = "sender:"  # process_lease rows "sender:<hash of id>", held by the sender


def heartbeat_name(sender_id: str) -> str:
    """The heartbeat's lease name (the column takes 40 characters; the holder is the id)."""
    return HEARTBEAT_PREFIX + hashlib.sha1(sender_id.encode()).hexdigest()[:32]  # noqa: S324


def _alive(engine: Engine, now: datetime | None) -> Any:  # noqa: ANN401
    """The row's sender keeps a heartbeat that has not run out."""
    return exists().where(
        ProcessLease.name.startswith(HEARTBEAT_PREFIX),  # type: ignore[attr-defined]
        ProcessLease.holder == OutboxMessage.claimed_by,
        ProcessLease.expires_at > _now(engine, now),
    )


def _now(engine: Engine, now: datetime | None, shift: timedelta = timedelta()) -> Any:  # noqa: ANN401
    """``now`` + ``shift`` when a caller (a test) gives a time, else the database's clock."""
    if now is not None:
        return now + shift
    return now_sql(engine.dialect.name, shift.total_seconds())


def _claimable(
    engine: Engine,
    now: datetime | None,
    lease: timedelta,
    sender_id: str,
    reclaim: bool,
    holding: Collection[int] = (),
) -> ColumnElement[bool]:
    """Ready queued rows; and, when ``reclaim``, rows another sender claimed whose lease ran
    out *and* whose sender is gone (its heartbeat row expired, or it never kept one). A row
    this sender claimed is never taken back by it: it is being sent, or was sent and its
    outcome waits to be written (the fence that keeps an outage from re-sending it)."""
    # when a queued row is due is the planner's time (reminders at 09:00 by this process's
    # clock, as it planned them); only leases, which processes compare, use the database's
    ready = (OutboxMessage.state == OutboxState.QUEUED) & (
        OutboxMessage.next_attempt_at <= (now or utcnow())  # type: ignore[operator]
    )
    # its own expired claims the sender does not hold: a claim whose answer the connection lost
    # (committed, never seen); the ones it holds (in flight, outcome pending) are fenced
    own = (
        (OutboxMessage.state == OutboxState.SENDING)
        & (OutboxMessage.claimed_by == sender_id)
        & (OutboxMessage.claimed_at < _now(engine, now, -lease))  # type: ignore[operator]
        & OutboxMessage.id.notin_(list(holding))  # type: ignore[union-attr]
    )
    ready = ready | own
    if not reclaim:
        return ready
    alive = _alive(engine, now)
    return or_(
        ready,
        (OutboxMessage.state == OutboxState.SENDING)
        & (OutboxMessage.claimed_by != sender_id)
        & (OutboxMessage.claimed_at < _now(engine, now, -lease))  # type: ignore[operator]
        & ~alive,
    )


def claim(
    engine: Engine,
    sender_id: str,
    limit: int = 1,
    *,
    lease: timedelta = DEFAULT_LEASE,
    now: datetime | None = None,
    reclaim: bool = True,
    holding: Collection[int] = (),
) -> list[OutboxMessage]:
    """Claim up to ``limit`` messages for ``sender_id``, oldest first, and commit.

    A claim is a lease: the row goes to ``sending`` with ``claimed_by``/``claimed_at`` (the
    database's time); the sender keeps it alive with :func:`renew` and its heartbeat
    (:func:`beat`), and writes the outcome with :func:`record_outcome`. Another sender takes a
    ``sending`` row back only when its lease ran out and its sender's heartbeat did too (see
    :func:`_claimable`); ``reclaim=False`` takes queued rows only (a sender that has just
    reconnected after an outage waits a lease, so that the senders still alive renew first).

    One ``UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING`` statement: on PostgreSQL the
    sub-select takes ``FOR UPDATE SKIP LOCKED`` so concurrent senders never wait on or take the
    same row; on SQLite the statement runs under the database's single write lock, so it is
    atomic as well. Each claim counts as an attempt (a 429 gives it back, see
    :func:`record_outcome`).
    """
    claimable = _claimable(engine, now, lease, sender_id, reclaim, holding)
    pick = (
        select(OutboxMessage.id)
        .where(claimable)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if engine.dialect.name == "postgresql":
        # a materialised CTE: an ``IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`` may be run
        # once per outer row by PostgreSQL's planner and claim far more than ``n`` rows
        picked = (
            pick.with_for_update(skip_locked=True, of=OutboxMessage)  # type: ignore[arg-type]
            .cte("picked")
            .prefix_with("MATERIALIZED")
        )
        chosen = OutboxMessage.id.in_(select(picked.c.id))  # type: ignore[union-attr]
    else:
        chosen = OutboxMessage.id.in_(pick.scalar_subquery())  # type: ignore[union-attr]
    stmt = (
        update(OutboxMessage)
        .where(chosen, claimable)
        .values(
            state=OutboxState.SENDING.value,
            claimed_by=sender_id,
            claimed_at=_now(engine, now),
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


def beat(engine: Engine, sender_id: str, lease: timedelta) -> bool:
    """The sender's heartbeat: its ``sender:<id>`` process lease, valid for ``lease`` from the
    database's now. While it is valid, nobody takes the sender's claims back."""
    from scheduler.delivery.process_lease import acquire

    return acquire(engine, heartbeat_name(sender_id), sender_id, lease)


def end_beat(engine: Engine, sender_id: str) -> None:
    from scheduler.delivery.process_lease import release

    release(engine, heartbeat_name(sender_id), sender_id)


def claim_next(
    engine: Engine,
    sender_id: str,
    now: datetime | None = None,
    lease: timedelta = DEFAULT_LEASE,
    reclaim: bool = True,
) -> OutboxMessage | None:
    """Claim the oldest claimable message (see :func:`claim`), or None."""
    rows = claim(engine, sender_id, 1, lease=lease, now=now, reclaim=reclaim)
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
            .values(claimed_at=_now(engine, now))
        )
        session.commit()
        return int(result.rowcount or 0)


def recover(
    engine: Engine,
    sender_id: str | None = None,
    lease: timedelta = DEFAULT_LEASE,
    now: datetime | None = None,
    *,
    others: bool = True,
) -> int:
    """Put back to ``queued`` the rows ``sender_id`` had claimed (it restarted) and, with
    ``others``, every claim older than ``lease`` whose sender is gone (no live heartbeat).
    Returns how many rows. :func:`claim` takes expired leases by itself; this is for a restart
    under the same id and for tools."""
    alive = _alive(engine, now)
    cond = (OutboxMessage.claimed_at < _now(engine, now, -lease)) & ~alive  # type: ignore[operator]
    if not others:
        cond = literal(False)
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
