"""The python-telegram-bot 22 application: handlers that hand every update to the chat core.

Commands, buttons and questions go to :class:`bot.chat.core.Assistant` (in a worker thread: it does
database work) and its replies are sent back directly. Reminders, broadcasts and notices go
through the outbox; the outbox sender, the planner and the digest run as APScheduler jobs on
PTB's own job queue, sending through :class:`bot.channels.telegram.channel.TelegramChannel`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import ChatMigrated, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.telegram.channel import TelegramChannel, retry_after_seconds
from bot.channels.telegram.rate_limit import FloodLimiter, FloodLimits, is_group_chat
from bot.channels.telegram.update_processor import PerChatUpdateProcessor, Verdict
from bot.chat import views
from bot.chat.core import Assistant, ChatContext
from bot.chat.replies import Reply, split_message
from bot.chat.views import ADMIN_HELP, USER_HELP
from scheduler.delivery import process_lease
from scheduler.delivery.budget import SendBudget
from scheduler.delivery.outbox import RetryPolicy, block_chat, enqueue
from scheduler.delivery.process_lease import UPDATES, ttl_from_env
from scheduler.jobs.install import install_jobs, run_planner_soon
from scheduler.records import chat_registry

log = logging.getLogger(__name__)

PLAN_FILE_LIMIT = 20 * 1024 * 1024  # what a bot may download through the Bot API

FILE_LATER = "文件暂时无法发送（Telegram 限流），请稍后重新发送命令。"
T = TypeVar("T")
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
    ("annual_report", "报送法治政府建设年度报告"),
    ("published", "报告公开后登记公开链接"),
]
ADMIN_COMMANDS = [
    ("pending", "审核登记申请"),
    ("units", "单位和登记情况"),
    ("broadcast", "发送通知"),
    ("report", "完成情况报表"),
    ("override", "调整某项任务是否约束某单位"),
    ("evidence", "导出证明材料档案"),
    ("liaison", "指定或查看单位联络员"),
]
assert len(USER_COMMANDS) == len(USER_HELP) + 2 and len(ADMIN_COMMANDS) == len(ADMIN_HELP)


def chat_context(update: Update) -> ChatContext:
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None
    name = ""
    if user is not None:
        name = user.full_name or (user.username or "")
    message = update.effective_message
    replied = message.reply_to_message if message is not None else None
    author = replied.from_user if replied is not None else None
    return ChatContext(
        chat_id=str(chat.id),
        user_id=str(user.id) if user else str(chat.id),
        user_name=name,
        chat_title=chat.title or name,
        is_group=chat.type in (ChatType.GROUP, ChatType.SUPERGROUP),
        replied_user_id=str(author.id) if author is not None and not author.is_bot else "",
        replied_user_name=(author.full_name or author.username or "") if author else "",
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
    """Wires the assistant into a PTB Application.

    Core calls (database work, question answering) run in a thread pool of the front end's
    own, never on the event loop. Replies go through the same :class:`FloodLimiter` as the
    outbox; a reply Telegram answers with 429 pauses all sending for its ``retry_after`` and
    goes to the outbox instead of being waited out inside the handler."""

    def __init__(
        self, assistant: Assistant, limiter: FloodLimiter | None = None, workers: int = 16
    ) -> None:
        self.assistant = assistant
        self.limiter = limiter or FloodLimiter()
        self.bot_username: str | None = None
        self.app: Application  # set by install()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fazhi-core")

    async def core(self, fn: Callable[..., T], *args: object) -> T:
        """Run a synchronous core call off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, lambda: fn(*args))

    # -- flood gate (see bot.channels.telegram.update_processor) -------------------------------------------------
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
        reply = message.reply_to_message
        return bool(reply and reply.from_user and reply.from_user.username == self.bot_username)

    async def flood_notice(self, update: object) -> None:
        """The one answer a flooding user gets per window."""
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer(views.FLOOD)
            return
        await self.send_text(update.effective_chat.id, views.FLOOD)

    # -- sending -------------------------------------------------------------------------------
    async def send_text(self, chat_id: int, text: str) -> None:
        """Send plain ``text`` (escaped here) within the flood limits."""
        await self.send(None, chat_id, [Reply.of(text)])

    async def send(
        self,
        context: ContextTypes.DEFAULT_TYPE | None,
        chat_id: int,
        replies: Sequence[Reply],
        source: Message | None = None,
    ) -> None:
        bot = self.app.bot if context is None else context.bot
        pending = list(replies)
        while pending:
            reply = pending.pop(0)
            if reply.attachment is not None:
                attachment = reply.attachment
                sent = await self._deliver(
                    chat_id,
                    lambda cid, a=attachment, r=reply: (
                        bot.send_photo(
                            cid,
                            photo=a.content,
                            filename=a.filename,
                            caption=r.html or None,
                            parse_mode=ParseMode.HTML,
                            reply_markup=keyboard(r),
                        )
                        if a.photo
                        else bot.send_document(
                            cid,
                            document=a.content,
                            filename=a.filename,
                            caption=r.html or None,
                            parse_mode=ParseMode.HTML,
                            reply_markup=keyboard(r),
                        )
                    ),
                )
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
            with self.assistant.session() as s:
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
            await self.core(enqueue_all)
        except Exception:  # noqa: BLE001 - the database is away too: the reply is lost
            log.exception("reply to chat %s could not be queued", chat_id)

    # -- handlers --------------------------------------------------------------------------------
    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        ctx = chat_context(update)
        head, _, args = message.text.partition(" ")
        name = head[1:].split("@", 1)[0]
        if name.lower() == "evidence":  # a long export runs in the background
            from bot.channels.telegram.evidence_chat import start_export

            await start_export(self, context, ctx, args)
            return
        replies = await self.core(self.assistant.handle_command, ctx, name, args)
        await self.send(context, int(ctx.chat_id), replies)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        ctx = chat_context(update)
        if (query.data or "").startswith("ev:"):  # 📦 evidence export: in the background
            from bot.channels.telegram.evidence_chat import start_export

            await _answer_quietly(query)
            await start_export(self, context, ctx, (query.data or "")[3:])
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
            replied = bool(
                message.reply_to_message
                and message.reply_to_message.from_user
                and message.reply_to_message.from_user.id == context.bot.id
            )
            if not (mentioned or replied):
                return  # groups: commands, mentions and replies only
            if username:
                text = text.replace(f"@{username}", " ").replace(f"@{username.lower()}", " ")
        replies = await self.core(self.assistant.handle_text, ctx, text)
        await self.send(context, int(ctx.chat_id), replies)

    async def on_evidence(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        ctx = chat_context(update)
        from bot.chat.annual_report import looks_like_annual_report

        file_name = message.document.file_name if message.document else None
        if (
            ctx.is_group
            and not (
                message.reply_to_message
                and message.reply_to_message.from_user
                and message.reply_to_message.from_user.id == context.bot.id
            )
            and not (message.document and looks_like_annual_report(file_name, message.caption))
        ):
            return
        document = message.document
        if document is not None and await self.core(
            self.assistant.is_plan_upload, ctx, document.file_name or ""
        ):
            replies = await self.plan_upload(context, ctx, document)
            await self.send(context, int(ctx.chat_id), replies)
            return
        if message.document is not None:
            ref = f"telegram:document:{message.document.file_id}:{message.document.file_name or ''}"
        elif message.photo:
            ref = f"telegram:photo:{message.photo[-1].file_id}"
        else:
            return
        replies = await self.core(self.assistant.attach_evidence, ctx, ref, message.caption or "")
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
                await self.send_text(chat_id, text)
            except TelegramError:
                log.warning("could not send the apology to chat %s", chat_id)

    def install(self, app: Application) -> None:
        self.app = app
        commands = [c for c, _ in USER_COMMANDS + ADMIN_COMMANDS]
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
            MessageHandler((filters.PHOTO | filters.Document.ALL) & fresh, self.on_evidence)
        )
        # any other /command: a friendly "unknown command"
        app.add_handler(MessageHandler(filters.COMMAND & fresh, self.on_command))
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


