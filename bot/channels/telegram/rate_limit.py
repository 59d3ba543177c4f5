"""Telegram's flood limits, kept on our side so that the server rarely has to say 429.

Telegram documents about 30 messages per second overall, 1 per second per chat, and 20 per
minute per group. :class:`FloodLimiter` enforces all three with *strict spacing*: each key
(the bot as a whole, each chat) hands out slots at most one per ``period / count``, plus a
safety margin, in FIFO order.

Why not PTB's ``AIORateLimiter`` or a bare ``aiolimiter.AsyncLimiter``:

- ``AsyncLimiter(30, 1)`` is a leaky bucket: it lets a full burst of 30 through and then
  30/s more, i.e. up to twice the limit within one second, which a sliding-window check on the
  server side (ours in tests, Telegram's in production) counts as flooding.
- ``AIORateLimiter`` has no per-private-chat limit, retries nothing by default, and cannot be
  paused for one chat when the server answers 429 with ``retry_after``.

Strict spacing gives up bursts, which a broadcast does not need: its throughput is the
steady rate, 30/s × 1/(1 + margin), about 95 % of the limit with the default margin.
The overall limit is judged by when messages actually left, not by slots booked ahead: with
several messages in flight, slots booked ahead would all fall due together after an event-loop
stall and leave back to back, which a sliding window on the server counts as a flood. So a
message waits for the spacing's schedule (which may run a couple of slots ahead after a stall,
to make up for part of it), for half a spacing after the previous message, and for the last
``count`` messages to span ``period × (1 + margin)`` (see ``FloodLimiter._overall_delay``).

Several processes: give the limiter a ``shared`` budget (:class:`scheduler.delivery.budget.SendBudget`)
and each overall slot is also taken from the database, so all processes together stay within
the bot's limit, and a bot-wide 429 pauses every process. Slots are only as good as the
punctuality of the messages that use them: 31 consecutive slots span 30 spacings (1.07 s with
the budget's 7 % margin), so once the first messages of such a run leave more than 70 ms late
(a busy machine deschedules both processes) and the rest on time, 31 reach the server within
one second. So a process that wakes up more than a quarter of a spacing after its slot gives
the slot up and takes the next free one, or moves it to now when nobody holds a later slot
yet (one process alone loses nothing); every message then leaves within 9 ms of its own slot
(two processes on a loaded machine drew a 429 in some runs before). Each further late slot
in a row doubles the tolerance, and after four the message leaves late (never early), so a
busy machine still makes progress. The shared budget is asked in a thread with
a short time-out; when the database does not answer, the local limits alone apply (one
process then never exceeds the limit on its own).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)
SHARED_TIMEOUT = 1.0  # seconds to wait for the shared budget before going on with local limits
# after the shared budget did not answer, this long on local limits only before asking again:
# a database that accepts connections but never answers must not cost every message a second
SHARED_AWAY = 5.0
CAUTION_STEP = 0.05  # the overall spacing widens by this share at each bot-wide 429 …
CAUTION_MAX = 1.25  # … up to this factor,
CAUTION_EASE = 0.0005  # and narrows by this share with each message sent (0.05 in 100)
LATE_SHARE = 0.25  # a shared slot missed by more than this share of the spacing is given up
LATE_RETRIES = 4  # late slots given up in a row (tolerance doubling) before sending anyway


class SharedBudget(Protocol):
    """A send budget shared between processes (see :class:`scheduler.delivery.budget.SendBudget`)."""

    def take_slot(self) -> float:
        """The next free slot's time, in :meth:`now`'s clock."""
        ...

    def now(self) -> float: ...

    def move_to_now(self, slot: float) -> float | None:
        """Move a missed ``slot`` to now when no later slot was handed out; else None."""
        ...

    def pause(self, seconds: float) -> None: ...


@dataclass(frozen=True)
class FloodLimits:
    """Messages per period; a ``None`` limit is not enforced."""

    overall: tuple[int, float] | None = (30, 1.0)
    private_chat: tuple[int, float] | None = (1, 1.0)
    group_chat: tuple[int, float] | None = (20, 60.0)
    margin: float = 0.05  # spacing is stretched by this share, to absorb network jitter
    catch_up: int = 2  # overall slots a stalled sender may make up, at half the spacing

    def interval(self, limit: tuple[int, float] | None) -> float:
        if limit is None:
            return 0.0
        count, period = limit
        return period / count * (1 + self.margin)


class SpacingLimiter:
    """Hands out time slots at least ``interval`` apart per key, first come first served."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, prune_at: int = 10_000):
        self._clock = clock
        self._next_free: dict[Hashable, float] = {}
        self._prune_at = prune_at

    def reserve(self, key: Hashable, interval: float) -> float:
        """Reserve the next slot for ``key``; returns the seconds to wait until it."""
        now = self._clock()
        slot = max(now, self._next_free.get(key, now))
        self._next_free[key] = slot + interval
        if len(self._next_free) > self._prune_at:
            self._prune(now)
        return slot - now

    def pause(self, key: Hashable, seconds: float) -> None:
        """No slot for ``key`` before ``seconds`` from now (the server asked us to wait)."""
        until = self._clock() + seconds
        self._next_free[key] = max(self._next_free.get(key, until), until)

    def delay(self, key: Hashable) -> float:
        """Seconds until ``key``'s next free slot (0 if free now)."""
        return max(0.0, self._next_free.get(key, 0.0) - self._clock())

    def _prune(self, now: float) -> None:
        # A key whose next free slot has passed behaves exactly like an unknown key.
        self._next_free = {k: t for k, t in self._next_free.items() if t > now}


