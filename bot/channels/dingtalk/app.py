"""The DingTalk robot in one object: the Stream connection (receive), the front end (chat core
→ outbox), the delivery channel (send) with its limiter and shared send budget.

``fazhi run`` starts it beside Telegram (one process, one outbox sender whose channel routes
``dt:`` chats here: :class:`scheduler.delivery.routing.RoutingChannel`) or alone
(:func:`serve`). Several processes may hold a Stream connection each: DingTalk hands every
message to one of them, so no receiver lease is needed; the send budget is shared through the
database under its own name (``dingtalk``), separate from Telegram's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Engine

from bot.channels.dingtalk import limits as limits_data
from bot.channels.dingtalk.channel import DEFAULT_CARD_TEMPLATE, DingTalkChannel
from bot.channels.dingtalk.front_end import DingTalkFrontEnd
from bot.channels.dingtalk.openapi import DEFAULT_BASE_URL, DEFAULT_OAPI_URL, OpenApi
from bot.channels.dingtalk.stream import BOT_TOPIC, CARD_TOPIC, CallbackRelay, StreamClient
from bot.channels.telegram.rate_limit import FloodLimiter, FloodLimits
from bot.chat.assistant import Assistant
from scheduler.delivery.budget import SendBudget
from scheduler.delivery.channel import Channel
from scheduler.delivery.outcomes import RetryPolicy
from scheduler.delivery.read_report import blocking
from scheduler.jobs.install import install_jobs, run_outbox_soon, run_planner_soon

log = logging.getLogger(__name__)
STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class DingTalkConfig:
    """The internal app's credentials and where DingTalk is (tests: the local fake)."""

    client_id: str
    client_secret: str
    robot_code: str = ""  # the app's robotCode; the client id when empty (as the SDK assumes)
    api_base_url: str = DEFAULT_BASE_URL
    gateway_url: str = ""  # default: <api_base_url>/v1.0/gateway/connections/open
    oapi_url: str = ""  # media uploads (default https://oapi.dingtalk.com)
    card_template_id: str = DEFAULT_CARD_TEMPLATE

    def __repr__(self) -> str:  # never show the secret
        return f"DingTalkConfig(client_id={self.client_id!r}, api_base_url={self.api_base_url!r})"


def make_channel(
    engine: Engine, config: DingTalkConfig, limits: FloodLimits | None = None
) -> DingTalkChannel:
    """The delivery channel alone (``fazhi run --role sender``; the bot builds its own): the
    OpenAPI client, the limits of ``limits.toml`` over the shared ``dingtalk`` budget."""
    api = OpenApi(
        config.client_id,
        config.client_secret,
        config.api_base_url,
        oapi_url=config.oapi_url or DEFAULT_OAPI_URL,
    )
    limits = limits or limits_data.load()
    shared = None
    if limits.overall is not None:
        rate, period = limits.overall
        shared = SendBudget(engine, name=limits_data.BUDGET_NAME, rate=rate, period=period)
    return DingTalkChannel(
        api,
        config.robot_code or config.client_id,
        limiter=FloodLimiter(limits, shared=shared),
        card_template_id=config.card_template_id,
    )


class DingTalkBot:
    """See the module's docstring. ``start()`` connects; ``stop()`` closes everything."""

    def __init__(
        self, assistant: Assistant, config: DingTalkConfig, *, limits: FloodLimits | None = None
    ) -> None:
        self.assistant = assistant
        self.config = config
        self.channel = make_channel(assistant.sched.engine, config, limits)
        self.api = self.channel.api
        self.front = DingTalkFrontEnd(assistant, self.api, self.channel.robot_code)
        gateway = config.gateway_url or f"{self.api.base_url}/v1.0/gateway/connections/open"
        self.client = StreamClient(config.client_id, config.client_secret, gateway)
        self.client.register_callback_handler(BOT_TOPIC, CallbackRelay(self.front.on_message))
        self.client.register_callback_handler(CARD_TOPIC, CallbackRelay(self.front.on_card))
        self._task: asyncio.Task[None] | None = None

    @property
    def kick(self):  # noqa: ANN201 - Callable[[], None]
        return self.front.kick

    @kick.setter
    def kick(self, fn) -> None:  # noqa: ANN001
        self.front.kick = fn

    async def start(self) -> None:
        # the delivery report's 已读 / 未读 (the chat core asks from its worker threads)
        self.assistant.read_status = blocking(asyncio.get_running_loop(), self.channel)
        self._task = asyncio.create_task(self.client.start(), name="dingtalk-stream")
        log.info("DingTalk Stream client started (client id %s)", self.config.client_id)

    async def stop(self) -> None:
        self.assistant.read_status = None
        await self.client.stop()
        if self._task is not None:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._task, STOP_TIMEOUT)
            self._task = None
        self.front.close()
        await self.api.aclose()


async def serve(
    bot: DingTalkBot,
    *,
    channel: Channel | None = None,
    send_interval: float = 2.0,
    with_sender: bool = True,
    retry_policy: RetryPolicy | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run DingTalk alone in this process: the scheduler's jobs (planner, outbox, digest) on an
    asyncio scheduler, the Stream connection, until ``stop`` is set (or forever)."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from scheduler.timing.clock import TZ

    scheduler = AsyncIOScheduler(timezone=TZ)
    sender = install_jobs(
        scheduler,
        bot.assistant.sched,
        channel or bot.channel,
        send_interval=send_interval,
        with_sender=with_sender,
    )
    if retry_policy is not None:
        sender.policy = retry_policy
    bot.kick = partial(run_outbox_soon, scheduler)
    bot.assistant.request_planner_run = partial(run_planner_soon, scheduler)
    scheduler.start()
    try:
        await bot.start()
        await (stop or asyncio.Event()).wait()
    finally:
        await bot.stop()
        scheduler.shutdown(wait=False)
