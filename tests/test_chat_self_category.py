"""“我们镇要做什么” and its kin in an unregistered and a registered chat: a category word is
answered as the category (各镇), with counts a reader can check and the town asked for; never
"镇负责13条工作（列名0条…）"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.chat.assistant import Assistant
from bot.chat.incoming import ChatContext
from bot.runtime.compose import build_assistant
from scheduler.records import chat_registry
from scheduler.records.unit_registry import add_unit
from scheduler.store.db import session_scope
from tests.bot_harness import make_settings

TOWN, BUREAU = "张家集镇", "区司法局"
NOBODY, TOWN_CHAT, BUREAU_CHAT = "900", "901", "902"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    a = build_assistant(make_settings(Path(tmp_path_factory.mktemp("selfcat"))))
    with session_scope(a.sched.engine) as s:
        add_unit(s, TOWN, "town", actor="admin")
        for chat, unit in ((TOWN_CHAT, TOWN), (BUREAU_CHAT, BUREAU)):
            chat_registry.register_chat(s, chat, unit)
            chat_registry.approve(s, chat, actor="test")
    yield a
    a.sched.engine.dispose()


def ask(a: Assistant, chat: str, text: str) -> str:
    return a.handle_text(ChatContext(chat, chat, "联络员"), text)[0].plain


@pytest.mark.parametrize(
    ("question", "label"), [("我们镇要做什么", "镇"), ("我们街道要做什么", "街道")]
)
def test_an_unregistered_chat_gets_the_category_and_is_asked_which_one(
    assistant: Assistant, question: str, label: str
) -> None:
    text = ask(assistant, NOBODY, question)
    first = text.splitlines()[0]
    assert first.startswith(f"各{label}负责13条工作")
    assert "列名0条" not in text and "通过单位类别" not in text
    assert "统称" in first and "没有单独点名" in first  # why 13 and none by name
    assert f"/unit {label}的名称" in text and f"××{label}要做什么" in text  # which one?


def test_a_towns_chat_gets_its_own_duties_in_words_that_add_up(assistant: Assistant) -> None:
    text = ask(assistant, TOWN_CHAT, "我们镇要做什么")
    first = text.splitlines()[0]
    assert first.startswith(f"{TOWN}负责13条工作")
    assert "列名0条" not in text and f"没有单独点名{TOWN}" in first
    assert "/unit" not in text  # nothing to ask: the chat's unit is the town


def test_a_bureaus_chat_asking_about_our_town_is_told_what_it_is_registered_as(
    assistant: Assistant,
) -> None:
    text = ask(assistant, BUREAU_CHAT, "我们镇要做什么")
    lines = text.splitlines()
    assert lines[0].startswith(f"本群登记的单位是{BUREAU}（不是镇）")
    head = lines[1]
    assert head.startswith(f"{BUREAU}负责")
    named, grouped = (int(n) for n in re.findall(r"其中(\d+)条.*?(\d+)条", head)[0])
    total = int(re.search(r"负责(\d+)条", head).group(1))  # type: ignore[union-attr]
    assert named + grouped == total  # the counts add up to what is said


@pytest.mark.parametrize("question", ["我单位要做什么", "我们局要做什么"])
def test_my_unit_in_an_unregistered_chat_asks_to_register(
    assistant: Assistant, question: str
) -> None:
    text = ask(assistant, NOBODY, question)
    assert "/unit" in text and "负责" not in text.splitlines()[0]
    assert ask(assistant, BUREAU_CHAT, question).startswith(f"{BUREAU}负责")
