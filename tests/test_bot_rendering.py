"""Rendering of the chat core's replies: HTML escaping, splitting over Telegram's 4096
characters, and callback data (ASCII, at most 64 bytes) of every button the core produces."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.chat.assistant import Assistant
from bot.chat.incoming import ChatContext
from bot.chat.render.replies import CALLBACK_LIMIT, Doc, Reply, html_to_plain, split_message
from bot.runtime.compose import build_assistant
from scheduler.jobs.context import reminder_buttons
from scheduler.planning.planner import reminders_in
from scheduler.records import chat_registry, unit_registry
from scheduler.store.db import session_scope
from scheduler.timing.clock import TZ
from tests.bot_harness import html_tags_balanced, make_settings

NOW = dt.datetime(2026, 7, 1, 10, tzinfo=TZ)


# -- split_message ---------------------------------------------------------------------------------


def test_short_text_is_one_part() -> None:
    assert split_message("第一行\n第二行") == ["第一行\n第二行"]


def test_split_prefers_line_breaks() -> None:
    lines = [f"{k:03d}" + "字" * 96 for k in range(100)]  # 100 lines of 100 characters
    text = "\n".join(lines)
    parts = split_message(text, limit=1000)
    assert all(len(p) <= 1000 for p in parts)
    assert "\n".join(parts) == text
    assert all(p.split("\n")[0] in lines for p in parts)  # every part starts with a whole line


def test_single_long_line_is_cut_but_never_inside_a_tag_or_entity() -> None:
    line = "".join(f"<b>粗{k}</b>&amp;&lt;" for k in range(400))
    parts = split_message(line, limit=200)
    assert all(len(p) <= 200 for p in parts)
    assert all(html_tags_balanced(p) for p in parts)
    assert "".join(html_to_plain(p) for p in parts) == html_to_plain(line)
    for p in parts:  # no half entity at either end
        assert not p.rstrip().endswith(("&", "&am", "&amp", "&l", "&lt"))


def test_a_span_over_several_lines_is_closed_and_reopened() -> None:
    body = "\n".join(f"引用第{k}行 & <内容>" for k in range(300))
    html = Reply.of(Doc().line("通知：", (body, "q"))).html
    parts = split_message(html, limit=1024)
    assert len(parts) > 2
    assert all(len(p) <= 1024 and html_tags_balanced(p) for p in parts)
    assert all(p.count("<blockquote>") == 1 for p in parts)
    assert "\n".join(html_to_plain(p) for p in parts) == html_to_plain(html)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(alphabet="ab字&<>\n ", max_size=60), st.sampled_from(["", "b", "q"])),
        max_size=40,
    ),
    st.integers(min_value=40, max_value=300),
)
def test_split_property(spans: list[tuple[str, str]], limit: int) -> None:
    html = Reply.of(Doc().line(*spans)).html
    assume(html.strip())
    parts = split_message(html, limit=limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert all(html_tags_balanced(p) for p in parts)
    joined = "".join(html_to_plain(p) for p in parts)
    # nothing visible is lost: only line breaks at the cuts (and a part of nothing but
    # white space, which Telegram would refuse as empty) may go
    assert "".join(joined.split()) == "".join(html_to_plain(html).split())


# -- escaping --------------------------------------------------------------------------------------


def test_doc_escapes_document_text_once() -> None:
    reply = Reply.of(Doc().line(("A&B<局>", "b"), " 说明 <i>x</i>"))
    assert reply.html == "<b>A&amp;B&lt;局&gt;</b> 说明 &lt;i&gt;x&lt;/i&gt;"
    assert reply.plain == "A&B<局> 说明 <i>x</i>"
    assert html_to_plain(reply.html) == reply.plain


# -- callback data of every button -----------------------------------------------------------------


@pytest.fixture
def assistant(tmp_path, monkeypatch) -> Iterator[Assistant]:  # noqa: ANN001
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    a = build_assistant(make_settings(tmp_path))
    a.clock = lambda: NOW
    yield a
    a.sched.engine.dispose()


def _data(replies: list[Reply]) -> list[str]:
    return [b.data for r in replies for row in r.buttons for b in row]


def _assert_valid(data: list[str]) -> None:
    for d in data:
        assert d.isascii() and 0 < len(d.encode()) <= CALLBACK_LIMIT, d


def test_every_button_has_short_ascii_callback_data(assistant: Assistant) -> None:
    admin = ChatContext("42", "42", "管理员")
    seen: list[str] = []
    plan = assistant.plan
    for page in range(len(plan.items) // 10 + 2):
        seen += _data(assistant.handle_callback(admin, f"items:{page}"))
    for item in plan.items:
        seen += _data(assistant.handle_command(admin, "item", str(item.number)))
        seen += _data(assistant.handle_text(admin, f"第{item.number}条 我单位要做什么"))
    with session_scope(assistant.sched.engine) as s:
        units = [u.name for u in unit_registry.list_units(s)]
    assert len(units) > 10
    for k, unit in enumerate(units):
        chat = ChatContext(str(10_000 + k), str(10_000 + k), "联络员")
        seen += _data(assistant.handle_command(chat, "unit", unit))
        with session_scope(assistant.sched.engine) as s:
            chat_registry.register_chat(s, chat.chat_id, unit)
            chat_registry.approve(s, chat.chat_id, actor="test")
        seen += _data(assistant.handle_command(chat, "mytasks"))
        seen += _data(assistant.handle_command(chat, "done"))
    seen += _data(assistant.handle_command(admin, "units"))
    seen += _data(assistant.handle_callback(admin, "pg:units:1"))
    [preview] = assistant.handle_command(admin, "broadcast", "全部 测试通知")
    seen += _data([preview])
    bc = preview.buttons[0][0].data.split(":")[-1]
    seen += _data(assistant.handle_callback(admin, f"bc:ok:{bc}"))
    seen += _data(assistant.handle_callback(admin, f"bc:rep:{bc}"))
    with session_scope(assistant.sched.engine) as s:
        directory = assistant.sched.directory(s)
        cal = assistant.sched.calendar(s)
    for r in reminders_in(plan, directory, assistant.sched.rules, cal, (2026, 2027)):
        seen += [b["data"] for row in reminder_buttons(r) for b in row]
    kinds = {d.split(":")[0] for d in seen}
    assert {"item", "items", "reg", "done", "snz", "bc"} <= kinds
    _assert_valid(seen)
    assert max(len(d) for d in seen) < CALLBACK_LIMIT
