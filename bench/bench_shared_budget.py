"""Shared send budget benchmark: two processes, one bot, Telegram's 30 messages/s.

Two real ``fazhi run --role sender`` processes drain one outbox (SQLite in a temporary
directory, or ``--database-url``) into the fake Bot API, which enforces Telegram's limits
(30/s overall, 1/s per private chat) with sliding windows and answers 429 beyond them. The
processes share the budget through the database (:mod:`scheduler.delivery.budget`). Printed:
the 429s the server answered (target: 0), the achieved rate as a share of 30/s, and whether
every chat got its message exactly once. ``--busy N`` keeps N more processes spinning, as a
loaded machine (the figure the two-process test in tests/test_run_roles.py no longer asserts:
it depends on how punctually a loaded machine wakes the processes).

    python -m bench.bench_shared_budget                   # 300 messages, about 12 s
    python -m bench.bench_shared_budget --messages 900 --busy 2
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlmodel import Session

from scheduler.delivery.outbox import counts, enqueue
from scheduler.store.db import init_db, session_scope
from tests.fakes import FakeBotApi, RateLimits

FAZHI = str(Path(sys.executable).with_name("fazhi"))
TARGET_429 = 0
FIRST_CHAT = 70_000


def spin() -> None:
    """A busy loop (one core's worth of load)."""
    while True:
        pass


def _sender(url: str, server: FakeBotApi, tmp: Path, name: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": server.token,
        "TELEGRAM_API_BASE_URL": server.base_url_for(name),
        "DATABASE_URL": url,
        "FAZHI_DATA_DIR": str(tmp / "data"),
        "FAZHI_SEND_INTERVAL": "0.2",
        "FAZHI_ADMIN_IDS": "",
    }
    log = (tmp / f"{name}.log").open("w")
    return subprocess.Popen(
        [FAZHI, "run", "--role", "sender"], env=env, cwd=tmp, stdout=log, stderr=log, text=True
    )


def measure(url: str | None, messages: int, busy: int) -> tuple[int, Counter[str], float, bool]:
    """(429 count, 429s by kind, achieved share of 30/s, exactly once)."""
    with tempfile.TemporaryDirectory(prefix="fazhi-budget-") as name:
        tmp = Path(name)
        url = url or f"sqlite:///{tmp / 'bench.db'}"
        engine = init_db(url)
        chats = list(range(FIRST_CHAT, FIRST_CHAT + messages))
        with session_scope(engine) as s:
            for i, chat in enumerate(chats):
                enqueue(s, key=f"bench-{i}", chat_id=chat, body=f"通知{i}", kind="broadcast")
        spinners = [multiprocessing.Process(target=spin, daemon=True) for _ in range(busy)]
        for p in spinners:
            p.start()
        limits = RateLimits(overall=(30, 1.0), private=(1, 1.0), group=None)
        procs: list[subprocess.Popen] = []
        try:
            with FakeBotApi(limits=limits) as server:
                procs = [_sender(url, server, tmp, f"s{n}") for n in range(2)]
                deadline = time.monotonic() + 60 + messages  # a hang guard
                while True:
                    with Session(engine) as s:
                        if counts(s)["sent"] == messages:
                            break
                    if time.monotonic() > deadline:
                        raise SystemExit("the outbox did not drain (see the process logs)")
                    time.sleep(0.2)
                sent = [m.at for m in server.messages()]
                share = (len(sent) - 1) / (max(sent) - min(sent)) / 30 if len(sent) > 1 else 0
                violations = server.violations
                got = server.message_counts()
                once = all(got.get(chat) == 1 for chat in chats)
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
            for p in spinners:
                p.kill()
                p.join()
            engine.dispose()
        return len(violations), Counter(v.kind for v in violations), share, once


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--busy", type=int, default=0, help="busy-loop processes (load)")
    parser.add_argument("--database-url", default=None, help="default: SQLite, temporary")
    args = parser.parse_args(argv)
    n429, kinds, share, once = measure(args.database_url, args.messages, args.busy)
    print(
        f"two sender processes, {args.messages} messages, {args.busy} busy processes: "
        f"{share:.1%} of 30/s, each chat once: {'yes' if once else 'NO'}"
    )
    detail = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "none"
    ok = n429 <= TARGET_429 and once
    print(
        f"429s drawn by the two processes together: {n429} ({detail}); "
        f"target {TARGET_429}: " + ("met" if ok else "MISSED")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
