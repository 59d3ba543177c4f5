"""催办 in the console chat (`fazhi chat`), where the operator is both the office and the
unit: /remind, the chase message as the console channel delivers it with its 已在办 button,
pressing it, /reply, the reply beside the chase in /report, and the ledger and the draft saved
as files — the same core as Telegram, no branch per channel."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.channels.console.chat import ConsoleChat
from bot.chat.assistant import Assistant
from bot.runtime.compose import build_assistant
from scheduler.delivery.outbox import to_outgoing
from scheduler.records import chat_registry
from scheduler.store.db import session_scope
from scheduler.store.models import ChaseReply, OutboxMessage
from scheduler.timing.clock import TZ
from tests.bot_harness import make_settings

NOW = dt.datetime(2026, 11, 20, 10, tzinfo=TZ)


@pytest.fixture
def console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ConsoleChat]:
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    a: Assistant = build_assistant(make_settings(tmp_path), extra_admins=frozenset({"console"}))
    a.clock = lambda: NOW
    with session_scope(a.sched.engine) as s:
        chat_registry.register_chat(s, "console", "区司法局")
        chat_registry.approve(s, "console", actor="test")
    yield ConsoleChat(a, out=io.StringIO())
    a.sched.engine.dispose()


def said(console: ConsoleChat, line: str) -> str:
    out = console.out
    assert isinstance(out, io.StringIO)
    start = len(out.getvalue())
    console.handle_line(line)
    return out.getvalue()[start:]


async def test_chase_and_reply_in_the_console(console: ConsoleChat) -> None:
    assert "已催办 1 个单位" in said(console, "/remind 司法局")
    engine = console.assistant.sched.engine
    with Session(engine) as s:
        [row] = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "chase")).all()
    out = console.out
    assert isinstance(out, io.StringIO)
    start = len(out.getvalue())
    await console.send(to_outgoing(row))
    shown = out.getvalue()[start:]
    assert "【催办】区司法局" in shown and "已在办" in shown
    number = console.message_count
    assert "已记录" in said(console, f"{number}.1")
    assert "已记录" in said(console, "/reply 已在办，预计11月30日前完成")
    with Session(engine) as s:
        assert [r.text for r in s.exec(select(ChaseReply)).all()][-1].startswith("已在办，预计")
    report = said(console, "/report 2026")
    assert "催办与回复" in report and "已在办，预计11月30日前完成" in report
    assert "催办全部逾期单位" in report and "督办台账" in report
    ledger = said(console, "/ledger 2026")
    assert "文件已保存" in ledger and "fazhi-ledger-2026.xlsx" in ledger
    draft = said(console, "/annual_draft 2026 司法局")
    assert "文件已保存" in draft and ".docx" in draft
