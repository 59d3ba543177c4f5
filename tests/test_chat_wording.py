"""Officials never see internal keys: obligations by their Chinese names, periods as
2026年第四季度 — in /mytasks and its buttons, /done's menu and confirmations, /undo, refusals,
evidence receipts and reminders; and the commands take those Chinese forms back (also a period
of this year without the year: 第三季度, 本季度), besides the old keys."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.chat.assistant import Assistant
from bot.chat.incoming import ChatContext
from bot.chat.render.replies import Reply
from bot.runtime.compose import build_assistant
from scheduler.jobs.context import run_planner
from scheduler.records import chat_registry
from scheduler.records.completions import completed_set
from scheduler.store.db import session_scope
from scheduler.store.models import OutboxMessage
from scheduler.timing.clock import TZ
from scheduler.timing.periods import Period, period_label
from tests.bot_harness import make_settings

NOW = dt.datetime(2026, 11, 20, 10, tzinfo=TZ)
UNIT = "区司法局"
KEY = re.compile(r"i\d+-[a-z_]+|\b20\d\d(?:Q[1-4]|H[12]|B[1-6]|-\d\d)\b(?!-)")

CHAT = ChatContext(chat_id="700", user_id="700", user_name="联络员")


@pytest.fixture
def assistant(tmp_path: Path) -> Iterator[Assistant]:
    a = build_assistant(make_settings(tmp_path))
    a.clock = lambda: NOW
    with session_scope(a.sched.engine) as s:
        chat_registry.register_chat(s, CHAT.chat_id, UNIT)
        chat_registry.approve(s, CHAT.chat_id, actor="test")
    yield a
    a.sched.engine.dispose()


def shown(replies: list[Reply]) -> str:
    """Everything an official reads: texts and the buttons' captions."""
    return "\n".join(
        [r.plain for r in replies] + [b.text for r in replies for row in r.buttons for b in row]
    )


def no_keys(text: str) -> None:
    assert not KEY.search(text), KEY.search(text)


def done(a: Assistant, args: str) -> str:
    text = shown(a.handle_command(CHAT, "done", args))
    no_keys(text)
    return text


def completions(a: Assistant) -> set[tuple[str, str, str]]:
    with session_scope(a.sched.engine) as s:
        return set(completed_set(s))


def test_mytasks_and_the_done_menu_show_names_and_chinese_periods(assistant: Assistant) -> None:
    text = shown(assistant.handle_command(CHAT, "mytasks"))
    no_keys(text)
    assert "学法" in text and "2026年第四季度" in text
    menu = shown(assistant.handle_command(CHAT, "done"))
    no_keys(menu)
    assert "学法（2026年第四季度）" in menu and "/done 任务名称" in menu


@pytest.mark.parametrize(
    ("args", "period"),
    [
        ("学法 2026年第三季度", "2026Q3"),
        ("学法 第三季度", "2026Q3"),
        ("学法 三季度 党组会学法", "2026Q3"),
        ("学法 本季度", "2026Q4"),
        ("学法", "2026Q4"),
        ("i2-study 2026Q3", "2026Q3"),  # the old form still works
        ("召开部署安排法治政府建设年度重点工作的专题会议 2026年", "2026"),
        ("专题会议 今年", "2026"),
    ],
)
def test_done_accepts_chinese_names_and_periods(
    assistant: Assistant, args: str, period: str
) -> None:
    text = done(assistant, args)
    assert "已记录" in text and period_label(period) in text
    key = "i4-meeting" if "会议" in args else "i2-study"
    assert completions(assistant) == {(UNIT, key, period)}


def test_refusals_and_undo_speak_chinese(assistant: Assistant) -> None:
    assert "无法识别" in done(assistant, "学法 2026年第五季度")
    assert "2026年第一季度 到 2026年第四季度" in done(assistant, "学法 2026Q5")
    assert "尚未开始" in done(assistant, "学法 2027年第一季度")
    text = done(assistant, "学法 2026年上半年")
    assert "期间应写成如 2026年第四季度" in text and "而不是 2026年上半年" in text
    assert "可确认的任务" in done(assistant, "不存在的任务")
    done(assistant, "学法 第二季度")
    undo = shown(assistant.handle_command(CHAT, "undo", "学法 2026年第二季度"))
    no_keys(undo)
    assert "已撤销" in undo and "2026年第二季度" in undo
    hint = shown(assistant.handle_command(CHAT, "undo", ""))
    no_keys(hint)
    assert completions(assistant) == set()


def test_reminders_name_the_task_and_the_period_in_chinese(assistant: Assistant) -> None:
    run_planner(assistant.sched, NOW)
    with session_scope(assistant.sched.engine) as s:
        bodies = [m.body for m in s.exec(select(OutboxMessage)).all()]
    assert bodies
    for body in bodies:
        no_keys(body)
    study = next(b for b in bodies if "学法" in b)
    assert "/done 学法 2026年第四季度" in study


def test_period_labels_parse_back() -> None:
    for key in ("2026", "2026H2", "2026Q4", "2026B3", "2026-05"):
        p = Period.parse(key)
        assert Period.parse(p.label) == p
