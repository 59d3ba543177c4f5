"""A chase (催办) answered on DingTalk by quoting it: the robot's card comes over the fake
DingTalk, the unit's liaison quotes it with free text, and the answer is recorded against the
chase, as a reply to the chase message is on Telegram. A quote of another message, or a text
without a quote, is a question as before. Real ``dingtalk-stream`` SDK, fake on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator

import pytest
import time_machine
from sqlmodel import select

from bot.chat.incoming import ChatContext
from scheduler.store.db import session_scope
from scheduler.store.models import ChaseReply
from scheduler.timing.clock import TZ
from tests.dingtalk_harness import ADMIN_STAFF, DingTalkHarness, build_harness, chat_id
from tests.fakes.dingtalk import FakeDingTalk

NOW = dt.datetime(2026, 7, 1, 10, 0, tzinfo=TZ)  # Q2's study session (due 6-30) is overdue
USER = ("user", "staff1001")
ADMIN = ("user", ADMIN_STAFF)
BUREAU = "区司法局"


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
async def bot(tmp_path) -> AsyncIterator[DingTalkHarness]:  # noqa: ANN001
    with FakeDingTalk() as fake:
        async with build_harness(fake, tmp_path) as harness:
            yield harness


def _replies(h: DingTalkHarness) -> list[str]:
    with session_scope(h.assistant.sched.engine) as s:
        return [r.text for r in s.exec(select(ChaseReply)).all()]


async def test_quoting_the_chase_card_records_the_answer(bot: DingTalkHarness) -> None:
    bot.register(USER, BUREAU)
    admin = ChatContext(chat_id(ADMIN), chat_id(ADMIN), "督办员")
    [said] = await asyncio.to_thread(bot.assistant.handle_command, admin, "remind", "司法局")
    assert "已催办 1 个单位" in said.plain
    ok = await bot.fake.wait_async(
        lambda: any("【催办】" in m.text for m in bot.fake.messages(USER)), 15
    )
    assert ok, bot.fake.messages(USER)
    chase = next(m for m in bot.fake.messages(USER) if "【催办】" in m.text)
    assert chase.kind == "card"  # it has the 已在办 button
    # a text without a quote is a question, not an answer
    await bot.say(USER, "预计下周完成")
    assert _replies(bot) == []
    [ok] = await bot.say(USER, "预计下周完成", quoting=chase)
    assert "已记录" in ok.text and BUREAU in ok.text and "预计下周完成" in ok.text
    recorded = _replies(bot)  # one row per task chased
    assert recorded and set(recorded) == {"预计下周完成"}
    # quoting another of the robot's messages is not an answer to the chase
    [answer] = await bot.say(USER, "每季度要学法几次")
    await bot.say(USER, "还有别的吗", quoting=answer)
    assert _replies(bot) == recorded


async def test_quoting_a_markdown_chase_records_the_answer(bot: DingTalkHarness) -> None:
    """A quoted markdown message (no buttons) from the robot counts as well."""
    from tests.fakes.dingtalk import Delivered

    bot.register(USER, BUREAU)
    admin = ChatContext(chat_id(ADMIN), chat_id(ADMIN), "督办员")
    await asyncio.to_thread(bot.assistant.handle_command, admin, "remind", "司法局")
    ok = await bot.fake.wait_async(
        lambda: any("【催办】" in m.text for m in bot.fake.messages(USER)), 15
    )
    assert ok
    card = next(m for m in bot.fake.messages(USER) if "【催办】" in m.text)
    as_markdown = Delivered(USER, "sampleMarkdown", "**" + card.text, card.title)
    [ok] = await bot.say(USER, "已安排，月底前完成", quoting=as_markdown)
    assert "已记录" in ok.text
    assert set(_replies(bot)) == {"已安排，月底前完成"}