def base_file_url(base_url: str) -> str:
    """The file download URL of a Bot API server: ``…/bot`` → ``…/file/bot``."""
    file_url = base_url.rstrip("/")
    if file_url.endswith("/bot"):
        file_url = file_url[: -len("/bot")] + "/file/bot"
    return file_url


def build_application(
    assistant: Assistant,
    token: str,
    base_url: str | None = None,
    *,
    send_interval: float = 2.0,
    start_jobs: bool = True,
    limits: FloodLimits | None = None,
    retry_policy: RetryPolicy | None = None,
    concurrent_updates: int = 32,
    with_sender: bool = True,
    single_receiver: bool = True,
) -> Application:
    """The PTB Application with handlers, commands and the scheduler jobs.

    ``post_init`` (commands, jobs) runs under ``run_polling``/``run_webhook``; a caller that
    drives the lifecycle itself (tests, benchmarks) awaits ``app.post_init(app)`` after
    ``app.initialize()``. ``limits`` and ``retry_policy`` default to Telegram's limits and the
    outbox's default back-off; tests shorten them.

    Updates of different chats are handled concurrently (up to ``concurrent_updates``
    handlers at once), one chat's in order, behind the flood gate
    (:class:`bot.channels.telegram.update_processor.PerChatUpdateProcessor`). Every send (replies and the
    outbox) takes its slot from the send budget shared through the database.

    ``single_receiver``: ``post_init`` waits until this process holds the database lease for
    receiving updates (:mod:`scheduler.delivery.process_lease`), so of several processes exactly one
    polls (or owns the webhook); the outbox sender (``with_sender``) runs meanwhile. The lease
    is renewed by a job; a process that loses it stops."""
    limits = limits or FloodLimits()
    shared = None
    if limits.overall is not None:
        rate, period = limits.overall
        shared = SendBudget(assistant.sched.engine, rate=rate, period=period)
    limiter = FloodLimiter(limits, shared=shared)
    front = TelegramFrontEnd(assistant, limiter)
    assistant.flood_in_core = False  # the gate counts every message at arrival
    processor = PerChatUpdateProcessor(
        max(1, concurrent_updates), gate=front.gate, notice=front.flood_notice
    )
    builder = Application.builder().token(token).concurrent_updates(processor)
    if base_url:
        builder = builder.base_url(base_url).base_file_url(base_file_url(base_url))
    receiver = ReceiverLease(assistant.sched.engine)

    async def post_init(app: Application) -> None:
        front.bot_username = app.bot.username
        if start_jobs and app.job_queue is not None:
            channel = TelegramChannel(app.bot, limiter=limiter)
            sender = install_jobs(
                app.job_queue.scheduler,
                assistant.sched,
                channel,
                send_interval=send_interval,
                with_sender=with_sender,
            )
            assistant.request_planner_run = partial(run_planner_soon, app.job_queue.scheduler)
            if retry_policy is not None:
                sender.policy = retry_policy
            app.bot_data["sender"] = sender
            await app.job_queue.start()  # the sender works while this process waits below
        if single_receiver:
            await receiver.wait_until_held()
            if app.job_queue is not None:
                app.job_queue.run_repeating(
                    receiver.renew_job, interval=receiver.ttl.total_seconds() / 3
                )
        await register_commands(app, assistant.admin_ids)

    async def post_stop(_app: Application) -> None:
        if single_receiver:
            await receiver.release()

    app = builder.post_init(post_init).post_stop(post_stop).build()
    front.install(app)
    app.bot_data["front"] = front
    app.bot_data["limiter"] = limiter
    app.bot_data["receiver"] = receiver
    return app


class ReceiverLease:
    """This process's claim on receiving updates (see :mod:`scheduler.delivery.process_lease`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.holder = f"{socket.gethostname()}:pid{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.ttl = ttl_from_env()
        self.held = False

    async def _acquire(self) -> bool:
        try:
            return await asyncio.to_thread(
                process_lease.acquire, self.engine, UPDATES, self.holder, self.ttl
            )
        except DBAPIError as exc:
            log.warning("receiver lease not checked, database unavailable: %s", exc.orig)
            return self.held  # keep what we have until the database answers again

    async def wait_until_held(self) -> None:
        told = False
        while not await self._acquire():
            if not told:
                log.warning("另一个进程正在接收 Telegram 更新；本进程待命（发送队列照常工作）。")
                told = True
            await asyncio.sleep(self.ttl.total_seconds() / 3)
        self.held = True
        log.info("receiving Telegram updates (lease %s)", self.holder)

    async def renew_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        if await self._acquire():
            return
        self.held = False
        log.error("接收更新的租约已被其他进程接管，本进程停止。")
        context.application.stop_running()

    async def release(self) -> None:
        if self.held:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(process_lease.release, self.engine, UPDATES, self.holder)
            self.held = False
