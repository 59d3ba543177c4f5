"""The outbox sender: claim → send through a :class:`~scheduler.channel.Channel` → mark.

One :class:`OutboxSender` per process; give each a stable ``sender_id`` (host + a name) so that
after a crash the restarted sender takes back the one message it may have sent but not marked
(see :mod:`scheduler.outbox` for the at-most-one-duplicate window).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
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
    ) -> None:
        self.engine = engine
        self.channel = channel
        self.sender_id = sender_id or default_sender_id(f"pid{os.getpid()}")
        self.policy = policy or RetryPolicy()
        self.lease = lease
        self._recovered = False

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
        try:
            outcome = await self.channel.send(to_outgoing(row))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a channel bug must not stop the queue
            log.exception("channel %s raised", getattr(self.channel, "name", "?"))
            outcome = DeliveryOutcome(DeliveryStatus.RETRY, error=f"{type(exc).__name__}: {exc}")
        return record_outcome(self.engine, row.id, self.sender_id, outcome, self.policy)  # type: ignore[arg-type]

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
            if pending_count(self.engine) == 0:
                return report
            await asyncio.sleep(idle_wait)  # others are sending, or a back-off is running
