"""/head through the chat core: an admin registers, shows and clears a unit's head (负责人) in
chat as with ``fazhi units head``; a reply to the head's message supplies their ID; odd input
gets a Chinese sentence; every change is audited; others may not; /help lists it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.chat.assistant import Assistant
from bot.chat.incoming import ChatContext
from bot.runtime.compose import build_assistant
from scheduler.records import chat_registry
from scheduler.store.db import session_scope
from scheduler.store.models import AuditLog, UnitRow
from tests.bot_harness import ADMIN_ID, make_settings

ADMIN = ChatContext(str(ADMIN_ID), str(ADMIN_ID), "督办员")
LIAISON = ChatContext("2001", "7001", "李联络")


@pytest.fixture
def assistant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Assistant]:
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    a = build_assistant(make_settings(tmp_path))
    with session_scope(a.sched.engine) as s:
        chat_registry.register_chat(s, "2001", "区司法局", title="区司法局联络员")
        chat_registry.approve(s, "2001", actor="test")
    yield a
    a.sched.engine.dispose()


def _head(a: Assistant, unit: str) -> tuple[str | None, str | None]:
    with Session(a.sched.engine) as s:
        row = s.exec(select(UnitRow).where(UnitRow.name == unit)).one()
        return row.head_name, row.head_chat_id


def _audit(a: Assistant) -> list[AuditLog]:
    with Session(a.sched.engine) as s:
        rows = s.exec(select(AuditLog)).all()
    return [r for r in rows if r.action in ("set_unit_head", "clear_unit_head")]


def test_set_show_and_clear_a_head_audited(assistant: Assistant) -> None:
    [shown] = assistant.handle_command(ADMIN, "head", "司法局")
    assert "还没有登记负责人" in shown.plain and "/head 区司法局" in shown.plain
    [done] = assistant.handle_command(ADMIN, "head", "司法局 李局长 9001")
    assert "已登记“区司法局”的负责人：李局长（9001）" in done.plain
    assert _head(assistant, "区司法局") == ("李局长", "9001")
    [shown] = assistant.handle_command(ADMIN, "head", "区司法局")
    assert "李局长（9001）" in shown.plain
    [cleared] = assistant.handle_command(ADMIN, "head", "区司法局 清除")
    assert "已清除“区司法局”的负责人" in cleared.plain
    assert _head(assistant, "区司法局") == (None, None)
    [again] = assistant.handle_command(ADMIN, "head", "区司法局 清除")
    assert "没有登记负责人" in again.plain
    rows = _audit(assistant)
    assert [r.action for r in rows] == ["set_unit_head", "clear_unit_head"]
    assert {r.actor for r in rows} == {str(ADMIN_ID)}
    assert "9001" in rows[0].detail


def test_a_reply_to_the_heads_message_supplies_the_id(assistant: Assistant) -> None:
    ctx = ChatContext(str(ADMIN_ID), str(ADMIN_ID), "督办员", replied_user_id="dt:abc123")
    [done] = assistant.handle_command(ctx, "head", "司法局 王 局长")
    assert "已登记" in done.plain
    assert _head(assistant, "区司法局") == ("王 局长", "dt:abc123")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ("", "用法：/head"),
        ("不存在的局 张三 9001", "不存在的局"),
        ("司法局 张三", "请写负责人的聊天ID"),
        ("司法局 张三 dt:", "不是聊天ID"),
        ("司法局 张三 " + "9" * 40, "不是聊天ID"),
    ],
)
def test_odd_input_gets_one_chinese_sentence(assistant: Assistant, args: str, said: str) -> None:
    [reply] = assistant.handle_command(ADMIN, "head", args)
    assert said in reply.plain
    assert "Traceback" not in reply.plain and "Error" not in reply.plain
    assert _head(assistant, "区司法局") == (None, None)


def test_only_admins_and_help_lists_it(assistant: Assistant) -> None:
    [reply] = assistant.handle_command(LIAISON, "head", "司法局 李局长 9001")
    assert "仅限管理员" in reply.plain
    assert _head(assistant, "区司法局") == (None, None)
    [admin_help] = assistant.handle_command(ADMIN, "help", "")
    assert "/head 单位" in admin_help.plain and "负责人" in admin_help.plain
    [user_help] = assistant.handle_command(LIAISON, "help", "")
    assert "/head" not in user_help.plain
