"""The real fazhi Telegram application against the fake Bot API server, for end-to-end tests.

:class:`BotHarness` builds the assistant with :func:`bot.runtime.compose.build_assistant` on a SQLite file,
the PTB Application with :func:`bot.channels.telegram.app.build_application` pointed at the fake
server's ``base_url``, runs ``post_init`` (commands, scheduler jobs) and long-polls
``getUpdates`` like ``fazhi run`` does. Tests inject updates into the server and read what
reached the chats. Flood limits and outbox back-off are shortened so that a test takes
seconds, not minutes; everything else is the production path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.channels.telegram.app import build_application
from bot.channels.telegram.rate_limit import FloodLimits
from bot.chat.assistant import Assistant
from bot.chat.render.replies import html_to_plain
from bot.runtime.compose import build_assistant
from bot.runtime.settings import Settings
from scheduler.delivery.outcomes import RetryPolicy
from scheduler.records import chat_registry
from scheduler.store.db import session_scope
from scheduler.store.models import Chat
from tests.fakes import DeliveredMessage, FakeBotApi

ADMIN_ID = 42
FAST_LIMITS = FloodLimits(overall=(200, 1.0), private_chat=(50, 1.0), group_chat=(50, 1.0))
FAST_RETRY = RetryPolicy(base_delay=0.05, factor=2.0, max_delay=0.5)
# seconds a wait may take before the test fails: only a hang, never a slow machine, reaches it
# (a wait returns as soon as its condition holds, so a generous limit costs nothing)
HANG = 120.0


def make_settings(tmp_path: Path, admin_ids: str = str(ADMIN_ID), **extra: Any) -> Settings:
    """Settings as ``fazhi run`` reads them, with no ``.env`` file from the working directory."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token="123456:TEST",
        database_url=f"sqlite:///{tmp_path / 'fazhi.db'}",
        fazhi_admin_ids=admin_ids,
        fazhi_data_dir=str(tmp_path / "data"),
        **extra,
    )


def plain(text: str | None) -> str:
    """What a Telegram client shows for an HTML message."""
    return html_to_plain(text or "")