OVERALL = "*overall*"


class FloodLimiter:
    """Telegram's three limits over one :class:`SpacingLimiter`.

    Messages to one chat queue behind each other (a lock per chat): each first waits for its
    chat to be free, then takes the next overall slot, and only then marks the chat busy for
    one interval *from that moment*. Marking the chat at the overall slot, not before, matters:
    a chat slot reserved early and an overall slot granted late would let two messages to one
    chat leave closer together than the chat's interval. Waiting for the chat first also keeps
    a slow group from holding overall slots that other chats could use.
    """

    def __init__(
        self,
        limits: FloodLimits | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        shared: SharedBudget | None = None,
    ) -> None:
        self.limits = limits or FloodLimits()
        self.shared = shared
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="send-budget")
        self._shared_down = False
        self._shared_retry_at = 0.0
        self._spacing = SpacingLimiter(clock)
        self._sleep = sleep
        self._overall = self.limits.interval(self.limits.overall)
        self._private = self.limits.interval(self.limits.private_chat)
        self._group = self.limits.interval(self.limits.group_chat)
        self._chat_locks: dict[int | str, tuple[asyncio.Lock, int]] = {}
        self._clock = clock
        self._overall_turn = asyncio.Lock()
        overall = self.limits.overall
        # the actual times of the last ``count`` sends, and the spacing's schedule (GCRA's
        # "theoretical arrival time"): see _overall_delay
        self._window: deque[float] | None = deque(maxlen=overall[0]) if overall else None
        self._window_span = overall[1] * (1 + self.limits.margin) if overall else 0.0
        self._scheduled = 0.0
        # > 1 after a bot-wide 429: the network bunched our messages more than the margin
        # absorbs, so the overall spacing widens (up to CAUTION_MAX) and eases back as
        # messages go through without one (see pause_all)
        self._caution = 1.0
        self.late_slots = 0  # shared slots missed (moved to now or given up): woke up too late

    def _overall_delay(self) -> float:
        """Seconds until the next message may leave, judged by when the last ones actually left:

        - on the strict spacing's schedule, which may run ``catch_up`` slots ahead of the clock
          after a stall (an event loop busy elsewhere); a longer stall is not made up for;
        - never two closer than half the spacing;
        - never more than ``count`` within ``period × (1 + margin)`` (the server's window);
        - not while the bot is paused (a bot-wide 429).

        Steady state this is the strict spacing; what it adds is that messages delayed by a
        stall neither leave back to back nor lose every slot the stall cost."""
        wait = self._spacing.delay(OVERALL)
        window = self._window
        if window is not None:
            now = self._clock()
            interval = self._overall * self._caution
            wait = max(wait, self._scheduled - interval * self.limits.catch_up - now)
            if window:
                wait = max(wait, window[-1] + interval / 2 - now)
            if len(window) == window.maxlen:
                wait = max(wait, window[0] + self._window_span * self._caution - now)
        return wait

    def _sent_now(self) -> None:
        if self._window is not None:
            now = self._clock()
            self._window.append(now)
            self._scheduled = max(self._scheduled, now) + self._overall * self._caution
            self._caution = max(1.0, self._caution - CAUTION_EASE)

    async def acquire(self, chat_id: int | str, *, is_group: bool) -> None:
        """Wait until a message to ``chat_id`` may be sent; send right after this returns."""
        key = ("chat", chat_id)
        lock, users = self._chat_locks.get(chat_id, (None, 0))
        lock = lock or asyncio.Lock()
        self._chat_locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                while (wait := self._spacing.delay(key)) > 0:  # loop: pause_chat may extend it
                    await self._sleep(wait)
                async with self._overall_turn:
                    while (wait := self._overall_delay()) > 0:
                        await self._sleep(wait)
                    if self.shared is not None:
                        await self._shared_turn()
                    self._sent_now()
                self._spacing.reserve(key, self._group if is_group else self._private)
        finally:
            lock, users = self._chat_locks[chat_id]
            if users <= 1:
                del self._chat_locks[chat_id]
            else:
                self._chat_locks[chat_id] = (lock, users - 1)

    def pause_chat(self, chat_id: int | str, seconds: float) -> None:
        """No message to ``chat_id`` for ``seconds`` (the server answered 429 retry_after)."""
        self._spacing.pause(("chat", chat_id), seconds)

    def pause_all(self, seconds: float) -> None:
        """Nothing is sent for ``seconds`` (a bot-wide 429); every process, when shared. The
        overall spacing widens for a while: the margin was not enough for this network."""
        self._spacing.pause(OVERALL, seconds)
        self._caution = min(CAUTION_MAX, self._caution + CAUTION_STEP)
        if self.shared is not None:
            future = self._pool.submit(self.shared.pause, seconds)
            future.add_done_callback(self._log_failure)

    async def _shared_turn(self) -> None:
        """Wait for a slot of the shared budget and leave at it; a slot this process woke up
        too late for is given up for the next free one (see the module's docstring)."""
        shared = self.shared
        assert shared is not None
        tolerance = self._overall * LATE_SHARE
        slot = await self._shared_call(shared.take_slot)
        for _ in range(LATE_RETRIES):
            if slot is None:
                return
            wait = slot - shared.now()
            if wait > 0:
                await self._sleep(wait)
            if shared.now() - slot <= tolerance:
                return
            self.late_slots += 1
            tolerance *= 2
            # nobody waiting behind the missed slot (one process, or the others idle): it
            # moves to now and nothing is lost; else it is given up for the next free one
            slot = await self._shared_call(shared.move_to_now, slot)
            if slot is None:
                slot = await self._shared_call(shared.take_slot)
        if slot is not None and (wait := slot - shared.now()) > 0:  # late every time: go,
            await self._sleep(wait)  # but never before the slot this process holds

    async def _shared_call(self, fn: Callable[..., float | None], *args: float) -> float | None:
        """A slot from the shared budget (``fn``: take or move one), in a thread; None when
        there is none or the database does not answer in time."""
        from scheduler.store.watchdog import database_away, mark_away

        loop = asyncio.get_running_loop()
        if self._shared_down and time.monotonic() < self._shared_retry_at:
            return None
        try:
            slot = await asyncio.wait_for(
                loop.run_in_executor(self._pool, fn, *args), SHARED_TIMEOUT
            )
        except Exception as exc:  # noqa: BLE001 - the database is away: local limits only
            if not self._shared_down:
                log.warning("shared send budget unavailable, local limits only: %r", exc)
                self._shared_down = True
            self._shared_retry_at = time.monotonic() + SHARED_AWAY
            if isinstance(exc, TimeoutError) and not database_away():
                mark_away()  # silent, not refusing: questions skip it too for a while
            return None
        self._shared_down = False
        return None if slot is None else float(slot)

    @staticmethod
    def _log_failure(future) -> None:  # noqa: ANN001
        if future.exception() is not None:
            log.warning("shared pause not recorded: %r", future.exception())

    def overall_delay(self) -> float:
        """Seconds until the bot as a whole may send again (after a bot-wide pause)."""
        return self._spacing.delay(OVERALL)

    def chat_delay(self, chat_id: int | str) -> float:
        return self._spacing.delay(("chat", chat_id))


def is_group_chat(chat_id: int | str) -> bool:
    """Telegram group, supergroup and channel ids are negative; ``@name`` addresses a channel."""
    if isinstance(chat_id, str):
        return not chat_id.isdigit()
    return chat_id < 0
