"""Per-chat state is bounded: a bot that has heard from many chats does not keep all of them."""

from __future__ import annotations

from pathlib import Path

from bot.chat.incoming import ChatContext
from bot.chat.state import UNIT_CACHE_CHATS
from bot.runtime.compose import build_assistant
from knowledge.qa.query.conversation import MAX_CHATS, Conversations
from tests.bot_harness import make_settings


def test_the_unit_cache_keeps_the_recently_seen_chats(tmp_path: Path) -> None:
    assistant = build_assistant(make_settings(tmp_path))
    try:
        chats = [str(1000 + i) for i in range(UNIT_CACHE_CHATS + 100)]
        for chat in chats:
            assert assistant.unit_name(ChatContext(chat_id=chat, user_id=chat)) is None
        cached = set(assistant.state.units.entries)
        assert UNIT_CACHE_CHATS // 2 <= len(cached) <= UNIT_CACHE_CHATS
        assert chats[-1] in cached and chats[0] not in cached  # the oldest went first
    finally:
        assistant.sched.engine.dispose()


def test_conversations_drop_silent_chats_first_and_stay_capped() -> None:
    now = [0.0]
    conversations = Conversations(ttl=60.0, clock=lambda: now[0])
    conversations.put("old", None)
    now[0] = 120.0  # "old" has been silent longer than the ttl
    for i in range(MAX_CHATS + 10):
        conversations.put(str(i), None)
    slots = conversations._slots
    assert "old" not in slots and len(slots) <= MAX_CHATS
    assert str(MAX_CHATS + 9) in slots
