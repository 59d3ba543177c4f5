"""A database that stops answering (connections accepted, nothing said): statements give up
within the client-side limit, broken connections are discarded and the pool refills when the
database answers again; a real ``fazhi run`` answers questions meanwhile and ends within 10 s
of SIGTERM. PostgreSQL behind :class:`tests.silent_proxy.SilentProxy`.

Timing bounds here only catch hangs (issue 26); the measured figures are printed
(``pytest -s``) and the acceptance's 2 s / 10 s live in the benchmarks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from scheduler.delivery.process_lease import UPDATES, holder_of
from scheduler.store.db import init_db, make_engine, quick_session
from tests.fakes import FakeBotApi
from tests.silent_proxy import SilentProxy

pytestmark = pytest.mark.postgres

FAZHI = str(Path(sys.executable).with_name("fazhi"))
QUESTION = "第1条讲什么"
HANG = 30.0  # seconds: anything slower is a hang


@pytest.fixture
def proxied(pg_url: str) -> Iterator[tuple[SilentProxy, str]]:
    url = make_url(pg_url)
    proxy = SilentProxy((url.host or "127.0.0.1", url.port or 5432))
    try:
        yield proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    finally:
        proxy.close()


def test_a_silent_database_fails_fast_and_the_pool_recovers(
    proxied: tuple[SilentProxy, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy, url = proxied
    monkeypatch.setenv("FAZHI_DB_TIMEOUT", "2")
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    proxy.silence()
    for _ in range(2):  # the pooled connection (ping), then a new one (connect)
        started = time.monotonic()
        with pytest.raises(DBAPIError), engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        took = time.monotonic() - started
        print(f"silent database: failed after {took:.1f} s")
        assert took < HANG
    started = time.monotonic()
    with pytest.raises((DBAPIError, TimeoutError)), quick_session(engine, 0.5) as s:
        s.execute(text("SELECT 1"))
    assert time.monotonic() - started < HANG
    proxy.resume()
    with engine.connect() as conn:  # broken connections were discarded; a fresh one answers
        assert conn.execute(text("SELECT 2")).scalar() == 2
    engine.dispose()


def _start(url: str, server: FakeBotApi, tmp_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": server.token,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "DATABASE_URL": url,
        "FAZHI_DATA_DIR": str(tmp_path / "data"),
        "FAZHI_POLL_TIMEOUT": "1",
        "FAZHI_ADMIN_IDS": "",
        "FAZHI_DB_TIMEOUT": "5",
    }
    log = open(tmp_path / "run.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([FAZHI, "run"], env=env, cwd=tmp_path, stdout=log, stderr=log)


def _wait(predicate, limit: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + limit
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _answer_time(server: FakeBotApi, chat: int, tmp_path: Path) -> float:
    asked = time.monotonic()
    server.inject_text(chat, QUESTION)
    _wait(lambda: server.messages(chat), 90, (tmp_path / "run.log").read_text("utf-8")[-2000:])
    answer = server.messages(chat)[0]
    assert "第1条" in answer.text or "第一条" in answer.text, answer.text
    return answer.at - asked


@pytest.mark.parametrize("fault", ["silence", "cut"])
def test_fazhi_run_answers_and_stops_while_the_database_is_away(
    pg_url: str, proxied: tuple[SilentProxy, str], tmp_path: Path, fault: str
) -> None:
    proxy, url = proxied
    engine = init_db(pg_url)
    with FakeBotApi() as server:
        proc = _start(url, server, tmp_path)
        try:
            _wait(lambda: holder_of(engine, UPDATES) is not None, 120, "the bot did not start")
            _answer_time(server, 8000, tmp_path)  # warm: the question index is loaded
            getattr(proxy, fault)()
            took = [_answer_time(server, 8100 + k, tmp_path) for k in range(3)]
            print(f"{fault}: answers in {', '.join(f'{t:.2f}' for t in took)} s")
            assert max(took) < HANG and proc.poll() is None
            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=HANG)
            print(f"{fault}: SIGTERM → exit in {time.monotonic() - started:.1f} s")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            engine.dispose()
