"""Flood benchmark: do other users still get answers while one user floods the bot?

The real fazhi app (``build_application``: per-chat concurrent updates behind the flood gate,
Telegram's default send limits, the default question limit) long-polls the fake Bot API. For
``--seconds`` seconds, each of ``--users`` users asks a question every second; the answer time
of a question is from its injection until its answer reaches the chat. The same run is done
twice: without a flood (the baseline) and while one more user sends ``--flood-rate`` messages
per second. Printed: the p50/p95 answer time of both runs, the ratio, and whether the p95
under the flood meets the target (under 2 s).

    python -m bench.bench_flood
    python -m bench.bench_flood --flood-rate 1000 --seconds 5 --users 20
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.fakes import FakeBotApi

QUESTIONS = (
    "第十四条 我单位要做什么",
    "司法局有哪些任务",
    "每季度要学法几次",
    "行政复议改革谁负责",
)
FLOODER = 999_999
TARGET_P95 = 2.0


@dataclass
class Run:
    name: str
    times: list[float]
    unanswered: int
    flood_answers: int

    def pct(self, q: float) -> float:
        if not self.times:
            return float("inf")
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _app(server: FakeBotApi, tmp: str):  # noqa: ANN202
    from bot.channels.telegram.app import build_application
    from bot.runtime.compose import build_assistant
    from bot.runtime.settings import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
        fazhi_data_dir=tmp,
    )
    return build_application(build_assistant(settings), server.token, server.base_url,
                             start_jobs=False)  # fmt: skip


async def measure(name: str, users: int, seconds: float, flood_rate: int) -> Run:
    with FakeBotApi() as server, tempfile.TemporaryDirectory(prefix="fazhi-flood-") as tmp:
        app = _app(server, tmp)
        async with app:
            await app.post_init(app)  # type: ignore[misc]
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1)
            try:
                asked: dict[int, list[float]] = {1000 + u: [] for u in range(users)}
                flood = asyncio.create_task(_flood(server, flood_rate, seconds))
                start = time.monotonic()
                for tick in range(int(seconds)):
                    for u, chat in enumerate(asked):  # spread over the second
                        at = start + tick + u / users
                        await asyncio.sleep(max(0.0, at - time.monotonic()))
                        asked[chat].append(time.monotonic())
                        server.inject_text(chat, QUESTIONS[(tick + u) % len(QUESTIONS)])
                await flood
                total = sum(len(v) for v in asked.values())
                await server.wait_for_async(
                    lambda s: sum(min(len(s.messages(c)), len(asked[c])) for c in asked) >= total,
                    timeout=60,
                )
            finally:
                await app.updater.stop()
                await app.stop()
        times: list[float] = []
        unanswered = 0
        for chat, sent in asked.items():
            answers = server.messages(chat)
            for k, t0 in enumerate(sent):
                if k < len(answers):
                    times.append(answers[k].at - t0)
                else:
                    unanswered += 1
        return Run(name, times, unanswered, len(server.messages(FLOODER)))


async def _flood(server: FakeBotApi, rate: int, seconds: float) -> None:
    if rate <= 0:
        return
    batch = max(1, rate // 20)  # 20 batches a second
    start = time.monotonic()
    sent = 0
    while sent < rate * seconds:
        for _ in range(batch):
            server.inject_text(FLOODER, f"刷屏 {sent}")
            sent += 1
        await asyncio.sleep(max(0.0, start + sent / rate - time.monotonic()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--flood-rate", type=int, default=1000, help="messages per second")
    args = parser.parse_args(argv)
    quiet = asyncio.run(measure("no flood", args.users, args.seconds, 0))
    flooded = asyncio.run(measure("flood", args.users, args.seconds, args.flood_rate))
    print(
        f"{args.users} users, one question a second each, {args.seconds:.0f} s; "
        f"flood: one user, {args.flood_rate} messages/s"
    )
    for run in (quiet, flooded):
        print(
            f"{run.name:<10} p50 {run.pct(0.5) * 1000:7.0f} ms  p95 {run.pct(0.95) * 1000:7.0f} ms"
            f"  answered {len(run.times)}  unanswered {run.unanswered}"
            f"  replies to the flooder {run.flood_answers}"
        )
    ratio = flooded.pct(0.95) / quiet.pct(0.95) if quiet.pct(0.95) else float("inf")
    ok = flooded.pct(0.95) < TARGET_P95 and flooded.unanswered == 0
    print(
        f"p95 under flood / without: {ratio:.2f}x; target p95 < {TARGET_P95:.0f} s: "
        + ("met" if ok else "MISSED")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
