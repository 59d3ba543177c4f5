"""Reply latency benchmark: how long a question waits for its answer while something else holds
the bot up. The pass/fail tests (tests/test_bot_concurrency.py) check that the answer comes at
all while the hold lasts; how *fast* depends on the machine, so the figures live here.

The real fazhi Telegram app (as in the end-to-end tests: tests/bot_harness.py) long-polls the
fake Bot API over loopback; each scenario is run ``--repeat`` times and the slowest counts:

- slow chat:   another chat's reply is not acknowledged by the server (target < 1 s)
- locked db:   another connection holds the SQLite file's exclusive lock (target < 2 s)
- 429 reply:   the reply draws a 429 (retry_after 1 s); the time until it is queued in the
               outbox instead of slept out inside the handler (target < 1 s)

    python -m bench.bench_reply_latency
    python -m bench.bench_reply_latency --repeat 10
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlmodel import Session, select

from scheduler.store.models import OutboxMessage
from tests.bot_harness import BotHarness, build_harness
from tests.fakes import FakeBotApi, Fault

TARGETS = {"slow chat": 1.0, "locked db": 2.0, "429 reply": 1.0}
HANG = 120.0


async def _answer_time(bot: BotHarness, chat: int, question: str) -> float:
    """Seconds from the question's arrival at the server until an answer reached the chat."""
    before = len(bot.messages(chat))
    asked = time.monotonic()
    bot.server.inject_text(chat, question)
    await bot.wait_messages(chat, before + 1, timeout=HANG)
    return bot.messages(chat)[before].at - asked


async def slow_chat(bot: BotHarness, k: int) -> float:
    slow, quick = 2001 + 10 * k, 2002 + 10 * k
    release = threading.Event()
    bot.server.add_fault(Fault.held(release), chat_id=slow, method="sendMessage")
    try:
        bot.server.inject_text(slow, "第1条讲什么")
        await bot.wait_messages(slow, 1, timeout=HANG)  # its reply is pending now
        return await _answer_time(bot, quick, "第3条讲什么")
    finally:
        release.set()


async def locked_db(bot: BotHarness, k: int) -> float:
    user = 7001 + 10 * k
    await bot.say(user, "第7条讲什么")  # the chat's unit lookup is cached now
    release, locked = threading.Event(), threading.Event()
    path = Path(bot.assistant.sched.engine.url.database or "")

    def hold() -> None:
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("BEGIN EXCLUSIVE")
        locked.set()
        release.wait(HANG)
        con.execute("ROLLBACK")
        con.close()

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    try:
        await asyncio.to_thread(locked.wait, HANG)
        return await _answer_time(bot, user, "第8条讲什么")
    finally:
        release.set()
        await asyncio.to_thread(holder.join, HANG)


async def reply_429(bot: BotHarness, k: int) -> float:
    user = 4001 + 10 * k
    bot.server.add_fault(Fault.retry_after(1), chat_id=user, method="sendMessage")
    engine = bot.assistant.sched.engine

    def queued() -> bool:
        with Session(engine) as s:
            rows = s.exec(select(OutboxMessage).where(OutboxMessage.chat_id == str(user)))
            return rows.first() is not None

    asked = time.monotonic()
    bot.server.inject_text(user, "第5条讲什么")
    await bot.wait(queued, timeout=HANG)
    took = time.monotonic() - asked
    await bot.wait_messages(user, 1, timeout=HANG)  # the pause is over before the next run
    return took


SCENARIOS: dict[str, tuple[Callable[[BotHarness, int], Awaitable[float]], dict]] = {
    "slow chat": (slow_chat, {"start_jobs": False}),
    "locked db": (locked_db, {"send_interval": 0.1}),
    "429 reply": (reply_429, {"send_interval": 0.2}),
}


async def measure(name: str, repeat: int) -> list[float]:
    scenario, options = SCENARIOS[name]
    times = []
    with FakeBotApi() as server, tempfile.TemporaryDirectory(prefix="fazhi-reply-") as tmp:
        async with build_harness(server, Path(tmp), **options) as bot:
            for k in range(repeat):
                times.append(await scenario(bot, k))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # "skipped: still running" noise
    missed = []
    for name, target in TARGETS.items():
        times = sorted(asyncio.run(measure(name, args.repeat)))
        ok = times[-1] < target
        if not ok:
            missed.append(name)
        print(
            f"{name:<10} median {times[len(times) // 2] * 1000:6.0f} ms  "
            f"max {times[-1] * 1000:6.0f} ms  (target < {target:g} s): "
            + ("met" if ok else "MISSED")
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
