"""A sender process for the console and for tests: ``python -m scheduler.delivery.runner``.

    python -m scheduler.delivery.runner --database-url URL --file out.jsonl --sender-id A [--drain]

Sends through a :class:`~scheduler.delivery.local_channels.FileChannel` (or the console) until the outbox is
empty (``--drain``) or forever. The multi-process and SIGKILL tests start it as a subprocess;
``$FAZHI_OUTBOX_LEASE`` (seconds) shortens the claim lease there. Without ``--sender-id`` each
process gets a unique id (host, pid and a random tag).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from pathlib import Path

from scheduler.delivery.local_channels import ConsoleChannel, FileChannel
from scheduler.delivery.outcomes import RetryPolicy
from scheduler.delivery.sender import DEFAULT_IN_FLIGHT, OutboxSender, default_sender_id
from scheduler.store.db import make_engine


async def _main(args: argparse.Namespace) -> int:
    engine = make_engine(args.database_url)
    if args.wait_for:  # tests start several senders at the same moment
        print("ready", flush=True)
        while not Path(args.wait_for).exists():
            await asyncio.sleep(0.01)
    sender_id = args.sender_id or default_sender_id(f"pid{os.getpid()}")
    channel = (
        FileChannel(args.file, delay=args.delay, tag=sender_id) if args.file else ConsoleChannel()
    )
    sender = OutboxSender(
        engine,
        channel,
        sender_id=sender_id,
        policy=RetryPolicy(base_delay=0.05),
        in_flight=args.in_flight,
    )
    print(f"sender {sender_id}", flush=True)
    if args.drain:
        report = await sender.drain()
        print(f"sent {report.total}: {report.states}", flush=True)
        return 0
    while True:
        report = await sender.run_once()
        if report.total == 0:
            await asyncio.sleep(args.poll)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="fazhi outbox sender")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--file", default=None, help="append deliveries as JSON lines here")
    parser.add_argument("--sender-id", default=None)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds per send (tests)")
    parser.add_argument("--poll", type=float, default=1.0)
    parser.add_argument("--in-flight", type=int, default=DEFAULT_IN_FLIGHT, help="messages at once")
    parser.add_argument("--wait-for", default=None, help="start once this file exists")
    parser.add_argument("--drain", action="store_true", help="exit once the outbox is empty")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    return asyncio.run(_main(args))


if __name__ == "__main__":
    raise SystemExit(main())
