"""The outbox sender: claim → send through a :class:`~scheduler.delivery.channel.Channel` → mark.

Delivery guarantee: **at least once**, and a second send only after a crash. A claim is a
lease (:func:`scheduler.delivery.leases.claim`): while a send is slow the sender renews it, and
the sender as a whole keeps a heartbeat (a ``sender:<id>`` process lease) every third of the
lease. Another sender takes a claim back only when both ran out — the process died — so a
stuck message goes out again within about one lease plus one poll, and a crash re-sends at
most the messages that were in flight.

**Fenced.** A message whose send was attempted is never sent again by this process, whatever
the database does meanwhile: its id stays in a local record of attempts until the outcome is
written; the sender never claims back a row it holds; and a sender that has just reconnected
after an outage waits one lease before it takes anyone else's claims, so that senders alive
through the same outage renew their heartbeat and write their outcomes first. All lease
times are the database's (:mod:`scheduler.store.db_clock`): the processes need not share a
clock.

Database work never runs on the event loop: every call goes to a small thread pool of this
sender's own, so a locked SQLite file or a hung PostgreSQL stalls the sender, not the bot's
answers. A "sent" mark that cannot be written (the database is down or locked) is retried until
it is written, and the sender claims nothing else meanwhile: the message is never sent a
second time by this process, and nothing is lost.

**Several messages in flight.** Over a real network a ``sendMessage`` takes a round trip
(50–300 ms to Telegram), so one message at a time caps a sender at 1/RTT messages per second:
about 5/s at 200 ms, a sixth of Telegram's 30/s. The sender therefore runs ``in_flight``
pipelines side by side; each claims one message, sends it and marks it, on its own. The
channel's rate limiter still spaces the sends (30/s overall, 1/s per chat), one chat's messages
leave in the order they were claimed, and throughput is
``min(limit, in_flight / (RTT + database time))``: the default of 10 keeps the 30/s limit up
to a round trip of about 300 ms. The price is the duplicate bound above: a crash can leave up
to ``in_flight`` messages sent but not marked, and each may go out once more.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from scheduler.delivery.channel import Channel, DeliveryOutcome, DeliveryStatus
from scheduler.delivery.leases import beat, claim, lease_from_env, recover, renew
from scheduler.delivery.outbox import pending_count, to_outgoing
from scheduler.delivery.outcomes import RetryPolicy, drop_expired, record_outcome
from scheduler.store.models import OutboxMessage
from scheduler.timing.clock import utcnow

log = logging.getLogger(__name__)

DEFAULT_IN_FLIGHT = 10
# one message's turn at its chat; resolves to its delivery status when the next one may go
Turn = asyncio.Future[DeliveryStatus | None]
T = TypeVar("T")
MARK_RETRY_MAX = 5.0  # seconds between attempts to write an outcome while the database is away
DB_ERRORS = (DBAPIError, PoolTimeout)  # the database is away (or every connection hangs)


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
        in_flight: int = DEFAULT_IN_FLIGHT,
    ) -> None:
        self.engine = engine
        self.channel = channel
        self.sender_id = sender_id or default_sender_id(f"pid{os.getpid()}")
        self.policy = policy or RetryPolicy()
        self.lease = lease or lease_from_env()
        self._recovered = False
        self.in_flight = max(1, in_flight)
        self._claiming = asyncio.Lock()  # claims in order, so one chat's turns are in order
        self._chat_tails: dict[str, Turn] = {}
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="outbox-db")
        self._db_down_logged = False
        # ids sent (or being sent) whose outcome is not written yet: never sent again here
        self.attempted: set[int] = set()
        self._holding: set[int] = set()  # ids claimed here and not finished
        self._db_ok_since: float | None = None  # monotonic time since the database answers
        self._last_beat = float("-inf")

    # -- database calls, off the event loop ------------------------------------------------------
    async def _db(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))
        except DB_ERRORS:
            self._db_ok_since = None
            raise
        if self._db_ok_since is None:
            self._db_ok_since = time.monotonic()
        return result

    def _may_reclaim(self) -> bool:
        """Take others' expired claims only after the database has answered for a lease."""
        since = self._db_ok_since
        return since is not None and time.monotonic() - since >= self.lease.total_seconds()

    async def _beat(self, force: bool = False) -> None:
        """The sender's heartbeat, every third of the lease (while the database answers)."""
        due = time.monotonic() - self._last_beat >= self.lease.total_seconds() / 3
        if (force or due) and await self._db_or_none(
            "心跳", beat, self.engine, self.sender_id, self.lease
        ):
            self._last_beat = time.monotonic()

    async def _db_or_none(self, what: str, fn: Callable[..., T], *args: object) -> T | None:
        """A call whose failure only means "try later" (claiming, counting)."""
        try:
            result = await self._db(fn, *args)
        except DB_ERRORS as exc:
            if not self._db_down_logged:
                log.warning(
                    "数据库暂不可用（%s）：%s", what, type(getattr(exc, "orig", exc)).__name__
                )
                self._db_down_logged = True
            return None
        self._db_down_logged = False
        return result

    def recover(self) -> int:
        """Re-queue this sender's unmarked claims (a restart under the same id) and expired
        leases. Synchronous: for tools and tests; the sender itself calls it off the loop."""
        n = recover(self.engine, self.sender_id, self.lease, others=False)
        if n:
            log.warning("重新排队 %d 条未确认发送结果的消息（可能重复发送一次）", n)
        self._recovered = True
        return n

    async def _mark(self, message_id: int, outcome: DeliveryOutcome) -> str:
        """Write the outcome, retrying until the database takes it; the heartbeat goes first
        each time, so that nobody takes the row back once the database answers again."""
        wait = 0.1
        longest = min(MARK_RETRY_MAX, self.lease.total_seconds() / 3)
        while True:
            try:
                state = await self._db(
                    record_outcome, self.engine, message_id, self.sender_id, outcome, self.policy
                )
            except DB_ERRORS as exc:
                log.warning(
                    "发送结果暂时无法写入数据库（消息 %s，%s），%.1f 秒后重试",
                    message_id,
                    type(getattr(exc, "orig", exc)).__name__,
                    wait,
                )
                await asyncio.sleep(wait)
                wait = min(longest, wait * 2)
                await self._beat(force=True)
                continue
            self.attempted.discard(message_id)
            return state

    async def _send_in_turn(
        self, row: OutboxMessage, previous: Turn | None
    ) -> DeliveryOutcome | None:
        """Wait for the chat's earlier message, then send; None when the message expired
        meanwhile (past its ``not_after``). When the earlier message found the chat blocked,
        this one is not sent either (as with one message at a time, where the block stops the
        chat's queued messages)."""
        if previous is not None and await asyncio.shield(previous) is DeliveryStatus.BLOCKED:
            return DeliveryOutcome(DeliveryStatus.BLOCKED, error="对方已屏蔽机器人")
        if row.not_after is not None and row.not_after <= utcnow():
            return None
        assert row.id is not None
        self.attempted.add(row.id)  # from here on, this process never sends it again
        return await self.channel.send(to_outgoing(row))

    async def _send_with_heartbeat(
        self, row: OutboxMessage, previous: Turn | None = None
    ) -> DeliveryOutcome | None:
        """The channel's outcome (None: expired before its turn); the lease is renewed while
        the message waits for its chat's turn or the send takes long."""
        task = asyncio.ensure_future(self._send_in_turn(row, previous))
        beat = self.lease.total_seconds() / 3
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=beat)
                if done:
                    return task.result()
                await self._db_or_none("续租", renew, self.engine, self.sender_id, [row.id])
                await self._beat()
        except asyncio.CancelledError:
            task.cancel()
            raise
        except Exception as exc:  # a channel bug must not stop the queue
            log.exception("channel %s raised", getattr(self.channel, "name", "?"))
            return DeliveryOutcome(DeliveryStatus.RETRY, error=f"{type(exc).__name__}: {exc}")

    async def send_one(self) -> str | None:
        """Send the next ready message; its new state, or None when nothing is ready (or the
        database cannot be reached right now)."""
        async with self._claiming:
            if not self._recovered and await self._db_or_none("恢复", self.recover) is None:
                return None
            await self._beat()
            reclaim = self._may_reclaim()
            holding = set(self._holding | self.attempted)
            rows = await self._db_or_none(
                "领取",
                lambda: claim(
                    self.engine, self.sender_id, 1, lease=self.lease, reclaim=reclaim,
                    holding=holding,
                ),
            )  # fmt: skip
            if not rows:
                return None
            row = rows[0]
            if row.id in self.attempted:  # requeued by a tool meanwhile: its outcome is on its way
                return "attempted"
            assert row.id is not None
            self._holding.add(row.id)
            previous, mine = self._queue_turn(row.chat_id)
        assert row.id is not None
        outcome = None
        try:  # the turn lasts until the outcome is recorded (a block stops the chat's queue)
            outcome = await self._send_with_heartbeat(row, previous)
            if outcome is None:
                await self._db_or_none(
                    "丢弃过期", drop_expired, self.engine, row.id, self.sender_id
                )
                return "dropped"
            return await self._mark(row.id, outcome)
        finally:
            self._holding.discard(row.id)
            self._end_turn(row.chat_id, mine, outcome.status if outcome else None)

    def _queue_turn(self, chat_id: str) -> tuple[Turn | None, Turn]:
        """Queue a turn for ``chat_id``: the turn before it (to wait for) and this one. Called
        right after the claim and without awaiting, so turns follow the claim order."""
        previous = self._chat_tails.get(chat_id)
        mine: Turn = asyncio.get_running_loop().create_future()
        self._chat_tails[chat_id] = mine
        return previous, mine

    def _end_turn(self, chat_id: str, mine: Turn, status: DeliveryStatus | None) -> None:
        mine.set_result(status)
        if self._chat_tails.get(chat_id) is mine:
            del self._chat_tails[chat_id]

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
            if await self._db_or_none("计数", pending_count, self.engine) == 0:
                return report
            await asyncio.sleep(idle_wait)  # others are sending, or a back-off is running

    def close(self) -> None:
        self._executor.shutdown(wait=False)
