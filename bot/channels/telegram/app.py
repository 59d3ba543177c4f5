"""The python-telegram-bot 22 application: the handlers (:mod:`.front_end`) that hand every update
to the chat core, the command menus, and the scheduler jobs.

Commands, buttons and questions go to :class:`bot.chat.assistant.Assistant` (in a worker thread: it
does database work) and its replies are sent back directly. Reminders, broadcasts and notices go
through the outbox; the outbox sender, the planner and the digest run as APScheduler jobs on
PTB's own job queue, sending through :class:`bot.channels.telegram.channel.TelegramChannel`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError
from telegram.ext import Application

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.front_end import TelegramFrontEnd
from bot.channels.telegram.rate_limit import FloodLimiter, FloodLimits
from bot.channels.telegram.receiver import ReceiverLease
from bot.channels.telegram.update_processor import PerChatUpdateProcessor
from bot.chat.assistant import Assistant
from scheduler.delivery.budget import SendBudget
from scheduler.delivery.channel import Channel
from scheduler.delivery.outcomes import RetryPolicy
from scheduler.delivery.routing import RoutingChannel
from scheduler.jobs.install import install_jobs, run_outbox_soon, run_planner_soon

log = logging.getLogger(__name__)


async def register_commands(app: Application, assistant: Assistant) -> None:
    """Commands with Chinese descriptions; admins see their own commands in their chats."""
    users = [BotCommand(c, d) for c, d in assistant.menu(admin=False)]
    try:
        await app.bot.set_my_commands(users, scope=BotCommandScopeDefault())
    except TelegramError as exc:  # the menu is a convenience: never keep the bot from starting
        log.warning("bot commands not registered: %s", exc)
        return
    admins = [BotCommand(c, d) for c, d in assistant.menu(admin=True)]
    for admin in assistant.admin_ids:
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
    other_channels: Mapping[str, Channel] | None = None,
    companions: Sequence[Any] = (),
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
    is renewed by a job; a process that loses it stops.

    ``other_channels`` (chat-id prefix → channel) and ``companions`` run other platforms in
    this process (``fazhi run`` with DingTalk configured too): the outbox sender routes their
    chats to their channels, and each companion (``start()``, ``stop()``, a ``kick`` that asks
    the outbox to run now) starts after the jobs and stops with the application."""
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
            channel: Channel = TelegramChannel(app.bot, limiter=limiter)
            if other_channels:
                channel = RoutingChannel(channel, other_channels)
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
            for companion in companions:
                companion.kick = partial(run_outbox_soon, app.job_queue.scheduler)
        for companion in companions:
            await companion.start()
        if single_receiver:
            await receiver.wait_until_held()
            if app.job_queue is not None:
                app.job_queue.run_repeating(
                    receiver.renew_job, interval=receiver.ttl.total_seconds() / 3
                )
        await register_commands(app, assistant)

    async def post_stop(_app: Application) -> None:
        for companion in companions:
            await companion.stop()
        if single_receiver:
            await receiver.release()

    app = builder.post_init(post_init).post_stop(post_stop).build()
    front.install(app)
    app.bot_data["front"] = front
    app.bot_data["limiter"] = limiter
    app.bot_data["receiver"] = receiver
    return app
