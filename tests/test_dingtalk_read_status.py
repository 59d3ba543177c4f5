"""已读 / 未读 in a notice's delivery report: fazhi's DingTalk robot (the real ``dingtalk-stream``
SDK) against the fake DingTalk, whose ``oToMessages/readStatus`` answers what the test marks
read; and the channel-neutral hook for channels that cannot tell."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator

import pytest
import time_machine

from bot.channels.dingtalk.ids import group_chat, user_chat
from scheduler.delivery.channel import SentMessage, read_status
from scheduler.delivery.read_report import blocking
from scheduler.delivery.routing import RoutingChannel
from scheduler.timing.clock import TZ
from tests.dingtalk_harness import ADMIN_STAFF, DingTalkHarness, build_harness
from tests.fakes.dingtalk import Delivered, FakeDingTalk

NOW = dt.datetime(2026, 7, 1, 10, 0, tzinfo=TZ)
ADMIN = ("user", ADMIN_STAFF)
READER = ("user", "staff2001")
OTHER = ("user", "staff2002")


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
async def bot(tmp_path) -> AsyncIterator[DingTalkHarness]:  # noqa: ANN001
    with FakeDingTalk() as fake:
        async with build_harness(fake, tmp_path) as harness:
            yield harness


def notices(bot: DingTalkHarness, chat: tuple[str, str]) -> list[Delivered]:
    return [m for m in bot.fake.messages(chat) if m.text.startswith("【通知】")]


async def broadcast(bot: DingTalkHarness, text: str) -> tuple[Delivered, str]:
    """The admin's /broadcast, confirmed; waits until both chats have the notice."""
    [preview] = await bot.say(ADMIN, text)
    [send] = [d for _label, d in preview.buttons if d.startswith("bc:ok:")]
    await bot.press(ADMIN, preview, send, staff_id=ADMIN_STAFF)
    arrived = await bot.fake.wait_async(lambda: all(notices(bot, c) for c in (READER, OTHER)), 15)
    assert arrived, [(m.chat, m.text[:30]) for m in bot.fake.delivered]
    return preview, send.split(":")[2]


async def test_the_report_shows_who_has_read_a_notice(bot: DingTalkHarness) -> None:
    bot.register(READER, "区司法局")
    bot.register(OTHER, "区财政局")
    preview, bc_id = await broadcast(bot, "/broadcast 全部 请于7月6日前报送半年工作总结")
    assert notices(bot, READER)[0].kind == "sampleMarkdown"  # a robot message, not a card
    bot.fake.mark_read(READER[1])

    [report] = await bot.press(ADMIN, preview, f"bc:rep:{bc_id}", staff_id=ADMIN_STAFF)
    assert "阅读（单聊）：1/2 已读" in report.text
    assert "已读：区司法局" in report.text and "未读：区财政局" in report.text
    asked = bot.fake.calls_to("/v1.0/robot/oToMessages/readStatus")
    assert len(asked) == 2 and all(q["processQueryKey"] for q in asked)

    bot.fake.mark_read(OTHER[1])
    [again] = await bot.press(ADMIN, preview, f"bc:rep:{bc_id}", staff_id=ADMIN_STAFF)
    assert "阅读（单聊）：2/2 已读" in again.text and "未读" not in again.text


async def test_a_notice_sent_as_a_card_has_no_read_lines(bot: DingTalkHarness) -> None:
    bot.register(READER, "区司法局")
    bot.register(OTHER, "区财政局")
    preview, bc_id = await broadcast(bot, "/broadcast 需回执 全部 请报送半年工作总结")
    assert notices(bot, READER)[0].kind == "card"  # the 收到 button: no read status to ask
    bot.fake.mark_read(READER[1])
    [report] = await bot.press(ADMIN, preview, f"bc:rep:{bc_id}", staff_id=ADMIN_STAFF)
    assert "回执：0/2 个单位已回执" in report.text
    assert "已读" not in report.text and "阅读" not in report.text
    assert bot.fake.calls_to("/v1.0/robot/oToMessages/readStatus") == []


class Silent:
    """A channel without the hook (as Telegram)."""

    name = "silent"


class Knowing:
    name = "knowing"

    async def read_status(self, messages: list[SentMessage]) -> dict[int, bool | None]:
        return {m.id: m.id % 2 == 0 for m in messages}


def test_a_channel_without_the_hook_answers_unknown_and_routing_asks_each() -> None:
    tg = SentMessage(1, "12345", "77")
    dt_user = SentMessage(2, user_chat("s1"), "key")
    dt_group = SentMessage(3, group_chat("g1"), "key2")
    assert asyncio.run(read_status(Silent(), [tg])) == {1: None}
    routing = RoutingChannel(Silent(), {"dt:": Knowing()})  # type: ignore[arg-type]
    got = asyncio.run(read_status(routing, [tg, dt_user, dt_group]))
    assert got == {1: None, 2: True, 3: False}


async def test_the_blocking_hook_asks_from_a_worker_thread_and_never_deadlocks() -> None:
    ask = blocking(asyncio.get_running_loop(), Knowing())
    messages = [SentMessage(2, user_chat("s1"), "k"), SentMessage(3, user_chat("s2"), "k")]
    assert await asyncio.to_thread(ask, messages) == {2: True, 3: False}
    assert ask(messages) == {2: None, 3: None}  # on the loop's own thread: unknown, at once
