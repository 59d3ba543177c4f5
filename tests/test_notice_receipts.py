"""Notices with receipts end to end: real PTB against the fake Bot API, SQLite file.

A notice that needs a receipt goes to 3 chats of 3 units; two acknowledge (one with a double
tap, one with a short reply), the delivery report and the admin's question show 2/3 with
names, the third is reminded once on the working day before the deadline and can be chased
with one tap (twice tapped: chased once).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator

import pytest
import time_machine
from sqlmodel import Session, select

from bot.chat.features.receipts import (
    parse_date,
    parse_receipt_options,
    receipt_message,
    receipt_query,
)
from scheduler.delivery.outbox import pending_count
from scheduler.delivery.receipts import run_receipt_reminders
from scheduler.store.models import Broadcast, Receipt
from scheduler.timing.clock import TZ
from tests.bot_harness import ADMIN_ID, HANG, BotHarness, build_harness
from tests.fakes import FakeBotApi

NOW = dt.datetime(2026, 7, 1, 10, 0, tzinfo=TZ)  # a Wednesday
UNITS = {2001: "区司法局", 2002: "区财政局", 2003: "区公安局"}


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


def _registered(assistant) -> None:  # noqa: ANN001
    from scheduler.records import chat_registry
    from scheduler.store.db import session_scope

    with session_scope(assistant.sched.engine) as s:
        for chat, unit in UNITS.items():
            chat_registry.register_chat(s, chat, unit, title=f"{unit}联络员")
            chat_registry.approve(s, chat, actor="test")


@pytest.fixture
async def bot(fake_bot_api: FakeBotApi, tmp_path, monkeypatch) -> AsyncIterator[BotHarness]:  # noqa: ANN001
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    async with build_harness(fake_bot_api, tmp_path, prepare=_registered) as harness:
        # the start-up planner run sends each chat its reminders due now (a bureau: the study
        # session and the annual meeting): let them arrive
        await harness.wait(lambda: all(len(harness.messages(c)) >= 2 for c in UNITS))
        # and the admins' digest of the closed quarter, queued a moment after the start
        await harness.wait(lambda: _digest_arrived(harness), timeout=HANG)
        await harness.wait(lambda: pending_count(harness.assistant.sched.engine) == 0)
        await asyncio.sleep(0.3)
        yield harness


def _digest_arrived(bot: BotHarness) -> bool:
    return any((m.text or "").startswith("【法治政府建设督察】") for m in bot.messages(ADMIN_ID))


def _notices(bot: BotHarness, chat: int, head: str) -> list:
    return [m for m in bot.messages(chat) if (m.text or "").startswith(head)]


def _receipts(bot: BotHarness) -> list[Receipt]:
    with Session(bot.assistant.sched.engine) as s:
        return list(s.exec(select(Receipt)).all())


async def test_notice_with_receipts_to_three_chats(bot: BotHarness) -> None:
    server = bot.server
    [preview] = await bot.say(
        ADMIN_ID, "/broadcast 需回执 截止7月6日 全部 请于7月6日前报送半年工作总结"
    )
    assert "通知预览" in preview and "3 个聊天" in preview
    assert "回执：需要，截止 2026-07-06" in preview
    with Session(bot.assistant.sched.engine) as s:
        bc = s.exec(select(Broadcast)).one()
        bc_id = bc.id
        assert bc.receipt_required and bc.receipt_deadline == dt.date(2026, 7, 6)
    assert f"bc:rc:{bc_id}" in bot.buttons(bot.messages(ADMIN_ID)[-1])

    await bot.tap(ADMIN_ID, f"bc:ok:{bc_id}", user_id=ADMIN_ID)
    await bot.wait(lambda: all(_notices(bot, c, "【通知】") for c in UNITS))
    for chat in UNITS:
        [notice] = _notices(bot, chat, "【通知】")
        assert bot.buttons(notice) == [f"ack:{bc_id}"]
        assert f"第{bc_id}号" in notice.text and "需回执" in notice.text

    # 区司法局 taps 收到 twice at once: acknowledged once
    before = len(bot.messages(2001))
    server.inject_callback_query(2001, f"ack:{bc_id}", user_id=2001)
    server.inject_callback_query(2001, f"ack:{bc_id}", user_id=2001)
    texts = await bot.wait_messages(2001, before + 2)
    assert sum("已回执" in t for t in texts[before:]) == 1
    assert sum("无需重复" in t for t in texts[before:]) == 1
    # 区财政局 acknowledges with a short reply
    [answer] = await bot.say(2002, f"回执 {bc_id} 已收到，将按时报送")
    assert "已回执" in answer
    receipts = _receipts(bot)
    assert sorted(r.unit_name for r in receipts) == ["区司法局", "区财政局"]
    assert next(r for r in receipts if r.unit_name == "区财政局").reply == "已收到，将按时报送"

    # the delivery report: 2/3 with names and times, a chase button
    before = len(bot.messages(ADMIN_ID))
    await bot.tap(ADMIN_ID, f"bc:rep:{bc_id}", user_id=ADMIN_ID)
    report = (await bot.wait_messages(ADMIN_ID, before + 1))[-1]
    assert "回执：2/3 个单位已回执（截止 2026-07-06）" in report
    assert "✓ 区司法局（用户2001，07-01" in report
    assert "✓ 区财政局（用户2002，07-01" in report and "将按时报送" in report
    assert "未回执 1 个：区公安局" in report
    assert f"bc:ch:{bc_id}" in bot.buttons(bot.messages(ADMIN_ID)[-1])
    # and the question in words
    [answer] = await bot.say(ADMIN_ID, f"第{bc_id}号通知哪些单位还没回执")
    assert "2/3" in answer and "未回执 1 个：区公安局" in answer

    # reminders as the deadline nears: Mon 6 July → Fri 3 July 09:00, once, to the third only
    ctx = bot.assistant.sched
    assert (
        await asyncio.to_thread(
            run_receipt_reminders, ctx, dt.datetime(2026, 7, 2, 17, 0, tzinfo=TZ)
        )
        == 0
    )
    near = dt.datetime(2026, 7, 3, 9, 30, tzinfo=TZ)
    assert await asyncio.to_thread(run_receipt_reminders, ctx, near) == 1
    assert await asyncio.to_thread(run_receipt_reminders, ctx, near + dt.timedelta(hours=2)) == 0
    await bot.wait(lambda: bool(_notices(bot, 2003, "【回执提醒】")))
    await asyncio.sleep(0.3)
    [reminder] = _notices(bot, 2003, "【回执提醒】")
    assert bot.buttons(reminder) == [f"ack:{bc_id}"] and "2026年07月06日" in reminder.text
    assert not _notices(bot, 2001, "【回执提醒】") and not _notices(bot, 2002, "【回执提醒】")

    # one tap chases the unit that has not answered; a second tap the same day does not
    await bot.tap(ADMIN_ID, f"bc:ch:{bc_id}", user_id=ADMIN_ID)
    await bot.tap(ADMIN_ID, f"bc:ch:{bc_id}", user_id=ADMIN_ID)
    await bot.wait(lambda: bool(_notices(bot, 2003, "【回执催办】")))
    await asyncio.sleep(0.3)
    assert len(_notices(bot, 2003, "【回执催办】")) == 1
    assert not _notices(bot, 2001, "【回执催办】")
    admin_texts = bot.texts(ADMIN_ID)
    assert any("已向 1 个未回执单位发送催办" in t for t in admin_texts)
    assert any("今天已经催办过" in t for t in admin_texts)

    # the third acknowledges from the reminder: 3/3
    await bot.tap(2003, f"ack:{bc_id}", user_id=2003)
    [answer] = await bot.say(ADMIN_ID, f"{bc_id}号通知回执情况")
    assert "3/3" in answer and "未回执" not in answer


async def test_receipt_toggle_in_the_preview_and_refusals(bot: BotHarness) -> None:
    [preview] = await bot.say(ADMIN_ID, "/broadcast 区司法局 请核对名单")
    assert "回执：不需要" in preview
    with Session(bot.assistant.sched.engine) as s:
        bc_id = s.exec(select(Broadcast)).one().id
    preview_message = bot.messages(ADMIN_ID)[-1]
    await bot.tap(
        ADMIN_ID, f"bc:rc:{bc_id}", user_id=ADMIN_ID, message_id=preview_message.message_id
    )
    await bot.wait(lambda: bool(bot.server.calls_to("editMessageText", chat_id=ADMIN_ID)))
    edited = bot.server.stored_message(ADMIN_ID, preview_message.message_id)
    assert "回执：需要" in edited["text"] and "区司法局" in edited["text"]
    await bot.tap(ADMIN_ID, f"bc:ok:{bc_id}", user_id=ADMIN_ID)
    await bot.wait(lambda: bool(_notices(bot, 2001, "【通知】")))
    # the notice did not go to 区财政局: its 收到 does not count
    [answer] = await bot.say(2002, f"回执 {bc_id}")
    assert "没有发给“区财政局”" in answer
    # a unit cannot ask for the admins' view; an unknown number is one sentence
    [answer] = await bot.say(2001, f"第{bc_id}号通知哪些单位还没回执")
    assert "仅限管理员" in answer
    [answer] = await bot.say(ADMIN_ID, "第99号通知哪些单位还没回执")
    assert "没有第99号通知" in answer
    # after sending, the requirement cannot change
    await bot.tap(ADMIN_ID, f"bc:rc:{bc_id}", user_id=ADMIN_ID)
    await bot.wait(lambda: any("不能再更改" in t for t in bot.texts(ADMIN_ID)))


def test_receipt_words_and_dates() -> None:
    today = dt.date(2026, 7, 1)
    opts, rest = parse_receipt_options("需回执 截止7月3日 第14条 请报送", today)
    assert (opts.required, opts.deadline, rest) == (True, dt.date(2026, 7, 3), "第14条 请报送")
    opts, rest = parse_receipt_options("--receipt --deadline 2026-07-10 全部 内容", today)
    assert (opts.required, opts.deadline, rest) == (True, dt.date(2026, 7, 10), "全部 内容")
    opts, rest = parse_receipt_options("回执 7月8日前 镇 内容", today)
    assert (opts.required, opts.deadline, rest) == (True, dt.date(2026, 7, 8), "镇 内容")
    opts, rest = parse_receipt_options("全部 请提交回执", today)
    assert (opts.required, rest) == (False, "全部 请提交回执")
    opts, _ = parse_receipt_options("需回执 截止13月40日 全部 内容", today)
    assert opts.error and "看不懂" in opts.error
    opts, _ = parse_receipt_options("需回执 截止2026-06-01 全部 内容", today)
    assert opts.error and "已经过去" in opts.error
    assert parse_date("1月5日", today) == dt.date(2027, 1, 5)  # already past: next year
    assert parse_date("2026年7月3日", today) == dt.date(2026, 7, 3)
    assert receipt_query("第3号通知哪些单位还没回执") == 3
    assert receipt_query("第十二号通知谁还没收到") == 12
    assert receipt_query("通知#7 回执情况") == 7
    assert receipt_query("本季度哪些单位还没学法") is None
    assert receipt_message("回执 3 已收到") == (3, "已收到")
    assert receipt_message("回执第3号通知：收到，马上办") == (3, "收到，马上办")
    assert receipt_message("回执是什么") is None
