"""Telegram and DingTalk in one process, as `fazhi run` starts them when both are configured:
one registry, one outbox sender routing each chat to its platform. A unit with a Telegram
group and a DingTalk group gets its reminders in both, each once; either platform's questions
are answered."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from bot.channels.dingtalk.app import DingTalkBot, DingTalkConfig
from bot.channels.telegram.app import build_application
from bot.runtime.compose import build_assistant
from scheduler.records import chat_registry
from scheduler.store.db import session_scope
from scheduler.timing.clock import TZ
from tests.bot_harness import FAST_LIMITS, FAST_RETRY, BotHarness, make_settings
from tests.dingtalk_harness import FAST_LIMITS as DT_LIMITS
from tests.fakes import FakeBotApi
from tests.fakes.dingtalk import CLIENT_ID, CLIENT_SECRET, FakeDingTalk

NOW = dt.datetime(2026, 7, 1, 10, 0, tzinfo=TZ)
TG_GROUP = -3003
DT_GROUP = ("group", "cidBureau==")
DUE_AT_NOW = {"i2-study", "i4-meeting"}


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


def _done_keys(buttons: list[str]) -> set[str]:
    return {b.split(":")[1] for b in buttons if b.startswith("done:")}


async def test_a_unit_on_both_platforms_gets_each_reminder_once_on_each(
    fake_bot_api: FakeBotApi, tmp_path
) -> None:  # noqa: ANN001
    with FakeDingTalk() as fake:
        assistant = build_assistant(make_settings(tmp_path))
        with session_scope(assistant.sched.engine) as s:
            for chat in (str(TG_GROUP), f"dt:g:{DT_GROUP[1]}"):
                chat_registry.register_chat(s, chat, "区司法局", title="司法局群", is_group=True)
                chat_registry.approve(s, chat, actor="test")
        dingtalk = DingTalkBot(
            assistant,
            DingTalkConfig(CLIENT_ID, CLIENT_SECRET, api_base_url=fake.base_url),
            limits=DT_LIMITS,
        )
        app = build_application(
            assistant,
            fake_bot_api.token,
            fake_bot_api.base_url,
            send_interval=0.1,
            limits=FAST_LIMITS,
            retry_policy=FAST_RETRY,
            other_channels={"dt:": dingtalk.channel},
            companions=[dingtalk],
        )
        async with BotHarness(fake_bot_api, assistant, app) as bot:
            assert await fake.wait_async(lambda: len(fake.sockets) == 1)

            def dt_keys() -> set[str]:
                return _done_keys([d for m in fake.messages(DT_GROUP) for _t, d in m.buttons])

            def tg_keys() -> set[str]:
                return _done_keys([d for m in bot.messages(TG_GROUP) for d in bot.buttons(m)])

            assert await fake.wait_async(lambda: dt_keys() == tg_keys() == DUE_AT_NOW, 20)
            await asyncio.sleep(0.5)
            assert len(fake.messages(DT_GROUP)) == len(DUE_AT_NOW)  # each once
            assert len([m for m in bot.messages(TG_GROUP) if bot.buttons(m)]) == len(DUE_AT_NOW)

            # a DingTalk question, answered while Telegram runs beside it
            before = len(fake.messages(DT_GROUP))
            await asyncio.to_thread(fake.say, DT_GROUP, "/help")
            assert await fake.wait_async(lambda: len(fake.messages(DT_GROUP)) == before + 1)
            assert "/mytasks" in fake.messages(DT_GROUP)[-1].text
        assert app.post_stop is not None
        await app.post_stop(app)  # what run_polling does after stop(): DingTalk stops with it
        assert await fake.wait_async(lambda: fake.sockets == [])
