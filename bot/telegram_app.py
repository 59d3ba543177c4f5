"""The python-telegram-bot 22 application: handlers that hand every update to the chat core.

Commands, buttons and questions go to :class:`bot.core.Assistant` (in a worker thread: it does
database work) and its replies are sent back directly. Reminders, broadcasts and notices go
through the outbox; the outbox sender, the planner and the digest run as APScheduler jobs on
PTB's own job queue, sending through :class:`bot.telegram_channel.TelegramChannel`.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import ChatMigrated, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.core import Assistant, ChatContext
from bot.rate_limit import FloodLimiter, FloodLimits
from bot.replies import Reply, split_message
from bot.telegram_channel import TelegramChannel, retry_after_seconds
from bot.views import ADMIN_HELP, USER_HELP
from scheduler import registry
from scheduler.jobs import install_jobs
from scheduler.outbox import RetryPolicy, block_chat

log = logging.getLogger(__name__)

REPLY_ATTEMPTS = 3
MAX_REPLY_WAIT = 30.0  # seconds; a user waiting longer for an answer is better told to retry
APOLOGY = "抱歉，处理您的请求时出错了，请稍后再试。问题已记录。"
USER_COMMANDS = [
    ("start", "开始使用、登记说明"),
    ("help", "帮助和提问示例"),
    ("items", "全部条目"),
    ("item", "查看某一条，如 /item 14"),
    ("unit", "查看或申请登记本聊天的单位"),
    ("mytasks", "本单位的任务和期限"),
    ("done", "确认本期已完成某项任务"),
    ("undo", "撤销误点的完成确认"),
    ("calendar", "本单位期限日历（.ics）"),
]
ADMIN_COMMANDS = [
    ("pending", "审核登记申请"),
    ("units", "单位和登记情况"),
    ("broadcast", "发送通知"),
    ("report", "完成情况报表"),
]
assert len(USER_COMMANDS) == len(USER_HELP) + 2 and len(ADMIN_COMMANDS) == len(ADMIN_HELP)


def chat_context(update: Update) -> ChatContext:
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None
    name = ""
    if user is not None:
        name = user.full_name or (user.username or "")
    return ChatContext(
        chat_id=str(chat.id),
        user_id=str(user.id) if user else str(chat.id),
        user_name=name,
        chat_title=chat.title or name,
        is_group=chat.type in (ChatType.GROUP, ChatType.SUPERGROUP),
    )


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in reply.buttons]
    )


async def _answer_quietly(query: CallbackQuery) -> None:
    try:
        await query.answer()
    except TelegramError as exc:  # e.g. the query is too old: nothing to stop
        log.info("callback query not answered: %s", exc)


class TelegramFrontEnd:
    """Wires the assistant into a PTB Application."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    # -- sending -------------------------------------------------------------------------------
    async def send(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        replies: Sequence[Reply],
        source: Message | None = None,
    ) -> None:
        for reply in replies:
            if reply.attachment is not None:
                attachment = reply.attachment
                await self._deliver(
                    chat_id,
                    lambda cid, a=attachment, r=reply: context.bot.send_document(
                        cid,
                        document=a.content,
                        filename=a.filename,
                        caption=r.html or None,
                        parse_mode=ParseMode.HTML,
                        reply_markup=keyboard(r),
                    ),
                )
                continue
            parts = split_message(reply.html)
            if reply.edit and source is not None and len(parts) == 1:
                try:
                    await source.edit_text(
                        parts[0], parse_mode=ParseMode.HTML, reply_markup=keyboard(reply)
                    )
                    continue
                except TelegramError as exc:  # e.g. "message is not modified": send instead
                    log.debug("edit failed, sending instead: %s", exc)
            for k, part in enumerate(parts):
                markup = keyboard(reply) if k == len(parts) - 1 else None
                chat_id = await self._deliver(
                    chat_id,
                    lambda cid, p=part, m=markup: context.bot.send_message(
                        cid,
                        p,
                        parse_mode=ParseMode.HTML,
                        reply_markup=m,
                        disable_web_page_preview=True,
                    ),
                )

    @staticmethod
    async def _deliver(chat_id: int, send: Callable[[int], Awaitable[object]]) -> int:
        """Send a direct reply, honouring Telegram's feedback: wait out a RetryAfter, follow a
        group's migration, retry a 5xx / network error briefly. A time-out is not retried (the
        reply may have arrived; a duplicate answer is worse than a late apology). Returns the
        chat id the reply went to."""
        for attempt in range(REPLY_ATTEMPTS):
            last = attempt == REPLY_ATTEMPTS - 1
            try:
                await send(chat_id)
                return chat_id
            except RetryAfter as exc:
                if last:
                    raise
                await asyncio.sleep(min(retry_after_seconds(exc), MAX_REPLY_WAIT))
            except ChatMigrated as exc:
                chat_id = int(exc.new_chat_id)
            except TimedOut:
                raise
            except NetworkError:  # includes HTTP 5xx
                if last:
                    raise
                await asyncio.sleep(0.5 * (attempt + 1))
        return chat_id

    # -- handlers --------------------------------------------------------------------------------
    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        ctx = chat_context(update)
        head, _, args = message.text.partition(" ")
        name = head[1:].split("@", 1)[0]
        replies = await asyncio.to_thread(self.assistant.handle_command, ctx, name, args)
        await self.send(context, int(ctx.chat_id), replies)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        ctx = chat_context(update)
        try:
            replies = await asyncio.to_thread(self.assistant.handle_callback, ctx, query.data or "")
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
            replied = bool(
                message.reply_to_message
                and message.reply_to_message.from_user
                and message.reply_to_message.from_user.id == context.bot.id
            )
            if not (mentioned or replied):
                return  # groups: commands, mentions and replies only
            if username:
                text = text.replace(f"@{username}", " ").replace(f"@{username.lower()}", " ")
        replies = await asyncio.to_thread(self.assistant.handle_text, ctx, text)
        await self.send(context, int(ctx.chat_id), replies)

    async def on_evidence(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        ctx = chat_context(update)
        if ctx.is_group and not (
            message.reply_to_message
            and message.reply_to_message.from_user
            and message.reply_to_message.from_user.id == context.bot.id
        ):
            return
        if message.document is not None:
            ref = f"telegram:document:{message.document.file_id}:{message.document.file_name or ''}"
        elif message.photo:
            ref = f"telegram:photo:{message.photo[-1].file_id}"
        else:
            return
        replies = await asyncio.to_thread(
            self.assistant.attach_evidence, ctx, ref, message.caption or ""
        )
        await self.send(context, int(ctx.chat_id), replies)

    async def on_migrate(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.migrate_to_chat_id is None:
            return
        old, new = str(message.chat.id), str(message.migrate_to_chat_id)

        def follow() -> None:
            with self.assistant.session() as s:
                registry.follow_migration(s, old, new)
            self.assistant.forget_chat(old, new)

        await asyncio.to_thread(follow)
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

        await asyncio.to_thread(block)
        log.info("bot blocked or removed in chat %s", chat_id)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot's error boundary: a failure the user (or the environment) caused is answered
        with its one Chinese sentence and logged without a traceback; a defect is logged with
        its traceback and answered with an apology."""
        from bot.error_boundary import describe

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
                await context.bot.send_message(chat_id, html.escape(text))
            except TelegramError:
                log.warning("could not send the apology to chat %s", chat_id)

    def install(self, app: Application) -> None:
        commands = [c for c, _ in USER_COMMANDS + ADMIN_COMMANDS]
        app.add_handler(CommandHandler(commands, self.on_command))
        app.add_handler(CallbackQueryHandler(self.on_callback))
        app.add_handler(ChatMemberHandler(self.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self.on_migrate))
        app.add_handler(
            MessageHandler(
                filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED, self.on_text
            )
        )
        app.add_handler(MessageHandler(filters.PHOTO | filters.Document.ALL, self.on_evidence))
        # any other /command: a friendly "unknown command"
        app.add_handler(MessageHandler(filters.COMMAND, self.on_command))
        app.add_error_handler(self.on_error)


async def register_commands(app: Application, admin_ids: frozenset[str]) -> None:
    """Commands with Chinese descriptions; admins see their own commands in their chats."""
    users = [BotCommand(c, d) for c, d in USER_COMMANDS]
    try:
        await app.bot.set_my_commands(users, scope=BotCommandScopeDefault())
    except TelegramError as exc:  # the menu is a convenience: never keep the bot from starting
        log.warning("bot commands not registered: %s", exc)
        return
    admins = users + [BotCommand(c, d) for c, d in ADMIN_COMMANDS]
    for admin in admin_ids:
        if admin.lstrip("-").isdigit():
            try:
                await app.bot.set_my_commands(admins, scope=BotCommandScopeChat(int(admin)))
            except TelegramError as exc:  # the admin has not started the bot yet
                log.info("admin commands for %s not set: %s", admin, exc)


def build_application(
    assistant: Assistant,
    token: str,
    base_url: str | None = None,
    *,
    send_interval: float = 2.0,
    start_jobs: bool = True,
    limits: FloodLimits | None = None,
    retry_policy: RetryPolicy | None = None,
    concurrent_updates: bool | int = False,
) -> Application:
    """The PTB Application with handlers, commands and the scheduler jobs.

    ``post_init`` (commands, jobs) runs under ``run_polling``/``run_webhook``; a caller that
    drives the lifecycle itself (tests, benchmarks) awaits ``app.post_init(app)`` after
    ``app.initialize()``. ``limits`` and ``retry_policy`` default to Telegram's limits and the
    outbox's default back-off; tests shorten them.

    Updates are handled one at a time by default: a chat's answers come in the order of its
    questions, and on the updates benchmark (bench/bench_updates.py) sequential handling was
    1.6-2.5x faster than 256 concurrent handlers (connection churn and thread contention for
    sub-millisecond work). Reminders and broadcasts do not wait for it: they run as jobs.
    Pass ``concurrent_updates=N`` where the Bot API is far away and handlers mostly wait."""
    builder = Application.builder().token(token).concurrent_updates(concurrent_updates)
    if base_url:
        builder = builder.base_url(base_url)
        file_url = base_url.rstrip("/")
        if file_url.endswith("/bot"):
            file_url = file_url[: -len("/bot")] + "/file/bot"
        builder = builder.base_file_url(file_url)
    front = TelegramFrontEnd(assistant)
    limiter = FloodLimiter(limits)

    async def post_init(app: Application) -> None:
        await register_commands(app, assistant.admin_ids)
        if start_jobs and app.job_queue is not None:
            channel = TelegramChannel(app.bot, limiter=limiter)
            sender = install_jobs(
                app.job_queue.scheduler, assistant.sched, channel, send_interval=send_interval
            )
            if retry_policy is not None:
                sender.policy = retry_policy
            app.bot_data["sender"] = sender

    app = builder.post_init(post_init).build()
    front.install(app)
    app.bot_data["front"] = front
    app.bot_data["limiter"] = limiter
    return app
