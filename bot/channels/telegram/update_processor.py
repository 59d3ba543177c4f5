"""Concurrent update handling with per-chat order, and the flood gate in front of it.

python-telegram-bot runs every update as its own task when ``concurrent_updates`` is set and
hands it to an update processor. :class:`PerChatUpdateProcessor`:

- runs updates of different chats concurrently (at most ``max_workers`` handlers at once);
- keeps one chat's updates in arrival order (a FIFO lock per chat, taken *before* a worker
  slot, so a chat with a long queue never holds slots other chats could use);
- asks a gate first, at arrival: a user over the flood limit gets one "too many questions"
  notice per window and is otherwise dropped before any work is queued, so one user sending
  thousands of messages costs the others nothing but the gate's dictionary lookup.

PTB's own semaphore (``max_concurrent_updates``) is set far above ``max_workers``: it is taken
before ``do_process_update`` runs, so with a small value the queued updates of one busy chat
would hold all of it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from enum import StrEnum
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

PTB_SLOTS = 1_000_000  # PTB's semaphore: effectively unbounded, see the module docstring


class Verdict(StrEnum):
    OK = "ok"  # handle the update
    WARN = "warn"  # over the limit: answer once that the user should wait, skip the update
    DROP = "drop"  # over the limit and already told: ignore silently


Gate = Callable[[object], Verdict]
Notice = Callable[[object], Awaitable[None]]


def chat_key(update: object) -> Hashable | None:
    """The chat an update belongs to (None: no order to keep, e.g. inline queries)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """See the module docstring. ``gate`` and ``notice`` are optional (tests, benchmarks)."""

    def __init__(
        self, max_workers: int = 32, gate: Gate | None = None, notice: Notice | None = None
    ) -> None:
        super().__init__(PTB_SLOTS)
        self.max_workers = max_workers
        self.gate = gate
        self.notice = notice
        self._workers = asyncio.Semaphore(max_workers)
        self._chats: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        verdict = Verdict.OK
        if self.gate is not None:
            try:
                verdict = self.gate(update)
            except Exception:  # noqa: BLE001 - a gate bug must not drop updates
                log.exception("flood gate failed")
        if verdict != Verdict.OK:
            _close(coroutine)
            if verdict == Verdict.DROP or self.notice is None:
                return
        key = chat_key(update)
        if key is None:
            async with self._workers:
                await (self.notice(update) if verdict == Verdict.WARN else coroutine)  # type: ignore[misc]
            return
        lock, users = self._chats.get(key, (None, 0))
        lock = lock or asyncio.Lock()
        self._chats[key] = (lock, users + 1)
        try:
            async with lock, self._workers:
                if verdict == Verdict.WARN:
                    assert self.notice is not None
                    await self.notice(update)
                else:
                    await coroutine
        finally:
            lock, users = self._chats[key]
            if users <= 1:
                del self._chats[key]
            else:
                self._chats[key] = (lock, users - 1)

    @property
    def waiting_chats(self) -> int:
        """Chats with updates in progress or queued (a gauge for tests and benchmarks)."""
        return len(self._chats)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""


def _close(coroutine: Awaitable[Any]) -> None:
    """Discard a handler coroutine that will not run (no "never awaited" warning)."""
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()
