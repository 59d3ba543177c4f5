"""The per-user flood gate of the chat core."""

from __future__ import annotations

import time
from collections import defaultdict, deque


class FloodGuard:
    """At most ``limit`` messages per user per ``window`` seconds (a sliding window). Over the
    limit, :meth:`verdict` says "warn" once per window (answer that the user should wait) and
    "drop" afterwards (stay silent), so a flood costs one notice, not one answer per message."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[str, deque[float]] = defaultdict(deque)
        self._warned: dict[str, float] = {}

    def allow(self, user_id: str, now: float | None = None) -> bool:
        t = time.monotonic() if now is None else now
        q = self._seen[user_id]
        while q and t - q[0] >= self.window:
            q.popleft()
        if not q:
            self._warned.pop(user_id, None)
        if len(q) >= self.limit:
            return False
        q.append(t)
        if len(self._seen) > 10_000:  # forget users who went quiet
            for uid in [u for u, d in self._seen.items() if not d or t - d[-1] >= self.window]:
                self._seen.pop(uid, None)
                self._warned.pop(uid, None)
        return True

    def verdict(self, user_id: str, now: float | None = None) -> str:
        """ "ok", "warn" (first message over the limit in this window) or "drop"."""
        t = time.monotonic() if now is None else now
        if self.allow(user_id, t):
            return "ok"
        warned = self._warned.get(user_id)
        if warned is not None and t - warned < self.window:
            return "drop"
        self._warned[user_id] = t
        return "warn"
