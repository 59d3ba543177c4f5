"""Admins' overrides of whom an obligation binds: stored, audited, shown in reports, and
re-planning through the real outbox (queued reminders of units no longer bound are never sent)."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator

import pytest
import time_machine
from openpyxl import load_workbook
from scheduler_fixtures import *  # noqa: F403
from scheduler_fixtures import BUREAU, TOWN
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.chat.assistant import Assistant
from bot.chat.incoming import ChatContext
from bot.cli.main import app
from bot.runtime.compose import build_assistant
from scheduler.delivery.local_channels import FileChannel, read_lines
from scheduler.delivery.outbox import enqueue
from scheduler.delivery.sender import OutboxSender
from scheduler.jobs.context import run_planner
from scheduler.planning.planner import responsible_units
from scheduler.records.chat_registry import approve, register_chat
from scheduler.records.completions import NOT_APPLICABLE, OVERDUE, compliance_matrix
from scheduler.records.overrides import WITHDRAWN, clear_override, list_overrides, set_override
from scheduler.records.report import matrix_xlsx
from scheduler.records.unit_registry import RegistryError, add_unit
from scheduler.store.db import session_scope
from scheduler.store.models import AuditLog, OutboxMessage
from scheduler.timing.clock import TZ
from tests.bot_harness import make_settings

NOW = dt.datetime(2026, 7, 1, 10, tzinfo=TZ)  # Q3 starts: study, meeting, training … are due


def test_set_list_clear_is_audited_and_changes_the_binding(ctx) -> None:
    with session_scope(ctx.engine) as s:
        change = set_override(
            s, ctx.plan, ctx.directory(s), "法院", "学法", True, "院党组会议按季度学法", "42"
        )
        assert (change.unit, change.obligation.key, change.previous) == ("区法院", "i2-study", None)
        assert "区法院" in responsible_units(
            ctx.directory(s), ctx.plan, ctx.plan.obligation("i2-study")
        )
        # a second decision replaces the first and remembers it
        change = set_override(
            s, ctx.plan, ctx.directory(s), "区法院", "i2-study", False, "改为不适用", "43"
        )
        assert change.previous is not None and change.previous.applies is True
        [ov] = list_overrides(s, ctx.plan)
        assert (ov.unit, ov.obligation, ov.applies, ov.reason, ov.by) == (
            "区法院",
            "i2-study",
            False,
            "改为不适用",
            "43",
        )
        assert ov.at.startswith("20")
        ob = ctx.plan.obligation("i2-study")
        assert "区法院" not in responsible_units(ctx.directory(s), ctx.plan, ob)
        clear_override(s, ctx.plan, ctx.directory(s), "区法院", "i2-study", "42")
        assert list_overrides(s, ctx.plan) == []
        audit = s.exec(select(AuditLog).order_by(AuditLog.id)).all()
    rows = [(a.actor, a.action, a.target, json.loads(a.detail)) for a in audit]
    assert [r[:3] for r in rows if r[1].startswith("override")] == [
        ("42", "override_set", "区法院"),
        ("43", "override_set", "区法院"),
        ("42", "override_clear", "区法院"),
    ]
    detail = [r[3] for r in rows if r[1] == "override_set"][1]
    assert detail["reason"] == "改为不适用" and detail["applies"] is False
    assert detail["previous"] == {"applies": True, "reason": "院党组会议按季度学法"}


def test_bad_requests_are_explained(ctx) -> None:
    with session_scope(ctx.engine) as s:
        d = ctx.directory(s)
        with pytest.raises(RegistryError, match="理由"):
            set_override(s, ctx.plan, d, "区法院", "i2-study", False, "  ", "42")
        with pytest.raises(RegistryError, match="未找到单位"):
            set_override(s, ctx.plan, d, "火星局", "i2-study", False, "x", "42")
        with pytest.raises(RegistryError, match="未找到事项"):
            set_override(s, ctx.plan, d, "区法院", "种树", False, "x", "42")
        with pytest.raises(RegistryError, match="没有管理员调整"):
            clear_override(s, ctx.plan, d, "区法院", "i2-study", "42")


def test_report_shows_the_override(ctx) -> None:
    later = dt.datetime(2027, 1, 10, 10, tzinfo=TZ)
    with session_scope(ctx.engine) as s:
        before = compliance_matrix(s, ctx.plan, ctx.directory(s), "2026", now=later)
        assert before.cells[("区法院", "i2-study 2026Q1")] == NOT_APPLICABLE
        assert before.cells[("区财政局", "i2-study 2026Q1")] == OVERDUE
        set_override(s, ctx.plan, ctx.directory(s), "区法院", "学法", True, "院党组会议学法", "42")
        set_override(s, ctx.plan, ctx.directory(s), "财政局", "学法", False, "并入常务会议", "42")
        m = compliance_matrix(s, ctx.plan, ctx.directory(s), "2026", now=later)
    assert m.cells[("区法院", "i2-study 2026Q1")] == OVERDUE
    assert m.cells[("区财政局", "i2-study 2026Q1")] == NOT_APPLICABLE
    assert {(o.unit, o.applies) for o in m.overrides} == {("区法院", True), ("区财政局", False)}
    wb = load_workbook(io.BytesIO(matrix_xlsx(m)))
    sheet = wb["管理员调整"]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert ["区法院", "学法", "适用", "院党组会议学法"] in [r[:4] for r in rows]


# -- re-planning through the real outbox ------------------------------------------------------


@pytest.fixture
def at_now() -> Iterator[None]:
    """The outbox drops a reminder after its due date: send as on NOW."""
    with time_machine.travel(NOW, tick=True):
        yield


def _register(ctx, *units: str) -> None:  # noqa: ANN001
    with session_scope(ctx.engine) as s:
        add_unit(s, TOWN, "town", actor="admin")
        for k, unit in enumerate(units):
            register_chat(s, 700 + k, unit)
            approve(s, 700 + k, "admin")


def _queued(ctx) -> list[OutboxMessage]:  # noqa: ANN001
    with Session(ctx.engine) as s:
        return list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


async def test_override_withdraws_queued_reminders_they_are_never_sent(
    ctx, tmp_path, at_now
) -> None:
    _register(ctx, BUREAU, "区财政局")
    assert run_planner(ctx, NOW) > 0  # queued, not yet sent
    study = [r for r in _queued(ctx) if '"i2-study"' in r.meta]
    assert {r.unit_name for r in study} == {BUREAU, "区财政局"}
    with session_scope(ctx.engine) as s:
        change = set_override(
            s, ctx.plan, ctx.directory(s), BUREAU, "i2-study", False, "并入区政府常务会议", "42"
        )
    assert change.withdrawn == 1
    out = tmp_path / "sent.jsonl"
    await OutboxSender(ctx.engine, FileChannel(out), sender_id="t").drain()
    sent = {(ln["meta"]["unit"], ln["meta"]["obligation"]) for ln in read_lines(out)}
    assert (BUREAU, "i2-study") not in sent  # withdrawn: never sent
    assert ("区财政局", "i2-study") in sent and (BUREAU, "i4-meeting") in sent
    [row] = [r for r in _queued(ctx) if r.unit_name == BUREAU and '"i2-study"' in r.meta]
    assert (row.state, row.last_error, row.sent_at) == ("dropped", WITHDRAWN, None)
    # the planner's next runs do not queue it again
    assert run_planner(ctx, NOW + dt.timedelta(hours=1)) == 0

    # cleared: the rules bind the bureau again; the withdrawn reminder is queued again and sent
    with session_scope(ctx.engine) as s:
        change = clear_override(s, ctx.plan, ctx.directory(s), BUREAU, "i2-study", "42")
    assert change.restored == 1
    await OutboxSender(ctx.engine, FileChannel(out), sender_id="t").drain()
    sent = [(ln["meta"]["unit"], ln["meta"]["obligation"]) for ln in read_lines(out)]
    assert sent.count((BUREAU, "i2-study")) == 1


async def test_a_rule_change_withdraws_reminders_queued_under_the_old_rule(
    ctx, tmp_path, at_now
) -> None:
    """Reminders queued before this release (every unit of item 2 was bound) are withdrawn by
    the planner's next run, not sent: the court never hears of the leaders' court hearing."""
    _register(ctx, "区法院", TOWN)
    with session_scope(ctx.engine) as s:
        for chat_id, unit in (("700", "区法院"), ("701", TOWN)):
            enqueue(
                s,
                key=f"rem:i2-court_hearing:{unit}:2026:q3:old",
                chat_id=chat_id,
                body="旧规则下的提醒",
                meta={"obligation": "i2-court_hearing", "period": "2026", "unit": unit},
                unit_name=unit,
            )
    run_planner(ctx, NOW)
    out = tmp_path / "sent.jsonl"
    await OutboxSender(ctx.engine, FileChannel(out), sender_id="t").drain()
    sent = [(ln["meta"]["unit"], ln["meta"]["obligation"]) for ln in read_lines(out)]
    assert ("区法院", "i2-court_hearing") not in sent
    assert ("区法院", "i2-training") not in sent and ("区法院", "i2-study") not in sent
    assert (TOWN, "i2-court_hearing") in sent  # the town is bound: its old row is sent once…
    assert sent.count((TOWN, "i2-court_hearing")) == 2  # …and the planner's own q3 step


# -- chat and CLI -----------------------------------------------------------------------------


@pytest.fixture
def assistant(tmp_path, monkeypatch) -> Iterator[Assistant]:  # noqa: ANN001
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    a = build_assistant(make_settings(tmp_path))
    a.clock = lambda: NOW
    yield a
    a.sched.engine.dispose()


def test_override_in_chat(assistant: Assistant) -> None:
    admin = ChatContext("42", "42", "管理员")
    user = ChatContext("1001", "1001", "联络员")
    [r] = assistant.handle_command(user, "override", "区法院 i2-study 适用 理由")
    assert "仅限管理员" in r.plain
    [r] = assistant.handle_command(admin, "override", "")
    assert "没有管理员调整" in r.plain and "用法：/override" in r.plain
    [r] = assistant.handle_command(admin, "override", "区法院 i2-study 不适用")
    assert "请在“适用/不适用”之后写明理由" in r.plain
    [r] = assistant.handle_command(admin, "override", "区法院 i2-study 也许 理由")
    assert "不是“适用”" in r.plain
    [r] = assistant.handle_command(admin, "override", "区法院 学法 适用 院党组会议按季度学法")
    assert (
        "已设定" in r.plain
        and "区法院" in r.plain
        and "学法" in r.plain
        and "i2-study" not in r.plain
    )
    [r] = assistant.handle_command(admin, "override", "列表")
    assert "院党组会议按季度学法" in r.plain and "适用" in r.plain
    # /item 2 shows the override with whom the study session binds
    [r] = assistant.handle_command(admin, "item", "2")
    assert "区法院 适用（院党组会议按季度学法" in r.plain
    assert "「各地政府」" in r.plain and "不约束的责任单位" in r.plain
    [r] = assistant.handle_command(admin, "override", "区法院 i2-study 清除")
    assert "已清除调整" in r.plain
    [r] = assistant.handle_command(admin, "override", "火星局 i2-study 适用 x")
    assert "未找到单位" in r.plain


runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_override_cli_and_kb_obligations(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    code, out = _run("obligations", "override", "区法院", "i2-study", "--reason", "x")
    assert code == 1 and "--applies" in out
    code, out = _run(
        "obligations", "override", "区法院", "i2-study", "--applies", "--reason", "院党组会议学法"
    )
    assert code == 0 and "已设定" in out, out
    code, out = _run("obligations", "override", "区法院", "i2-study", "--not-applies")
    assert code == 1 and "理由" in out
    code, out = _run("obligations", "overrides", "--json")
    [row] = json.loads(out)
    assert (row["unit"], row["obligation"], row["applies"]) == ("区法院", "i2-study", True)
    code, out = _run("kb", "obligations", "--json")
    study = next(o for o in json.loads(out) if o["key"] == "i2-study")
    assert "区法院" in study["bound_units"]
    court = next(u for u in study["binding"]["units"] if u["unit"] == "区法院")
    assert court["override"]["reason"] == "院党组会议学法"
    code, out = _run("report", "--period", "2026", "--json")
    assert any(c.get("override") for c in json.loads(out) if c["unit"] == "区法院")
    code, out = _run("obligations", "clear", "区法院", "i2-study")
    assert code == 0 and "已清除" in out
    code, out = _run("obligations", "clear", "区法院", "i2-study")
    assert code == 1 and "没有管理员调整" in out
    code, out = _run("kb", "obligations", "--json")
    study = next(o for o in json.loads(out) if o["key"] == "i2-study")
    assert "区法院" not in study["bound_units"]
    assert "区法院" in [x["unit"] for x in study["binding"]["not_bound"]]
