"""催办 through the chat core: an admin chases one unit or every overdue unit (/remind, or 📣
under /report), the message goes through the outbox once however often the chase is repeated
that day, the unit answers (the 已在办 button, /reply, a text "已在办，预计…") with its user id
recorded, the answers stand beside the chase in /report, and all of it is audited."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.chat.assistant import Assistant
from bot.chat.incoming import ChatContext
from bot.runtime.compose import build_assistant
from scheduler.records import chat_registry
from scheduler.store.db import session_scope
from scheduler.store.models import AuditLog, Chase, ChaseReply, OutboxMessage
from scheduler.timing.clock import TZ
from tests.bot_harness import ADMIN_ID, make_settings

NOW = dt.datetime(2026, 10, 15, 10, tzinfo=TZ)  # Q3's study session is overdue for bureaus
UNITS = {"2001": "区司法局", "2002": "区财政局"}
ADMIN = ChatContext(str(ADMIN_ID), str(ADMIN_ID), "督办员")
JUSTICE = ChatContext("2001", "7001", "李联络")
FINANCE = ChatContext("2002", "7002", "王联络")


@pytest.fixture
def assistant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Assistant]:
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    a = build_assistant(make_settings(tmp_path))
    a.clock = lambda: NOW
    with session_scope(a.sched.engine) as s:
        for chat, unit in UNITS.items():
            chat_registry.register_chat(s, chat, unit, title=f"{unit}联络员")
            chat_registry.approve(s, chat, actor="test")
    yield a
    a.sched.engine.dispose()


def _rows(a: Assistant, model):  # noqa: ANN001, ANN202
    with Session(a.sched.engine) as s:
        return list(s.exec(select(model)).all())


def _chase_messages(a: Assistant) -> list[OutboxMessage]:
    return [m for m in _rows(a, OutboxMessage) if m.kind == "chase"]


def test_chase_one_unit_then_again_sends_once(assistant: Assistant) -> None:
    [reply] = assistant.handle_command(ADMIN, "remind", "司法局")
    assert "已催办 1 个单位" in reply.plain and "区司法局" in reply.plain
    [msg] = _chase_messages(assistant)
    assert msg.chat_id == "2001" and "【催办】" in msg.body and "学法" in msg.body
    assert "已逾期" in msg.body and "/reply" in msg.body
    [[button]] = json.loads(msg.buttons or "[]")
    assert button["data"].startswith("chs:ans:")
    [again] = assistant.handle_command(ADMIN, "remind", "区司法局")
    assert "今天已经催办过" in again.plain
    assert len(_chase_messages(assistant)) == 1  # a retry never sends twice
    assert all(c.chased_by_id == str(ADMIN_ID) for c in _rows(assistant, Chase))


def test_chase_every_overdue_unit_with_one_action_and_the_report_button(
    assistant: Assistant,
) -> None:
    [report, *_] = assistant.handle_command(ADMIN, "report", "2026")
    data = [b.data for row in report.buttons for b in row]
    assert "chs:all:2026" in data
    [reply] = assistant.handle_callback(ADMIN, "chs:all:2026")
    assert "已催办" in reply.plain
    chased = {m.chat_id for m in _chase_messages(assistant)}
    assert chased == {"2001", "2002"}  # every unit with a chat is told; others are listed
    assert "未能送达" in reply.plain
    n = len(_chase_messages(assistant))
    assistant.handle_command(ADMIN, "remind", "全部逾期")
    assert len(_chase_messages(assistant)) == n
    [narrow] = assistant.handle_command(ADMIN, "remind", "全部逾期 学法 2026Q3")
    assert "学法（2026Q3）" in narrow.plain and "今天已经催办过" in narrow.plain


def test_the_unit_replies_by_button_command_and_text(assistant: Assistant) -> None:
    assistant.handle_command(ADMIN, "remind", "司法局 学法 2026Q3")
    [msg] = _chase_messages(assistant)
    data = json.loads(msg.buttons or "[]")[0][0]["data"]
    [r1] = assistant.handle_callback(JUSTICE, data)
    assert "已记录" in r1.plain and "已在办" in r1.plain
    [r2] = assistant.handle_command(JUSTICE, "reply", "已在办，预计10月30日前完成")
    assert "已记录" in r2.plain
    [r3] = assistant.handle_text(JUSTICE, "已在办，预计10月31日前报送纪要")
    assert "已记录" in r3.plain
    [dup] = assistant.handle_callback(JUSTICE, data)
    assert "无需重复" in dup.plain
    replies = _rows(assistant, ChaseReply)
    assert [r.text for r in replies] == [
        "已在办",
        "已在办，预计10月30日前完成",
        "已在办，预计10月31日前报送纪要",
    ]
    assert {(r.user_id, r.user_name, r.chat_id) for r in replies} == {("7001", "李联络", "2001")}
    [report, *_] = assistant.handle_command(ADMIN, "report", "2026")
    assert "催办与回复" in report.plain
    line = next(x for x in report.plain.splitlines() if "区司法局 · 学法（2026Q3）" in x)
    assert "催办（督办员）" in line and "已在办，预计10月30日前完成（李联络" in line
    actions = [a.action for a in _rows(assistant, AuditLog)]
    assert actions.count("chase") == 1 and actions.count("chase_reply") == 3


def test_a_unit_not_chased_is_not_taken_for_a_reply(assistant: Assistant) -> None:
    [r] = assistant.handle_command(FINANCE, "reply", "已在办")
    assert "没有被催办" in r.plain
    answers = assistant.handle_text(FINANCE, "已在办，预计下周完成")
    assert all("已记录" not in a.plain for a in answers)  # a question, not a reply
    assert _rows(assistant, ChaseReply) == []


def test_another_units_chase_button_is_refused(assistant: Assistant) -> None:
    assistant.handle_command(ADMIN, "remind", "司法局")
    first = min(c.id for c in _rows(assistant, Chase))
    [r] = assistant.handle_callback(FINANCE, f"chs:ans:{first}")
    assert "不是发给" in r.plain
    assert _rows(assistant, ChaseReply) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("", "用法"),
        ("不存在的单位", "未找到"),
        ("司法局 不存在的任务", "未找到事项"),
        ("司法局 学法 2026Q9", "期间写法"),
    ],
)
def test_odd_remind_input_gets_one_chinese_sentence(
    assistant: Assistant, args: str, expected: str
) -> None:
    [r] = assistant.handle_command(ADMIN, "remind", args)
    assert expected in r.plain
    assert _chase_messages(assistant) == []


def test_remind_is_for_admins_and_reply_for_registered_chats(assistant: Assistant) -> None:
    [r] = assistant.handle_command(JUSTICE, "remind", "全部逾期")
    assert "仅限管理员" in r.plain
    [r] = assistant.handle_command(ChatContext("9", "9", "路人"), "reply", "已在办")
    assert "还没有登记单位" in r.plain
    [r] = assistant.handle_command(JUSTICE, "reply", "")
    assert "用法" in r.plain


def test_done_or_not_yet_due_is_not_chased(assistant: Assistant) -> None:
    assistant.handle_command(JUSTICE, "done", "学法 2026Q3")
    [r] = assistant.handle_command(ADMIN, "remind", "司法局 学法 2026Q3")
    assert "没有需要催办" in r.plain
    assistant.handle_command(ADMIN, "remind", "司法局")
    periods = {c.period for c in _rows(assistant, Chase) if c.obligation_key.endswith("study")}
    assert "2026Q3" not in periods and "2026Q4" not in periods  # done; not yet due


def test_an_exempted_or_extended_obligation_is_not_chased(assistant: Assistant) -> None:
    """Requests approved through the chat (scheduler.records.status_overrides, read by the
    chase through scheduler.records.waivers): what is exempted, or extended to a day not yet
    past, is never chased; the other overdue units are."""
    a = assistant
    out = a.handle_command(JUSTICE, "exempt", "学法 2026Q3 本季度无执法任务")
    assert "#1" in out[0].plain
    out = a.handle_command(FINANCE, "extend", "学法 2026Q3 2026-10-31 会议改期")
    assert "#2" in out[0].plain
    for n in ("1", "2"):
        assert "已批准" in a.handle_command(ADMIN, "grant", n)[0].plain
    [r] = a.handle_command(ADMIN, "remind", "全部逾期 学法 2026Q3")
    chased = {c.unit_id for c in _rows(a, Chase)}
    assert "区司法局" not in r.plain.split("已发送")[0] and "区财政局" not in r.plain
    assert len(chased) > 0  # the other overdue bureaus are chased


def test_admins_get_the_ledger_and_units_their_draft_as_files(assistant: Assistant) -> None:
    import io

    from docx import Document
    from openpyxl import load_workbook

    assistant.handle_command(JUSTICE, "done", "学法 2026Q1")
    assistant.handle_command(ADMIN, "remind", "司法局")
    assistant.handle_command(JUSTICE, "reply", "已在办")
    [r] = assistant.handle_command(ADMIN, "ledger", "2026")
    assert r.attachment is not None and r.attachment.filename == "fazhi-ledger-2026.xlsx"
    wb = load_workbook(io.BytesIO(r.attachment.content))
    rows = list(wb["区司法局"].iter_rows(min_row=3, values_only=True))
    assert any(row[-4] and "已在办" in row[-3] for row in rows)  # chase and reply side by side
    [report, *_] = assistant.handle_command(ADMIN, "report", "2026")
    assert "ldg:2026" in [b.data for row in report.buttons for b in row]
    [by_button] = assistant.handle_callback(ADMIN, "ldg:2026")
    assert by_button.attachment is not None and by_button.attachment.filename.endswith(".xlsx")
    [r] = assistant.handle_command(JUSTICE, "ledger", "")
    assert "仅限管理员" in r.plain
    [r] = assistant.handle_command(ADMIN, "ledger", "abc")
    assert "年份" in r.plain and r.attachment is None
    [r] = assistant.handle_command(JUSTICE, "annual_draft", "2026")
    assert r.attachment is not None and r.attachment.filename.endswith(".docx")
    doc = Document(io.BytesIO(r.attachment.content))
    assert doc.paragraphs[0].text == "区司法局2026年度法治政府建设情况报告（草稿）"
    [r] = assistant.handle_command(ADMIN, "annual_draft", "2026")
    assert r.attachment is not None and "全区" in r.plain
    [r] = assistant.handle_command(ChatContext("9", "9", "路人"), "annual_draft", "")
    assert "还没有登记单位" in r.plain
    actions = [a.action for a in _rows(assistant, AuditLog)]
    assert actions.count("ledger_export") == 2 and actions.count("annual_draft") == 2


def test_a_reply_to_the_chase_message_is_the_units_answer(assistant: Assistant) -> None:
    assistant.handle_command(ADMIN, "remind", "司法局")
    [msg] = _chase_messages(assistant)
    replying = ChatContext("2001", "7001", "李联络", replied_bot_text=msg.body[:80])
    [r] = assistant.handle_text(replying, "纪要下周一报送")
    assert "已记录" in r.plain
    assert {x.text for x in _rows(assistant, ChaseReply)} == {"纪要下周一报送"}


@pytest.mark.parametrize(
    ("command", "args"),
    [("ledger", "2020"), ("annual_draft", "2020"), ("remind", "全部逾期 学法 2020Q1")],
)
def test_a_year_before_every_plan_is_one_sentence(
    assistant: Assistant, command: str, args: str
) -> None:
    [r] = assistant.handle_command(ADMIN, command, args)
    assert "没有 2020 年或更早的工作要点" in r.plain and r.attachment is None
