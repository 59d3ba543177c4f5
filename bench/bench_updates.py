"""Updates benchmark: updates per second handled end to end, against the fake Bot API server.

Each app under test is a PTB ``Application`` built by an *app factory* and long-polls a fresh
fake server; the benchmark injects N private text messages (varied questions from
:mod:`bench.questions`, from ``--senders`` chats) and times until every one has been answered
with a message. With ``--latency-ms`` the server delays every request (getUpdates included) by
that round trip, as Telegram over a real network does. The first app is the baseline (a
minimal PTB echo bot handling up to 32 updates at once); the others are reported as a ratio of
it. Targets for fazhi: ≥ 0.6× the echo bot over loopback, ≥ 0.8× at 100 ms.

Plug in another app with ``--app module:factory``, where ``factory(server)`` takes the
:class:`~tests.fakes.FakeBotApi` and returns an un-initialised ``Application`` pointed at
``server.base_url`` (see :func:`echo_app`). It must answer each text message with exactly one
message. Server and apps share one process, so the server's own cost (about 0.4 ms a
request) weighs on every app alike.

The fazhi app (:func:`fazhi_app`: ``build_application`` on a temporary SQLite database, the
scheduler jobs off, the per-user question limit raised) is measured by default.

    python -m bench.bench_updates
    python -m bench.bench_updates --latency-ms 100
    python -m bench.bench_updates --updates 5000 --app some.module:factory
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bench.questions import questions
from bot.channels.telegram.rate_limit import FloodLimits
from tests.fakes import FakeBotApi

AppFactory = Callable[[FakeBotApi], Application]
TARGET_AT_LOOPBACK = 0.6  # fazhi's rate as a share of the echo bot's, over loopback
TARGET_AT_LATENCY = 0.8  # … and with a network round trip of 100 ms or more
LATENCY_FOR_TARGET = 100.0
QUESTIONS = (
    "第十四条 我单位要做什么",
    "司法局有哪些任务",
    "每季度要学法几次",
    "行政复议改革谁负责",
)


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


CONCURRENT_UPDATES = 32  # the echo bot's, as fazhi's default (build_application)


def echo_one_at_a_time_app(server: FakeBotApi) -> Application:
    """PTB's default: one update at a time (``--sequential-echo`` adds it to the report)."""
    app = (
        Application.builder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    return app


def echo_app(server: FakeBotApi) -> Application:
    """The baseline: PTB's smallest useful bot, echoing every text message, handling up to
    ``CONCURRENT_UPDATES`` updates at once."""
    app = (
        Application.builder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .concurrent_updates(CONCURRENT_UPDATES)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    return app


_TEMP_DIRS: list[tempfile.TemporaryDirectory[str]] = []


def bench_database_url(data_dir: str) -> str:
    """The fazhi app's SQLite database in ``data_dir``."""
    return f"sqlite:///{Path(data_dir) / 'bench.db'}"


def fazhi_app(server: FakeBotApi, data_dir: str | None = None) -> Application:
    """The real fazhi bot: assistant on a fresh SQLite file (or the one in ``data_dir``),
    handlers as in ``fazhi run``.

    The outbox jobs are off (nothing is queued: no chat is registered), the per-user
    question limit is raised so that the benchmark's senders are not told to slow down, and
    the client-side flood limits are off like the echo bot's (the server enforces none): the
    benchmark measures how fast updates are handled, not Telegram's 30 messages/s."""
    from bot.channels.telegram.app import build_application
    from bot.runtime.compose import build_assistant
    from bot.runtime.settings import Settings

    if data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="fazhi-bench-")
        _TEMP_DIRS.append(tmp)
        data_dir = tmp.name
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=bench_database_url(data_dir),
        fazhi_data_dir=data_dir,
        fazhi_questions_per_minute=1000,
    )
    assistant = build_assistant(settings)
    unlimited = FloodLimits(overall=None, private_chat=None, group_chat=None)
    return build_application(
        assistant, server.token, server.base_url, start_jobs=False, limits=unlimited
    )


@dataclass
class Result:
    name: str
    updates: int
    seconds: float
    completed: bool

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0


async def measure(
    name: str, factory: AppFactory, updates: int, senders: int, latency: float = 0.0
) -> Result:
    """Run one app against a fresh server; time N injected updates until N answers."""
    with FakeBotApi(latency=latency) as server:
        app = factory(server)
        async with app:
            if app.post_init is not None:
                await app.post_init(app)
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1)
            try:
                warmup = min(50, updates)
                for i in range(warmup):
                    server.inject_text(1 + i % senders, QUESTIONS[i % len(QUESTIONS)])
                await server.wait_for_async(lambda s: s.delivered_count >= warmup, timeout=60)
                base = server.delivered_count
                started = time.perf_counter()
                for i, text in enumerate(questions(updates)):
                    server.inject_text(1 + i % senders, text)
                completed = await server.wait_for_async(
                    lambda s: s.delivered_count >= base + updates, timeout=updates / 10 + 30
                )
                seconds = time.perf_counter() - started
            finally:
                await app.updater.stop()
                await app.stop()
    return Result(name, updates, seconds, completed)


def load_factory(spec: str) -> tuple[str, AppFactory]:
    module_name, _, attribute = spec.partition(":")
    factory = getattr(importlib.import_module(module_name), attribute or "bench_factory")
    return spec, factory


async def run(
    factories: list[tuple[str, AppFactory]], updates: int, senders: int, latency_ms: float = 0.0
) -> bool:
    latency = latency_ms / 1000
    results = [await measure(name, f, updates, senders, latency) for name, f in factories]
    baseline = results[0]
    print(f"updates per app     {updates} varied questions (from {senders} private chats)")
    print(f"network latency     {latency_ms:g} ms per request (round trip)")
    ok = True
    for result in results:
        ratio = result.rate / baseline.rate if baseline.rate else 0.0
        flag = "" if result.completed else "  INCOMPLETE"
        print(
            f"{result.name:<20}{result.rate:8.1f} updates/s  {result.seconds:6.2f} s  "
            f"{ratio:5.0%} of {baseline.name}{flag}"
        )
        ok = ok and result.completed
    fazhi = next((r for r in results if r.name == "fazhi"), None)
    if fazhi is not None and baseline.rate:
        ratio = fazhi.rate / baseline.rate
        target = TARGET_AT_LATENCY if latency_ms >= LATENCY_FOR_TARGET else TARGET_AT_LOOPBACK
        met = ratio >= target
        print(
            f"fazhi / echo        {ratio:.2f}x at {latency_ms:g} ms (target >= {target}x): "
            + ("met" if met else "MISSED")
        )
        ok = ok and met
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=100, help="distinct private chats")
    parser.add_argument(
        "--app", action="append", default=[], help="module:factory of another app to measure"
    )
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="round trip added to every request"
    )
    parser.add_argument(
        "--sequential-echo",
        action="store_true",
        help="also measure the echo bot handling one update at a time (PTB's default)",
    )
    args = parser.parse_args(argv)
    factories = [("echo (PTB baseline)", echo_app), ("fazhi", fazhi_app)]
    if args.sequential_echo:
        factories.append(("echo, one at a time", echo_one_at_a_time_app))
    factories += map(load_factory, args.app)
    ok = asyncio.run(run(factories, args.updates, args.senders, args.latency_ms))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
