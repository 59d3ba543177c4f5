"""Roles only one process may hold at a time, as leases in the database.

Telegram lets one client receive a bot's updates (a second ``getUpdates`` is refused with 409
Conflict; a webhook has one URL). Every ``fazhi run`` process that wants to receive updates
calls :func:`acquire` for :data:`UPDATES`; one gets it and renews it (:func:`acquire` again)
every third of ``ttl``; the others wait and retry. When the holder dies its lease expires and
a waiting process takes over within ``ttl``.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from scheduler.store.db_clock import now_sql
from scheduler.store.models import ProcessLease

UPDATES = "telegram-updates"
DEFAULT_TTL = timedelta(seconds=30)


def ttl_from_env(default: timedelta = DEFAULT_TTL) -> timedelta:
    """``$FAZHI_POLLER_LEASE`` seconds when set (tests shorten it), else ``default``."""
    raw = os.environ.get("FAZHI_POLLER_LEASE", "").strip()
    try:
        return timedelta(seconds=float(raw)) if raw else default
    except ValueError:
        return default


def _at(engine: Engine, now: datetime | None, shift: timedelta = timedelta()) -> Any:  # noqa: ANN401
    """``now`` + ``shift`` when given (tests), else the database's clock (never this
    process's: two processes whose clocks disagree must still agree on who holds a role)."""
    if now is not None:
        return now + shift
    return now_sql(engine.dialect.name, shift.total_seconds())


def acquire(
    engine: Engine, name: str, holder: str, ttl: timedelta, now: datetime | None = None
) -> bool:
    """Take or renew the lease ``name`` for ``holder``; True when ``holder`` holds it now."""
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    with Session(engine) as session:
        created = (
            session.exec(  # type: ignore[call-overload]
                insert(ProcessLease)
                .values(
                    name=name,
                    holder=holder,
                    expires_at=_at(engine, now, ttl),
                    acquired_at=_at(engine, now),
                )
                .on_conflict_do_nothing(index_elements=["name"])
                .returning(ProcessLease.name)
            ).first()
            is not None
        )
        taken = 0
        if not created:
            taken = session.exec(  # type: ignore[call-overload]
                update(ProcessLease)
                .where(
                    ProcessLease.name == name,
                    (ProcessLease.holder == holder) | (ProcessLease.expires_at < _at(engine, now)),  # type: ignore[operator]
                )
                .values(holder=holder, expires_at=_at(engine, now, ttl))
            ).rowcount
        session.commit()
    return bool(created or taken)


def release(engine: Engine, name: str, holder: str) -> None:
    """Give the lease up (a clean shutdown), so a waiting process takes over at once."""
    with Session(engine) as session:
        session.exec(  # type: ignore[call-overload]
            update(ProcessLease)
            .where(ProcessLease.name == name, ProcessLease.holder == holder)
            .values(expires_at=_at(engine, None, timedelta(seconds=-1)))
        )
        session.commit()


def holder_of(engine: Engine, name: str) -> str | None:
    with Session(engine) as session:
        return session.scalars(
            select(ProcessLease.holder).where(
                ProcessLease.name == name,
                ProcessLease.expires_at > _at(engine, None),  # type: ignore[operator]
            )
        ).first()
