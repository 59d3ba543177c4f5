"""Time from one clock: the database's.

Leases (outbox claims, process roles, sender heartbeats) and the shared send budget's slots are
decided by comparing times that different processes wrote. Taken from each process's own clock,
two processes whose clocks disagree by more than a lease take each other's work (one 90 s
ahead re-sent messages still being sent by the other). Every such time is therefore the
database's: ``now()`` on PostgreSQL (the transaction's start; ``clock_timestamp()`` for the
send budget, whose statements are one each), SQLite's ``'now'`` (one machine's clock for every
process on the file). The processes need not share a clock; ``fazhi health`` warns when the
process's and the database's differ (:func:`clock_skew`).
"""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import ColumnElement, DateTime, Engine, Float, func, literal_column, select

# SQLAlchemy stores SQLite datetimes as "YYYY-MM-DD HH:MM:SS.ffffff" (UTC here): the same form,
# so that times compare as strings and read back with their fraction
_SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now'{shift}) || '000'"
SKEW_WARNING = 2.0  # seconds


def _seconds(value: float) -> str:
    return f"{float(value):+.3f}"


def now_sql(dialect: str, shift: float = 0.0) -> ColumnElement[datetime]:
    """The database's current time plus ``shift`` seconds, as an SQL expression."""
    if dialect == "postgresql":
        expr = "now()" if not shift else f"(now() + interval '{_seconds(shift)} seconds')"
    else:
        expr = _SQLITE_NOW.format(shift=f", '{_seconds(shift)} seconds'" if shift else "")
    # written into and compared with UTC columns, never read back (the health check needs it
    # without the models, hence SQLAlchemy's own type)
    return literal_column(expr, type_=DateTime(timezone=True))


def epoch_sql(dialect: str) -> ColumnElement[float]:
    """The database's clock in epoch seconds (the send budget's unit), as an SQL expression."""
    if dialect == "postgresql":
        return func.extract("epoch", func.clock_timestamp()).cast(Float)
    return literal_column("((julianday('now') - 2440587.5) * 86400.0)", type_=Float())


def clock_skew(engine: Engine) -> float:
    """Seconds the database's clock is ahead of this process's (negative: behind)."""
    with engine.connect() as conn:
        before = time.time()
        db = float(conn.execute(select(epoch_sql(engine.dialect.name))).scalar_one())
        after = time.time()
    return db - (before + after) / 2
