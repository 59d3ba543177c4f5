"""The console chat as an operator uses it: nothing silently guessed in /broadcast and /done,
completions that can be undone (audited), buttons bound to the message that showed them, no
rate limit for the local operator, and Ctrl-C that quits at once."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.channels.console.chat import CONSOLE_CHAT, ConsoleChat
from bot.chat.assistant import Assistant
from bot.chat.incoming import ChatContext
from bot.chat.render.replies import TELEGRAM_LIMIT, html_to_plain
from bot.runtime.compose import build_assistant
from scheduler.delivery.channel import OutgoingMessage
from scheduler.records import chat_registry
from scheduler.records.completions import completed_set
from scheduler.store.db import session_scope
from scheduler.store.models import AuditLog, Broadcast, OutboxMessage
from scheduler.timing.clock import TZ
from tests.bot_harness import make_settings

NOW = dt.datetime(2026, 11, 20, 10, tzinfo=TZ)
UNIT = "区司法局"
FAZHI = Path(sys.executable).with_name("fazhi")


@pytest.fixture
def assistant(tmp_path: Path) -> Iterator[Assistant]:
    a = build_assistant(make_settings(tmp_path), extra_admins=frozenset({"console"}))
    a.clock = lambda: NOW
    with session_scope(a.sched.engine) as s:
        chat_registry.register_chat(s, "console", UNIT)
        chat_registry.approve(s, "console", actor="test")
    yield a
    a.sched.engine.dispose()


@pytest.fixture
def console(assistant: Assistant) -> ConsoleChat:
    return ConsoleChat(assistant, out=io.StringIO())


def said(console: ConsoleChat, line: str) -> str:
    out = console.out
    assert isinstance(out, io.StringIO)
    start = len(out.getvalue())
    console.handle_line(line)
    return out.getvalue()[start:]


def _broadcasts(a: Assistant) -> list[Broadcast]:
    with session_scope(a.sched.engine) as s:
        return list(s.exec(select(Broadcast)).all())


def _register(a: Assistant, chat_id: str, unit: str) -> None:
    with session_scope(a.sched.engine) as s:
        chat_registry.register_chat(s, chat_id, unit)
        chat_registry.approve(s, chat_id, actor="test")


# -- /broadcast ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("区教育局 请于周五前报送材料", "区教育局"),  # a unit the directory does not hold
        ("区司发局 请于周五前报送材料", "区司法局"),  # a misspelt unit: asked, with the candidate
        ("第21条 请于周五前报送材料", "没有第21条"),  # an item the plan does not have
        ("第九十九项 请报送", "没有第九十九项"),
    ],
)
def test_an_unknown_broadcast_target_is_asked_back(
    console: ConsoleChat, assistant: Assistant, args: str, expected: str
) -> None:
    text = said(console, f"/broadcast {args}")
    assert expected in text and "全部" in text  # says how to send to everyone instead
    assert "[" not in text  # no button: nothing to confirm
    assert _broadcasts(assistant) == []


def test_a_target_without_registered_chats_offers_nothing(
    console: ConsoleChat, assistant: Assistant
) -> None:
    text = said(console, "/broadcast 镇 请各镇于周五前报送材料")
    assert "没有已登记" in text and "[" not in text
    assert _broadcasts(assistant) == []
    # the same notice to a unit with a chat is previewed with its buttons
    text = said(console, "/broadcast 区司法局 请于周五前报送材料")
    assert "1 个聊天" in text and "确认发送" in text


def test_a_notice_without_a_target_says_it_goes_to_everyone(console: ConsoleChat) -> None:
    text = said(console, "/broadcast 请各单位于本周五前报送年度报告，谢谢配合")
    assert "未写对象，默认全部" in text and "确认发送" in text


def test_an_over_long_notice_is_refused_before_the_preview(
    console: ConsoleChat, assistant: Assistant
) -> None:
    text = said(console, "/broadcast 全部 " + "通" * 5000)
    assert "通知太长" in text and "4092" in text and "[" not in text
    assert _broadcasts(assistant) == []
    # the longest notice that fits is previewed and sent exactly as previewed
    body = "知" * (TELEGRAM_LIMIT - len("【通知】"))
    said(console, "/broadcast 全部 " + body)
    [bc] = _broadcasts(assistant)
    said(console, "1")  # ✅ 确认发送
    with session_scope(assistant.sched.engine) as s:
        [sent] = s.exec(select(OutboxMessage).where(OutboxMessage.broadcast_id == bc.id)).all()
        assert html_to_plain(sent.body) == "【通知】" + body
        assert len(html_to_plain(sent.body)) == TELEGRAM_LIMIT


# -- /done and undo --------------------------------------------------------------------------
def test_done_refuses_an_invalid_or_future_period(
    console: ConsoleChat, assistant: Assistant
) -> None:
    for period, expected in (
        ("2026Q5", "2026年第一季度 到 2026年第四季度"),
        ("2027Q1", "尚未开始"),
        ("2025Q4", "不在本年度"),
        ("2026年第五季度", "无法识别"),
    ):
        text = said(console, f"/done i2-study {period}")
        assert expected in text, (period, text)
    with session_scope(assistant.sched.engine) as s:
        assert completed_set(s) == set()
    # a past period of this year is fine, and a note after the period stays a note
    assert "2026年第二季度" in said(console, "/done i2-study 2026Q2 六月党组会学法")
    with session_scope(assistant.sched.engine) as s:
        assert completed_set(s) == {(UNIT, "i2-study", "2026Q2")}


def test_a_completion_is_undone_by_button_and_by_command_and_audited(
    console: ConsoleChat, assistant: Assistant
) -> None:
    text = said(console, "/done i2-study")
    assert "已记录" in text and "撤销" in text
    number = text.split("#", 1)[1].split(" ", 1)[0]
    text = said(console, f"{number}.1")  # ↩ 撤销
    assert "已撤销" in text
    with session_scope(assistant.sched.engine) as s:
        assert completed_set(s) == set()
    assert "失效" in said(console, f"{number}.1")  # the message was replaced, as in Telegram
    assert "没有完成记录" in said(console, "/undo i2-study")  # nothing left to undo
    said(console, "/done i2-study 2026Q3")
    assert "已撤销" in said(console, "/undo 学法 2026Q3")
    with session_scope(assistant.sched.engine) as s:
        assert completed_set(s) == set()
        undos = s.exec(select(AuditLog).where(AuditLog.action == "undo_completion")).all()
    assert [json.loads(u.detail)["period"] for u in undos] == ["2026Q4", "2026Q3"]
    assert all(u.actor == "console" and u.target == UNIT for u in undos)


def test_only_the_units_chat_can_undo(assistant: Assistant) -> None:
    other = ChatContext("555", "555", "别的单位")
    _register(assistant, "555", "区财政局")
    said_by_owner = assistant.handle_command(CONSOLE_CHAT, "done", "i2-study")
    assert "已记录" in said_by_owner[0].plain
    reply = assistant.handle_callback(other, "undo:i2-study:2026Q4")
    assert "没有完成记录" in reply[0].plain  # 区财政局 has none; 区司法局's stays
    with session_scope(assistant.sched.engine) as s:
        assert completed_set(s) == {(UNIT, "i2-study", "2026Q4")}
    stranger = ChatContext("777", "777", "未登记")
    assert "登记" in assistant.handle_callback(stranger, "undo:i2-study:2026Q4")[0].plain


# -- buttons bound to their message ------------------------------------------------------------
async def _reminder(console: ConsoleChat, key: str, period: str, n: int) -> None:
    buttons = [
        [
            {"text": "✅ 已完成", "data": f"done:{key}:{period}"},
            {"text": "⏰ 稍后提醒", "data": f"snz:{key}:{period}"},
        ]
    ]
    await console.send(OutgoingMessage(n, "console", f"提醒 {key}", buttons=buttons))


async def test_buttons_are_bound_to_the_message_that_showed_them(
    console: ConsoleChat, assistant: Assistant
) -> None:
    await _reminder(console, "i2-study", "2026Q4", 1)  # message #1
    await _reminder(console, "i4-meeting", "2026", 2)  # message #2
    shown = console.out.getvalue()  # type: ignore[attr-defined]
    assert "[1.1] ✅ 已完成" in shown and "[2.1] ✅ 已完成" in shown
    said(console, "1.1")  # the FIRST reminder's 已完成, although #2 is newer
    with session_scope(assistant.sched.engine) as s:
        assert completed_set(s) == {(UNIT, "i2-study", "2026Q4")}
    assert "没有消息 #9" in said(console, "9.1")
    assert "只有按钮" in said(console, "2.5")
    said(console, "1")  # a bare number: the newest keyboard (the undo button of message #3)
    with session_scope(assistant.sched.engine) as s:
        assert completed_set(s) == set()
    # an edited (replaced) message's buttons are dead, as in Telegram
    assert "失效" in said(console, "3.1")


# -- rate limit ------------------------------------------------------------------------------
def test_the_console_operator_is_not_rate_limited(
    console: ConsoleChat, assistant: Assistant
) -> None:
    limit = assistant.flood.limit
    for _ in range(limit + 5):
        assert "太频繁" not in said(console, "第十四条讲什么")
    user = ChatContext("888", "888", "群众")
    replies = [assistant.handle_text(user, "第十四条讲什么")[0].plain for _ in range(limit + 1)]
    assert "频繁" in replies[-1] or "稍后" in replies[-1]


# -- Ctrl-C ----------------------------------------------------------------------------------
def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_quits_the_console_at_once(tmp_path: Path) -> None:
    env = {**os.environ, "FAZHI_DATA_DIR": str(tmp_path / "data"), "TELEGRAM_BOT_TOKEN": ""}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        [str(FAZHI), "chat"],
        stdin=subprocess.PIPE,  # kept open: a pending read must not hold the process
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=env,
        # a suite started in the background of a non-interactive shell inherits SIGINT ignored;
        # the console, like any terminal program, is tested as a user's terminal starts it
        preexec_fn=_default_sigint,
    )
    try:
        assert proc.stdout is not None
        seen = b""
        while b"> " not in seen:
            chunk = proc.stdout.read1(4096)
            assert chunk, "the console ended before its prompt"
            seen += chunk
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=300)  # a hang guard, not a timing: without the fix it waits for Enter
    finally:
        if proc.poll() is None:
            proc.kill()
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert "Traceback" not in err
    assert proc.returncode in (0, 130, -signal.SIGINT)
