"""The real fazhi DingTalk robot against the fake DingTalk, for end-to-end tests.

:class:`DingTalkHarness` builds the assistant with :func:`bot.runtime.compose.build_assistant`
on a SQLite file and :class:`bot.channels.dingtalk.app.DingTalkBot` pointed at the fake's
OpenAPI and gateway, and runs :func:`bot.channels.dingtalk.app.serve` (the scheduler jobs, the
Stream connection) like ``fazhi run`` does. Limits and back-off are shortened; everything else
is the production path: the real ``dingtalk-stream`` SDK over a WebSocket on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.channels.dingtalk.app import DingTalkBot, DingTalkConfig, serve
from bot.channels.dingtalk.ids import group_chat, user_chat
from bot.channels.telegram.rate_limit import FloodLimits
from bot.chat.assistant import Assistant
from bot.runtime.compose import build_assistant
from bot.runtime.settings import Settings
from scheduler.delivery.outcomes import RetryPolicy
from scheduler.records import chat_registry
from scheduler.store.db import session_scope
from tests.fakes.dingtalk import CLIENT_ID, CLIENT_SECRET, Chat, Delivered, FakeDingTalk

ADMIN_STAFF = "admin01"
FAST_LIMITS = FloodLimits(overall=(200, 1.0), private_chat=(50, 1.0), group_chat=(50, 1.0))
FAST_RETRY = RetryPolicy(base_delay=0.05, factor=2.0, max_delay=0.5)


def make_settings(tmp_path: Path, fake: FakeDingTalk, **extra: Any) -> Settings:  # noqa: ANN401
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path / 'fazhi.db'}",
        fazhi_data_dir=str(tmp_path / "data"),
        dingtalk_client_id=CLIENT_ID,
        dingtalk_client_secret=CLIENT_SECRET,
        dingtalk_admin_staff_ids=ADMIN_STAFF,
        dingtalk_api_base_url=fake.base_url,
        **extra,
    )


def chat_id(chat: Chat) -> str:
    kind, ident = chat
    return user_chat(ident) if kind == "user" else group_chat(ident)


@dataclass
class DingTalkHarness:
    fake: FakeDingTalk
    assistant: Assistant
    bot: DingTalkBot
    send_interval: float = 0.1
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> DingTalkHarness:
        self._task = asyncio.create_task(
            serve(
                self.bot, send_interval=self.send_interval, retry_policy=FAST_RETRY, stop=self._stop
            )
        )
        ok = await self.fake.wait_async(lambda: len(self.fake.sockets) == 1)
        assert ok, "the robot did not connect"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, 20)
        self.assistant.sched.engine.dispose()

    # -- talking -------------------------------------------------------------------------------
    async def say(self, chat: Chat, text: str, count: int = 1, **kwargs: Any) -> list[Delivered]:  # noqa: ANN401
        """Write ``text``; wait for ``count`` more messages in the chat; returns the new ones."""
        before = len(self.fake.messages(chat))
        await asyncio.to_thread(self.fake.say, chat, text, **kwargs)
        return await self.wait_messages(chat, before + count, since=before)

    async def press(
        self, chat: Chat, message: Delivered, data: str, count: int = 1, **kwargs: Any
    ) -> list[Delivered]:  # noqa: ANN401
        before = len(self.fake.messages(chat))
        await asyncio.to_thread(self.fake.click, message, data, **kwargs)
        return await self.wait_messages(chat, before + count, since=before)

    async def wait_messages(
        self, chat: Chat, count: int, since: int = 0, timeout: float = 15.0
    ) -> list[Delivered]:
        ok = await self.fake.wait_async(lambda: len(self.fake.messages(chat)) >= count, timeout)
        assert ok, f"timed out waiting for {count} messages in {chat}: {self.fake.messages(chat)}"
        return self.fake.messages(chat)[since:]

    def register(self, chat: Chat, unit: str) -> None:
        """An approved chat, as if registered and approved earlier."""
        with session_scope(self.assistant.sched.engine) as s:
            group = chat[0] == "group"
            chat_registry.register_chat(s, chat_id(chat), unit, title="测试", is_group=group)
            chat_registry.approve(s, chat_id(chat), actor="test")


def build_harness(fake: FakeDingTalk, tmp_path: Path, **settings: Any) -> DingTalkHarness:  # noqa: ANN401
    config = make_settings(tmp_path, fake, **settings)
    assistant = build_assistant(config)
    bot = DingTalkBot(
        assistant,
        DingTalkConfig(
            CLIENT_ID, CLIENT_SECRET, api_base_url=fake.base_url, oapi_url=fake.base_url
        ),
        limits=FAST_LIMITS,
    )
    return DingTalkHarness(fake, assistant, bot)
