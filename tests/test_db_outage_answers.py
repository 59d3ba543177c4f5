"""A question that needs no database is answered while PostgreSQL is unreachable or locked.

A real ``fazhi run`` process, the fake Bot API over loopback, and PostgreSQL reached through a
TCP relay the test can cut (every open connection dropped, new ones refused), or tables locked
by another session with ``ACCESS EXCLUSIVE`` (every query on them waits). The outage lasts
until the answers came, so each was answered during it. The acceptance bound (2 s from the
update's arrival at the server to the answer reaching the chat) depends on the machine's
speed: ``bench/bench_db_outage.py`` measures it with this test's relay and process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from scheduler.delivery.process_lease import UPDATES, holder_of
from scheduler.store.db import init_db
from tests.fakes import FakeBotApi

pytestmark = pytest.mark.postgres

FAZHI = str(Path(sys.executable).with_name("fazhi"))
QUESTION = "第1条讲什么"
# seconds: only a hang reaches it. How fast the answer comes during an outage (the target is
# under 2 s) is a figure of the machine: bench/bench_db_outage.py measures it (`make bench`).
HANG = 180


class Relay:
    """A TCP relay from a local port to ``target``; :meth:`cut` drops every connection and
    stops listening, as a database host that went away."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # cut
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self._listener.close()
        with self._lock:
            for s in self._sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()


def _start(url: str, server: FakeBotApi, tmp_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": server.token,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "DATABASE_URL": url,
        "FAZHI_DATA_DIR": str(tmp_path / "data"),
        "FAZHI_POLL_TIMEOUT": "1",
        "FAZHI_ADMIN_IDS": "",
    }
    log = open(tmp_path / "run.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [FAZHI, "run"], env=env, cwd=tmp_path, stdout=log, stderr=log, text=True
    )


def _wait(predicate, limit: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + limit
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _answer_time(server: FakeBotApi, chat: int, tmp_path: Path) -> float:
    """Seconds from the question's arrival at the server to the answer's."""
    asked = time.monotonic()
    server.inject_text(chat, QUESTION)
    _wait(lambda: server.messages(chat), HANG, (tmp_path / "run.log").read_text("utf-8")[-2000:])
    answer = server.messages(chat)[0]
    assert "第1条" in answer.text or "第一条" in answer.text, answer.text
    return answer.at - asked


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def _running(pg_url: str, server: FakeBotApi, tmp_path: Path, url: str) -> subprocess.Popen:
    engine = init_db(pg_url)
    proc = _start(url, server, tmp_path)
    _wait(lambda: holder_of(engine, UPDATES) is not None, HANG, "the bot did not start")
    engine.dispose()
    # warm: the first answer loads the question index; then the bot is in its steady state
    _answer_time(server, 8000, tmp_path)
    return proc


def test_a_question_is_answered_while_postgres_is_unreachable(pg_url: str, tmp_path: Path) -> None:
    url = make_url(pg_url)
    relay = Relay((url.host or "127.0.0.1", url.port or 5432))
    through_relay = url.set(host="127.0.0.1", port=relay.port).render_as_string(False)
    with FakeBotApi() as server:
        proc = _running(pg_url, server, tmp_path, through_relay)
        try:
            relay.cut()
            # answered while the database stays unreachable (it never comes back here)
            for k in range(3):
                _answer_time(server, 8100 + k, tmp_path)
            assert proc.poll() is None  # still running, still receiving
        finally:
            relay.cut()
            _stop(proc)


def test_a_question_is_answered_while_postgres_tables_are_locked(
    pg_url: str, tmp_path: Path
) -> None:
    conninfo = make_url(pg_url).set(drivername="postgresql").render_as_string(False)
    with FakeBotApi() as server:
        proc = _running(pg_url, server, tmp_path, pg_url)
        try:
            with psycopg.connect(conninfo) as locker:  # holds the locks until the block ends
                tables = ["chat", "unit", "outbox", "liaison", "process_lease", "send_budget"]
                locker.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")
                # answered while the locks are held: they are held until the answers came
                for k in range(3):
                    _answer_time(server, 8200 + k, tmp_path)
                locker.rollback()
            assert proc.poll() is None
        finally:
            _stop(proc)
