"""End to end: the real PTB application of fazhi against the fake Bot API server.

Updates arrive through getUpdates (long polling); the database is a SQLite file; replies,
reminders, notices and broadcasts are read back from what reached the chats. The wall clock is
frozen at a working day (2026-07-01 10:00 Shanghai, ticking) so that the reminders due are
known: the quarterly study session (2026Q3 start) and the Q3 steps of the yearly obligations.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace

import pytest
import time_machine
from sqlmodel import Session, select

from bot.channels.telegram.front_end import APOLOGY
from bot.chat.features import questions
from bot.chat.render.replies import Reply, split_message
from scheduler.delivery.broadcast import broadcast_report
from scheduler.jobs.context import run_planner
from scheduler.records import chat_registry, unit_registry
from scheduler.store.db import session_scope
from scheduler.store.models import Broadcast, ChatStatus, OutboxMessage
from scheduler.timing.clock import TZ
from tests.bot_harness import ADMIN_ID, HANG, BotHarness, build_harness, html_tags_balanced, plain
from tests.fakes import FakeBotApi, Fault

NOW = dt.datetime(2026, 7, 1, 10, 0, tzinfo=TZ)
USER = 1001  # a private chat with an official
GROUP = -2002  # a unit's group chat
BUREAU = "区司法局"
FINANCE = "区财政局"
# Due for a district bureau at NOW (see scheduler/data/reminders.toml): the quarterly study session
# and the annual meeting; the governments' training class and court hearing (各地政府…) bind the
# towns, sub-districts and parks, not a bureau (knowledge/plan/binding.py)
DUE_AT_NOW = {"i2-study", "i4-meeting"}


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
async def bot(fake_bot_api: FakeBotApi, tmp_path, monkeypatch) -> AsyncIterator[BotHarness]:  # noqa: ANN001
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    async with build_harness(fake_bot_api, tmp_path) as harness:
        yield harness


def reminder_keys(harness: BotHarness, chat_id: int) -> list[tuple[str, str]]:
    """(obligation, period) of each reminder that reached the chat, from its 已完成 button."""
    keys = []
    for m in harness.messages(chat_id):
        if not (m.text or "").startswith("【法治政府建设提醒】"):
            continue  # e.g. the /done menu carries done: buttons too
        for data in harness.buttons(m):
            if data.startswith("done:"):
                _, key, period = data.split(":")
                keys.append((key, period))
    return keys


# -- a. questions ---------------------------------------------------------------------------------


async def test_private_question_is_answered_with_item_and_quote(bot: BotHarness) -> None:
    [answer] = await bot.say(USER, "第十四条 我单位要做什么")
    assert answer.startswith("第十四条")
    assert "持续深化行政执法体制改革" in answer  # the item's title
    assert "建立健全行政执法统计年报制度" in answer  # quoted from the document
    assert "区司法局" in answer
    [message] = bot.messages(USER)
    assert message.params.get("parse_mode") == "HTML"
    assert "<b>" in (message.text or "")
    assert "item:14" in bot.buttons(message)


async def test_answer_names_unit_duties(bot: BotHarness) -> None:
    [answer] = await bot.say(USER, "每季度要学法几次")
    assert "第二条" in answer and "每季度至少1次" in answer
    assert "原文" in answer and "每季度至少学法 1 次" in answer


async def test_group_answers_mentions_and_replies_only(bot: BotHarness) -> None:
    bot.server.inject_text(GROUP, "每季度要学法几次")  # no mention: not for the bot
    mention = f"@{bot.server.bot_username} 每季度要学法几次"
    replies = await bot.say(GROUP, mention)
    await asyncio.sleep(0.3)  # anything the first message might have caused has arrived
    assert len(bot.messages(GROUP)) == 1
    assert "每季度至少1次" in replies[0]
    # a reply to the bot's message counts as addressed to the bot
    bot_message = bot.messages(GROUP)[0].payload
    before = len(bot.messages(GROUP))
    bot.server.inject_update(
        {
            "message": {
                "message_id": 900,
                "date": int(NOW.timestamp()),
                "chat": {"id": GROUP, "type": "group", "title": "群"},
                "from": {"id": 7, "is_bot": False, "first_name": "张"},
                "text": "行政复议改革谁负责",
                "reply_to_message": bot_message,
            }
        }
    )
    texts = await bot.wait_messages(GROUP, before + 1)
    assert "第十五条" in texts[-1] or "行政复议" in texts[-1]


async def test_commands_registered_with_chinese_descriptions(bot: BotHarness) -> None:
    scopes = list(bot.server.commands)
    default = next(k for k in scopes if '"default"' in k)
    names = {c["command"]: c["description"] for c in bot.server.commands[default]}
    assert {"start", "help", "items", "item", "unit", "mytasks", "done", "calendar"} <= set(names)
    assert "pending" not in names
    admin = next(k for k in scopes if str(ADMIN_ID) in k)
    assert {"pending", "broadcast"} <= {c["command"] for c in bot.server.commands[admin]}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in d) for d in names.values())


# -- b. registration, approval, reminders --------------------------------------------------------


async def test_registration_approval_and_due_reminders_reach_the_chat(bot: BotHarness) -> None:
    [choice] = await bot.say(USER, "/unit 司法局")
    assert "区司法局" in choice
    [reg] = [d for d in bot.buttons(bot.messages(USER)[-1]) if d.startswith("reg:")]
    await bot.tap(USER, reg)
    texts = await bot.wait_messages(USER, 2)
    assert "已提交登记申请" in texts[-1]
    assert bot.chat_row(USER).status == ChatStatus.PENDING

    # the admin is told through the outbox, with approve / reject buttons
    [notice] = await bot.wait_messages(ADMIN_ID, 1)
    assert "登记申请" in notice and "区司法局" in notice and str(USER) in notice
    approve = bot.buttons(bot.messages(ADMIN_ID)[0])[0]
    assert approve.startswith("apr:")
    assert reminder_keys(bot, USER) == []  # nothing before approval

    await bot.tap(ADMIN_ID, approve, user_id=ADMIN_ID)
    await bot.wait(lambda: bool(bot.server.calls_to("editMessageText", chat_id=ADMIN_ID)))
    edited = bot.server.calls_to("editMessageText", chat_id=ADMIN_ID)
    assert "已通过" in edited[-1].params["text"]
    assert bot.chat_row(USER).status == ChatStatus.ACTIVE

    # the approval notice and every reminder due now, right away (not at the next hourly run)
    await bot.wait(lambda: len(reminder_keys(bot, USER)) >= len(DUE_AT_NOW))
    texts = bot.texts(USER)
    assert any("登记已通过" in t for t in texts)
    keys = reminder_keys(bot, USER)
    assert {k for k, _ in keys} == DUE_AT_NOW
    assert ("i2-study", "2026Q3") in keys
    study = next(t for t in texts if "学法" in t and "提醒" in t)
    assert "区司法局" in study and "2026年9月30日" in study
    await asyncio.sleep(0.3)
    assert len(reminder_keys(bot, USER)) == len(DUE_AT_NOW)  # each exactly once


async def test_rejected_request_gets_no_reminders(bot: BotHarness) -> None:
    await bot.say(USER, "/unit 区司法局")
    await bot.tap(USER, bot.buttons(bot.messages(USER)[-1])[0])
    await bot.wait_messages(ADMIN_ID, 1)
    reject = bot.buttons(bot.messages(ADMIN_ID)[0])[1]
    assert reject.startswith("rej:")
    await bot.tap(ADMIN_ID, reject, user_id=ADMIN_ID)
    await bot.wait(lambda: any("未通过" in t for t in bot.texts(USER)))
    assert bot.chat_row(USER).status == ChatStatus.REMOVED
    assert reminder_keys(bot, USER) == []


# -- c. /done stops the next reminder ------------------------------------------------------------


def _two_units(assistant) -> None:  # noqa: ANN001
    with session_scope(assistant.sched.engine) as s:
        for chat_id, unit in ((USER, BUREAU), (GROUP, FINANCE)):
            chat_registry.register_chat(s, chat_id, unit, title="x", is_group=chat_id < 0)
            chat_registry.approve(s, chat_id, actor="test")


@pytest.fixture
async def two_unit_bot(
    fake_bot_api: FakeBotApi, tmp_path, monkeypatch
) -> AsyncIterator[BotHarness]:  # noqa: ANN001
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    async with build_harness(fake_bot_api, tmp_path, prepare=_two_units) as harness:
        yield harness


async def _run_planner_at(harness: BotHarness, when: dt.datetime) -> int:
    return await asyncio.to_thread(run_planner, harness.assistant.sched, when)


async def test_done_button_stops_the_next_reminder_of_that_period(two_unit_bot: BotHarness) -> None:
    bot = two_unit_bot
    # the startup planner run sends what is due now to both units
    for chat in (USER, GROUP):
        await bot.wait(lambda c=chat: len(reminder_keys(bot, c)) >= len(DUE_AT_NOW))
    study = next(m for m in bot.messages(USER) if "done:i2-study:2026Q3" in bot.buttons(m))
    await bot.tap(USER, "done:i2-study:2026Q3", message_id=study.message_id)
    texts = await bot.wait_messages(USER, len(DUE_AT_NOW) + 1)
    assert (
        "已记录" in texts[-1]
        and "区司法局" in texts[-1]
        and "2026年第三季度" in texts[-1]
        and "2026Q3" not in texts[-1]
    )
    # a second tap does not record twice
    await bot.tap(USER, "done:i2-study:2026Q3", message_id=study.message_id)
    texts = await bot.wait_messages(USER, len(DUE_AT_NOW) + 2)
    assert "无需重复" in texts[-1]

    # late September: the quarter's "10 working days left" step falls due
    assert await _run_planner_at(bot, dt.datetime(2026, 9, 25, 10, tzinfo=TZ)) >= 1
    await bot.wait(lambda: reminder_keys(bot, GROUP).count(("i2-study", "2026Q3")) == 2)
    await asyncio.sleep(0.3)
    assert reminder_keys(bot, USER).count(("i2-study", "2026Q3")) == 1  # confirmed: stopped
    assert "尚未确认完成" in bot.texts(GROUP)[-1]

    # the next quarter: the study session is due again for the confirming unit too
    await _run_planner_at(bot, dt.datetime(2026, 10, 12, 10, tzinfo=TZ))
    await bot.wait(lambda: ("i2-study", "2026Q4") in reminder_keys(bot, USER))
    assert reminder_keys(bot, USER).count(("i2-study", "2026Q3")) == 1


async def test_done_command_lists_then_confirms(two_unit_bot: BotHarness) -> None:
    bot = two_unit_bot
    await bot.wait(lambda: len(reminder_keys(bot, USER)) >= len(DUE_AT_NOW))
    [menu] = await bot.say(USER, "/done")
    assert "请选择" in menu
    assert "done:i4-meeting:2026" in bot.buttons(bot.messages(USER)[-1])
    [ok] = await bot.say(USER, "/done i4-meeting 2026 已于6月召开")
    assert "已记录" in ok
    await _run_planner_at(bot, dt.datetime(2026, 10, 12, 10, tzinfo=TZ))
    await bot.wait(lambda: ("i2-study", "2026Q4") in reminder_keys(bot, USER)[len(DUE_AT_NOW) :])
    await asyncio.sleep(0.3)
    assert reminder_keys(bot, USER).count(("i4-meeting", "2026")) == 1


# -- d. broadcast under 429 / 403 / 500 ----------------------------------------------------------

FIRST = 300_000
CHATS = list(range(FIRST, FIRST + 200))
BLOCKED = CHATS[:15]
RETRY_AFTER = CHATS[15:55]  # 429 retry_after once
SERVER_ERROR = CHATS[55:85]  # 500 twice
MIXED = CHATS[85:95]  # 429, then 500, then fine
NO_DUTIES = "广播测试单位"  # category "other": no obligation, so no reminders to wait for


def _many_chats(assistant) -> None:  # noqa: ANN001
    with session_scope(assistant.sched.engine) as s:
        unit_registry.add_unit(s, NO_DUTIES, "other", actor="test")
        for chat_id in CHATS:
            chat_registry.register_chat(s, chat_id, NO_DUTIES)
            chat_registry.approve(s, chat_id, actor="test")


@pytest.fixture
async def crowd_bot(fake_bot_api: FakeBotApi, tmp_path, monkeypatch) -> AsyncIterator[BotHarness]:  # noqa: ANN001
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    async with build_harness(fake_bot_api, tmp_path, prepare=_many_chats) as harness:
        yield harness


def _inject_faults(server: FakeBotApi) -> None:
    for chat in BLOCKED:
        server.block_chat(chat)
    for chat in RETRY_AFTER:
        server.add_fault(Fault.retry_after(0.05), chat_id=chat, method="sendMessage")
    for chat in SERVER_ERROR:
        server.add_fault(Fault.server_error(), chat_id=chat, method="sendMessage", times=2)
    for chat in MIXED:
        server.add_fault(Fault.retry_after(0.05), chat_id=chat, method="sendMessage")
        server.add_fault(Fault.server_error(502), chat_id=chat, method="sendMessage")


def _broadcast_id(harness: BotHarness) -> int:
    with Session(harness.assistant.sched.engine) as s:
        return s.exec(select(Broadcast)).one().id  # type: ignore[return-value]


async def test_broadcast_to_200_chats_under_faults(crowd_bot: BotHarness) -> None:
    bot = crowd_bot
    server = bot.server
    body = "请于本周五前报送<统计>&年报"
    [preview] = await bot.say(ADMIN_ID, f"/broadcast 全部 {body}")
    assert "通知预览" in preview and "200 个聊天" in preview and body in preview
    bc_id = _broadcast_id(bot)
    assert bot.buttons(bot.messages(ADMIN_ID)[-1]) == [
        f"bc:ok:{bc_id}",
        f"bc:no:{bc_id}",
        f"bc:rc:{bc_id}",  # the 需回执 toggle
    ]
    _inject_faults(server)

    # a double tap on confirm: both updates arrive together, handled concurrently
    server.inject_callback_query(ADMIN_ID, f"bc:ok:{bc_id}", user_id=ADMIN_ID)
    server.inject_callback_query(ADMIN_ID, f"bc:ok:{bc_id}", user_id=ADMIN_ID)
    await bot.wait(lambda: len(server.calls_to("answerCallbackQuery")) >= 2)
    reachable = [c for c in CHATS if c not in BLOCKED]
    await bot.wait(lambda: all(server.messages(c) for c in reachable), timeout=HANG)

    def settled() -> bool:
        with Session(bot.assistant.sched.engine) as s:
            return broadcast_report(s, bc_id).queued == 0

    await bot.wait(settled, timeout=HANG)
    await asyncio.sleep(0.3)
    counts = server.message_counts()
    assert {c: counts.get(c, 0) for c in reachable} == dict.fromkeys(reachable, 1)
    assert all(counts.get(c, 0) == 0 for c in BLOCKED)
    assert all(plain(server.messages(c)[0].text) == "【通知】" + body for c in reachable[:5])
    assert "&lt;统计&gt;&amp;年报" in (server.messages(reachable[0])[0].text or "")
    for chat in BLOCKED:
        assert bot.chat_row(chat).status == ChatStatus.BLOCKED
    assert bot.chat_row(RETRY_AFTER[0]).status == ChatStatus.ACTIVE
    assert len(server.calls_to("sendMessage", chat_id=MIXED[0])) == 3  # 429, 502, sent

    # admins are told of each chat that blocked the bot, once per chat
    def told(srv) -> int:  # noqa: ANN001
        return sum("【送达异常】" in (m.text or "") for m in srv.messages(ADMIN_ID))

    assert await server.wait_for_async(lambda srv: told(srv) >= len(BLOCKED), timeout=HANG)
    await asyncio.sleep(0.3)
    assert told(server) == len(BLOCKED)

    # the confirmation said "queued" once and "already sending" once
    edits = [c.params["text"] for c in server.calls_to("editMessageText", chat_id=ADMIN_ID)]
    sent = [m.text or "" for m in server.messages(ADMIN_ID)]
    answers = edits + sent[1:]
    assert sum("已排队发送给 200 个聊天" in t for t in answers) == 1, answers
    assert sum("不会重复发送" in t for t in answers) == 1, answers

    # the delivery report, through the button
    before = len(server.messages(ADMIN_ID))
    await bot.tap(ADMIN_ID, f"bc:rep:{bc_id}", user_id=ADMIN_ID)
    texts = await bot.wait_messages(ADMIN_ID, before + 1)
    report = texts[-1]
    assert "共 200 条" in report and "已送达 185" in report and "被屏蔽 15" in report
    assert "失败 0" in report and "结果未知 0" in report and "待发送 0" in report
    with Session(bot.assistant.sched.engine) as s:
        r = broadcast_report(s, bc_id)
    assert (r.total, r.sent, r.blocked, r.failed, r.unknown, r.queued) == (200, 185, 15, 0, 0, 0)


async def test_non_admin_gets_a_polite_refusal_and_nothing_else(crowd_bot: BotHarness) -> None:
    bot = crowd_bot
    [preview] = await bot.say(ADMIN_ID, "/broadcast 全部 测试")
    bc_id = _broadcast_id(bot)
    refusal = "仅限管理员"
    for command in ("/pending", "/units", "/broadcast 全部 我来发通知", "/report"):
        [reply] = await bot.say(USER, command)
        assert refusal in reply, command
    for data in (f"bc:ok:{bc_id}", f"bc:rep:{bc_id}", "apr:1", "rej:1", "pg:units:1"):
        before = len(bot.messages(USER))
        await bot.tap(USER, data)
        texts = await bot.wait_messages(USER, before + 1)
        assert len(texts) == before + 1
        assert refusal in texts[-1] or "失效" in texts[-1], data
    [reply] = await bot.say(USER, "本季度哪些单位还没学法")
    assert refusal in reply
    await asyncio.sleep(0.3)
    with Session(bot.assistant.sched.engine) as s:
        assert len(s.exec(select(Broadcast)).all()) == 1  # the non-admin created none
        assert s.exec(select(OutboxMessage).where(OutboxMessage.kind == "broadcast")).all() == []
    assert all(not bot.server.messages(c) for c in CHATS[:20])


# -- e. a group's migration to a supergroup ------------------------------------------------------

SUPERGROUP = -1_000_000_002_002


def _group_unit(assistant) -> None:  # noqa: ANN001
    with session_scope(assistant.sched.engine) as s:
        chat_registry.register_chat(s, GROUP, BUREAU, title="司法局群", is_group=True)
        chat_registry.approve(s, GROUP, actor="test")


async def test_reminder_follows_chat_migration(
    fake_bot_api: FakeBotApi,
    tmp_path,
    monkeypatch,  # noqa: ANN001
) -> None:
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    fake_bot_api.migrate_chat(GROUP, SUPERGROUP)  # the group was upgraded before the reminders
    async with build_harness(fake_bot_api, tmp_path, prepare=_group_unit) as bot:
        await bot.wait(lambda: len(reminder_keys(bot, SUPERGROUP)) >= len(DUE_AT_NOW))
        assert {k for k, _ in reminder_keys(bot, SUPERGROUP)} == DUE_AT_NOW
        assert bot.messages(GROUP) == []
        assert bot.server.calls_to("sendMessage", chat_id=GROUP)  # tried, answered "migrated"
        assert bot.chat_row(GROUP) is None
        assert bot.chat_row(SUPERGROUP).status == ChatStatus.ACTIVE
        # the new id is the chat's: /mytasks there knows the unit
        texts = await bot.say(SUPERGROUP, "/mytasks")
        assert "区司法局 的周期性任务" in texts[-1]


async def test_migration_service_message_moves_the_registration(two_unit_bot: BotHarness) -> None:
    bot = two_unit_bot
    bot.server.inject_update(
        {
            "message": {
                "message_id": 77,
                "date": int(NOW.timestamp()),
                "chat": {"id": GROUP, "type": "group", "title": "财政局群"},
                "from": {"id": 7, "is_bot": False, "first_name": "张"},
                "migrate_to_chat_id": SUPERGROUP,
            }
        }
    )
    await bot.wait(lambda: bot.chat_row(SUPERGROUP) is not None)
    assert bot.chat_row(GROUP) is None


# -- f. errors -----------------------------------------------------------------------------------


async def test_handler_error_gets_an_apology_and_is_logged(
    bot: BotHarness,
    monkeypatch,
    caplog,  # noqa: ANN001
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("index exploded")

    monkeypatch.setattr(bot.assistant.qa, "converse", broken)
    monkeypatch.setattr(questions, "show_item", broken)
    with caplog.at_level(logging.ERROR, logger="bot.channels.telegram.app"):
        [reply] = await bot.say(USER, "第十四条 我单位要做什么")
        assert reply == APOLOGY
        await bot.tap(USER, "item:3")
        texts = await bot.wait_messages(USER, 2)
    assert texts[-1] == APOLOGY
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    assert all(r.exc_info and "index exploded" in str(r.exc_info[1]) for r in errors)
    assert str(USER) in errors[0].getMessage()
    # the bot still works afterwards
    monkeypatch.undo()
    [ok] = await bot.say(USER, "/item 3")
    assert "第3条" in ok


async def test_unknown_command_and_malformed_button(bot: BotHarness) -> None:
    [reply] = await bot.say(USER, "/frobnicate")
    assert "未知命令" in reply
    await bot.tap(USER, "item:abc")
    texts = await bot.wait_messages(USER, 2)
    assert "失效" in texts[-1]


# -- g. rendering ---------------------------------------------------------------------------------

ODD_UNIT = "A&B<测试>局"


def _odd_unit(assistant) -> None:  # noqa: ANN001
    with session_scope(assistant.sched.engine) as s:
        unit_registry.add_unit(s, ODD_UNIT, "department", actor="test")


async def test_document_and_unit_text_is_escaped(
    fake_bot_api: FakeBotApi,
    tmp_path,
    monkeypatch,  # noqa: ANN001
) -> None:
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    async with build_harness(fake_bot_api, tmp_path, prepare=_odd_unit) as bot:
        [choice] = await bot.say(USER, f"/unit {ODD_UNIT}")
        raw = bot.messages(USER)[-1].text or ""
        assert "A&amp;B&lt;测试&gt;局" in raw and "<测试>" not in raw
        assert ODD_UNIT in choice
        await bot.tap(USER, bot.buttons(bot.messages(USER)[-1])[0])
        await bot.wait_messages(ADMIN_ID, 1)
        notice = bot.messages(ADMIN_ID)[0].text or ""
        assert "A&amp;B&lt;测试&gt;局" in notice
        for m in bot.server.messages():
            assert html_tags_balanced(m.text or ""), m.text


async def test_long_reply_is_split_at_line_breaks(bot: BotHarness) -> None:
    from bot.chat.render.replies import Button, Doc

    doc = Doc().line(("标题 <b> & 说明", "b"))
    for k in range(400):
        doc.line(f"第{k}行：", (f"重点{k}&<x>", "b"), "。" * 5)
    reply = Reply.of(doc, [[Button("查看第1条", "item:1")]])
    assert len(reply.html) > 2 * 4096

    front = bot.app.bot_data["front"]
    await front.send(SimpleNamespace(bot=bot.app.bot), USER, [reply])
    sent = bot.messages(USER)
    assert len(sent) == len(split_message(reply.html)) >= 3
    assert all(len(m.text or "") <= 4096 for m in sent)
    assert "\n".join(m.text or "" for m in sent) == reply.html
    assert all(html_tags_balanced(m.text or "") for m in sent)
    assert [bool(bot.buttons(m)) for m in sent] == [False] * (len(sent) - 1) + [True]
