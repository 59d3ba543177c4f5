"""Fenced delivery: a message whose send was attempted is never sent again, whatever the database
does meanwhile. A broadcast to 600 chats through the fake Bot API by two senders;
the database goes away for twice the lease in the middle of it — PostgreSQL behind a proxy that
cuts every connection, SQLite failing every write with "database or disk is full" — and comes
back: every chat gets its message exactly once.

The SQLite double: ``sqlite3.connect(factory=…)`` gives every connection of the engine a cursor
that raises ``sqlite3.OperationalError("database or disk is full")`` (what SQLite's SQLITE_FULL
is in Python) for every statement but reads while the fault is on; SQLAlchemy wraps it as it
would the real one, so the sender sees exactly the error of a full disk."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session
from telegram import Bot

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.rate_limit import FloodLimiter, FloodLimits
from scheduler.delivery.outbox import counts, enqueue
from scheduler.delivery.outcomes import RetryPolicy
from scheduler.delivery.sender import OutboxSender
from scheduler.store.db import _sqlite_pragmas, init_db, make_engine, session_scope
from tests.fakes import FakeBotApi
from tests.fakes.bot_api_faults import Fault, RateLimits
from tests.silent_proxy import SilentProxy

CHATS = 600
LEASE = timedelta(seconds=2)
OUTAGE = 2 * LEASE.total_seconds() + 0.5
LIMITS = FloodLimits(overall=(60, 1.0), private_chat=(50, 1.0), group_chat=(50, 1.0))
HANG = 120.0  # seconds: only a hang takes longer
HELD = [20_000 + i for i in range(100, 105)]  # their sends are answered during the outage


def _fill(engine: Engine) -> None:
    with session_scope(engine) as s:
        for i in range(CHATS):
            enqueue(s, key=f"bc:{i}", chat_id=str(20_000 + i), body=f"通知 {i}", kind="broadcast")


async def _broadcast_through_outage(
    engines: list[Engine],
    server: FakeBotApi,
    fail,
    heal,  # noqa: ANN001
) -> list[OutboxSender]:
    """Two senders drain the outbox; the database fails for OUTAGE s while the sends to the
    ``HELD`` chats have reached them and wait for their answer (the fake server holds it), so
    that those sends' outcomes cannot be written before their lease ran out twice."""
    release = threading.Event()
    for chat in HELD:
        server.add_fault(Fault.held(release, guard=HANG), chat_id=chat, method="sendMessage")
    async with Bot(server.token, base_url=server.base_url) as bot:
        senders = [
            OutboxSender(
                engine,
                TelegramChannel(bot, limiter=FloodLimiter(LIMITS)),
                sender_id=f"fence-{k}",
                policy=RetryPolicy(base_delay=0.05, factor=2.0, max_delay=0.5),
                lease=LEASE,
            )
            for k, engine in enumerate(engines)
        ]
        drains = [asyncio.ensure_future(s.drain(idle_wait=0.1)) for s in senders]
        try:
            while not all(server.messages(chat) for chat in HELD):
                assert not any(d.done() for d in drains)
                await asyncio.sleep(0.02)
            fail()
            at_fail = server.delivered_count
        finally:
            release.set()  # their answers come while the database is away
        await asyncio.sleep(OUTAGE)
        heal()
        print(f"outage after {at_fail} deliveries, to {server.delivered_count} when it ended")
        assert server.delivered_count < CHATS  # mid-broadcast: most was sent after it
        await asyncio.wait_for(asyncio.gather(*drains), HANG)
        for s in senders:
            s.close()
    return senders


def _assert_each_chat_once(server: FakeBotApi, engine: Engine) -> None:
    per_chat = Counter(m.chat_id for m in server.messages())
    lost = [20_000 + i for i in range(CHATS) if per_chat[20_000 + i] == 0]
    duplicates = {c: n for c, n in per_chat.items() if n > 1}
    print(f"delivered {sum(per_chat.values())}: lost {len(lost)}, duplicated {len(duplicates)}")
    assert lost == [] and duplicates == {}
    with Session(engine) as s:
        c = counts(s)
    assert c["sent"] == CHATS and c["sending"] == 0 and c["queued"] == 0, c


def _server() -> FakeBotApi:
    # each send takes 0.2 s: about 20 messages are in flight (attempted) when the database goes
    return FakeBotApi(
        limits=RateLimits(overall=(200, 1.0), private=(50, 1.0), group=None), latency=0.2
    )


@pytest.mark.postgres
@pytest.mark.parametrize("fault", ["cut", "silence"])
async def test_postgres_away_for_twice_the_lease_mid_broadcast(
    pg_url: str, fault: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``cut``: connections dropped and refused; ``silence``: accepted, never answered (the
    watchdog cuts them after FAZHI_DB_TIMEOUT) — and for good: sending resumes on new ones."""
    monkeypatch.setenv("FAZHI_DB_TIMEOUT", "1.5")
    direct = init_db(pg_url)
    _fill(direct)
    url = make_url(pg_url)
    proxy = SilentProxy((url.host or "127.0.0.1", url.port or 5432))
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    engines = [make_engine(through) for _ in range(2)]
    try:
        with _server() as server:
            fail = proxy.cut if fault == "cut" else proxy.silence
            senders = await _broadcast_through_outage(engines, server, fail, proxy.resume)
            _assert_each_chat_once(server, direct)
        assert not any(s.attempted for s in senders)  # every attempt's outcome was written
    finally:
        proxy.close()
        for e in [*engines, direct]:
            e.dispose()


class _Disk:
    full = False


class _FullDiskCursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters=(), /):  # noqa: ANN001, ANN201
        if _Disk.full and not sql.lstrip().upper().startswith(("SELECT", "PRAGMA")):
            raise sqlite3.OperationalError("database or disk is full")
        return super().execute(sql, parameters)


class _FullDiskConnection(sqlite3.Connection):
    def cursor(self, factory=_FullDiskCursor):  # noqa: ANN001, ANN201
        return super().cursor(factory)

    def commit(self) -> None:
        if _Disk.full and self.in_transaction:
            raise sqlite3.OperationalError("database or disk is full")
        super().commit()


def _full_disk_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 30, "factory": _FullDiskConnection})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


async def test_sqlite_disk_full_for_twice_the_lease_mid_broadcast(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fazhi.db'}"
    direct = init_db(url)
    _fill(direct)
    engines = [_full_disk_engine(url) for _ in range(2)]

    def fill_disk() -> None:
        _Disk.full = True

    def free_disk() -> None:
        _Disk.full = False

    try:
        with _server() as server:
            await _broadcast_through_outage(engines, server, fill_disk, free_disk)
            _assert_each_chat_once(server, direct)
    finally:
        _Disk.full = False
        for e in [*engines, direct]:
            e.dispose()
