"""Claiming outbox rows for a sender: a claim is a lease, renewed while a send is slow and
claimable again by any sender once it runs out (see :mod:`scheduler.delivery.outbox` for the
guarantees)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, or_, update
from sqlmodel import Session, select

from scheduler.store.models import OutboxMessage, OutboxState
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
