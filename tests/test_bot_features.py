"""End to end, the features around reminders: snooze, evidence, the .ics calendar, the .xlsx
report, paging, and the per-user flood limit (real PTB, fake Bot API, SQLite file)."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
from collections.abc import AsyncIterator, Iterator

import pytest
import time_machine
from icalendar import Calendar
from openpyxl import load_workbook
from PIL import Image
from sqlmodel import Session, select

from scheduler.store.models import Completion, OutboxMessage
from scheduler.timing.clock import TZ
from tests.bot_harness import ADMIN_ID, BotHarness, build_harness
from tests.fakes import FakeBotApi

NOW = dt.datetime(2026, 7, 1, 10, 0, tzinfo=TZ)  # a Wednesday, a working day
USER = 1001
BUREAU = "区司法局"
# study (2026Q3 start) and the Q3 step of the annual meeting; the governments' training class and
# court hearing (各地政府…) do not bind a bureau
DUE_AT_NOW = 2


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


def _registered(assistant) -> None:  # noqa: ANN001
    from scheduler.records import chat_registry
    from scheduler.store.db import session_scope

    with session_scope(assistant.sched.engine) as s:
        chat_registry.register_chat(s, USER, BUREAU, title="司法局联络员")
        chat_registry.approve(s, USER, actor="test")


@pytest.fixture
async def bot(fake_bot_api: FakeBotApi, tmp_path, monkeypatch) -> AsyncIterator[BotHarness]:  # noqa: ANN001
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    async with build_harness(fake_bot_api, tmp_path, prepare=_registered) as harness:
        # the start-up planner run sends the reminders due now; let them all arrive
        # first, so that the replies these tests wait for are the chat's last messages
        await harness.wait(lambda: _reminders(harness) == DUE_AT_NOW)
        await asyncio.sleep(0.2)
        yield harness


def _reminders(bot: BotHarness) -> int:
    return sum((m.text or "").startswith("【法治政府建设提醒】") for m in bot.messages(USER))


def _reminder(bot: BotHarness, key: str):  # noqa: ANN202
    return next(
        m
        for m in bot.messages(USER)
        if (m.text or "").startswith("【法治政府建设提醒】")
        and any(key in b for b in bot.buttons(m))
    )


async def test_snooze_requeues_the_reminder_for_the_next_working_day(bot: BotHarness) -> None:
    await bot.wait(lambda: any("i2-study" in b for m in bot.messages(USER) for b in bot.buttons(m)))
    study = _reminder(bot, "i2-study")
    assert bot.buttons(study) == ["done:i2-study:2026Q3", "snz:i2-study:2026Q3"]
    await bot.tap(USER, "snz:i2-study:2026Q3", message_id=study.message_id)
    await bot.wait(lambda: any("再次提醒" in t for t in bot.texts(USER)))
    assert "2026-07-02 09:00" in bot.texts(USER)[-1]  # Thursday, the next working day
    with Session(bot.assistant.sched.engine) as s:
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "snooze")).all()
    assert len(rows) == 1 and rows[0].state == "queued"
    assert rows[0].next_attempt_at.replace(tzinfo=dt.UTC) == dt.datetime(
        2026, 7, 2, 1, 0, tzinfo=dt.UTC
    )
    # snoozing twice the same day queues nothing more
    await bot.tap(USER, "snz:i2-study:2026Q3", message_id=study.message_id)
    with Session(bot.assistant.sched.engine) as s:
        assert len(s.exec(select(OutboxMessage).where(OutboxMessage.kind == "snooze")).all()) == 1
    # confirming withdraws the snoozed reminder: nothing is sent after 已完成
    await bot.tap(USER, "done:i2-study:2026Q3", message_id=study.message_id)
    await bot.wait(lambda: any("已记录" in t for t in bot.texts(USER)))
    with Session(bot.assistant.sched.engine) as s:
        row = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "snooze")).one()
    assert row.state == "dropped"


async def test_a_photo_after_confirming_is_kept_as_evidence(bot: BotHarness) -> None:
    await bot.wait(
        lambda: any("i4-meeting" in b for m in bot.messages(USER) for b in bot.buttons(m))
    )
    await bot.say(USER, "/done i4-meeting 2026 6月28日召开")
    before = len(bot.messages(USER))
    bot.server.inject_photo(USER, caption="会议照片")
    await bot.wait_messages(USER, before + 1)
    assert "已将材料附在" in bot.texts(USER)[-1]
    with Session(bot.assistant.sched.engine) as s:
        c = s.exec(select(Completion)).one()
    assert c.obligation_key == "i4-meeting" and c.period == "2026"
    assert c.evidence.startswith("telegram:photo:") and "会议照片" in c.note


async def test_calendar_is_an_ics_file_of_the_units_deadlines(bot: BotHarness) -> None:
    before = len(bot.server.calls_to("sendDocument", chat_id=USER))
    bot.server.inject_command(USER, "calendar")
    await bot.wait(lambda: len(bot.server.calls_to("sendDocument", chat_id=USER)) > before)
    call = bot.server.calls_to("sendDocument", chat_id=USER)[-1]
    [content] = call.files.values()
    cal = Calendar.from_ical(content)
    summaries = [str(e["summary"]) for e in cal.walk("VEVENT")]
    assert len(summaries) == 7  # 2 report deadlines + 4 quarters of study + the annual meeting
    assert not any("庭审" in s or "培训班" in s for s in summaries)
    assert any("学法" in s and "第三季度" in s for s in summaries)
    dates = {e["dtstart"].dt for e in cal.walk("VEVENT")}
    assert dt.date(2026, 3, 1) in dates and dt.date(2026, 9, 30) in dates


async def test_report_for_admins_comes_with_an_xlsx(bot: BotHarness) -> None:
    await bot.say(USER, "/done i4-meeting 2026")
    before = len(bot.server.calls_to("sendDocument", chat_id=ADMIN_ID))
    bot.server.inject_command(ADMIN_ID, "report")
    await bot.wait(lambda: len(bot.server.calls_to("sendDocument", chat_id=ADMIN_ID)) > before)
    call = bot.server.calls_to("sendDocument", chat_id=ADMIN_ID)[-1]
    assert "完成情况" in call.params.get("caption", "")
    [content] = call.files.values()
    ws = load_workbook(io.BytesIO(content)).active
    rows = {r[0]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    header = next(ws.iter_rows(min_row=2, max_row=2, values_only=True))
    col = next(i for i, h in enumerate(header) if h and h.startswith("召开部署安排"))
    assert rows[BUREAU][col] == "已完成"
    assert rows["区财政局"][col] == "待完成"
    # next to it, the matrix as a picture
    await bot.wait(lambda: bool(bot.server.calls_to("sendPhoto", chat_id=ADMIN_ID)))
    photo = bot.server.calls_to("sendPhoto", chat_id=ADMIN_ID)[-1]
    assert "完成情况图" in photo.params.get("caption", "")
    [png] = photo.files.values()
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.size[0] > 800


async def test_items_keyboard_pages_by_editing_the_message(bot: BotHarness) -> None:
    await bot.say(USER, "/items")
    first = bot.messages(USER)[-1]
    assert "item:1" in bot.buttons(first) and "items:1" in bot.buttons(first)
    await bot.tap(USER, "items:1", message_id=first.message_id)
    await bot.wait(lambda: bool(bot.server.calls_to("editMessageText", chat_id=USER)))
    edited = bot.server.stored_message(USER, first.message_id)
    assert "第 2/2 页" in edited["text"]
    markup = json.dumps(edited.get("reply_markup", {}))
    assert "item:20" in markup and "items:0" in markup


async def test_flood_limit_answers_politely(
    fake_bot_api: FakeBotApi, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    async with build_harness(fake_bot_api, tmp_path, fazhi_questions_per_minute=3) as bot:
        for k in range(4):
            await bot.say(USER, f"第{k + 1}条讲什么")
        texts = bot.texts(USER)
        assert all("第" in t and "条" in t for t in texts[:3])
        assert "提问太频繁" in texts[3]
        await asyncio.sleep(0)  # other users are not affected
        assert "第五条" in (await bot.say(USER + 1, "第5条讲什么"))[0]


async def test_bot_blocked_or_removed_marks_the_chat_and_tells_admins(bot: BotHarness) -> None:
    import time

    from scheduler.store.models import ChatStatus
    from tests.fakes.bot_api_objects import make_chat, make_user

    assert bot.chat_row(USER).status == ChatStatus.ACTIVE
    bot_user = bot.server._bot_user()
    bot.server.inject_update(
        {
            "my_chat_member": {
                "chat": make_chat(USER),
                "from": make_user(USER),
                "date": int(time.time()),
                "old_chat_member": {"user": bot_user, "status": "member"},
                "new_chat_member": {"user": bot_user, "status": "kicked", "until_date": 0},
            }
        }
    )
    await bot.wait(lambda: bot.chat_row(USER).status == ChatStatus.BLOCKED)
    await bot.wait(lambda: any("【送达异常】" in t and BUREAU in t for t in bot.texts(ADMIN_ID)))


async def test_admin_asks_which_units_have_not_studied_this_quarter(bot: BotHarness) -> None:
    [before] = await bot.say(ADMIN_ID, "本季度哪些单位还没学法")
    assert "学法" in before and "2026年第三季度" in before
    assert BUREAU in before and "区财政局" in before
    # the study session binds 区政府常务会议、政府部门办公会议: not the court, the procuratorate,
    # the discipline commission or the party organs (knowledge/plan/binding.py)
    for unit in ("区法院", "区检察院", "区纪委监委", "区委政法委"):
        assert unit not in before
    await bot.say(USER, "/done i2-study")
    [after] = await bot.say(ADMIN_ID, "本季度哪些单位还没学法？")
    missing = after.split("尚未确认的单位", 1)[1]
    assert BUREAU not in missing and "区财政局" in missing


async def test_direct_replies_wait_out_429_and_retry_5xx(
    fake_bot_api: FakeBotApi, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    from tests.fakes import Fault

    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    async with build_harness(fake_bot_api, tmp_path) as bot:
        fake_bot_api.add_fault(Fault.retry_after(1), chat_id=USER, method="sendMessage", times=1)
        fake_bot_api.add_fault(Fault.server_error(502), chat_id=USER, method="sendMessage", times=1)
        [answer] = await bot.say(USER, "第十四条讲什么")
        assert "持续深化行政执法体制改革" in answer
        statuses = [c.status for c in fake_bot_api.calls_to("sendMessage", chat_id=USER)]
        assert statuses == [429, 502, 200]
        # a group that became a supergroup: the answer follows it
        group, supergroup = -4004, -1004004
        fake_bot_api.add_fault(Fault.migrated(supergroup), chat_id=group, method="sendMessage")
        fake_bot_api.inject_command(group, "item", "3", mention_bot=True)
        await bot.wait(lambda: len(fake_bot_api.messages(supergroup)) == 1)
        assert "编制法治政府建设工作方案" in (fake_bot_api.messages(supergroup)[0].text or "")


async def test_a_unit_asks_about_its_own_record_in_its_own_words(bot: BotHarness) -> None:
    [before] = await bot.say(USER, "我们这个季度学法登记了没有")
    assert before.startswith("还没有登记") and "2026年第三季度" in before
    await bot.say(USER, "/done i2-study")
    [after] = await bot.say(USER, "我们本季度学法登记了吗")
    assert after.startswith("已登记")
    [other] = await bot.say(USER, "哪些单位还没学法")  # other units' records: admins only
    assert "仅限管理员" in other


async def test_follow_ups_use_the_chat_s_previous_question(bot: BotHarness) -> None:
    [first] = await bot.say(USER, "第十一条算不算我们的事")
    assert first.startswith("不是")  # 区司法局 is not among item 11's units
    [second] = await bot.say(USER, "那第十二条呢")
    assert second.startswith("是") and "第十二条" in second
    [third] = await bot.say(ADMIN_ID, "那第十二条呢")  # another chat: no conversation yet
    assert not third.startswith("是")


async def test_a_long_answer_is_paged_with_a_show_more_button(bot: BotHarness) -> None:
    [first] = await bot.say(USER, "有哪些任务")
    message = bot.messages(USER)[-1]
    assert "more:" in bot.buttons(message)
    assert len(first.split("\n")) <= 16
    before = len(bot.messages(USER))
    await bot.tap(USER, "more:")
    [page] = (await bot.wait_messages(USER, before + 1))[before:]
    assert page and page not in first
