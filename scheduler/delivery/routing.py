"""One channel over several: each outbox row goes to the channel its chat id belongs to.

A deployment may reach officials on several platforms at once (Telegram and DingTalk); their
chats share the registry and the outbox, and a chat id says its platform by a prefix (DingTalk's
``dt:``; Telegram's ids are numbers). The sender keeps one channel, this one, and nothing in
the outbox knows which platforms exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scheduler.delivery.channel import (
    Channel,
    DeliveryOutcome,
    DeliveryStatus,
    OutgoingMessage,
    ReadStatus,
    SentMessage,
    read_status,
)


class RoutingChannel:
    """``by_prefix``: chat-id prefix → channel; other ids go to ``default`` (None: failed)."""

    name = "routing"

    def __init__(self, default: Channel | None, by_prefix: Mapping[str, Channel]) -> None:
        self.default = default
        self.by_prefix = dict(by_prefix)

    def channel_for(self, chat_id: str) -> Channel | None:
        for prefix, channel in self.by_prefix.items():
            if chat_id.startswith(prefix):
                return channel
        return self.default

    async def send(self, message: OutgoingMessage) -> DeliveryOutcome:
        channel = self.channel_for(message.chat_id)
        if channel is None:
            error = f"no channel configured for chat {message.chat_id}"
            return DeliveryOutcome(DeliveryStatus.RETRY, retry_after=300.0, error=error)
        return await channel.send(message)

    async def read_status(self, messages: Sequence[SentMessage]) -> ReadStatus:
        """Each message's read status, from the channel its chat belongs to."""
        by_channel: dict[int, tuple[Channel | None, list[SentMessage]]] = {}
        for m in messages:
            channel = self.channel_for(m.chat_id)
            by_channel.setdefault(id(channel), (channel, []))[1].append(m)
        out: ReadStatus = {}
        for channel, group in by_channel.values():
            out.update(await read_status(channel, group))
        return out
