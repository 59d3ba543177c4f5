"""The client-side flood limiter on a simulated clock: strict spacing steady, a bounded catch-up
after a stall that never breaks the server's window, wider spacing after a bot-wide 429, and
a shared budget (a real one, on a SQLite file) whose slots a late process gives up."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.channels.telegram.rate_limit import CAUTION_STEP, FloodLimiter, FloodLimits
from scheduler.delivery.budget import SendBudget
from scheduler.store.db import init_db

LIMITS = FloodLimits(overall=(30, 1.0), private_chat=(1, 1.0), group_chat=(20, 60.0))
INTERVAL = LIMITS.interval(LIMITS.overall)


class SimulatedTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


async def _sends(
    limiter: FloodLimiter, time: SimulatedTime, n: int, first_chat: int
) -> list[float]:
    stamps = []
    for chat in range(first_chat, first_chat + n):
        await limiter.acquire(chat, is_group=False)
        stamps.append(time.now)
    return stamps


def _tightest_window(stamps: list[float], count: int = 31) -> float:
    return min(b - a for a, b in zip(stamps, stamps[count - 1 :], strict=False))


async def test_steady_spacing_and_the_window_hold_after_a_stall() -> None:
    time = SimulatedTime()
    limiter = FloodLimiter(LIMITS, clock=time.clock, sleep=time.sleep)
    stamps = await _sends(limiter, time, 40, 1)
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert min(gaps) >= INTERVAL / 2 - 1e-9
    assert abs(gaps[-1] - INTERVAL) < 1e-9  # steady: the strict spacing
    time.now += 0.3  # the event loop was busy elsewhere
    stamps += await _sends(limiter, time, 40, 100)
    gaps = [b - a for a, b in zip(stamps[40:], stamps[41:], strict=False)]
    assert min(gaps) < INTERVAL  # part of the stall is made up for …
    assert _tightest_window(stamps) >= 1.0 * (1 + LIMITS.margin) - 1e-9  # … within the window


async def test_a_bot_wide_429_pauses_and_widens_the_spacing_for_a_while() -> None:
    time = SimulatedTime()
    limiter = FloodLimiter(LIMITS, clock=time.clock, sleep=time.sleep)
    before = await _sends(limiter, time, 35, 1)
    limiter.pause_all(1.0)
    paused_at = time.now
    after = await _sends(limiter, time, 35, 100)
    assert after[0] >= paused_at + 1.0
    steady_before = (before[-1] - before[-11]) / 10
    steady_after = (after[-1] - after[-11]) / 10
    assert abs(steady_before - INTERVAL) < 1e-9
    assert steady_after > INTERVAL * (1 + CAUTION_STEP / 2)  # wider, easing back
    later = await _sends(limiter, time, 300, 1000)
    assert abs((later[-1] - later[-2]) - INTERVAL) < 1e-9  # eased back


class _Budget:
    """A real shared budget (on a SQLite file) that records the slots this process held;
    ``other``: another process's view of the same row, which takes a slot just before each of
    this process's and is always waiting for the next one."""

    def __init__(self, budget: SendBudget, other: SendBudget | None = None) -> None:
        self.budget, self.other = budget, other
        self.slots: list[float] = []
        self.taken = 0

    def take_slot(self) -> float:
        if self.other is not None:
            self.other.take_slot()
        self.taken += 1
        self.slots.append(self.budget.take_slot())
        return self.slots[-1]

    def move_to_now(self, slot: float) -> float | None:
        if self.other is not None:
            self.other.take_slot()
        moved = self.budget.move_to_now(slot)
        if moved is not None:
            self.slots.append(moved)
        return moved

    def now(self) -> float:
        return self.budget.now()

    def pause(self, seconds: float) -> None:
        self.budget.pause(seconds)


async def _late_every_third(
    tmp_path: Path, with_another: bool, limits: FloodLimits = LIMITS, every: int = 3
) -> tuple[FloodLimiter, _Budget, list[tuple[float, float]]]:
    """40 messages through a limiter whose every third (``every``) wake-up comes 80 ms late
    (a busy machine): (limiter, budget, [(sent at, slot held)])."""
    time = SimulatedTime()
    engine = init_db(f"sqlite:///{tmp_path / 'budget.db'}")
    mine, theirs = (SendBudget(engine, margin=LIMITS.margin, clock=time.clock) for _ in "ab")
    shared = _Budget(mine, theirs if with_another else None)
    wake_ups = [0]

    async def late_every_third(seconds: float) -> None:
        wake_ups[0] += 1
        await time.sleep(seconds + (0.08 if wake_ups[0] % every == 0 else 0.0))

    limiter = FloodLimiter(limits, clock=time.clock, sleep=late_every_third, shared=shared)
    held = []
    for chat in range(1, 41):
        await limiter.acquire(chat, is_group=False)
        held.append((time.now, shared.slots[-1]))
    engine.dispose()
    return limiter, shared, held


async def test_a_slot_missed_while_another_process_waits_is_given_up(tmp_path: Path) -> None:
    """With another process sending at its own slots on time, a message leaving 80 ms late
    is bunched with theirs, and late ones in a row fit 31 into the server's one second. The
    missed slot is given up for the next free one: every message leaves within a quarter
    spacing of the slot it holds."""
    limiter, shared, held = await _late_every_third(tmp_path, with_another=True)
    assert limiter.late_slots > 0
    assert shared.taken == 40 + limiter.late_slots  # each missed slot was given up
    assert all(sent - slot <= INTERVAL / 4 + 1e-9 for sent, slot in held)


async def test_a_slot_missed_with_nobody_behind_it_moves_to_now(tmp_path: Path) -> None:
    """One process alone: a missed slot is moved to the moment the process woke up, since no
    one holds a later one; nothing is given up, and every message still leaves at its slot.
    (The local spacing is set looser here so that the shared slots are the ones waited for,
    as with several messages in flight after a stall.)"""
    looser = FloodLimits(overall=(60, 1.0), private_chat=None, group_chat=None)
    limiter, shared, held = await _late_every_third(tmp_path, with_another=False, limits=looser)
    assert limiter.late_slots > 0
    assert shared.taken == 40  # no slot wasted
    assert all(sent - slot <= INTERVAL / 4 + 1e-9 for sent, slot in held)


async def test_a_process_late_at_every_wake_up_still_sends_never_early(tmp_path: Path) -> None:
    """Every wake-up 80 ms late: after a few missed slots in a row the message goes, late,
    but never before the slot it holds."""
    limiter, shared, held = await _late_every_third(tmp_path, with_another=True, every=1)
    assert limiter.late_slots >= 40
    assert all(sent >= slot - 1e-9 for sent, slot in held)
