"""Fault injection and flood-limit enforcement for the fake Bot API server.

Everything here runs on the server's event loop thread, except the rule registration methods,
which tests call from their own thread; those take a lock.
"""

from __future__ import annotations

import math
import random
import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

# Methods that deliver a message to a chat: these are what Telegram's flood limits count.
SEND_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendAudio",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendVideoNote",
        "sendSticker",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "copyMessage",
        "forwardMessage",
    }
)

# Methods whose ``chat_id`` addresses a chat that may have blocked the bot or migrated.
ADDRESSED_METHODS = SEND_METHODS | {
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
    "deleteMessage",
    "sendChatAction",
    "pinChatMessage",
    "getChat",
}


@dataclass(frozen=True)
class Fault:
    """One scripted answer. ``status`` 200 with a ``delay`` means: deliver, then answer late;
    with a ``hold`` event: deliver, then answer once the test sets it (``delay``, when given,
    is then only a hang guard). A hold orders events without guessing how long they take."""

    status: int = 200
    description: str = ""
    parameters: dict[str, Any] | None = None
    delay: float = 0.0
    hold: threading.Event | None = field(default=None, compare=False)

    @classmethod
    def retry_after(cls, seconds: float = 1) -> Fault:
        return cls(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})

    @classmethod
    def forbidden(cls, description: str = "Forbidden: bot was blocked by the user") -> Fault:
        return cls(403, description)

    @classmethod
    def migrated(cls, new_chat_id: int) -> Fault:
        return cls(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": new_chat_id},
        )

    @classmethod
    def bad_request(cls, description: str = "Bad Request: chat not found") -> Fault:
        return cls(400, description)

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        return cls(status, "Internal Server Error")

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """Deliver the message but answer only after ``seconds`` (provokes client time-outs)."""
        return cls(200, "", None, seconds)

    @classmethod
    def held(cls, release: threading.Event, guard: float = 120.0) -> Fault:
        """Deliver the message but answer only once ``release`` is set (or after ``guard``)."""
        return cls(200, "", None, guard, release)

    @property
    def is_error(self) -> bool:
        return self.status != 200

    def body(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            payload["parameters"] = self.parameters
        return payload


@dataclass
class _Rule:
    fault: Fault
    chat_id: int | None
    method: str | None  # None: any of SEND_METHODS
    remaining: int | None  # None: forever

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.method is None and method not in SEND_METHODS:
            return False
        if self.method is not None and self.method != method:
            return False
        return self.chat_id is None or self.chat_id == chat_id


@dataclass(frozen=True)
class Chaos:
    """Seeded random faults, decided per chat and per attempt so that the outcome for a chat
    does not depend on how concurrent requests interleave."""

    seed: int
    retry_after: float = 0.0  # share of attempts answered 429
    server_error: float = 0.0  # share answered 500
    slow: float = 0.0  # share delivered but answered after ``slow_seconds``
    forbidden: float = 0.0  # share of chats that blocked the bot (sticky)
    retry_after_seconds: float = 1  # Telegram sends whole seconds; a fraction speeds up tests
    slow_seconds: float = 1.0

    def is_blocked(self, chat_id: int) -> bool:
        return random.Random(f"{self.seed}:{chat_id}:blocked").random() < self.forbidden

    def fault_for(self, chat_id: int, attempt: int) -> Fault | None:
        roll = random.Random(f"{self.seed}:{chat_id}:{attempt}").random()
        if roll < self.retry_after:
            return Fault.retry_after(self.retry_after_seconds)
        roll -= self.retry_after
        if roll < self.server_error:
            return Fault.server_error()
        roll -= self.server_error
        if roll < self.slow:
            return Fault.slow(self.slow_seconds)
        return None


class FaultPlan:
    """Scripted faults, blocked and migrated chats, and seeded chaos."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []
        self._blocked: dict[int, str] = {}
        self._migrated: dict[int, int] = {}
        self._chaos: Chaos | None = None
        self._attempts: Counter[int] = Counter()

    def add(
        self, fault: Fault, *, chat_id: int | None, method: str | None, times: int | None
    ) -> None:
        with self._lock:
            self._rules.append(_Rule(fault, chat_id, method, times))

    def block(self, chat_id: int, description: str) -> None:
        with self._lock:
            self._blocked[chat_id] = description

    def unblock(self, chat_id: int) -> None:
        with self._lock:
            self._blocked.pop(chat_id, None)

    def migrate(self, chat_id: int, new_chat_id: int) -> None:
        with self._lock:
            self._migrated[chat_id] = new_chat_id

    def set_chaos(self, chaos: Chaos | None) -> None:
        with self._lock:
            self._chaos = chaos
            self._attempts.clear()

    def is_blocked(self, chat_id: int) -> bool:
        with self._lock:
            chaos = self._chaos
            if chat_id in self._blocked:
                return True
        return bool(chaos and chaos.is_blocked(chat_id))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._blocked.clear()
            self._migrated.clear()
            self._chaos = None
            self._attempts.clear()

    def take(self, method: str, chat_id: int | None) -> Fault | None:
        """The fault to answer this request with, if any (consumes one-shot rules)."""
        with self._lock:
            if chat_id is not None and method in ADDRESSED_METHODS:
                if chat_id in self._blocked:
                    return Fault.forbidden(self._blocked[chat_id])
                if chat_id in self._migrated:
                    return Fault.migrated(self._migrated[chat_id])
            for rule in self._rules:
                if rule.matches(method, chat_id):
                    if rule.remaining is not None:
                        rule.remaining -= 1
                        if rule.remaining <= 0:
                            self._rules.remove(rule)
                    return rule.fault
            chaos = self._chaos
            if chaos is None or chat_id is None or method not in SEND_METHODS:
                return None
            attempt = self._attempts[chat_id]
            self._attempts[chat_id] += 1
        if chaos.is_blocked(chat_id):
            return Fault.forbidden()
        return chaos.fault_for(chat_id, attempt)


@dataclass(frozen=True)
class RateLimits:
    """Telegram's documented flood limits, as (messages, seconds) sliding windows; None = off.

    Defaults: 30 messages/s overall, 1/s per private chat, 20/min per group.
    """

    overall: tuple[int, float] | None = (30, 1.0)
    private: tuple[int, float] | None = (1, 1.0)
    group: tuple[int, float] | None = (20, 60.0)


@dataclass
class Violation:
    kind: str  # overall, private or group
    chat_id: int
    at: float
    retry_after: int


@dataclass
class RateEnforcer:
    """Answers 429 when a message would exceed a sliding window, and counts the violations.

    Only accepted messages fill the windows: a rejected request costs the client nothing but
    the round trip, as with Telegram.
    """

    limits: RateLimits
    violations: list[Violation] = field(default_factory=list)
    _overall: deque[float] = field(default_factory=deque)
    _per_chat: dict[int, deque[float]] = field(default_factory=dict)

    def check(self, chat_id: int, is_group: bool, now: float) -> Violation | None:
        windows: list[tuple[str, deque[float], tuple[int, float] | None]] = [
            (
                "group" if is_group else "private",
                self._per_chat.setdefault(chat_id, deque()),
                self.limits.group if is_group else self.limits.private,
            ),
            ("overall", self._overall, self.limits.overall),
        ]
        for kind, stamps, limit in windows:
            if limit is None:
                continue
            count, period = limit
            while stamps and stamps[0] <= now - period:
                stamps.popleft()
            if len(stamps) >= count:
                wait = max(1, math.ceil(stamps[0] + period - now))
                violation = Violation(kind, chat_id, now, wait)
                self.violations.append(violation)
                return violation
        self._overall.append(now)
        self._per_chat[chat_id].append(now)
        return None
