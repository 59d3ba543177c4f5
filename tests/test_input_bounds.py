"""Input bounds in the chat core and the installed CLI: periods parsed strictly (a year outside
the plan, extra digits, unknown forms refused with the forms allowed), no argument echoed at
length, snooze under the liaison rule of /done, audit rows carrying user ids."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.chat.assistant import Assistant
from bot.chat.buttons import Snooze
from bot.chat.incoming import ChatContext
from bot.runtime.compose import build_assistant
from scheduler.records import chat_registry
from scheduler.store.db import session_scope
from scheduler.store.models import AuditLog, Completion, OutboxMessage
from scheduler.timing.clock import TZ
from tests.bot_harness import ADMIN_ID, make_settings

FAZHI = str(Path(sys.executable).with_name("fazhi"))
NOW = dt.datetime(2026, 11, 16, 10, tzinfo=TZ)
GROUP, LIAISON, MEMBER, PRIVATE = "-9001", "9101", "9102", "9201"
LONG = "长" * 10_000
ADMIN = ChatContext(str(ADMIN_ID), str(ADMIN_ID), "管理员甲")


@pytest.fixture
def assistant(tmp_path: Path) -> Iterator[Assistant]:
    a = build_assistant(make_settings(tmp_path))
    a.clock = lambda: NOW
    with session_scope(a.sched.engine) as s:
        chat_registry.register_chat(
            s, GROUP, "区司法局", title="司法局群", is_group=True, requested_by=LIAISON
        )
        chat_registry.approve(s, GROUP, actor=str(ADMIN_ID))
        chat_registry.register_chat(s, PRIVATE, "区司法局", user_name="联络员乙")
        chat_registry.approve(s, PRIVATE, actor=str(ADMIN_ID))
    yield a
    a.sched.engine.dispose()


def _say(a: Assistant, ctx: ChatContext, command: str, args: str = "") -> str:
    return "\n".join(r.plain for r in a.handle_command(ctx, command, args))


def _completions(a: Assistant) -> list[Completion]:
    with Session(a.sched.engine) as s:
        return list(s.exec(select(Completion)).all())


@pytest.mark.parametrize(
    "period",
    ["99999Q4", "2026Q44", "20261Q4", "1999Q4", "2025Q4", "2026Q5", "2026X4", "2026年第五季"],
)
def test_done_refuses_a_bad_period_instead_of_taking_it_as_a_note(
    assistant: Assistant, period: str
) -> None:
    me = ChatContext(PRIVATE, PRIVATE, "联络员乙")
    answer = _say(assistant, me, "done", f"i2-study {period} 学习了")
    assert _completions(assistant) == [], answer
    assert "期间" in answer, answer


def test_unknown_period_forms_list_the_allowed_forms(assistant: Assistant) -> None:
    answer = _say(assistant, ADMIN, "report", "99999Q4")
    assert "无法识别的期间" in answer and "2026年第三季度" in answer and "2026年上半年" in answer


@pytest.mark.parametrize(
    ("command", "args"),
    [("unit", LONG), ("done", LONG), ("done", f"i2-study 2026Q4 {LONG}"), ("report", LONG)],
)
def test_a_long_argument_is_not_echoed(assistant: Assistant, command: str, args: str) -> None:
    me = ADMIN if command == "report" else ChatContext(PRIVATE, PRIVATE, "联络员乙")
    answer = _say(assistant, me, command, args)
    assert "长" * 40 not in answer and len(answer) < 600, answer[:200]
    assert "太长" in answer
    assert _completions(assistant) == []


def test_a_member_who_is_not_a_liaison_cannot_snooze(assistant: Assistant) -> None:
    member = ChatContext(GROUP, MEMBER, "群成员", is_group=True)
    data = Snooze("i2-study", "2026Q4").encode()
    with Session(assistant.sched.engine) as s:
        before = len(s.exec(select(OutboxMessage)).all())
    [reply] = assistant.handle_callback(member, data)
    assert "联络员" in reply.plain, reply.plain
    with Session(assistant.sched.engine) as s:
        assert len(s.exec(select(OutboxMessage)).all()) == before  # no reminder queued
    admin_in_group = ChatContext(GROUP, str(ADMIN_ID), "管理员甲", is_group=True)
    [reply] = assistant.handle_callback(admin_in_group, data)
    assert "联络员" not in reply.plain, reply.plain


def test_audit_rows_carry_user_ids_not_display_names(assistant: Assistant) -> None:
    _say(assistant, ADMIN, "liaison", f"司法局 {MEMBER} 王五")
    me = ChatContext(PRIVATE, PRIVATE, "联络员乙")
    _say(assistant, me, "done", "i2-study 2026Q4")
    with Session(assistant.sched.engine) as s:
        rows = list(s.exec(select(AuditLog)).all())
    added = next(r for r in rows if r.action == "add_liaison" and r.target == MEMBER)
    assert added.actor == str(ADMIN_ID)
    confirmed = next(r for r in rows if r.action == "confirm")
    assert confirmed.actor == PRIVATE
    assert not [r for r in rows if r.actor in ("管理员甲", "联络员乙")]
    assert json.loads(added.detail)["name"] == "王五"


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k.lower() != "database_url"}
    env |= {"FAZHI_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run(
        [FAZHI, *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )


def test_the_installed_cli_refuses_bad_periods_and_long_arguments(tmp_path: Path) -> None:
    proc = _cli(tmp_path, "done", "司法局", "学法", "--period", "99999Q4")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1 and "无法识别的期间" in out and "2026年上半年" in out, out
    short_long = "长" * 1_500  # under the CLI-wide bound: the command itself must not echo it
    for args in (
        ("done", LONG, "学法"),
        ("done", "司法局", LONG),
        ("report", "--period", LONG),
        ("done", short_long, "学法"),
        ("done", "司法局", short_long),
        ("report", "--period", short_long),
    ):
        proc = _cli(tmp_path, *args)
        out = proc.stdout + proc.stderr
        assert proc.returncode != 0 and "长" * 40 not in out, (args[:2], out[:300])
        assert "Traceback" not in out