@dataclass
class BotHarness:
    server: FakeBotApi
    assistant: Assistant
    app: Application
    admin_id: int = ADMIN_ID
    _started: list[str] = field(default_factory=list)
    jobs_done: set[str] = field(default_factory=set)  # ids of scheduler jobs that finished a run

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> BotHarness:
        app = self.app
        if app.job_queue is not None:  # before the jobs are installed, so no run is missed
            from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

            app.job_queue.scheduler.add_listener(
                lambda event: self.jobs_done.add(event.job_id),
                EVENT_JOB_EXECUTED | EVENT_JOB_ERROR,
            )
        await app.initialize()
        self._started.append("initialized")
        assert app.post_init is not None
        await app.post_init(app)  # what run_polling does between initialize() and start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        self._started.append("polling")
        await app.start()
        self._started.append("started")
        return self

    async def stop(self) -> None:
        app = self.app
        if "polling" in self._started and app.updater is not None and app.updater.running:
            await app.updater.stop()
        if "started" in self._started and app.running:
            await app.stop()
        if "initialized" in self._started:
            await app.shutdown()
        self._started.clear()
        self.assistant.sched.engine.dispose()

    async def __aenter__(self) -> BotHarness:
        try:
            return await self.start()
        except BaseException:
            await self.stop()
            raise

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- reading what reached chats ----------------------------------------------------------
    def messages(self, chat_id: int) -> list[DeliveredMessage]:
        return self.server.messages(chat_id)

    def texts(self, chat_id: int) -> list[str]:
        """Plain text of every message that reached ``chat_id`` (documents: their caption)."""
        return [plain(m.text) for m in self.server.messages(chat_id)]

    async def wait(self, predicate: Callable[[], bool], timeout: float = HANG) -> None:
        ok = await self.server.wait_for_async(lambda _s: predicate(), timeout=timeout)
        assert ok, "timed out waiting for the bot"

    async def start_up_jobs_ran(self) -> None:
        """Wait until the planner's and the digest's first runs (at start and 2 s later) are
        over, and everything they queued has gone out: an event, not a guess of how long."""
        from scheduler.delivery.outbox import pending_count
        from scheduler.jobs.install import DIGEST_JOB, PLANNER_JOB

        await self.wait(lambda: {PLANNER_JOB, DIGEST_JOB} <= self.jobs_done)
        await self.wait(lambda: pending_count(self.assistant.sched.engine) == 0)

    async def wait_messages(self, chat_id: int, count: int, timeout: float = HANG) -> list[str]:
        """Wait until ``chat_id`` has at least ``count`` messages; returns all their texts."""
        await self.wait(lambda: len(self.server.messages(chat_id)) >= count, timeout)
        return self.texts(chat_id)

    async def say(self, chat_id: int, text: str, **kwargs: Any) -> list[str]:
        """Send ``text`` to the bot; wait for one more message in the chat; the new texts."""
        before = len(self.server.messages(chat_id))
        self.server.inject_text(chat_id, text, **kwargs)
        await self.wait_messages(chat_id, before + 1)
        return self.texts(chat_id)[before:]

    async def tap(self, chat_id: int, data: str, **kwargs: Any) -> None:
        """Tap a button; waits until the bot answered the callback query."""
        before = len(self.server.calls_to("answerCallbackQuery"))
        self.server.inject_callback_query(chat_id, data, **kwargs)
        await self.wait(lambda: len(self.server.calls_to("answerCallbackQuery")) > before)

    def buttons(self, message: DeliveredMessage) -> list[str]:
        """Callback data of a message's inline keyboard (in the order shown)."""
        markup = message.params.get("reply_markup") or {}
        return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]

    # -- the registry ------------------------------------------------------------------------
    def chat_row(self, chat_id: int | str) -> Chat | None:
        with session_scope(self.assistant.sched.engine) as s:
            chat = s.exec(_select_chat(str(chat_id))).first()
            if chat is not None:
                s.expunge(chat)
            return chat

    def register(self, chat_id: int, unit: str, *, is_group: bool = False) -> None:
        """An approved chat, as if registered and approved earlier."""
        with session_scope(self.assistant.sched.engine) as s:
            chat_registry.register_chat(s, chat_id, unit, title=f"聊天{chat_id}", is_group=is_group)
            chat_registry.approve(s, chat_id, actor="test")


def _select_chat(chat_id: str) -> Any:
    from sqlmodel import select

    return select(Chat).where(Chat.chat_id == chat_id)


def build_harness(
    server: FakeBotApi,
    tmp_path: Path,
    *,
    send_interval: float = 0.1,
    limits: FloodLimits | None = FAST_LIMITS,
    retry_policy: RetryPolicy | None = FAST_RETRY,
    start_jobs: bool = True,
    prepare: Callable[[Assistant], None] | None = None,
    **settings: Any,
) -> BotHarness:
    """A harness ready to ``async with``; ``prepare`` runs on the assistant before the app
    starts (e.g. to register chats the startup planner run should see)."""
    assistant = build_assistant(make_settings(tmp_path, **settings))
    if prepare is not None:
        prepare(assistant)
    app = build_application(
        assistant,
        server.token,
        server.base_url,
        send_interval=send_interval,
        start_jobs=start_jobs,
        limits=limits,
        retry_policy=retry_policy,
    )
    return BotHarness(server, assistant, app)


_TAG = re.compile(r"</?(\w+)[^>]*>")


def html_tags_balanced(text: str) -> bool:
    """Every tag opened is closed, in order (Telegram rejects malformed HTML)."""
    stack: list[str] = []
    for m in _TAG.finditer(text):
        name = m.group(1)
        if m.group(0).startswith("</"):
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack
