"""Direct replies to an update: split to Telegram's length, edited in place where a button asks,
sent within the flood limits; what Telegram holds back (429) goes to the outbox instead of being
waited out inside the handler."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import ChatMigrated, RetryAfter, TelegramError

from bot.channels.telegram.channel import retry_after_seconds
from bot.channels.telegram.convert import keyboard
from bot.channels.telegram.rate_limit import FloodLimiter, is_group_chat
from bot.chat.render.replies import Reply, split_message
from scheduler.delivery.outbox import enqueue

log = logging.getLogger(__name__)

FILE_LATER = "文件暂时无法发送（Telegram 限流），请稍后重新发送命令。"


class ReplySender:
    """Sends the core's replies through ``bot`` (set when the application is built).

    ``run`` runs a synchronous call off the event loop (the front end's worker pool);
    ``session`` opens a database session (for replies handed to the outbox)."""

    def __init__(
        self,
        limiter: FloodLimiter,
        run: Callable[..., Awaitable[Any]],
        session: Callable[[], Any],
    ) -> None:
        self.limiter = limiter
        self.run = run
        self.session = session
        self.bot: Bot | None = None

    async def send_text(self, chat_id: int, text: str) -> None:
        """Send plain ``text`` (escaped here) within the flood limits."""
        await self.send(None, chat_id, [Reply.of(text)])

    async def send(
        self,
        bot: Bot | None,
        chat_id: int,
        replies: Sequence[Reply],
        source: Message | None = None,
    ) -> None:
        bot = bot or self.bot
        assert bot is not None, "the sender has no bot yet"
        pending = list(replies)
        while pending:
            reply = pending.pop(0)
            if reply.attachment is not None:
                sent = await self._deliver(chat_id, _file_sender(bot, reply))
                if sent is None:
                    await self._to_outbox(chat_id, [Reply.of(FILE_LATER)] + pending)
                    return
                chat_id = sent
                continue
            parts = split_message(reply.html)
            if reply.edit and source is not None and len(parts) == 1:
                try:
                    await self.limiter.acquire(chat_id, is_group=is_group_chat(chat_id))
                    await source.edit_text(
                        parts[0], parse_mode=ParseMode.HTML, reply_markup=keyboard(reply)
                    )
                    continue
                except TelegramError as exc:  # e.g. "message is not modified": send instead
                    log.debug("edit failed, sending instead: %s", exc)
            for k, part in enumerate(parts):
                markup = keyboard(reply) if k == len(parts) - 1 else None
                sent = await self._deliver(
                    chat_id,
                    lambda cid, p=part, m=markup: bot.send_message(
                        cid,
                        p,
                        parse_mode=ParseMode.HTML,
                        reply_markup=m,
                        disable_web_page_preview=True,
                    ),
                )
                if sent is None:
                    rest = [Reply(p, p) for p in parts[k:-1]]
                    last = Reply(parts[-1], parts[-1], buttons=reply.buttons)
                    await self._to_outbox(chat_id, [*rest, last, *pending])
                    return
                chat_id = sent

    async def _deliver(self, chat_id: int, send: Callable[[int], Awaitable[object]]) -> int | None:
        """Send a direct reply within the flood limits, honouring Telegram's feedback: a 429
        pauses all sending (bot-wide) and returns None (the caller hands the reply to the
        outbox); a group's migration is followed. Network errors, 5xx and time-outs are raised
        (the error handler apologises; a duplicate answer is worse than a late apology).
        Returns the chat id the reply went to."""
        for _ in range(2):
            await self.limiter.acquire(chat_id, is_group=is_group_chat(chat_id))
            try:
                await send(chat_id)
                return chat_id
            except RetryAfter as exc:
                self.limiter.pause_all(retry_after_seconds(exc))
                return None
            except ChatMigrated as exc:
                chat_id = int(exc.new_chat_id)
        return chat_id

    async def _to_outbox(self, chat_id: int, replies: Sequence[Reply]) -> None:
        """Queue replies Telegram asked us to hold back; the outbox sends them after the pause."""
        stamp = uuid.uuid4().hex

        def enqueue_all() -> None:
            with self.session() as s:
                for k, r in enumerate(replies):
                    enqueue(
                        s,
                        key=f"reply:{chat_id}:{stamp}:{k}",
                        chat_id=chat_id,
                        body=r.html,
                        kind="reply",
                        buttons=r.buttons_json(),
                        is_group=is_group_chat(chat_id),
                    )

        try:
            await self.run(enqueue_all)
        except Exception:  # noqa: BLE001 - the database is away too: the reply is lost
            log.exception("reply to chat %s could not be queued", chat_id)


def _file_sender(bot: Bot, reply: Reply) -> Callable[[int], Awaitable[object]]:
    """Send ``reply``'s attachment (a photo or a document) with its text as the caption."""
    a = reply.attachment
    assert a is not None

    def send(chat_id: int) -> Awaitable[object]:
        common = {
            "filename": a.filename,
            "caption": reply.html or None,
            "parse_mode": ParseMode.HTML,
            "reply_markup": keyboard(reply),
        }
        if a.photo:
            return bot.send_photo(chat_id, photo=a.content, **common)
        return bot.send_document(chat_id, document=a.content, **common)

    return send
