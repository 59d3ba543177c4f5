"""Conversation state: the previous turn of each chat, so that a follow-up ("它的牵头单位呢",
"那第十二条呢", "换成区财政局呢", "多久一次") can be completed from it (:mod:`.follow_up`).

:class:`Conversations` keeps one :class:`Turn` per chat, forgotten after ``ttl`` seconds of
silence; it is safe to use from several threads (one lock per chat, so chats do not wait for
each other). Telegram, the console and ``fazhi ask --batch`` (lines with the same "session")
share it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from knowledge.qa.query.form import Query

DEFAULT_TTL = 30 * 60.0  # seconds of silence after which a chat starts afresh
MAX_CHATS = 10_000


@dataclass(frozen=True)
class Turn:
    """The previous turn: its query (as resolved) and what the answer was about."""

    query: Query
    items: tuple[int, ...] = ()  # the answer's items, most relevant first
    unit: str | None = None  # the unit the answer was about (named or the chat's)
    unit_kind: str = ""
    intent: str = ""
    rest: tuple[int, ...] = ()  # items of a long list not shown yet (还有呢)
    pages: tuple[str, ...] = ()  # text pages of a long answer not shown yet
    plan_id: str = ""
    # the items each earlier turn was about, newest first (这两条 / 它们 / 回到…那条)
    history: tuple[tuple[int, ...], ...] = ()
    units_history: tuple[str, ...] = ()  # the units of earlier turns, newest first, distinct


@dataclass
class _Slot:
    turn: Turn | None = None
    seen: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Conversations:
    """Per-chat conversation state with expiry. ``get``/``put`` under ``lock(chat)``."""

    def __init__(
        self, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.clock = clock
        self._slots: dict[str, _Slot] = {}
        self._guard = threading.Lock()

    def _slot(self, chat: str) -> _Slot:
        with self._guard:
            slot = self._slots.get(chat)
            if slot is None:
                if len(self._slots) >= MAX_CHATS:
                    self._evict()
                slot = self._slots[chat] = _Slot()
            return slot

    def _evict(self) -> None:
        now = self.clock()
        for key in [k for k, s in self._slots.items() if now - s.seen > self.ttl]:
            del self._slots[key]
        if len(self._slots) >= MAX_CHATS:  # all fresh: drop the oldest half
            for key, _ in sorted(self._slots.items(), key=lambda kv: kv[1].seen)[: MAX_CHATS // 2]:
                del self._slots[key]

    def lock(self, chat: str) -> threading.Lock:
        """Hold this while reading, answering and storing one chat's turn."""
        return self._slot(chat).lock

    def get(self, chat: str) -> Turn | None:
        slot = self._slot(chat)
        if slot.turn is not None and self.clock() - slot.seen > self.ttl:
            slot.turn = None
        return slot.turn

    def put(self, chat: str, turn: Turn | None) -> None:
        slot = self._slot(chat)
        slot.turn = turn
        slot.seen = self.clock()

    def forget(self, chat: str) -> None:
        with self._guard:
            self._slots.pop(chat, None)
