"""The outbox sender: claim → send through a :class:`~scheduler.channel.Channel` → mark.

One :class:`OutboxSender` per process; give each a stable ``sender_id`` (host + a name) so that
after a crash the restarted sender takes back the messages it may have sent but not marked
(see :mod:`scheduler.outbox` for the duplicate window).

**Several messages in flight.** Over a real network a ``sendMessage`` takes a round trip
(50–300 ms to Telegram), so one message at a time caps a sender at 1/RTT messages per second:
about 5/s at 200 ms, a sixth of Telegram's 30/s. The sender therefore runs ``in_flight``
pipelines side by side; each claims one message, sends it and marks it, on its own. The
channel's rate limiter still spaces the sends (30/s overall, 1/s per chat, in claim order), so
throughput is ``min(limit, in_flight / (RTT + database time))``: the default of 10 keeps the
30/s limit up to a round trip of about 300 ms. The price is the duplicate bound: a crash can
leave up to ``in_flight`` messages sent but not marked, and each may go out once more.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine

from scheduler.channel import Channel, DeliveryOutcome, DeliveryStatus
from scheduler.clock import utcnow
from scheduler.outbox import (
    DEFAULT_LEASE,
    RetryPolicy,
    claim_next,
    drop_expired,
    pending_count,
    record_outcome,
    recover,
    to_outgoing,
)

log = logging.getLogger(__name__)

DEFAULT_IN_FLIGHT = 10


def default_sender_id(name: str = "sender") -> str:
    return f"{socket.gethostname()}:{name}"


@dataclass
class SendReport:
    states: dict[str, int] = field(default_factory=dict)

    def add(self, state: str) -> None:
        self.states[state] = self.states.get(state, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.states.values())


class OutboxSender:
    def __init__(
        self,
        engine: Engine,
        channel: Channel,
        sender_id: str | None = None,
        policy: RetryPolicy | None = None,
        lease: timedelta = DEFAULT_LEASE,
        in_flight: int = DEFAULT_IN_FLIGHT,
    ) -> None:
        self.engine = engine
        self.channel = channel
        self.sender_id = sender_id or default_sender_id(f"pid{os.getpid()}")
        self.policy = policy or RetryPolicy()
        self.lease = lease
        self.in_flight = max(1, in_flight)
        self._recovered = False
        self._chat_turns: dict[str, tuple[asyncio.Lock, int]] = {}

    def recover(self) -> int:
        """Re-queue this sender's unmarked claims (after a crash) and expired leases."""
        n = recover(self.engine, self.sender_id, self.lease)
        if n:
            log.warning("重新排队 %d 条未确认发送结果的消息（可能重复发送一次）", n)
        self._recovered = True
        return n

    async def send_one(self) -> str | None:
        """Send the next ready message; its new state, or None when nothing is ready."""
        if not self._recovered:
            self.recover()
        row = claim_next(self.engine, self.sender_id)
        if row is None:
            return None
        if row.not_after is not None and row.not_after <= utcnow():
            drop_expired(self.engine, row.id, self.sender_id)  # type: ignore[arg-type]
            return "dropped"
        async with self._chat_turn(row.chat_id):
            try:
                outcome = await self.channel.send(to_outgoing(row))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a channel bug must not stop the queue
                log.exception("channel %s raised", getattr(self.channel, "name", "?"))
                outcome = DeliveryOutcome(
                    DeliveryStatus.RETRY, error=f"{type(exc).__name__}: {exc}"
                )
        return record_outcome(self.engine, row.id, self.sender_id, outcome, self.policy)  # type: ignore[arg-type]

    @contextlib.asynccontextmanager
    async def _chat_turn(self, chat_id: str) -> AsyncIterator[None]:
        """One chat's messages go out one after the other, in the order they were claimed
        (an ``asyncio.Lock`` is first come, first served, and nothing awaits between the
        claim and taking the turn); other chats' messages overtake a waiting one."""
        lock, users = self._chat_turns.get(chat_id, (None, 0))
        lock = lock or asyncio.Lock()
        self._chat_turns[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._chat_turns[chat_id]
            if users <= 1:
                del self._chat_turns[chat_id]
            else:
                self._chat_turns[chat_id] = (lock, users - 1)

    async def _pipelines(self, limit: int | None, report: SendReport) -> None:
        """Send with up to ``in_flight`` messages at once until nothing is ready (or ``limit``
        messages were taken). Each pipeline claims, sends and marks one message at a time."""
        budget = [limit]

        async def pipeline() -> None:
            while budget[0] is None or budget[0] > 0:
                if budget[0] is not None:
                    budget[0] -= 1
                state = await self.send_one()
                if state is None:
                    return
                report.add(state)

        if not self._recovered:
            self.recover()
        await asyncio.gather(*(pipeline() for _ in range(self.in_flight)))

    async def run_once(self, limit: int = 200) -> SendReport:
        """Send up to ``limit`` ready messages (one outbox job run)."""
        report = SendReport()
        await self._pipelines(limit, report)
        return report

    async def drain(self, idle_wait: float = 0.05) -> SendReport:
        """Send until nothing is queued or being sent by anyone (tests, the console)."""
        report = SendReport()
        while True:
            await self._pipelines(None, report)
            if pending_count(self.engine) == 0:
                return report
            await asyncio.sleep(idle_wait)  # others are sending, or a back-off is running
