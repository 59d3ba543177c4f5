"""Several `fazhi run` processes on one database: exactly one receives updates (a database
lease; a waiting process takes over when the holder is killed), all of them send, and together
they stay within the bot's send budget (the fake Bot API enforces Telegram's limits)."""

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
from tests.fakes import FakeBotApi
from tests.fakes.bot_api_faults import RateLimits

FAZHI = str(Path(sys.executable).with_name("fazhi"))


def _start(url: str, server: FakeBotApi, tmp_path: Path, name: str, role: str = "all"):  # noqa: ANN202
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": server.token,
        "TELEGRAM_API_BASE_URL": server.base_url_for(name),
        "DATABASE_URL": url,
        "FAZHI_DATA_DIR": str(tmp_path / "data"),
        "FAZHI_POLLER_LEASE": "2",
        "FAZHI_OUTBOX_LEASE": "3",
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


def test_two_processes_one_receiver_shared_budget_and_takeover(db_url: str, tmp_path: Path) -> None:
    engine = init_db(db_url)
    total = 150
    limits = RateLimits(overall=(30, 1.0), private=(1, 1.0), group=None)
    with FakeBotApi(limits=limits) as server:
        procs = {n: _start(db_url, server, tmp_path, n) for n in ("a", "b")}
        try:
            _wait(lambda: holder_of(engine, UPDATES) is not None, 60, "nobody receives updates")

            def both_up() -> bool:  # the receiver holds the lease, the other is on standby
                logs = [(tmp_path / f"{n}.log").read_text("utf-8") for n in procs]
                return any("另一个进程正在接收 Telegram 更新" in text for text in logs)

            _wait(both_up, 60, "the second process did not start")
            with session_scope(engine) as s:  # a broadcast both processes send
                for i in range(total):
                    enqueue(s, key=f"n{i}", chat_id=50_000 + i, body=f"通知{i}", kind="broadcast")

            def all_sent() -> bool:
                with Session(engine) as s:
                    return counts(s)["sent"] == total

            _wait(all_sent, 90, "the broadcast did not finish")
            # both processes sent (the shared queue), together within Telegram's 30/s: without
            # the shared budget a third of the sends draw 429; with it, none (a process that
            # wakes up late for its slot gives it up instead of bunching with the other's)
            assert server.violations == []
            assert {c.client for c in server.calls_to("sendMessage")} == {"a", "b"}
            # questions are answered once each: one process receives updates
            for k in range(3):
                server.inject_text(7000 + k, f"第{k + 1}条讲什么")
            _wait(
                lambda: all(len(server.messages(7000 + k)) >= 1 for k in range(3)),
                30,
                "questions not answered",
            )
            time.sleep(1.0)
            assert [len(server.messages(7000 + k)) for k in range(3)] == [1, 1, 1]
            pollers = {c.client for c in server.calls_to("getUpdates")}
            assert len(pollers) == 1, pollers  # one process receives updates
            # the receiver dies: the other process takes over within the lease
            holder = holder_of(engine, UPDATES)
            assert holder is not None
            pid = int(holder.split(":pid", 1)[1].split(":", 1)[0])
            victim = next(n for n, p in procs.items() if p.pid == pid)
            procs[victim].send_signal(signal.SIGKILL)
            procs[victim].wait(timeout=30)
            server.inject_text(7100, "第4条讲什么")
            _wait(lambda: len(server.messages(7100)) >= 1, 30, "no takeover")
            survivor = next(n for n in procs if n != victim)
            assert procs[survivor].poll() is None
            assert f":pid{procs[survivor].pid}:" in (holder_of(engine, UPDATES) or "")
            assert {c.client for c in server.calls_to("getUpdates")} == {"a", "b"}
            standby_log = (tmp_path / f"{survivor}.log").read_text("utf-8")
            assert "另一个进程正在接收 Telegram 更新" in standby_log
        finally:
            _stop_all(procs.values())
    engine.dispose()


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
            _wait(receiver_up, 90, "nobody receives updates")

            def logs() -> list[str]:
                return [(tmp_path / f"{n}.log").read_text("utf-8") for n in procs]

            _wait(lambda: any("另一个进程正在接收" in t for t in logs()), 90, "no standby")
            assert [p.poll() for p in procs.values()] == [None, None], logs()
            server.inject_text(7200, "第1条讲什么")
            _wait(lambda: len(server.messages(7200)) >= 1, 30, "question not answered")
        finally:
            _stop_all(procs.values())
    engine.dispose()


@pytest.mark.postgres
def test_sender_role_processes_share_the_budget(pg_url: str, tmp_path: Path) -> None:
    """Two `--role sender` processes and no receiver: the outbox goes out within 30/s."""
    engine = init_db(pg_url)
    total = 90
    with session_scope(engine) as s:
        for i in range(total):
            enqueue(s, key=f"s{i}", chat_id=60_000 + i, body=f"通知{i}", kind="broadcast")
    with FakeBotApi(limits=RateLimits(overall=(30, 1.0), private=None, group=None)) as server:
        procs = [_start(pg_url, server, tmp_path, f"s{n}", role="sender") for n in range(2)]
        try:

            def all_sent() -> bool:
                with Session(engine) as s:
                    return counts(s)["sent"] == total

            _wait(all_sent, 90, "the outbox did not drain")
            assert server.violations == []
            assert server.calls_to("getUpdates") == []  # senders never poll
            assert {c.client for c in server.calls_to("sendMessage")} == {"s0", "s1"}
        finally:
            _stop_all(procs)
    engine.dispose()
