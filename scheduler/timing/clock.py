"""Wall-clock time for the scheduler: always Asia/Shanghai, whatever the host's TZ.

Every "now" in ``scheduler`` comes from :func:`now`, so tests freeze it with time-machine and
the host's ``TZ`` never leaks in. Datetimes written to the database are
aware; SQLModel's ``UTCDateTime`` stores them as UTC and returns aware UTC values, which
:func:`local` turns back into Shanghai time for display.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current time, aware, in Asia/Shanghai."""
    return datetime.now(TZ)


def today() -> date:
    return now().date()


def local(dt: datetime) -> datetime:
    """An aware datetime in Asia/Shanghai; a naive one is taken to be Shanghai local time."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=TZ)
    return dt.astimezone(TZ)


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """``day`` at ``hour:minute`` Shanghai time."""
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def utcnow() -> datetime:
    """The current time, aware, in UTC (the default for timestamp columns)."""
    return datetime.now(UTC)
