"""The client-side flood limiter on a simulated clock: strict spacing steady, a bounded catch-up
after a stall that never breaks the server's window, and wider spacing after a bot-wide 429."""

from __future__ import annotations

import asyncio

from bot.rate_limit import CAUTION_STEP, FloodLimiter, FloodLimits

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
