"""The outbox sender: claim → send through a :class:`~scheduler.channel.Channel` → mark.

Delivery guarantee: **at least once**. A claim is a lease (:func:`scheduler.outbox.claim`):
while a send is slow the sender renews it (a heartbeat every third of the lease); when a
process dies, its claims expire and any running sender takes them back in its normal claiming,
so a stuck message goes out again within one lease plus one poll. The message in flight at the
crash may then be sent twice: a crash re-sends at most the messages that were in flight.

Database work never runs on the event loop: every call goes to a small thread pool of this
sender's own, so a locked SQLite file or a hung PostgreSQL stalls the sender, not the bot's
answers. A "sent" mark that cannot be written (the database is down or locked) is retried until
it is written, and the sender claims nothing else meanwhile: the message is never sent a
second time by this process, and nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from scheduler.channel import Channel, DeliveryOutcome, DeliveryStatus
from scheduler.clock import utcnow
from scheduler.models import OutboxMessage
from scheduler.outbox import (
    RetryPolicy,
    claim,
    drop_expired,
    lease_from_env,
    pending_count,
    record_outcome,
    recover,
    renew,
    to_outgoing,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
MARK_RETRY_MAX = 5.0  # seconds between attempts to write an outcome while the database is away


def default_sender_id(name: str = "sender") -> str:
    """Unique per process: a crashed process never comes back, so its leases simply expire."""
    return f"{socket.gethostname()}:{name}:{uuid.uuid4().hex[:6]}"


@dataclass
class SendReport:
    states: dict[str, int] = field(default_factory=dict)

    def add(self, state: str) -> None:
        self.states[state] = self.states.get(state, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.states.values())


class OutboxSender:
    """Sends the outbox through one channel; one per process (any number of processes).

    ``lease`` defaults to ``$FAZHI_OUTBOX_LEASE`` seconds or 30 s. The public coroutines
    (:meth:`send_one`, :meth:`run_once`, :meth:`drain`) never block the event loop.
    """

    def __init__(
        self,
        engine: Engine,
        channel: Channel,
        sender_id: str | None = None,
        policy: RetryPolicy | None = None,
        lease: timedelta | None = None,
    ) -> None:
        self.engine = engine
        self.channel = channel
        self.sender_id = sender_id or default_sender_id(f"pid{os.getpid()}")
        self.policy = policy or RetryPolicy()
        self.lease = lease or lease_from_env()
        self._recovered = False
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="outbox-db")
        self._db_down_logged = False

    # -- database calls, off the event loop ------------------------------------------------------
    async def _db(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    async def _db_or_none(self, what: str, fn: Callable[..., T], *args: object) -> T | None:
        """A call whose failure only means "try later" (claiming, counting)."""
        try:
            result = await self._db(fn, *args)
        except DBAPIError as exc:
            if not self._db_down_logged:
                log.warning("数据库暂不可用（%s）：%s", what, type(exc.orig).__name__)
                self._db_down_logged = True
            return None
        self._db_down_logged = False
        return result

    def recover(self) -> int:
        """Re-queue this sender's unmarked claims (a restart under the same id) and expired
        leases. Synchronous: for tools and tests; the sender itself calls it off the loop."""
        n = recover(self.engine, self.sender_id, self.lease)
        if n:
            log.warning("重新排队 %d 条未确认发送结果的消息（可能重复发送一次）", n)
        self._recovered = True
        return n

    async def _mark(self, message_id: int, outcome: DeliveryOutcome) -> str:
        """Write the outcome, retrying until the database takes it."""
        wait = 0.1
        while True:
            try:
                return await self._db(
                    record_outcome, self.engine, message_id, self.sender_id, outcome, self.policy
                )
            except DBAPIError as exc:
                log.warning(
                    "发送结果暂时无法写入数据库（消息 %s，%s），%.1f 秒后重试",
                    message_id,
                    type(exc.orig).__name__,
                    wait,
                )
                await asyncio.sleep(wait)
                wait = min(MARK_RETRY_MAX, wait * 2)

    async def _send_with_heartbeat(self, row: OutboxMessage) -> DeliveryOutcome:
        """The channel's outcome; the lease is renewed while the send takes long."""
        task = asyncio.ensure_future(self.channel.send(to_outgoing(row)))
        beat = self.lease.total_seconds() / 3
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=beat)
                if done:
                    return task.result()
                await self._db_or_none("续租", renew, self.engine, self.sender_id, [row.id])
        except asyncio.CancelledError:
            task.cancel()
            raise
        except Exception as exc:  # a channel bug must not stop the queue
            log.exception("channel %s raised", getattr(self.channel, "name", "?"))
            return DeliveryOutcome(DeliveryStatus.RETRY, error=f"{type(exc).__name__}: {exc}")

    async def send_one(self) -> str | None:
        """Send the next ready message; its new state, or None when nothing is ready (or the
        database cannot be reached right now)."""
        if not self._recovered and await self._db_or_none("恢复", self.recover) is None:
            return None
        rows = await self._db_or_none(
            "领取", lambda: claim(self.engine, self.sender_id, 1, lease=self.lease)
        )
        if not rows:
            return None
        row = rows[0]
        assert row.id is not None
        if row.not_after is not None and row.not_after <= utcnow():
            await self._db_or_none("丢弃过期", drop_expired, self.engine, row.id, self.sender_id)
            return "dropped"
        outcome = await self._send_with_heartbeat(row)
        return await self._mark(row.id, outcome)

    async def run_once(self, limit: int = 200) -> SendReport:
        """Send up to ``limit`` ready messages (one outbox job run)."""
        report = SendReport()
        for _ in range(limit):
            state = await self.send_one()
            if state is None:
                break
            report.add(state)
        return report

    async def drain(self, idle_wait: float = 0.05) -> SendReport:
        """Send until nothing is queued or being sent by anyone (tests, the console)."""
        report = SendReport()
        while True:
            state = await self.send_one()
            if state is not None:
                report.add(state)
                continue
            if await self._db_or_none("计数", pending_count, self.engine) == 0:
                return report
            await asyncio.sleep(idle_wait)  # others are sending, or a back-off is running

    def close(self) -> None:
        self._executor.shutdown(wait=False)
