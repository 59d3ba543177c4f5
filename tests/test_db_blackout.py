"""A database that stops answering, for a while and then for good, under a real ``fazhi run``
sending a 600-chat broadcast through the fake Bot API.

PostgreSQL is reached through two :class:`tests.silent_proxy.SilentProxy` ports listed in one
libpq multi-host URL (``?host=127.0.0.1:A&host=127.0.0.1:B``): libpq tries A, and B only when A
fails (``connect_timeout`` per host). The phases:

1. **silent**: A accepts connections and says nothing, B refuses: the database is unreachable
   and every open connection hangs (the acceptance's 40 s, shortened here to ``SILENCE`` s with
   ``FAZHI_DB_TIMEOUT`` and ``FAZHI_OUTBOX_LEASE`` shortened to match: the blackout outlasts
   the client-side limit several times and the lease twice);
2. **resumed**: A forwards again for new connections; those open during the silence stay
   silent for good (as a real blackout leaves them);
3. **silent for good**: A never answers again; the fresh database path is B, the second port;
4. **all silent**: B too, and the process is told to stop (SIGTERM).

Questions are asked back to back throughout and each must be answered; the broadcast must
complete (every row marked sent) after the database answers again, each chat getting its
message once (at most the messages in flight twice, the acceptance's bound; the fence makes it
none); SIGTERM must end the process. Limits here only catch hangs (``HANG``, ``EXIT_HANG``):
the latencies and the exit time are recorded, printed (``pytest -s``) and held against the
acceptance's 2 s and 10 s by ``bench/bench_db_outage.py``, which runs this same scenario.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlmodel import Session

from scheduler.delivery.outbox import counts, enqueue
from scheduler.delivery.process_lease import UPDATES, holder_of
from scheduler.delivery.sender import DEFAULT_IN_FLIGHT
from scheduler.store.db import init_db, session_scope
from tests.fakes import FakeBotApi
from tests.silent_proxy import SilentProxy

FAZHI = str(Path(sys.executable).with_name("fazhi"))
QUESTION = "第1条讲什么"
CHATS = 600
FIRST_CHAT = 40_000
HANG = 180.0  # seconds: only a hang takes longer (an answer, the broadcast, a start)
EXIT_HANG = 30.0  # seconds for SIGTERM to end the process (the target, 10 s, is the bench's)
SILENCE = 12.0  # the acceptance's 40 s, with the limits below shortened to match
DB_TIMEOUT = 2.0  # FAZHI_DB_TIMEOUT: the client-side statement limit (production 15 s)
GAP = 0.3  # seconds between an answer and the next question
LEASE = 4.0  # FAZHI_OUTBOX_LEASE (production 30 s): the silence outlasts it more than twice


@dataclass
class Blackout:
    """What one run of the scenario saw."""

    answers: dict[str, list[float]] = field(default_factory=dict)  # phase → seconds each
    per_chat: Counter[int] = field(default_factory=Counter)  # broadcast messages per chat
    states: dict[str, int] = field(default_factory=dict)  # the broadcast's rows by state
    exit_seconds: float | None = None  # SIGTERM → exit
    exit_code: int | None = None
    log: str = ""

    @property
    def lost(self) -> list[int]:
        return [c for c in range(FIRST_CHAT, FIRST_CHAT + CHATS) if self.per_chat[c] == 0]

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.per_chat.values() if n > 1)


def _start(url: str, server: FakeBotApi, home: Path, db_timeout: float, lease: float):  # noqa: ANN202
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": server.token,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "DATABASE_URL": url,
        "FAZHI_DATA_DIR": str(home / "data"),
        "FAZHI_POLL_TIMEOUT": "1",
        "FAZHI_ADMIN_IDS": "",
        "FAZHI_SEND_INTERVAL": "0.2",
        "FAZHI_DB_TIMEOUT": str(db_timeout),
        "FAZHI_OUTBOX_LEASE": str(lease),
    }
    log = open(home / "run.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([FAZHI, "run"], env=env, cwd=home, stdout=log, stderr=log)


def _wait(predicate: Callable[[], bool], limit: float, what: Callable[[], str]) -> None:
    deadline = time.monotonic() + limit
    while not predicate():
        assert time.monotonic() < deadline, what()
        time.sleep(0.05)


class _Asker:
    """Asks the question from a new chat each time and waits for its answer."""

    def __init__(self, server: FakeBotApi, home: Path) -> None:
        self.server = server
        self.home = home
        self.chat = 9000

    def log_tail(self) -> str:
        return (self.home / "run.log").read_text("utf-8", errors="replace")[-3000:]

    def ask(self) -> float:
        """Seconds from the question's arrival at the server to the answer's."""
        self.chat += 1
        chat = self.chat
        asked = time.monotonic()
        self.server.inject_text(chat, QUESTION)
        _wait(lambda: bool(self.server.messages(chat)), HANG, self.log_tail)
        answer = self.server.messages(chat)[0]
        assert "第1条" in answer.text or "第一条" in answer.text, answer.text
        return answer.at - asked

    def ask_for(self, seconds: float, until: Callable[[], bool] | None = None) -> list[float]:
        """A question every ``GAP`` s for ``seconds`` (at least two), or until ``until()``."""
        end = time.monotonic() + seconds
        took = [self.ask(), self.ask()]
        while time.monotonic() < end and not (until and until()):
            time.sleep(GAP)  # pacing, not ordering: each answer was waited for
            took.append(self.ask())
        return took


def _broadcast_states(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        return counts(s, kinds=["broadcast"])


def _enqueue_broadcast(engine: Engine) -> None:
    with session_scope(engine) as s:
        for i in range(CHATS):
            enqueue(s, key=f"bo:{i}", chat_id=FIRST_CHAT + i, body=f"通知 {i}", kind="broadcast")


def run_blackout(
    pg_url: str,
    home: Path,
    *,
    silence: float = SILENCE,
    db_timeout: float = DB_TIMEOUT,
    lease: float = LEASE,
) -> Blackout:
    """The scenario of this module on the database ``pg_url`` (the benchmark runs it too)."""
    seen = Blackout()
    direct = init_db(pg_url)
    url = make_url(pg_url)
    target = (url.host or "127.0.0.1", url.port or 5432)
    first, second = SilentProxy(target), SilentProxy(target)
    second.cut()  # the second port refuses until the first is silent for good
    hosts = [("host", f"127.0.0.1:{p.port}") for p in (first, second)]
    through = url.set(host=None, port=None).update_query_pairs(hosts)
    proc = None
    try:
        with FakeBotApi() as server:
            proc = _start(through.render_as_string(False), server, home, db_timeout, lease)
            asker = _Asker(server, home)
            _wait(lambda: holder_of(direct, UPDATES) is not None, HANG, asker.log_tail)
            asker.ask()  # warm: the question index is loaded
            seen.answers["answering"] = [asker.ask() for _ in range(3)]  # the baseline
            _enqueue_broadcast(direct)
            _wait(lambda: server.delivered_count >= 60, HANG, asker.log_tail)

            first.silence()  # 1. nothing answers, and every open connection hangs
            seen.answers["silent"] = asker.ask_for(silence)
            first.resume()  # 2. answers again on new connections
            resumed = server.delivered_count
            seen.answers["back"] = asker.ask_for(
                HANG, until=lambda: server.delivered_count >= resumed + 60
            )

            def complete() -> bool:
                return _broadcast_states(direct)["sent"] == CHATS

            first.silence()  # 3. for good; the fresh path is the second port
            second.resume()
            seen.answers["2nd port"] = asker.ask_for(HANG, until=complete)
            _wait(complete, HANG, asker.log_tail)

            second.silence()  # 4. nothing answers ever again: stop
            seen.answers["silent again"] = [asker.ask(), asker.ask()]
            seen.per_chat = Counter(m.chat_id for m in server.messages() if m.chat_id >= FIRST_CHAT)
            seen.states = _broadcast_states(direct)
            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            try:
                seen.exit_code = proc.wait(timeout=EXIT_HANG)
                seen.exit_seconds = time.monotonic() - started
            except subprocess.TimeoutExpired:
                pass
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        first.close()
        second.close()
        direct.dispose()
        seen.log = (home / "run.log").read_text("utf-8", errors="replace")
    return seen


@pytest.mark.postgres
def test_fazhi_run_through_a_silent_database_and_a_second_port(pg_url: str, tmp_path: Path) -> None:
    seen = run_blackout(pg_url, tmp_path)
    for phase, took in seen.answers.items():
        print(f"{phase}: answers in {', '.join(f'{t:.2f}' for t in took)} s")
    print(
        f"broadcast: {sum(seen.per_chat.values())} delivered, {len(seen.lost)} lost, "
        f"{seen.duplicates} twice; SIGTERM → exit in {seen.exit_seconds} s"
    )
    assert all(seen.answers.values())  # every question was answered (each waited for)
    assert seen.lost == [], seen.log[-3000:]
    assert seen.duplicates <= DEFAULT_IN_FLIGHT
    assert seen.states["sent"] == CHATS and seen.states["sending"] == 0, seen.states
    assert seen.exit_seconds is not None, seen.log[-3000:]  # SIGTERM ended it
    assert "Traceback" not in seen.log, seen.log[-3000:]


@pytest.mark.postgres
def test_sigterm_mid_broadcast_while_silent_and_another_process_finishes(
    pg_url: str, tmp_path: Path
) -> None:
    """SIGTERM while the broadcast is going out and the database is silent: the process ends
    (what it had in flight is sent, its outcome cannot be written), and a process started
    afterwards on a path that answers takes the rest over once the leases ran out: nothing
    lost, at most the messages in flight twice (the acceptance's bound after a stop that
    could not write its outcomes)."""
    direct = init_db(pg_url)
    url = make_url(pg_url)
    proxy = SilentProxy((url.host or "127.0.0.1", url.port or 5432))
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
    homes = [tmp_path / "stopped", tmp_path / "after"]
    for home in homes:
        home.mkdir()
    procs: list[subprocess.Popen] = []
    try:
        with FakeBotApi() as server:
            procs.append(_start(through, server, homes[0], DB_TIMEOUT, LEASE))
            asker = _Asker(server, homes[0])
            _wait(lambda: holder_of(direct, UPDATES) is not None, HANG, asker.log_tail)
            _enqueue_broadcast(direct)
            _wait(lambda: server.delivered_count >= 60, HANG, asker.log_tail)
            proxy.silence()
            took = asker.ask()
            started = time.monotonic()
            procs[0].send_signal(signal.SIGTERM)
            procs[0].wait(timeout=EXIT_HANG)
            print(f"answer {took:.2f} s; SIGTERM → exit in {time.monotonic() - started:.1f} s")
            stopped_at = server.delivered_count
            procs.append(_start(pg_url, server, homes[1], DB_TIMEOUT, LEASE))

            def complete() -> bool:
                return _broadcast_states(direct)["sent"] == CHATS

            _wait(complete, HANG, lambda: _Asker(server, homes[1]).log_tail())
            per_chat = Counter(m.chat_id for m in server.messages() if m.chat_id >= FIRST_CHAT)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=EXIT_HANG)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        proxy.close()
        direct.dispose()
    seen = Blackout(per_chat=per_chat)
    print(f"stopped after {stopped_at}; {seen.duplicates} twice, {len(seen.lost)} lost")
    assert stopped_at < CHATS  # stopped mid-broadcast
    assert seen.lost == [] and seen.duplicates <= DEFAULT_IN_FLIGHT
