"""The send budget shared by every process of a deployment, kept in the database.

Telegram limits a bot as a whole (about 30 messages per second), however many processes send
for it. Each process keeps the limits locally too (:mod:`bot.channels.telegram.rate_limit`), but two processes
at 30/s each are 60/s together. :class:`SendBudget` hands out send slots from one row of the
``send_budget`` table: a reservation is one ``UPDATE … RETURNING`` that moves the next free
slot on by one interval, so slots are spaced ``period / rate`` apart across all processes.
A slot is a moment, not a credit: the caller sends at it, or, having woken up too late, moves
it to now when nobody holds a later slot yet (:meth:`SendBudget.move_to_now`) and gives it up
otherwise (a late message would bunch with the next ones, which go on time; see
:class:`bot.channels.telegram.rate_limit.FloodLimiter`).

A bot-wide 429 (:meth:`SendBudget.pause`) moves the next free slot past ``retry_after`` for
everyone. Times in the row are epoch seconds of the database's clock
(:mod:`scheduler.store.db_clock`), so the processes need not share one: each statement returns
the database's now with the slot, and the slot is handed to the caller in its own clock
(``time.time()``). A ``clock`` given to the constructor (simulated-time tests) is used instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, func, literal_column, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from scheduler.store.db import limit_statements
from scheduler.store.db_clock import epoch_sql
from scheduler.store.models import SendBudget as BudgetRow
from scheduler.store.watchdog import database_away

TELEGRAM = "telegram"
# the slots' spacing is stretched by this share: 31 consecutive slots then span 1.07 s, and a
# message may reach the server up to 70 ms after its slot before 31 fit into the server's
# one-second window. The limiter of one process uses 5 %, but several processes' messages also
# pass through several event loops and HTTP clients: on a loaded 2-core machine up to 46 ms
# went by between a message's release and its arrival, and with 5 % two processes still drew
# a 429 in 2 of 27 runs of tests/test_run_roles.py. The price: the deployment sends 28/s instead of 28.6/s.
SHARED_MARGIN = 0.07
# seconds a slot may wait for the budget's row (locked by another session): the caller goes
# on with its local limits by then, and a thread blocked longer would hold up its next calls
SLOT_WAIT = 0.5


class SendBudget:
    """``rate`` messages per ``period`` seconds for ``name``, shared through the database."""

    def __init__(
        self,
        engine: Engine,
        name: str = TELEGRAM,
        rate: int = 30,
        period: float = 1.0,
        margin: float = SHARED_MARGIN,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.engine = engine
        self.name = name
        self.interval = period / rate * (1 + margin)
        self.clock = clock or time.time
        self._db_clock = clock is None
        self._offset = 0.0  # the database's clock minus this process's, as last seen
        self._greatest = func.greatest if engine.dialect.name == "postgresql" else func.max
        self._ensured = False

    def _ensure_row(self, session: Session) -> None:
        if self._ensured:
            return
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        session.exec(  # type: ignore[call-overload]
            insert(BudgetRow)
            .values(name=self.name, next_free=0.0, paused_until=0.0)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        self._ensured = True

    def now(self) -> float:
        """The clock slots are given in."""
        return self.clock()

    def _now_sql(self) -> Any:  # noqa: ANN401
        """The row's "now": the database's clock, or the given one."""
        return epoch_sql(self.engine.dialect.name) if self._db_clock else self.clock()

    def _local(self, db_time: float, db_now: float, local_now: float) -> float:
        """A time of the row in this process's clock."""
        if not self._db_clock:
            return db_time
        self._offset = db_now - local_now
        return db_time - self._offset

    def _skip_when_away(self) -> None:
        """A question's read gave up on the database a moment ago (or a slot's wait did): the
        caller goes on with its local limits at once instead of waiting for it again."""
        if self._db_clock and database_away():
            raise TimeoutError("the database did not answer a moment ago")

    def take_slot(self) -> float:
        """Take the next free slot; returns its time (``now()`` or later)."""
        self._skip_when_away()
        local = self.clock()
        now = self._now_sql()
        with Session(self.engine) as session:
            limit_statements(session, SLOT_WAIT)
            self._ensure_row(session)
            start = self._greatest(BudgetRow.next_free, now, BudgetRow.paused_until)
            next_free, db_now = session.exec(  # type: ignore[call-overload]
                update(BudgetRow)
                .where(BudgetRow.name == self.name)
                .values(next_free=start + self.interval)
                .returning(BudgetRow.next_free, literal_column("0") + now)
            ).one()
            session.commit()
        return self._local(float(next_free) - self.interval, float(db_now), local)

    def move_to_now(self, slot: float) -> float | None:
        """Move ``slot``, which its holder missed, to now when no later slot has been handed
        out since (the next free one is still the one after it, and no pause came): the holder
        sends now and the next slot follows by one interval. Returns the new slot's time, or
        None when a later slot exists (then the missed one is given up: take a new one)."""
        self._skip_when_away()
        local = self.clock()
        now = self._now_sql()
        slot_in_row = slot + self._offset if self._db_clock else slot
        with Session(self.engine) as session:
            limit_statements(session, SLOT_WAIT)
            moved = session.exec(  # type: ignore[call-overload]
                update(BudgetRow)
                .where(
                    BudgetRow.name == self.name,
                    BudgetRow.next_free < slot_in_row + self.interval * 1.5,
                    BudgetRow.next_free <= now + self.interval,
                )
                .values(next_free=now + self.interval)
            ).rowcount
            session.commit()
        return local if moved else None

    def pause(self, seconds: float) -> None:
        """Nobody sends for ``seconds`` (Telegram answered 429 with this ``retry_after``)."""
        until = self._now_sql() + seconds
        with Session(self.engine) as session:
            self._ensure_row(session)
            session.exec(  # type: ignore[call-overload]
                update(BudgetRow)
                .where(BudgetRow.name == self.name)
                .values(
                    paused_until=self._greatest(BudgetRow.paused_until, until),
                    next_free=self._greatest(BudgetRow.next_free, until),
                )
            )
            session.commit()
