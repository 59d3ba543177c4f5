"""Updates benchmark: updates per second handled end to end, against the fake Bot API server.

Each app under test is a PTB ``Application`` built by an *app factory* and long-polls a fresh
fake server; the benchmark injects N private text messages (from ``--senders`` chats) and
times until every one has been answered with a message. The first app is the baseline (a
minimal echo bot); the others are reported as a ratio of it (issue 5's target for the fazhi
app: at least half the echo bot's rate).

Plug in another app with ``--app module:factory``, where ``factory(server)`` takes the
:class:`~tests.fakes.FakeBotApi` and returns an un-initialised ``Application`` pointed at
``server.base_url`` (see :func:`echo_app`). It must answer each text message with exactly one
message. Server and apps share one process, so the server's own cost (about 0.4 ms a
request) weighs on every app alike.

The fazhi app (:func:`fazhi_app`: ``build_application`` on a temporary SQLite database, the
scheduler jobs off, the per-user question limit raised) is measured by default; questions are
the updates.

    python -m bench.bench_updates
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

from tests.fakes import FakeBotApi

AppFactory = Callable[[FakeBotApi], Application]
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


def echo_app(server: FakeBotApi) -> Application:
    """The baseline: PTB's smallest useful bot, echoing every text message."""
    app = (
        Application.builder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    return app


_TEMP_DIRS: list[tempfile.TemporaryDirectory[str]] = []


def fazhi_app(server: FakeBotApi) -> Application:
    """The real fazhi bot: assistant on a fresh SQLite file, handlers as in ``fazhi run``.

    The outbox jobs are off (nothing is queued: no chat is registered) and the per-user
    question limit is raised so that the benchmark's senders are not told to slow down."""
    from bot.app import build_assistant
    from bot.settings import Settings
    from bot.telegram_app import build_application

    tmp = tempfile.TemporaryDirectory(prefix="fazhi-bench-")
    _TEMP_DIRS.append(tmp)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{Path(tmp.name) / 'bench.db'}",
        fazhi_data_dir=tmp.name,
        fazhi_questions_per_minute=1000,
    )
    assistant = build_assistant(settings)
    return build_application(assistant, server.token, server.base_url, start_jobs=False)


@dataclass
class Result:
    name: str
    updates: int
    seconds: float
    completed: bool

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0


async def measure(name: str, factory: AppFactory, updates: int, senders: int) -> Result:
    """Run one app against a fresh server; time N injected updates until N answers."""
    with FakeBotApi() as server:
        app = factory(server)
        async with app:
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
                for i in range(updates):
                    server.inject_text(1 + i % senders, QUESTIONS[i % len(QUESTIONS)])
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


async def run(factories: list[tuple[str, AppFactory]], updates: int, senders: int) -> bool:
    results = [await measure(name, f, updates, senders) for name, f in factories]
    baseline = results[0]
    print(f"updates per app     {updates} (from {senders} private chats)")
    ok = True
    for result in results:
        ratio = result.rate / baseline.rate if baseline.rate else 0.0
        flag = "" if result.completed else "  INCOMPLETE"
        print(
            f"{result.name:<20}{result.rate:8.1f} updates/s  {result.seconds:6.2f} s  "
            f"{ratio:5.0%} of {baseline.name}{flag}"
        )
        ok = ok and result.completed
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=100, help="distinct private chats")
    parser.add_argument(
        "--app", action="append", default=[], help="module:factory of another app to measure"
    )
    args = parser.parse_args(argv)
    factories = [("echo (PTB baseline)", echo_app), ("fazhi", fazhi_app)]
    factories += map(load_factory, args.app)
    return 0 if asyncio.run(run(factories, args.updates, args.senders)) else 1


if __name__ == "__main__":
    sys.exit(main())
