"""Several `fazhi run` processes on one database: exactly one receives updates (a database
lease; a waiting process takes over when the holder is killed), all of them send from the
shared queue, every message reaches its chat exactly once, and a 429 one process draws pauses
every process (the shared send budget).

Whether two processes on a loaded machine also stay under Telegram's 30/s without a single 429
is a figure of the machine's speed, not a pass/fail property: ``bench/bench_shared_budget.py``
measures it (`make bench`). Limits here only catch hangs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import pytest
from scheduler_fixtures import *  # noqa: F403
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from scheduler.delivery.outbox import counts, enqueue
from scheduler.delivery.process_lease import UPDATES, holder_of
from scheduler.store.db import init_db, make_engine, session_scope
from scheduler.store.models import SendBudget
from tests.fakes import FakeBotApi
from tests.fakes.bot_api_faults import Fault, RateLimits

FAZHI = str(Path(sys.executable).with_name("fazhi"))
HANG = 180  # seconds: a limit that only catches a hang, never a slow machine
RETRY_AFTER = 2  # the injected 429's retry_after (seconds)


def _start(url: str, server: FakeBotApi, tmp_path: Path, name: str, role: str = "all"):  # noqa: ANN202
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": server.token,
        "TELEGRAM_API_BASE_URL": server.base_url_for(name),
        "DATABASE_URL": url,
        "FAZHI_DATA_DIR": str(tmp_path / "data"),
        # the receiver's lease: short enough for a quick takeover, renewed every third of it,
        # so only a stall of 5 s (not a busy machine) hands it over without a kill
        "FAZHI_POLLER_LEASE": "5",
        # no sender is killed holding claims here: the production lease, so that a stalled
        # process never has its claims taken over (which would send a message twice)
        "FAZHI_OUTBOX_LEASE": "60",
        "FAZHI_SEND_INTERVAL": "0.2",
        "FAZHI_POLL_TIMEOUT": "1",
        "FAZHI_ADMIN_IDS": "",
    }
    log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [FAZHI, "run", "--role", role], env=env, cwd=tmp_path, stdout=log, stderr=log, text=True
    )


def _wait(predicate, limit: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + limit
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def _stop_all(procs: Iterable[subprocess.Popen]) -> None:
    """SIGTERM every process still running, then wait for each (SIGKILL after 20 s)."""
    running = list(procs)
    for p in running:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in running:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=20)


def _paused_until(engine) -> float:  # noqa: ANN001
    with Session(engine) as s:
        row = s.get(SendBudget, "telegram")
        return row.paused_until if row is not None else 0.0


def _all_sent(engine, total: int):  # noqa: ANN001, ANN202
    def check() -> bool:
        with Session(engine) as s:
            return counts(s)["sent"] == total

    return check


def test_two_processes_one_receiver_shared_budget_and_takeover(db_url: str, tmp_path: Path) -> None:
    engine = init_db(db_url)
    total = 150
    limits = RateLimits(overall=(30, 1.0), private=(1, 1.0), group=None)
    with FakeBotApi(limits=limits) as server:
        procs = {n: _start(db_url, server, tmp_path, n) for n in ("a", "b")}
        try:
            _wait(lambda: holder_of(engine, UPDATES) is not None, HANG, "nobody receives updates")

            def both_up() -> bool:  # the receiver holds the lease, the other is on standby
                logs = [(tmp_path / f"{n}.log").read_text("utf-8") for n in procs]
                return any("另一个进程正在接收 Telegram 更新" in text for text in logs)

            _wait(both_up, HANG, "the second process did not start")
            chats = [50_000 + i for i in range(total)]
            with session_scope(engine) as s:  # a broadcast both processes send
                for i, chat in enumerate(chats):
                    enqueue(s, key=f"n{i}", chat_id=chat, body=f"通知{i}", kind="broadcast")
            _wait(_all_sent(engine, total), HANG, "the broadcast did not finish")
            # both processes sent from the shared queue, and every chat got its message once
            # (a 429 the server may have drawn is retried, never doubled)
            assert {c.client for c in server.calls_to("sendMessage")} == {"a", "b"}
            got = server.message_counts()
            assert {c: got.get(c, 0) for c in chats} == dict.fromkeys(chats, 1)

            _a_429_pauses_both_processes(engine, server)

            # questions are answered once each: one process receives updates
            for k in range(3):
                server.inject_text(7000 + k, f"第{k + 1}条讲什么")
            _wait(
                lambda: all(len(server.messages(7000 + k)) >= 1 for k in range(3)),
                HANG,
                "questions not answered",
            )
            time.sleep(1.0)  # a second answer, if any, would show up now
            assert [len(server.messages(7000 + k)) for k in range(3)] == [1, 1, 1]
            pollers = {c.client for c in server.calls_to("getUpdates")}
            assert len(pollers) == 1, pollers  # one process receives updates
            # the receiver dies: the other process takes over once the lease runs out
            holder = holder_of(engine, UPDATES)
            assert holder is not None
            pid = int(holder.split(":pid", 1)[1].split(":", 1)[0])
            victim = next(n for n, p in procs.items() if p.pid == pid)
            procs[victim].send_signal(signal.SIGKILL)
            procs[victim].wait(timeout=HANG)
            server.inject_text(7100, "第4条讲什么")
            _wait(lambda: len(server.messages(7100)) >= 1, HANG, "no takeover")
            survivor = next(n for n in procs if n != victim)
            assert procs[survivor].poll() is None
            assert f":pid{procs[survivor].pid}:" in (holder_of(engine, UPDATES) or "")
            assert {c.client for c in server.calls_to("getUpdates")} == {"a", "b"}
            standby_log = (tmp_path / f"{survivor}.log").read_text("utf-8")
            assert "另一个进程正在接收 Telegram 更新" in standby_log
        finally:
            _stop_all(procs.values())
    engine.dispose()


def _a_429_pauses_both_processes(engine, server: FakeBotApi) -> None:  # noqa: ANN001
    """Both processes idle: the next message draws a 429 (retry_after 2 s). The process that
    drew it records the pause in the shared budget; messages queued once the pause is recorded
    reach the server, from both processes, only after it ends (compared on the wall clock all
    processes share), and the throttled message goes out once, after the pause too."""
    first, count = 51_000, 60
    server.add_fault(Fault.retry_after(RETRY_AFTER), method="sendMessage", times=1)
    with session_scope(engine) as s:
        enqueue(s, key="p0", chat_id=first, body="暂停", kind="broadcast")

    def throttled() -> list:  # noqa: ANN202 - the call answered 429
        return [c for c in server.calls_to("sendMessage", chat_id=first) if c.status == 429]

    _wait(lambda: bool(throttled()), HANG, "the message was not sent")
    answered = throttled()[0].wall
    # the drawer's clock read the 429 after the server answered it: the recorded pause ends
    # at least retry_after after the answer
    _wait(lambda: _paused_until(engine) >= answered + RETRY_AFTER, HANG, "pause not shared")
    paused_until = _paused_until(engine)
    chats = range(first + 1, first + 1 + count)
    with session_scope(engine) as s:
        for chat in chats:
            enqueue(s, key=f"p{chat}", chat_id=chat, body="暂停后", kind="broadcast")
    _wait(_all_sent(engine, 150 + 1 + count), HANG, "the messages after the pause not sent")
    after = [c for c in server.calls_to("sendMessage") if c.chat_id in chats]
    assert {c.client for c in after} == {"a", "b"}  # both processes sent after the pause
    # the pause is kept in the database's clock (PostgreSQL's now() is its transaction's start),
    # the fake server stamps with this process's: the two may differ by some milliseconds
    clocks = 0.05
    early = [
        (c.client, round(paused_until - c.wall, 3)) for c in after if c.wall < paused_until - clocks
    ]
    assert early == [], early  # … and neither before its end
    resent = [c for c in server.calls_to("sendMessage", chat_id=first) if c.status == 200]
    assert len(resent) == 1 and resent[0].wall >= answered + RETRY_AFTER
    got = server.message_counts()
    assert all(got.get(chat) == 1 for chat in [first, *chats])


def test_two_processes_start_together_on_a_new_database(db_url: str, tmp_path: Path) -> None:
    """Both processes find the database empty and upgrade it at once: neither fails, one
    receives updates, the other waits (see also tests/test_first_migration.py)."""
    engine = make_engine(db_url)

    def receiver_up() -> bool:
        try:
            return holder_of(engine, UPDATES) is not None
        except DBAPIError:  # the schema is not there yet
            return False

    with FakeBotApi() as server:
        procs = {n: _start(db_url, server, tmp_path, n) for n in ("a", "b")}
        try:
            _wait(receiver_up, HANG, "nobody receives updates")

            def logs() -> list[str]:
                return [(tmp_path / f"{n}.log").read_text("utf-8") for n in procs]

            _wait(lambda: any("另一个进程正在接收" in t for t in logs()), HANG, "no standby")
            assert [p.poll() for p in procs.values()] == [None, None], logs()
            server.inject_text(7200, "第1条讲什么")
            _wait(lambda: len(server.messages(7200)) >= 1, HANG, "question not answered")
        finally:
            _stop_all(procs.values())
    engine.dispose()


@pytest.mark.postgres
def test_sender_role_processes_share_the_budget(pg_url: str, tmp_path: Path) -> None:
    """Two `--role sender` processes and no receiver drain one outbox between them, each
    message once (their 429 count under load is measured by bench/bench_shared_budget.py)."""
    engine = init_db(pg_url)
    total = 90
    chats = [60_000 + i for i in range(total)]
    with session_scope(engine) as s:
        for i, chat in enumerate(chats):
            enqueue(s, key=f"s{i}", chat_id=chat, body=f"通知{i}", kind="broadcast")
    with FakeBotApi(limits=RateLimits(overall=(30, 1.0), private=None, group=None)) as server:
        procs = [_start(pg_url, server, tmp_path, f"s{n}", role="sender") for n in range(2)]
        try:
            _wait(_all_sent(engine, total), HANG, "the outbox did not drain")
            assert server.calls_to("getUpdates") == []  # senders never poll
            assert {c.client for c in server.calls_to("sendMessage")} == {"s0", "s1"}
            got = server.message_counts()
            assert {c: got.get(c, 0) for c in chats} == dict.fromkeys(chats, 1)
        finally:
            _stop_all(procs)
    engine.dispose()
