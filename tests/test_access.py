"""Who may act for a unit: in a unit's group only its approved liaisons (and admins) confirm,
attach evidence or change the registration; forged buttons do nothing; periods that have not
started are refused; completions keep the user's id and name; everything is in the audit log.
Real PTB, fake Bot API, SQLite file."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from scheduler.records import access, chat_registry, unit_registry
from scheduler.store.db import session_scope
from scheduler.store.models import AuditLog, ChatStatus, Completion
from tests.bot_harness import ADMIN_ID, BotHarness, build_harness
from tests.fakes import FakeBotApi

GROUP, LIAISON, MEMBER = -8001, 8101, 8102
BUREAU, FINANCE = "区司法局", "区财政局"


def _group_with_liaison(assistant) -> None:  # noqa: ANN001
    with session_scope(assistant.sched.engine) as s:
        chat_registry.register_chat(
            s, GROUP, BUREAU, title="司法局群", is_group=True, requested_by=str(LIAISON)
        )
        chat_registry.approve(s, GROUP, actor=str(ADMIN_ID))


@pytest.fixture
async def bot(fake_bot_api: FakeBotApi, tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with build_harness(
        fake_bot_api, tmp_path, start_jobs=False, prepare=_group_with_liaison
    ) as harness:
        yield harness


async def _in_group(bot: BotHarness, user: int, text: str) -> str:
    before = len(bot.texts(GROUP))
    bot.server.inject_text(GROUP, text, user_id=user, chat_type="group")
    return (await bot.wait_messages(GROUP, before + 1))[-1]


async def _tap(bot: BotHarness, user: int, data: str) -> str:
    before = len(bot.texts(GROUP))
    bot.server.inject_callback_query(GROUP, data, user_id=user)
    return (await bot.wait_messages(GROUP, before + 1))[-1]


def _completions(bot: BotHarness) -> list[Completion]:
    with Session(bot.assistant.sched.engine) as s:
        return list(s.exec(select(Completion)).all())


def _audit(bot: BotHarness) -> list[AuditLog]:
    with Session(bot.assistant.sched.engine) as s:
        return list(s.exec(select(AuditLog).order_by(AuditLog.id)).all())


async def test_a_member_who_is_not_the_liaison_cannot_confirm(bot: BotHarness) -> None:
    answer = await _in_group(bot, MEMBER, "/done i2-study 2026Q3")
    assert "联络员" in answer
    answer = await _tap(bot, MEMBER, "done:i2-study:2026Q3")  # a forged button
    assert "联络员" in answer
    assert _completions(bot) == []
    answer = await _in_group(bot, LIAISON, "/done i2-study 2026Q3")
    assert "已确认" in answer or "完成" in answer
    (done,) = _completions(bot)
    assert done.confirmed_by_id == str(LIAISON) and done.confirmed_by  # id and name
    entry = next(a for a in _audit(bot) if a.action == "confirm")
    assert entry.actor == str(LIAISON) and json.loads(entry.detail)["period"] == "2026Q3"
    # the setting opens it to every member of the group
    bot.assistant.members_may_act = True
    answer = await _in_group(bot, MEMBER, "/done i4-meeting 2026")  # a bureau's own task
    assert {c.confirmed_by_id for c in _completions(bot)} == {str(LIAISON), str(MEMBER)}


async def test_future_periods_are_refused(bot: BotHarness) -> None:
    answer = await _in_group(bot, LIAISON, "/done i2-study 2099Q4")
    assert "尚未开始" in answer
    answer = await _tap(bot, LIAISON, "done:i2-study:2099Q4")
    assert "尚未开始" in answer
    assert _completions(bot) == []
    assert not any(a.action == "confirm" for a in _audit(bot))


async def test_only_the_liaison_may_ask_to_change_the_registration(bot: BotHarness) -> None:
    with Session(bot.assistant.sched.engine) as s:
        finance = unit_registry.get_unit(s, FINANCE)
        assert finance is not None
        finance_id = finance.id
    answer = await _tap(bot, MEMBER, f"reg:{finance_id}")
    assert "联络员" in answer
    chat = bot.chat_row(GROUP)
    assert chat.status == ChatStatus.ACTIVE and chat.requested_unit_id is None
    # the liaison asks: the request waits, the current registration stays active
    answer = await _tap(bot, LIAISON, f"reg:{finance_id}")
    assert "更改登记" in answer
    chat = bot.chat_row(GROUP)
    assert chat.status == ChatStatus.ACTIVE and chat.requested_unit_id == finance_id
    with Session(bot.assistant.sched.engine) as s:
        assert chat_registry.chat_unit(s, GROUP).name == BUREAU  # reminders still go to 司法局
        assert [c.chat_id for c, u in chat_registry.pending_chats(s)] == [str(GROUP)]
        assert chat_registry.pending_chats(s)[0][1].name == FINANCE
    # a forged approval by a member does nothing; the admin's does
    bot.server.inject_callback_query(GROUP, f"apr:{chat.id}", user_id=MEMBER)
    await asyncio.sleep(0.5)
    assert bot.chat_row(GROUP).requested_unit_id == finance_id
    reply = bot.assistant.handle_callback(_admin_ctx(), f"apr:{chat.id}")  # in the admin's chat
    assert "已通过" in reply[0].plain
    chat = bot.chat_row(GROUP)
    assert chat.status == ChatStatus.ACTIVE and chat.requested_unit_id is None
    with Session(bot.assistant.sched.engine) as s:
        assert chat_registry.chat_unit(s, GROUP).name == FINANCE
        assert access.is_liaison(s, finance_id, LIAISON)
    actions = [a.action for a in _audit(bot)]
    assert actions.count("request_registration") >= 2 and actions.count("approve_chat") == 2


async def test_evidence_is_appended_and_limited_to_liaisons(bot: BotHarness) -> None:
    await _in_group(bot, LIAISON, "/done i2-study 2026Q3")
    bot_message = bot.messages(GROUP)[-1].message_id
    # in a group, files count when they reply to the bot
    for name in ("会议记录.pdf", "签到表.pdf"):
        before = len(bot.texts(GROUP))
        _reply_document(bot, name, LIAISON, bot_message)
        await bot.wait_messages(GROUP, before + 1)
    (done,) = _completions(bot)
    files = (done.evidence or "").splitlines()
    assert len(files) == 2 and "会议记录.pdf" in files[0] and "签到表.pdf" in files[1]
    before = len(bot.texts(GROUP))
    _reply_document(bot, "别人的.pdf", MEMBER, bot_message)
    assert "联络员" in (await bot.wait_messages(GROUP, before + 1))[-1]
    (done,) = _completions(bot)
    assert len((done.evidence or "").splitlines()) == 2
    assert sum(a.action == "evidence" for a in _audit(bot)) == 2


def _reply_document(bot: BotHarness, name: str, user: int, reply_to: int) -> None:
    from tests.fakes.bot_api_objects import make_document

    server = bot.server
    file_id = server._store_file(b"%PDF-1.4 fake", ".pdf")
    document = make_document(file_id, file_name=name, mime_type="application/pdf", size=13)
    replied = server.stored_message(GROUP, reply_to)
    message = server._user_message(
        GROUP, user_id=user, chat_type="group", document=document, reply_to_message=replied
    )
    server.inject_update({"message": message})


def _admin_ctx():  # noqa: ANN202
    from bot.chat.incoming import ChatContext

    return ChatContext(chat_id=str(ADMIN_ID), user_id=str(ADMIN_ID), user_name="管理员")


OLD_GROUP = -8002  # registered before there were liaisons: nobody asked, so nobody is one


async def test_an_admin_names_a_liaison_for_a_group_registered_without_one(
    bot: BotHarness,
) -> None:
    with session_scope(bot.assistant.sched.engine) as s:
        chat_registry.register_chat(s, OLD_GROUP, FINANCE, title="财政局群", is_group=True)
        chat_registry.approve(s, OLD_GROUP, actor="cli")

    async def said(user: int, text: str, reply_to: int | None = None) -> str:
        before = len(bot.texts(OLD_GROUP))
        bot.server.inject_text(
            OLD_GROUP, text, user_id=user, chat_type="group", reply_to_message_id=reply_to
        )
        return (await bot.wait_messages(OLD_GROUP, before + 1))[-1]

    assert "联络员" in await said(MEMBER, "/done i4-meeting 2026")
    assert "管理员" in await said(MEMBER, f"/liaison 财政局 {MEMBER}")  # only admins name them
    member_says = bot.server.inject_text(
        OLD_GROUP, "我是财政局的联系人", user_id=MEMBER, chat_type="group"
    )  # not addressed to the bot: no answer
    answer = await said(ADMIN_ID, "/liaison", reply_to=member_says["message"]["message_id"])
    assert "区财政局" in answer and str(MEMBER) in answer
    answer = await said(MEMBER, "/done i4-meeting 2026")
    assert [c.confirmed_by_id for c in _completions(bot)] == [str(MEMBER)]
    listed = await said(ADMIN_ID, "/liaison 列表")
    assert "区财政局" in listed and str(MEMBER) in listed and "区司法局" in listed
    assert "不是 Telegram 用户ID" in await said(ADMIN_ID, "/liaison 财政局 老王")
    assert "不再是" in await said(ADMIN_ID, f"/liaison 移除 财政局 {MEMBER}")
    assert "联络员" in await said(MEMBER, "/done i2-study 2026Q3")
    entries = [(a.action, a.target) for a in _audit(bot)]
    assert ("add_liaison", str(MEMBER)) in entries and ("remove_liaison", str(MEMBER)) in entries
