"""Broadcast benchmark: N chats through TelegramChannel against a fake Bot API enforcing limits.

The fake server answers 429 to anything beyond ``--rate`` messages per second overall (and 1/s
per private chat), counting violations, and with ``--latency-ms`` delays every request by that
round trip (half on the way in, half on the way out), as Telegram over a real network does. The
benchmark prints the achieved rate as a share of the limit (target >= 90 % at every latency)
and checks that nothing was lost or doubled: every chat got exactly one message. Its last line
is the share.

Drivers:
  outbox  the real path: messages enqueued in scheduler's outbox (SQLite in a temporary
          directory) and drained by ``scheduler.delivery.sender.OutboxSender`` (the default)
  loop    a bare asyncio loop over TelegramChannel.send (workers; RETRY re-queued)

    python -m bench.bench_broadcast                  # 3,000 chats at 30/s: about 105 s
    python -m bench.bench_broadcast --chats 300      # a quick run
    python -m bench.bench_broadcast --chats 900 --latency-ms 200
    python -m bench.bench_broadcast --in-flight 1    # one message at a time (the old sender)
    python -m bench.bench_broadcast --shared         # slots also from the database's budget,
                                                     # as in `fazhi run` (outbox driver only)
    python -m bench.bench_broadcast --channel dingtalk  # DingTalk: bench/bench_dingtalk.py
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.rate_limit import FloodLimiter, FloodLimits
from scheduler.delivery.channel import DeliveryStatus, OutgoingMessage
from scheduler.delivery.sender import DEFAULT_IN_FLIGHT
from tests.fakes import FakeBotApi, RateLimits

FIRST_CHAT = 100_000
BODY = "【通知】请于本季度内组织<b>学法活动</b>，完成后点击“已完成”。"
BUTTONS = [[{"text": "已完成", "data": "done:q"}, {"text": "稍后提醒", "data": "snooze:q"}]]

Driver = Callable[[TelegramChannel, list[int], int], Awaitable[dict[str, int]]]


async def drive_loop(channel: TelegramChannel, chats: list[int], workers: int) -> dict[str, int]:
    """Send one message per chat with a pool of workers; RETRY goes back to the queue."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for chat in chats:
        queue.put_nowait(chat)
    states: dict[str, int] = {}
    retries: set[asyncio.Task[None]] = set()

    async def requeue(chat: int, delay: float) -> None:
        await asyncio.sleep(delay)
        queue.put_nowait(chat)

    async def worker() -> None:
        while True:
            chat = await queue.get()
            outcome = await channel.send(
                OutgoingMessage(id=chat, chat_id=str(chat), body=BODY, buttons=BUTTONS)
            )
            if outcome.status is DeliveryStatus.RETRY:
                task = asyncio.create_task(requeue(chat, outcome.retry_after or 1.0))
                retries.add(task)
                task.add_done_callback(retries.discard)
            states[outcome.status.value] = states.get(outcome.status.value, 0) + 1
            queue.task_done()

    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    while True:
        await queue.join()
        if not retries:
            break
        await asyncio.gather(*list(retries))
    for task in tasks:
        task.cancel()
    return states


async def drive_outbox(
    channel: TelegramChannel, chats: list[int], in_flight: int, shared_rate: int | None = None
) -> dict[str, int]:
    """Enqueue into the scheduler's outbox (SQLite) and drain it with OutboxSender; with
    ``shared_rate``, every send also takes its slot from the send budget in that database
    (:class:`scheduler.delivery.budget.SendBudget`), as every ``fazhi run`` process does."""
    from scheduler.delivery.outbox import enqueue
    from scheduler.delivery.sender import OutboxSender
    from scheduler.store.db import init_db, session_scope

    with tempfile.TemporaryDirectory() as tmp:
        engine = init_db(f"sqlite:///{Path(tmp) / 'bench.db'}")
        with session_scope(engine) as session:
            for chat in chats:
                enqueue(
                    session,
                    key=f"bench:{chat}",
                    chat_id=chat,
                    body=BODY,
                    kind="broadcast",
                    buttons=BUTTONS,
                )
        if shared_rate is not None:
            from scheduler.delivery.budget import SendBudget

            channel.limiter.shared = SendBudget(engine, rate=shared_rate)
        sender = OutboxSender(engine, channel, sender_id="bench", in_flight=in_flight)
        report = await sender.drain()
        engine.dispose()
    return dict(report.states)


