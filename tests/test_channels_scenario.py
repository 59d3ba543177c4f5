"""One scenario, two platforms: the same test body drives Telegram (real PTB against the fake
Bot API) and DingTalk (the real ``dingtalk-stream`` SDK against the fake DingTalk).

register → an admin approves → /mytasks → ✅ pressed on a reminder → a broadcast with receipt
→ 收到 → the delivery report. Each platform is reached through a small :class:`Side` (say,
press, read); the chat core behind them is the same, so the texts match once the platforms'
markup is taken off.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator, Iterator
from typing import Protocol

import pytest
import time_machine

from scheduler.timing.clock import TZ
from tests.bot_harness import ADMIN_ID, BotHarness
from tests.bot_harness import build_harness as build_telegram
from tests.dingtalk_harness import ADMIN_STAFF, DingTalkHarness
from tests.dingtalk_harness import build_harness as build_dingtalk
from tests.fakes import FakeBotApi
from tests.fakes.dingtalk import FakeDingTalk

NOW = dt.datetime(2026, 7, 1, 10, 0, tzinfo=TZ)
DUE_AT_NOW = {"i2-study", "i4-meeting"}
_MARKDOWN = re.compile(r"\*\*|`|  (?=\n)")


class Side(Protocol):
    """A platform as the scenario sees it: chats are "user" (an official) and "admin"."""

    async def say(self, chat: str, text: str) -> None: ...
    async def press(self, chat: str, data: str) -> None: ...
    def texts(self, chat: str) -> list[str]: ...
    def buttons(self, chat: str) -> list[str]: ...


class TelegramSide:
    CHATS = {"user": 1001, "admin": ADMIN_ID}

    def __init__(self, bot: BotHarness) -> None:
        self.bot = bot

    async def say(self, chat: str, text: str) -> None:
        await self.bot.say(self.CHATS[chat], text)

    async def press(self, chat: str, data: str) -> None:
        cid = self.CHATS[chat]
        shown = [m.message_id for m in self.bot.messages(cid) if data in self.bot.buttons(m)]
        # a button an edit put on a message (Telegram edits in place): on the chat's last one
        await self.bot.tap(cid, data, message_id=shown[-1] if shown else None, user_id=cid)

    def texts(self, chat: str) -> list[str]:
        cid = self.CHATS[chat]
        edits = [
            c.params.get("text", "")
            for c in self.bot.server.calls_to("editMessageText", chat_id=cid)
        ]
        return self.bot.texts(cid) + edits

    def buttons(self, chat: str) -> list[str]:
        cid = self.CHATS[chat]
        edits = self.bot.server.calls_to("editMessageText", chat_id=cid)
        markups = [c.params.get("reply_markup") or {} for c in edits]
        edited = [
            b["callback_data"] for k in markups for r in k.get("inline_keyboard", []) for b in r
        ]
        return [d for m in self.bot.messages(cid) for d in self.bot.buttons(m)] + edited


class DingTalkSide:
    CHATS = {"user": ("user", "staff1001"), "admin": ("user", ADMIN_STAFF)}

    def __init__(self, bot: DingTalkHarness) -> None:
        self.bot = bot

    async def say(self, chat: str, text: str) -> None:
        await self.bot.say(self.CHATS[chat], text)

    async def press(self, chat: str, data: str) -> None:
        c = self.CHATS[chat]
        [card] = [m for m in self.bot.fake.messages(c) if data in [d for _t, d in m.buttons]][-1:]
        await self.bot.press(c, card, data, staff_id=c[1])

    def texts(self, chat: str) -> list[str]:
        return [_MARKDOWN.sub("", m.text) for m in self.bot.fake.messages(self.CHATS[chat])]

    def buttons(self, chat: str) -> list[str]:
        return [d for m in self.bot.fake.messages(self.CHATS[chat]) for _t, d in m.buttons]


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture(params=["telegram", "dingtalk"])
async def side(request: pytest.FixtureRequest, tmp_path, monkeypatch) -> AsyncIterator[Side]:  # noqa: ANN001
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    if request.param == "telegram":
        with FakeBotApi() as server:
            async with build_telegram(server, tmp_path) as bot:
                yield TelegramSide(bot)
    else:
        with FakeDingTalk() as fake:
            async with build_dingtalk(fake, tmp_path) as bot:
                yield DingTalkSide(bot)


async def until(condition, timeout: float = 20.0) -> None:  # noqa: ANN001
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


def has(side: Side, chat: str, words: str) -> bool:
    return any(words in t for t in side.texts(chat))


async def test_register_approve_done_broadcast_receipt_report(side: Side) -> None:
    # register, and the admin approves by button
    await side.say("user", "/unit 司法局")
    await until(lambda: any(d.startswith("reg:") for d in side.buttons("user")))
    [reg] = [d for d in side.buttons("user") if d.startswith("reg:")]
    await side.press("user", reg)
    await until(lambda: has(side, "user", "已提交登记申请"))
    await until(lambda: any(d.startswith("apr:") for d in side.buttons("admin")))
    [approve] = [d for d in side.buttons("admin") if d.startswith("apr:")]
    await side.press("admin", approve)
    await until(lambda: has(side, "user", "登记已通过"))

    # the reminders due now arrive at once, each with ✅
    def done_buttons() -> set[str]:
        return {d for d in side.buttons("user") if d.startswith("done:")}

    await until(lambda: {d.split(":")[1] for d in done_buttons()} >= DUE_AT_NOW)
    await side.say("user", "/mytasks")
    await until(lambda: has(side, "user", "学法"))
    await side.press("user", "done:i2-study:2026Q3")
    await until(lambda: has(side, "user", "已记录"))

    # a broadcast with receipt, 收到, and the report
    await side.say("admin", "/broadcast 需回执 截止7月6日 全部 请于7月6日前报送半年工作总结")
    await until(lambda: any(d.startswith("bc:ok:") for d in side.buttons("admin")))
    [send] = [d for d in side.buttons("admin") if d.startswith("bc:ok:")]
    bc = send.split(":")[2]
    await side.press("admin", send)
    await until(lambda: f"ack:{bc}" in side.buttons("user"))
    await side.press("user", f"ack:{bc}")
    await until(lambda: has(side, "user", "已回执"))
    await side.press("admin", f"bc:rep:{bc}")
    await until(lambda: has(side, "admin", "回执：1/1 个单位已回执"))
    await asyncio.sleep(0.3)
    notices = [t for t in side.texts("user") if t.startswith("【通知】")]
    assert len(notices) == 1  # once
