"""已读 / 未读 in a notice's delivery report, for the chats whose channel can tell.

:func:`sent_messages` lists a broadcast's sent 1:1 messages (a group's message is read by many);
the channel's ``read_status`` hook (:func:`scheduler.delivery.channel.read_status`) says, for
each, read, not read, or None (unknown: Telegram, a DingTalk card); :func:`read_lines` turns the
known ones into the report's lines, and nothing when none is known. :func:`blocking` lets the
synchronous chat core ask a channel that lives on an adapter's event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from sqlmodel import Session, select

from scheduler.delivery.channel import ReadStatus, SentMessage, read_status
from scheduler.store.models import Chat, OutboxMessage, OutboxState, UnitRow

ASK_TIMEOUT = 20.0  # seconds the report waits for the channels (only a hang hits it)

ReadStatusFn = Callable[[Sequence[SentMessage]], ReadStatus]


def sent_messages(session: Session, broadcast_id: int) -> list[tuple[str, SentMessage]]:
    """(unit or chat, message) of the broadcast's sent messages to private chats."""
    rows = session.exec(
        select(OutboxMessage, UnitRow.name)
        .join(Chat, Chat.chat_id == OutboxMessage.chat_id, isouter=True)  # type: ignore[arg-type]
        .join(UnitRow, UnitRow.id == Chat.unit_id, isouter=True)  # type: ignore[arg-type]
        .where(
            OutboxMessage.broadcast_id == broadcast_id,
            OutboxMessage.kind == "broadcast",
            OutboxMessage.state == OutboxState.SENT.value,
            OutboxMessage.is_group == False,  # noqa: E712 - SQL expression
        )
        .order_by(OutboxMessage.id)  # type: ignore[arg-type]
    ).all()
    return [
        (unit or row.chat_id, SentMessage(row.id, row.chat_id, row.provider_message_id))  # type: ignore[arg-type]
        for row, unit in rows
    ]


def read_lines(sent: Sequence[tuple[str, SentMessage]], status: ReadStatus) -> list[str]:
    """``阅读（单聊）：1/2 已读`` with who has read and who not; [] when no status is known."""
    read = [who for who, m in sent if status.get(m.id) is True]
    unread = [who for who, m in sent if status.get(m.id) is False]
    if not read and not unread:
        return []
    out = [f"阅读（单聊）：{len(read)}/{len(read) + len(unread)} 已读"]
    if read:
        out.append("已读：" + "、".join(read))
    if unread:
        out.append("未读：" + "、".join(unread))
    return out


def blocking(loop: asyncio.AbstractEventLoop, channel: object) -> ReadStatusFn:
    """A synchronous ``read_status`` for the chat core's worker threads: the query runs on
    ``loop``, where the channel's HTTP client lives."""

    def ask(messages: Sequence[SentMessage]) -> ReadStatus:
        try:
            if asyncio.get_running_loop() is loop:  # called on the loop itself: would deadlock
                return dict.fromkeys((m.id for m in messages), None)
        except RuntimeError:  # no loop in this thread: the chat core's worker thread
            pass
        future = asyncio.run_coroutine_threadsafe(read_status(channel, messages), loop)
        return future.result(ASK_TIMEOUT)

    return ask
