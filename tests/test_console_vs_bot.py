"""The console chat and the Telegram bot give the same answers: one assistant, two front ends.

The console's :class:`~bot.chat.render.replies.Reply` ``plain`` text is compared with what the fake Bot API
server recorded for the bot's messages, HTML tags stripped and entities unescaped.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pytest
import time_machine

from bot.channels.console.chat import CONSOLE_CHAT, ConsoleChat
from bot.chat.render.replies import split_message
from scheduler.records import chat_registry
from scheduler.store.db import session_scope
from scheduler.timing.clock import TZ
from tests.bot_harness import ADMIN_ID, BotHarness, build_harness, plain
from tests.fakes import FakeBotApi

SHARED = [
    "第十四条 我单位要做什么",
    "司法局有哪些任务",
    "每季度要学法几次",
    "行政复议改革谁负责",
    "专题会议多久开一次",
    "年度报告什么时候交",
    "what must my unit do under item 14",
    "本季度哪些单位还没学法",
    "/start",
    "/help",
    "/items",
    "/item 14",
    "/item 二十",
    "/unit",
    "/unit 市监局",
    "/mytasks",
    "/done",
    "/calendar",
    "/units",
    "/nosuchcommand",
]


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2026, 7, 1, 10, tzinfo=TZ), tick=True):
        yield


def _register_both(assistant) -> None:  # noqa: ANN001
    """Both chats belong to the same unit, and both users are admins."""
    assistant.admin_ids = assistant.admin_ids | {CONSOLE_CHAT.user_id}
    with session_scope(assistant.sched.engine) as s:
        for chat_id in (CONSOLE_CHAT.chat_id, str(ADMIN_ID)):
            chat_registry.register_chat(s, chat_id, "区司法局")
            chat_registry.approve(s, chat_id, actor="test")


async def _bot_says(bot: BotHarness, line: str, parts: int) -> str:
    before = len(bot.messages(ADMIN_ID))
    bot.server.inject_text(ADMIN_ID, line, user_id=ADMIN_ID)
    await bot.wait(lambda: len(bot.messages(ADMIN_ID)) >= before + parts)
    new = bot.messages(ADMIN_ID)[before:]
    return "\n".join(plain(m.text) for m in new if "【法治政府建设提醒】" not in (m.text or ""))


async def test_console_and_bot_answer_alike(
    fake_bot_api: FakeBotApi,
    tmp_path,
    monkeypatch,  # noqa: ANN001
) -> None:
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    # no scheduler jobs: reminders would interleave with the answers
    harness = build_harness(fake_bot_api, tmp_path, prepare=_register_both, start_jobs=False)
    async with harness as bot:
        console = ConsoleChat(bot.assistant, out=io.StringIO())
        compared = 0
        for line in SHARED:
            replies = console.handle_line(line)
            assert replies, line
            expected = "\n".join(r.plain for r in replies)
            parts = sum(1 if r.attachment else len(split_message(r.html)) for r in replies)
            got = await _bot_says(bot, line, parts)
            assert got == expected, line
            compared += 1
    assert compared >= 10
    documents = [m for m in fake_bot_api.messages(ADMIN_ID) if m.method == "sendDocument"]
    assert len(documents) == 1  # /calendar's .ics
    assert (tmp_path / "data" / "console-files").is_dir()  # the console's copy, in the data dir