DRIVERS: dict[str, Driver] = {"outbox": drive_outbox, "loop": drive_loop}


async def run(
    chats: int, rate: int, driver: str, latency_ms: float, in_flight: int, shared: bool = False
) -> bool:
    targets = list(range(FIRST_CHAT, FIRST_CHAT + chats))
    limits = RateLimits(overall=(rate, 1.0), private=(1, 1.0), group=(20, 60.0))
    with FakeBotApi(limits=limits, latency=latency_ms / 1000) as server:
        bot = Bot(server.token, base_url=server.base_url, request=HTTPXRequest())
        async with bot:
            limiter = FloodLimiter(FloodLimits(overall=(rate, 1.0)))
            channel = TelegramChannel(bot, limiter=limiter)
            started = time.perf_counter()
            if shared:
                states = await drive_outbox(channel, targets, in_flight, shared_rate=rate)
            else:
                states = await DRIVERS[driver](channel, targets, in_flight)
            wall = time.perf_counter() - started
            late = limiter.late_slots
        delivered = server.messages()
        counts = server.message_counts()
        violations = server.violations

    span = delivered[-1].at - delivered[0].at if len(delivered) > 1 else 0.0
    achieved = (len(delivered) - 1) / span if span else 0.0
    missing = [chat for chat in targets if chat not in counts]
    doubled = [chat for chat, n in counts.items() if n > 1]
    share = achieved / rate
    budget = ", shared budget in the database" if shared else ""
    print(f"driver              {driver} ({in_flight} in flight{budget})")
    print(f"chats               {chats}")
    print(f"limit               {rate} msg/s overall, 1 msg/s per chat (server-enforced)")
    print(f"network latency     {latency_ms:g} ms per request (round trip)")
    print(f"outcomes            {states}")
    print(f"delivered           {len(delivered)} in {span:.1f} s (wall {wall:.1f} s)")
    print(f"achieved rate       {achieved:.2f} msg/s")
    tightest = min(
        (b.at - a.at for a, b in zip(delivered, delivered[rate:], strict=False)),
        default=0.0,
    )
    print(f"429 violations      {len(violations)} {sorted({v.kind for v in violations})}")
    print(
        f"tightest {rate + 1} in a row  {tightest * 1000:.0f} ms at the server (limit: > 1000 ms)"
    )
    print(f"lost / doubled      {len(missing)} / {len(doubled)}")
    if shared:
        print(f"late slots given up {late}")
    ok = share >= 0.9 and not missing and not doubled and not violations
    print(
        f"share of the limit  {share:.1%} at {latency_ms:g} ms (target >= 90%, 0 lost, "
        f"0 doubled): " + ("OK" if ok else "MISSED")
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--channel" in argv:  # --channel telegram (this file) | dingtalk (bench_dingtalk)
        at = argv.index("--channel")
        channel = argv[at + 1] if at + 1 < len(argv) else ""
        del argv[at : at + 2]
        if channel == "dingtalk":
            from bench.bench_dingtalk import main as dingtalk

            return dingtalk(argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=3000)
    parser.add_argument("--rate", type=int, default=30, help="overall limit, messages/s")
    parser.add_argument("--driver", choices=sorted(DRIVERS), default="outbox")
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="round trip added to every request"
    )
    parser.add_argument(
        "--in-flight",
        type=int,
        default=DEFAULT_IN_FLIGHT,
        help="messages the sender keeps in flight (loop driver: workers)",
    )
    parser.add_argument(
        "--shared",
        action="store_true",
        help="also take every slot from the send budget in the database (outbox driver)",
    )
    args = parser.parse_args(argv)
    if args.shared and args.driver != "outbox":
        parser.error("--shared needs the outbox driver")
    ok = asyncio.run(
        run(args.chats, args.rate, args.driver, args.latency_ms, args.in_flight, args.shared)
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
