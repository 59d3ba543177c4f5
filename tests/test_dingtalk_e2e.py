"""End to end: fazhi's DingTalk robot (the real ``dingtalk-stream`` SDK) against the fake
DingTalk on 127.0.0.1.

Messages arrive over the Stream WebSocket; every reply, reminder and notice goes through the
outbox and the robot OpenAPI; buttons are interactive cards whose presses come back over the
socket. The wall clock is frozen at a working day (2026-07-01 10:00 Shanghai, ticking), as in
``tests/test_bot_e2e.py``, so the reminders due are known.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator

import pytest
import time_machine
from sqlmodel import select

from scheduler.delivery.outbox import enqueue
from scheduler.store.db import session_scope
from scheduler.store.models import ChatStatus, Completion, OutboxMessage
from scheduler.timing.clock import TZ
from tests.dingtalk_harness import ADMIN_STAFF, DingTalkHarness, build_harness, chat_id
from tests.fakes.dingtalk import Delivered, FakeDingTalk

NOW = dt.datetime(2026, 7, 1, 10, 0, tzinfo=TZ)
USER = ("user", "staff1001")
ADMIN = ("user", ADMIN_STAFF)
GROUP = ("group", "cidGroupA+b/c==")
BUREAU = "区司法局"
DUE_AT_NOW = {"i2-study", "i4-meeting"}


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def fake() -> Iterator[FakeDingTalk]:
    with FakeDingTalk() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeDingTalk, tmp_path) -> AsyncIterator[DingTalkHarness]:  # noqa: ANN001
    async with build_harness(fake, tmp_path) as harness:
        yield harness


def buttons(message: Delivered) -> list[str]:
    return [data for _label, data in message.buttons]


def reminders(harness: DingTalkHarness, chat: tuple[str, str]) -> list[Delivered]:
    return [m for m in harness.fake.messages(chat) if m.text.startswith("【法治政府建设提醒】")]


async def test_a_question_is_answered_in_markdown(bot: DingTalkHarness) -> None:
    [answer] = await bot.say(USER, "第十四条 我单位要做什么")
    assert answer.kind in ("sampleMarkdown", "card")  # a card when the answer has buttons
    assert answer.text.startswith("**第十四条")
    assert "持续深化行政执法体制改革" in answer.text
    assert "<b>" not in answer.text  # Telegram HTML became DingTalk markdown


async def test_a_group_mention_is_answered_in_the_group(bot: DingTalkHarness) -> None:
    [answer] = await bot.say(GROUP, " 每季度要学法几次", title="区司法局工作群")
    assert answer.chat == GROUP
    assert "学法" in answer.text


async def test_commands_and_the_registration_cards(bot: DingTalkHarness) -> None:
    [help_reply] = await bot.say(USER, "/help")
    assert "/mytasks" in help_reply.text
    [choice] = await bot.say(USER, "/unit 司法局")
    assert choice.kind == "card" and BUREAU in choice.text
    [reg] = [d for d in buttons(choice) if d.startswith("reg:")]
    [sent] = await bot.press(USER, choice, reg)
    assert "已提交登记申请" in sent.text

    # the admin gets the request as a card with approve / reject, in their 1:1 chat
    [request] = await bot.wait_messages(ADMIN, 1)
    assert request.kind == "card" and BUREAU in request.text
    approve = buttons(request)[0]
    assert approve.startswith("apr:")
    await bot.press(ADMIN, request, approve, staff_id=ADMIN_STAFF)
    # the chat is active, and the reminders due now follow at once
    await bot.fake.wait_async(lambda: len(reminders(bot, USER)) >= len(DUE_AT_NOW), 15)
    with session_scope(bot.assistant.sched.engine) as s:
        from scheduler.records.chat_registry import get_chat

        assert get_chat(s, chat_id(USER)).status == ChatStatus.ACTIVE
    assert {b.split(":")[1] for m in reminders(bot, USER) for b in buttons(m)} == DUE_AT_NOW


async def test_done_pressed_on_a_reminder_card_is_recorded(bot: DingTalkHarness) -> None:
    bot.register(USER, BUREAU)
    await asyncio.to_thread(_plan_now, bot)
    await bot.fake.wait_async(lambda: len(reminders(bot, USER)) >= len(DUE_AT_NOW), 15)
    study = next(m for m in reminders(bot, USER) if "done:i2-study:2026Q3" in buttons(m))
    assert study.kind == "card"
    [ok] = await bot.press(USER, study, "done:i2-study:2026Q3")
    assert "已记录" in ok.text and BUREAU in ok.text
    with session_scope(bot.assistant.sched.engine) as s:
        done = s.exec(select(Completion).where(Completion.obligation_key == "i2-study")).all()
    assert [(c.period, c.confirmed_by_id) for c in done] == [("2026Q3", chat_id(USER))]
    [again] = await bot.press(USER, study, "done:i2-study:2026Q3")
    assert "无需重复" in again.text


def _plan_now(harness: DingTalkHarness) -> int:
    from scheduler.jobs.context import run_planner

    return run_planner(harness.assistant.sched)


async def test_a_forged_card_press_changes_nothing(bot: DingTalkHarness) -> None:
    bot.register(USER, BUREAU)
    forged = Delivered(USER, "card", "", out_track_id="not-ours")
    await asyncio.to_thread(bot.fake.click, forged, "done:i2-study:2026Q3")
    [reply] = await bot.press(
        USER, Delivered(USER, "card", "", out_track_id=f"{chat_id(USER)}#x"), "item:abc"
    )
    assert "按钮已失效" in reply.text
    with session_scope(bot.assistant.sched.engine) as s:
        assert s.exec(select(Completion)).all() == []


async def test_a_notice_is_delivered_exactly_once(bot: DingTalkHarness) -> None:
    with session_scope(bot.assistant.sched.engine) as s:
        for _ in range(2):  # the same key twice: one row
            enqueue(
                s,
                key="notice:test:1",
                chat_id=chat_id(GROUP),
                body="<b>通知</b>：请按时报送",
                kind="notice",
                is_group=True,
            )
    bot.bot.kick()
    [notice] = await bot.wait_messages(GROUP, 1)
    assert notice.text == "**通知**：请按时报送"
    await asyncio.sleep(0.5)
    assert len(bot.fake.messages(GROUP)) == 1


async def test_a_frame_pushed_twice_is_answered_once(bot: DingTalkHarness) -> None:
    [_answer] = await bot.say(USER, "/help", message_id="msg-dup-1")
    frame = await asyncio.to_thread(bot.fake.say, USER, "/help", message_id="msg-dup-1")
    await bot.fake.wait_async(lambda: frame.acked)
    await asyncio.sleep(0.5)
    assert len(bot.fake.messages(USER)) == 1


async def test_reconnect_after_a_drop_loses_and_duplicates_nothing(bot: DingTalkHarness) -> None:
    [_first] = await bot.say(USER, "/help")
    await asyncio.to_thread(bot.fake.drop)
    # asked while the robot is away: DingTalk holds it and pushes it on the new connection
    frame = await asyncio.to_thread(bot.fake.say, USER, "每季度要学法几次")
    assert await bot.fake.wait_async(lambda: frame.acked, 20)
    assert bot.fake.connections == 2
    await bot.wait_messages(USER, 2)
    await asyncio.sleep(0.5)
    texts = [m.text for m in bot.fake.messages(USER)]
    assert len(texts) == 2 and "学法" in texts[1]
    # and an orderly disconnect: the next connection takes over
    await asyncio.to_thread(bot.fake.disconnect)
    assert await bot.fake.wait_async(lambda: bot.fake.connections == 3, 20)
    [_again] = await bot.say(USER, "/help")


async def test_the_token_is_cached_and_renewed_when_refused(bot: DingTalkHarness) -> None:
    await bot.say(USER, "/help")
    await bot.say(USER, "/help")
    assert bot.fake.tokens_issued == 1  # one token for every call
    bot.fake.expire_tokens()  # e.g. revoked, or the process slept past its expiry
    await bot.say(USER, "/help")
    assert bot.fake.tokens_issued == 2
    assert bot.fake.rejected_tokens == 1

    def states() -> set[str]:
        with session_scope(bot.assistant.sched.engine) as s:
            return {r.state for r in s.exec(select(OutboxMessage)).all()}

    assert await bot.fake.wait_async(lambda: states() == {"sent"})  # no retry was needed


async def test_a_broadcast_with_receipt_and_its_report(bot: DingTalkHarness) -> None:
    bot.register(USER, BUREAU)
    bot.register(GROUP, "区财政局")
    await asyncio.to_thread(_plan_now, bot)
    await bot.fake.wait_async(lambda: len(reminders(bot, GROUP)) >= len(DUE_AT_NOW), 15)
    [preview] = await bot.say(
        ADMIN, "/broadcast 需回执 截止7月6日 全部 请于7月6日前报送半年工作总结"
    )
    assert "通知预览" in preview.text and "2 个聊天" in preview.text
    [send] = [d for d in buttons(preview) if d.startswith("bc:ok:")]
    bc_id = send.split(":")[2]
    await bot.press(ADMIN, preview, send, staff_id=ADMIN_STAFF)

    def notices(chat: tuple[str, str]) -> list[Delivered]:
        return [m for m in bot.fake.messages(chat) if m.text.startswith("【通知】")]

    ok = await bot.fake.wait_async(lambda: bool(notices(USER) and notices(GROUP)), 15)
    assert ok, [(m.chat, m.text[:30]) for m in bot.fake.delivered]
    await asyncio.sleep(0.3)
    [notice] = notices(USER)
    assert len(notices(GROUP)) == 1  # each chat once
    assert buttons(notice) == [f"ack:{bc_id}"]
    [got] = await bot.press(USER, notice, f"ack:{bc_id}")
    assert "已回执" in got.text
    [twice] = await bot.press(USER, notice, f"ack:{bc_id}")
    assert "无需重复" in twice.text

    [report] = await bot.press(ADMIN, preview, f"bc:rep:{bc_id}", staff_id=ADMIN_STAFF)
    assert "回执：1/2 个单位已回执" in report.text and "未回执 1 个：区财政局" in report.text


async def test_the_report_picture_and_workbook_reach_the_admin(bot: DingTalkHarness) -> None:
    bot.register(USER, BUREAU)
    before = len(bot.fake.messages(ADMIN))
    await asyncio.to_thread(bot.fake.say, ADMIN, "/report", staff_id=ADMIN_STAFF)

    def replies() -> list[Delivered]:
        return bot.fake.messages(ADMIN)[before:]

    assert await bot.fake.wait_async(lambda: "sampleImageMsg" in [m.kind for m in replies()])
    await asyncio.sleep(0.3)
    got = replies()
    kinds = [m.kind for m in got]
    assert kinds.count("sampleFile") == 1 and kinds.count("sampleImageMsg") == 1
    files = [m.text for m in got if m.kind in ("sampleFile", "sampleImageMsg")]
    assert any(f.endswith(".xlsx") for f in files) and any(f.endswith(".png") for f in files)
    [(name, data)] = [v for v in bot.fake.media.values() if v[0].endswith(".xlsx")]
    assert data[:2] == b"PK"  # the workbook itself was uploaded


async def test_a_flooding_user_is_told_once_then_ignored(fake: FakeDingTalk, tmp_path) -> None:  # noqa: ANN001
    async with build_harness(fake, tmp_path, fazhi_questions_per_minute=3) as bot:
        for _ in range(6):
            await asyncio.to_thread(bot.fake.say, USER, "/help")
        await bot.wait_messages(USER, 4)
        await asyncio.sleep(0.5)
        texts = [m.text for m in bot.fake.messages(USER)]
        assert len(texts) == 4
        assert sum("/mytasks" in t for t in texts) == 3
        assert sum("太频繁" in t for t in texts) == 1


PLAN_2026 = """2026年度襄州区法治政府建设工作要点

