"""The delivery channel interface the outbox sender talks to.

A channel turns one outbox message into one delivery attempt and reports what happened, in
terms the outbox can act on (retry later, give up, mark the chat blocked, follow a migration).
Telegram lives in ``bot/``; a console and a file channel in :mod:`scheduler.delivery.local_channels`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class DeliveryStatus(StrEnum):
    SENT = "sent"  # delivered; done
    RETRY = "retry"  # transient failure (429, 5xx, network): try again later
    BLOCKED = "blocked"  # the user blocked the bot / the bot was removed (403): stop, mark chat
    FAILED = "failed"  # permanent failure (400 bad request…): give up now
    UNKNOWN = "unknown"  # timed out after the request was sent: it may or may not have arrived
    MIGRATED = "migrated"  # group became a supergroup: resend to ``new_chat_id``
    UNREACHABLE = "unreachable"  # the chat does not exist (400 "chat not found"): stop, mark chat


@dataclass(frozen=True)
class OutgoingMessage:
    """One message as the channel sees it."""

    id: int  # outbox row id
    chat_id: str  # channel-specific address (Telegram chat id as text)
    body: str  # text; HTML for Telegram when ``parse_mode`` is "HTML"
    kind: str = "reminder"  # reminder, broadcast, digest, notice
    parse_mode: str | None = "HTML"
    buttons: list[list[dict[str, str]]] | None = None  # rows of {"text":…, "data":…}
    meta: dict[str, Any] = field(default_factory=dict)
    is_group: bool = False  # group chats have a tighter rate limit


@dataclass(frozen=True)
class DeliveryOutcome:
    status: DeliveryStatus
    retry_after: float | None = None  # seconds the peer asked us to wait (429)
    throttled: bool = False  # the peer's flood control (429): retry after, not a failed attempt
    error: str | None = None
    new_chat_id: str | None = None  # for MIGRATED
    provider_message_id: str | None = None


class Channel(Protocol):
    """Anything that can deliver an outbox message."""

    name: str

    async def send(self, message: OutgoingMessage) -> DeliveryOutcome: ...


@dataclass(frozen=True)
class SentMessage:
    """A message the outbox sent, as a channel's read status is asked of it."""

    id: int  # outbox row id
    chat_id: str
    provider_message_id: str | None


ReadStatus = dict[int, bool | None]  # outbox id → read, not read, None: the channel cannot tell


async def read_status(channel: object, messages: Sequence[SentMessage]) -> ReadStatus:
    """Whether each message was read, from a channel that offers ``read_status(messages)``
    (DingTalk, for 1:1 robot messages); None for every message of a channel that does not
    (Telegram has no read receipts for bots)."""
    ask = getattr(channel, "read_status", None)
    if ask is None or not messages:
        return dict.fromkeys((m.id for m in messages), None)
    return await ask(messages)
