"""Exemption (豁免) and extension (延期) requests through the chat core and the installed CLI:
asked by a unit's liaison, approved or rejected by an admin (command and button), audited, and
reflected in /mytasks, the report, its picture and its workbook."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlmodel import Session, create_engine, select

from bot.chat.assistant import Assistant
from bot.chat.buttons import DenyRequest, GrantRequest
from bot.chat.incoming import ChatContext
from bot.chat.render.report_picture import STATE_STYLE, render_matrix
from bot.runtime.compose import build_assistant
from scheduler.records.chat_registry import approve, register_chat
from scheduler.records.completions import EXEMPT, OVERDUE, PENDING, compliance_matrix
from scheduler.records.requests import status_overrides
from scheduler.store.db import session_scope
from scheduler.store.models import AuditLog, OutboxMessage
from scheduler.timing.clock import TZ
from tests.bot_harness import ADMIN_ID, make_settings

NOW = dt.datetime(2026, 8, 3, 10, tzinfo=TZ)  # in Q3: the quarterly study session is due 9-30
BUREAU = "区司法局"
ADMIN = ChatContext(str(ADMIN_ID), str(ADMIN_ID), "督办员")
LIAISON = ChatContext("700", "700", "联络员小王")


@pytest.fixture
def assistant(tmp_path, monkeypatch) -> Iterator[Assistant]:  # noqa: ANN001
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    a = build_assistant(make_settings(tmp_path))
    a.clock = lambda: NOW
    with session_scope(a.sched.engine) as s:
        register_chat(s, 700, BUREAU)
        approve(s, 700, "admin")
        register_chat(s, ADMIN_ID, BUREAU)  # the admin's own chat receives the notices
    yield a
    a.sched.engine.dispose()


def _outbox(a: Assistant) -> list[OutboxMessage]:
    with session_scope(a.sched.engine) as s:
        return list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def _audit(a: Assistant) -> list[tuple[str, str, dict]]:
    with session_scope(a.sched.engine) as s:
        rows = s.exec(select(AuditLog).order_by(AuditLog.id)).all()
        return [(r.actor, r.action, json.loads(r.detail)) for r in rows]


def _text(replies) -> str:  # noqa: ANN001
    return "\n".join(r.plain for r in replies)


def test_exemption_asked_in_chat_approved_by_button_counts_as_not_applicable(
    assistant: Assistant,
) -> None:
    a = assistant
    out = _text(a.handle_command(LIAISON, "exempt", ""))
    assert "用法：/exempt" in out
    out = _text(a.handle_command(LIAISON, "exempt", "学法 2026Q3"))
    assert "用法" in out  # no reason: the usage again
    out = _text(a.handle_command(LIAISON, "exempt", "学法 2026Q3 本季度无执法任务"))
    assert "已提交豁免申请 #1" in out and "本季度无执法任务" in out
    again = _text(a.handle_command(LIAISON, "exempt", "学法 2026Q3 本季度无执法任务"))
    assert "已有同样的豁免申请 #1" in again
    # the admin hears of it with two buttons; a liaison may not decide
    [notice] = [m for m in _outbox(a) if m.key.startswith("req:1:")]
    assert "豁免申请 #1" in notice.body and "rq:ok:1" in (notice.buttons or "")
    assert "仅限管理员" in _text(a.handle_command(LIAISON, "grant", "1"))
    assert "仅限管理员" in _text(a.handle_callback(LIAISON, GrantRequest(1).encode()))
    # /requests lists it with 批准 / 驳回
    [listing] = a.handle_command(ADMIN, "requests", "")
    assert "#1" in listing.plain and "区司法局" in listing.plain
    assert any(b.payload == GrantRequest(1) for row in listing.buttons for b in row)
    [done] = a.handle_callback(ADMIN, GrantRequest(1).encode())
    assert "已批准" in done.plain and "不适用（豁免）" in done.plain and done.edit
    assert "已处理" in _text(a.handle_callback(ADMIN, DenyRequest(1).encode()))
    # the requesting chat is told
    [told] = [m for m in _outbox(a) if m.key == "reqdone:1:700"]
    assert "已批准" in told.body
    # /mytasks: 不适用（豁免） with the reason, and no 已完成 button for it
    [mine] = a.handle_command(LIAISON, "mytasks", "")
    line = next(ln for ln in mine.plain.splitlines() if "学法" in ln and "[" in ln)
    assert "[不适用（豁免）]" in line and "本季度无执法任务" in line
    assert not any("学法" in b.text for row in mine.buttons for b in row)
    # the matrix, the report's workbook and its picture: its own state, never done
    with session_scope(a.sched.engine) as s:
        m = compliance_matrix(s, a.sched.plan, a.sched.directory(s), "2026Q3", now=NOW)
        assert m.cells[(BUREAU, "i2-study 2026Q3")] == EXEMPT
        assert m.counts()["done"] == 0 and m.counts()[EXEMPT] == 1
        [ov] = status_overrides(s, BUREAU, "2026").values()
        assert (ov.kind, ov.reason, ov.period) == ("exempt", "本季度无执法任务", "2026Q3")
    pic = render_matrix(m)
    box = pic.cells[(BUREAU, "i2-study 2026Q3")]
    assert pic.image.getpixel((box[0] + 3, box[1] + 3)) == STATE_STYLE[EXEMPT][0]
    assert EXEMPT in pic.legend
    legend = pic.legend[EXEMPT]
    assert pic.image.getpixel((legend[0] + 3, legend[1] + 3)) == STATE_STYLE[EXEMPT][0]
    replies = a.handle_command(ADMIN, "report", "2026Q3")
    assert "豁免 1" in replies[0].plain and "本季度无执法任务" in replies[0].plain
    wb = load_workbook(io.BytesIO(replies[0].attachment.content))
    cells = [c.value for row in wb["完成情况"].iter_rows() for c in row]
    assert "不适用（豁免）" in cells and "已完成" not in cells[2:]
    [row] = [[c.value for c in r] for r in wb["豁免和延期"].iter_rows(min_row=2)]
    assert row[:5] == [BUREAU, "i2-study", "2026Q3", "豁免（不适用）", "本季度无执法任务"]
    png = Image.open(io.BytesIO(replies[1].attachment.content))
    assert png.size == pic.image.size and "蓝：豁免" in replies[1].plain
    # audited with the user ids
    acts = [(actor, act) for actor, act, _d in _audit(a) if act.endswith(("_exempt", "_request"))]
    assert acts == [("700", "request_exempt"), (str(ADMIN_ID), "approve_request")]


def test_extension_moves_the_due_date_and_rejection_changes_nothing(
    assistant: Assistant,
) -> None:
    a = assistant
    late = dt.datetime(2026, 10, 9, 10, tzinfo=TZ)  # after 9-30, before the new date
    out = _text(a.handle_command(LIAISON, "extend", "学法 2026Q3 明天 会议改期"))
    assert "不是日期" in out
    out = _text(a.handle_command(LIAISON, "extend", "学法 2026Q3 2026-09-01 会议改期"))
    assert "应晚于现在的截止日 2026-09-30" in out
    out = _text(a.handle_command(LIAISON, "extend", "学法 2026Q3 10月15日 会议改期"))
    assert "已提交延期申请 #1" in out and "2026-10-15" in out
    out = _text(a.handle_command(LIAISON, "exempt", "普法 本期不适用"))
    assert "未找到事项" in out
    out = _text(a.handle_command(LIAISON, "exempt", "学法 2026Q4 本季度无执法任务"))
    assert "#2" in out
    assert "已驳回" in _text(a.handle_command(ADMIN, "deny", "2 第四季度照常学法"))
    assert "已批准" in _text(a.handle_command(ADMIN, "grant", "#1 同意"))
    assert "请写申请编号" in _text(a.handle_command(ADMIN, "grant", "abc"))
    assert "没有编号为 99" in _text(a.handle_command(ADMIN, "grant", "99"))
    with session_scope(a.sched.engine) as s:
        m = compliance_matrix(s, a.sched.plan, a.sched.directory(s), "2026", now=late)
        assert m.cells[(BUREAU, "i2-study 2026Q3")] == PENDING  # not overdue until 10-15
        assert m.cells[("区财政局", "i2-study 2026Q3")] == OVERDUE
        assert m.cells[(BUREAU, "i2-study 2026Q4")] == PENDING  # rejected: unchanged
        after = compliance_matrix(
            s, a.sched.plan, a.sched.directory(s), "2026", now=late + dt.timedelta(days=7)
        )
        assert after.cells[(BUREAU, "i2-study 2026Q3")] == OVERDUE
    [mine] = a.handle_command(LIAISON, "mytasks", "")  # in Q3: its due is the new date
    line = next(ln for ln in mine.plain.splitlines() if "学法" in ln and "[" in ln)
    assert "截止 2026-10-15" in line and "延期至 2026-10-15：会议改期" in line
    # in Q4 the extended Q3 session is still shown, open until its new date
    a.clock = lambda: late
    mine = a.handle_command(LIAISON, "mytasks", "")
    assert len(mine) == 2 and "已批准延期" in mine[1].plain
    assert "学法" in mine[1].plain and "2026Q3" in mine[1].plain and "2026-10-15" in mine[1].plain
    detail = [d for _actor, act, d in _audit(a) if act == "reject_request"]
    assert detail[0]["note"] == "第四季度照常学法" and detail[0]["requested_by"] == "700"


FAZHI = Path(sys.executable).with_name("fazhi")


def fazhi(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"FAZHI_DATA_DIR": str(home), "COLUMNS": "200", "TELEGRAM_BOT_TOKEN": ""}
    return subprocess.run(
        [str(FAZHI), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=home.parent,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def test_requests_and_heads_from_the_installed_cli(tmp_path: Path) -> None:
    home = tmp_path / "home"
    r = fazhi(home, "requests", "--help")
    assert r.returncode == 0 and "豁免" in r.stdout and "Usage" not in r.stdout
    r = fazhi(home, "requests", "exempt", "司法局", "学法", "2026Q3")
    assert r.returncode == 1 and "理由" in r.stderr and "Traceback" not in r.stderr
    r = fazhi(
        home, "requests", "exempt", "司法局", "学法", "2026Q3", "--reason", "本季度无执法任务"
    )
    assert r.returncode == 0 and "已提交豁免申请 #1" in r.stdout, r.stderr
    r = fazhi(
        home, "requests", "extend", "司法局", "学法", "2026Q2", "--until", "明天", "--reason", "x"
    )
    assert r.returncode == 1 and "不是日期" in r.stderr
    r = fazhi(
        home, "requests", "extend", "火星局", "学法", "--until", "2026-12-31", "--reason", "x"
    )
    assert r.returncode == 1 and "火星局" in r.stderr and "Traceback" not in r.stderr
    r = fazhi(
        home, "requests", "extend", "财政局", "学法", "2026Q3", "--until", "2026-10-20",
        "--reason", "会议改期", "--by", "联络员",
    )  # fmt: skip
    assert r.returncode == 0 and "#2" in r.stdout
    r = fazhi(home, "requests", "list", "--json")
    rows = json.loads(r.stdout)
    assert [(x["id"], x["kind"], x["unit"], x["state"]) for x in rows] == [
        (2, "extend", "区财政局", "pending"),
        (1, "exempt", BUREAU, "pending"),
    ]
    r = fazhi(home, "requests", "approve", "1", "--by", "督办员")
    assert r.returncode == 0 and "已批准" in r.stdout
    r = fazhi(home, "requests", "approve", "1")
    assert r.returncode == 1 and "已处理" in r.stderr
    r = fazhi(home, "requests", "reject", "2", "--reason", "请按期完成")
    assert r.returncode == 0 and "已驳回" in r.stdout
    r = fazhi(home, "requests", "reject", "99")
    assert r.returncode == 1 and "没有编号为 99" in r.stderr
    r = fazhi(home, "requests", "list", "--all")
    assert r.returncode == 0 and "已批准" in r.stdout and "已驳回" in r.stdout
    r = fazhi(home, "report", "--period", "2026Q3", "--json")
    cells = {(c["unit"], c["obligation"]): c for c in json.loads(r.stdout)}
    study = cells[(BUREAU, "i2-study")]
    assert study["state"] == "exempt" and study["request"]["reason"] == "本季度无执法任务"
    # the head (负责人) of a unit
    r = fazhi(home, "units", "head", "司法局")
    assert r.returncode == 0 and "还没有登记负责人" in r.stdout
    r = fazhi(home, "units", "head", "司法局", "--name", "李局长", "--chat", "abc")
    assert r.returncode == 1 and "不是聊天ID" in r.stderr
    r = fazhi(home, "units", "head", "司法局", "--name", "李局长", "--chat", "9001")
    assert r.returncode == 0 and "李局长" in r.stdout
    r = fazhi(home, "units", "head", "区司法局")
    assert "李局长（9001）" in r.stdout
    engine = create_engine(f"sqlite:///{home / 'fazhi.db'}")
    with Session(engine) as s:
        acts = [(a.actor, a.action) for a in s.exec(select(AuditLog).order_by(AuditLog.id))]
    engine.dispose()
    assert ("cli", "request_exempt") in acts and ("督办员", "approve_request") in acts
    assert ("cli", "reject_request") in acts and ("cli", "set_unit_head") in acts
