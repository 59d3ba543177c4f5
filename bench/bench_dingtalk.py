"""Broadcast benchmark for DingTalk: N 1:1 chats through the outbox and the DingTalk channel
against the fake DingTalk enforcing the robot API's QPS limit.

The fake answers 429 ``QpsLimitForApi`` beyond ``--rate`` calls per second (a sliding
one-second window) and, with ``--latency-ms``, delays every call by that round trip. Messages
are enqueued in the outbox (SQLite in a temporary directory) and drained by
``scheduler.delivery.sender.OutboxSender`` through ``bot.channels.dingtalk.channel``, with
the limits of ``bot/channels/dingtalk/limits.toml`` (the overall rate set to ``--rate``). The
last line is the share of the limit reached (target >= 90 %, 0 lost, 0 doubled).

    python -m bench.bench_broadcast --channel dingtalk --chats 300
    python -m bench.bench_dingtalk --chats 600 --latency-ms 100
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bot.channels.dingtalk import limits as limits_data
from bot.channels.dingtalk.channel import DingTalkChannel
from bot.channels.dingtalk.openapi import OpenApi
from bot.channels.telegram.rate_limit import FloodLimiter
from scheduler.delivery.sender import DEFAULT_IN_FLIGHT
from tests.fakes.dingtalk import CLIENT_ID, CLIENT_SECRET, FakeDingTalk

BODY = "【通知】请于本季度内组织<b>学法活动</b>，完成后回复“已完成”。"


async def run(chats: int, rate: int, latency_ms: float, in_flight: int) -> bool:
    from scheduler.delivery.outbox import enqueue
    from scheduler.delivery.sender import OutboxSender
    from scheduler.store.db import init_db, session_scope

    users = [f"user{i:05d}" for i in range(chats)]
    with FakeDingTalk(qps=rate) as fake, tempfile.TemporaryDirectory() as tmp:
        fake.latency = latency_ms / 1000
        engine = init_db(f"sqlite:///{Path(tmp) / 'bench.db'}")
        with session_scope(engine) as session:
            for user in users:
                enqueue(session, key=f"bench:{user}", chat_id=f"dt:u:{user}", body=BODY)
        api = OpenApi(CLIENT_ID, CLIENT_SECRET, fake.base_url)
        await api.token()  # not part of the broadcast
        limits = dataclasses.replace(limits_data.load(), overall=(rate, 1.0))
        channel = DingTalkChannel(api, CLIENT_ID, limiter=FloodLimiter(limits))
        sender = OutboxSender(engine, channel, sender_id="bench", in_flight=in_flight)
        started = time.perf_counter()
        report = await sender.drain()
        wall = time.perf_counter() - started
        await api.aclose()
        engine.dispose()
        delivered = list(fake.delivered)
        throttled = fake.throttled
    span = delivered[-1].at - delivered[0].at if len(delivered) > 1 else 0.0
    achieved = (len(delivered) - 1) / span if span else 0.0
    counts = Counter(d.chat[1] for d in delivered)
    missing = [u for u in users if u not in counts]
    doubled = [u for u, n in counts.items() if n > 1]
    share = achieved / rate
    print(f"channel             dingtalk ({in_flight} in flight)")
    print(f"chats               {chats}")
    print(f"limit               {rate} calls/s (server-enforced, 429 beyond)")
    print(f"network latency     {latency_ms:g} ms per call (round trip)")
    print(f"outcomes            {dict(report.states)}")
    print(f"delivered           {len(delivered)} in {span:.1f} s (wall {wall:.1f} s)")
    print(f"achieved rate       {achieved:.2f} msg/s")
    print(f"429 answers         {throttled}")
    print(f"lost / doubled      {len(missing)} / {len(doubled)}")
    ok = share >= 0.9 and not missing and not doubled and not throttled
    print(
        f"share of the limit  {share:.1%} at {latency_ms:g} ms (target >= 90%, 0 lost, "
        f"0 doubled): " + ("OK" if ok else "MISSED")
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=600)
    parser.add_argument("--rate", type=int, default=limits_data.load().overall[0])  # type: ignore[index]
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--in-flight", type=int, default=DEFAULT_IN_FLIGHT)
    args = parser.parse_args(argv)
    return 0 if asyncio.run(run(args.chats, args.rate, args.latency_ms, args.in_flight)) else 1


if __name__ == "__main__":
    sys.exit(main())