一、深入学习贯彻习近平法治思想。健全政府常务会议学法制度，区政府常务会议每半年至少学法1次。〔责任单位：区直各单位、各镇(街、区)〕
二、加快实施行政复议体制改革步伐。建立行政复议决定书网上公开制度。〔责任单位：区司法局、区委编办、区法院〕
三、推进校园法治教育。每年至少组织2次法治进校园活动。〔牵头单位：区教育局；配合单位：区司法局〕
"""


async def test_an_admin_sends_a_plan_file_and_activates_it(bot: DingTalkHarness) -> None:
    before = len(bot.fake.messages(ADMIN))
    data = PLAN_2026.encode("gb18030")
    await asyncio.to_thread(
        bot.fake.send_file, ADMIN, "2026年工作要点.txt", data, staff_id=ADMIN_STAFF
    )
    [shown] = await bot.wait_messages(ADMIN, before + 1, since=before)
    assert "预览" in shown.text and "条目 3 条" in shown.text and shown.kind == "card"
    assert [d.split(":")[1] for d in buttons(shown)] == ["on", "no"]
    assert bot.fake.calls_to("/v1.0/robot/messageFiles/download")  # fetched from DingTalk
    [on, _no] = buttons(shown)
    replies = await bot.press(ADMIN, shown, on, staff_id=ADMIN_STAFF)
    assert any("已启用" in m.text for m in replies)
