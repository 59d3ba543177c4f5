"""The PTB handlers: every update goes to the chat core (:class:`bot.chat.assistant.Assistant`)
in a worker thread (it does database work) and its replies go back through the
:class:`~bot.channels.telegram.reply_sender.ReplySender`.

What is Telegram's alone stays here: which group messages are addressed to the bot, the flood
gate at arrival, downloading an uploaded plan, the evidence export in the background, a group's
migration to a supergroup, the bot being blocked, and the error boundary's apology.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from telegram import CallbackQuery, Document, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.telegram.convert import chat_context, incoming_file
from bot.channels.telegram.evidence_chat import start_export
from bot.channels.telegram.rate_limit import FloodLimiter
from bot.channels.telegram.reply_sender import ReplySender
from bot.channels.telegram.update_processor import Verdict
from bot.chat.assistant import Assistant
from bot.chat.buttons import ExportEvidence, decode_or_none
from bot.chat.incoming import ChatContext
from bot.chat.render.common import FLOOD
from bot.chat.render.replies import Reply
from scheduler.delivery.outcomes import block_chat
from scheduler.records import chat_registry

log = logging.getLogger(__name__)

PLAN_FILE_LIMIT = 20 * 1024 * 1024  # what a bot may download through the Bot API
APOLOGY = "抱歉，处理您的请求时出错了，请稍后再试。问题已记录。"
T = TypeVar("T")


async def _answer_quietly(query: CallbackQuery) -> None:
    try:
        await query.answer()
    except TelegramError as exc:  # e.g. the query is too old: nothing to stop
        log.info("callback query not answered: %s", exc)


class TelegramFrontEnd:
    """Wires the assistant into a PTB Application.

    Core calls (database work, question answering) run in a thread pool of the front end's
    own, never on the event loop. Replies go through the same :class:`FloodLimiter` as the
    outbox (see :class:`ReplySender`)."""

    def __init__(
        self, assistant: Assistant, limiter: FloodLimiter | None = None, workers: int = 16
    ) -> None:
        self.assistant = assistant
        self.limiter = limiter or FloodLimiter()
        self.bot_username: str | None = None
        self.app: Application  # set by install()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fazhi-core")
        self.sender = ReplySender(self.limiter, self.core, assistant.session)

    async def core(self, fn: Callable[..., T], *args: object) -> T:
        """Run a synchronous core call off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, lambda: fn(*args))

    async def send(
        self,
        context: ContextTypes.DEFAULT_TYPE | None,
        chat_id: int,
        replies: Sequence[Reply],
        source: Message | None = None,
    ) -> None:
        await self.sender.send(
            context.bot if context is not None else None, chat_id, replies, source
        )

    # -- flood gate (see bot.channels.telegram.update_processor) -----------------------------
    def gate(self, update: object) -> Verdict:
        """Count every message addressed to the bot (questions, commands, files, buttons)."""
        if not isinstance(update, Update) or update.effective_user is None:
            return Verdict.OK
        if update.edited_message is not None or update.my_chat_member is not None:
            return Verdict.OK  # never handled as a request
        user_id = str(update.effective_user.id)
        if user_id in self.assistant.admin_ids or not self._addressed(update):
            return Verdict.OK
        return Verdict(self.assistant.flood.verdict(user_id))

    def _addressed(self, update: Update) -> bool:
        if update.callback_query is not None:
            return True
        message = update.message
        if message is None:
            return False
        chat = message.chat
        if chat.type == ChatType.PRIVATE:
            return True
        text = message.text or message.caption or ""
        if text.startswith("/"):
            return True
        if self.bot_username and f"@{self.bot_username}".lower() in text.lower():
            return True
        return self._replies_to_bot(message)

    def _replies_to_bot(self, message: Message) -> bool:
        reply = message.reply_to_message
        return bool(reply and reply.from_user and reply.from_user.username == self.bot_username)

    async def flood_notice(self, update: object) -> None:
        """The one answer a flooding user gets per window."""
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer(FLOOD)
            return
        await self.sender.send_text(update.effective_chat.id, FLOOD)

    # -- handlers --------------------------------------------------------------------------------
    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        ctx = chat_context(update)
        head, _, args = message.text.partition(" ")
        name = head[1:].split("@", 1)[0]
        if name.lower() == "evidence":  # a long export runs in the background
            await start_export(self.core, self.sender, self.assistant, context, ctx, args)
            return
        replies = await self.core(self.assistant.handle_command, ctx, name, args)
        await self.send(context, int(ctx.chat_id), replies)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        ctx = chat_context(update)
        payload = decode_or_none(query.data)
        if isinstance(payload, ExportEvidence):  # 📦 evidence export: in the background
            await _answer_quietly(query)
            args = str(payload.year)
            await start_export(self.core, self.sender, self.assistant, context, ctx, args)
            return
        try:
            replies = await self.core(self.assistant.handle_callback, ctx, query.data or "")
        finally:  # stop the button's spinner even when the core fails (the error handler apologises)
            await _answer_quietly(query)
        source = query.message if isinstance(query.message, Message) else None
        await self.send(context, int(ctx.chat_id), replies, source)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        ctx = chat_context(update)
        text = message.text
        if ctx.is_group:
            username = context.bot.username
            mentioned = bool(username) and f"@{username}".lower() in text.lower()
            if not (mentioned or _answers(message, context)):
                return  # groups: commands, mentions and replies only
            if username:
                text = text.replace(f"@{username}", " ").replace(f"@{username.lower()}", " ")
        replies = await self.core(self.assistant.handle_text, ctx, text)
        await self.send(context, int(ctx.chat_id), replies)

    async def on_file(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        file = incoming_file(message)
        if file is None:
            return
        ctx = chat_context(update)
        if (
            ctx.is_group
            and not _answers(message, context)
            and not self.assistant.claims_group_file(file)
        ):
            return
        document = message.document
        if document is not None and await self.core(
            self.assistant.is_plan_upload, ctx, document.file_name or ""
        ):
            replies = await self.plan_upload(context, ctx, document)
        else:
            replies = await self.core(self.assistant.handle_file, ctx, file)
        await self.send(context, int(ctx.chat_id), replies)

    async def plan_upload(
        self, context: ContextTypes.DEFAULT_TYPE, ctx: ChatContext, document: Document
    ) -> list[Reply]:
        """An admin sent a work-points file: fetch it and show the preview."""
        if (document.file_size or 0) > PLAN_FILE_LIMIT:
            return [
                Reply.of("文件超过 20 MB，机器人无法下载；请用 fazhi kb import 在服务器上导入。")
            ]
        try:
            file = await context.bot.get_file(document.file_id)
            data = bytes(await file.download_as_bytearray())
        except TelegramError as exc:
            log.warning("plan file download failed: %s", exc)
            return [Reply.of("文件下载失败，请稍后重新发送。")]
        return await self.core(
            self.assistant.preview_upload, ctx, data, document.file_name or "document"
        )

    async def on_migrate(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.migrate_to_chat_id is None:
            return
        old, new = str(message.chat.id), str(message.migrate_to_chat_id)

        def follow() -> None:
            with self.assistant.session() as s:
                chat_registry.follow_migration(s, old, new)
            self.assistant.forget_chat(old, new)

        await self.core(follow)
        log.info("chat %s migrated to supergroup %s", old, new)

    async def on_my_chat_member(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot was blocked in a private chat or removed from a group: stop sending there
        and tell the admins (the outbox would find out at the next send anyway)."""
        change = update.my_chat_member
        if change is None:
            return
        if change.new_chat_member.status not in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
            return
        chat_id = str(change.chat.id)

        def block() -> None:
            with self.assistant.session() as s:
                block_chat(s, chat_id)
            self.assistant.forget_chat(chat_id)

        await self.core(block)
        log.info("bot blocked or removed in chat %s", chat_id)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot's error boundary: a failure the user (or the environment) caused is answered
        with its one Chinese sentence and logged without a traceback; a defect is logged with
        its traceback and answered with an apology."""
        from bot.runtime.error_boundary import describe

        chat_id = None
        if isinstance(update, Update) and update.effective_chat is not None:
            chat_id = update.effective_chat.id
        error = context.error
        failure = describe(error) if error is not None else None
        if isinstance(error, TelegramError):  # the reply itself failed: not the user's doing
            failure = None
        if failure is not None and failure.user_caused:
            log.warning("update in chat %s failed: %s", chat_id, failure.text)
        else:
            log.error(
                "error handling update %s (chat %s)",
                update.to_dict() if isinstance(update, Update) else update,
                chat_id,
                exc_info=error,
            )
        if chat_id is not None:
            text = failure.text if failure is not None and failure.user_caused else APOLOGY
            try:
                await self.sender.send_text(chat_id, text)
            except TelegramError:
                log.warning("could not send the apology to chat %s", chat_id)

    def install(self, app: Application) -> None:
        self.app = app
        self.sender.bot = app.bot
        commands = list(self.assistant.router.commands)
        fresh = ~filters.UpdateType.EDITED  # an edited message never re-runs its command
        app.add_handler(CommandHandler(commands, self.on_command, filters=fresh))
        app.add_handler(CallbackQueryHandler(self.on_callback))
        app.add_handler(ChatMemberHandler(self.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self.on_migrate))
        app.add_handler(
            MessageHandler(
                filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED, self.on_text
            )
        )
        app.add_handler(
            MessageHandler((filters.PHOTO | filters.Document.ALL) & fresh, self.on_file)
        )
        # any other /command: the core answers that it does not know it, with the help
        app.add_handler(MessageHandler(filters.COMMAND & fresh, self.on_command))
        app.add_error_handler(self.on_error)


def _answers(message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Does ``message`` reply to one of the bot's own?"""
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == context.bot.id)
