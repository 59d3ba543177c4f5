"""`fazhi run` (Telegram and/or DingTalk), `fazhi chat` (console chat) and `fazhi health`
(container check)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
from functools import partial
from typing import Annotated

import typer

from bot.runtime.log_redaction import redact_root_handlers

HOW_TO_GET_A_TOKEN = """\
没有设置 TELEGRAM_BOT_TOKEN，无法连接 Telegram。
获取令牌：
  1. 在 Telegram 中打开 @BotFather，发送 /newbot，按提示设置名称和用户名；
  2. 复制它给出的令牌（形如 123456789:AA…）；
  3. 运行 fazhi config set TELEGRAM_BOT_TOKEN -，粘贴令牌后回车（写入数据目录的
     fazhi.env，在任何文件夹都生效）；也可以写入当前文件夹的 .env（参见 .env.example）
     或设为环境变量。然后重新运行 fazhi run。
也可以接入钉钉（设置 DINGTALK_CLIENT_ID 和 DINGTALK_CLIENT_SECRET，见 README“钉钉机器人”）。
不连接 Telegram 也可以试用：fazhi chat（控制台对话）。"""


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("chat")(chat)
    app.command("health")(health)


log = logging.getLogger("fazhi")


def data_home_lines(database_url: str | None) -> list[str]:
    from bot.cli.health import data_home_lines as lines

    return lines(database_url)


def _fail(message: str) -> None:
    typer.echo(f"错误：{message}", err=True)
    raise typer.Exit(1)


def _settings():  # noqa: ANN202
    import os

    from pydantic import ValidationError

    from bot.runtime.settings import Settings

    try:
        settings = Settings()
        _ = settings.admin_ids
    except (ValidationError, ValueError) as exc:
        _fail(f"配置有误：{exc}")
    # a data home or database set in .env counts like one set in the environment (the data
    # home is read from the environment everywhere else)
    if settings.fazhi_data_dir and not os.environ.get("FAZHI_DATA_DIR"):
        os.environ["FAZHI_DATA_DIR"] = settings.fazhi_data_dir
    return settings


def _assistant(settings, extra_admins: frozenset[str] = frozenset()):  # noqa: ANN001, ANN202
    from bot.runtime.compose import build_assistant
    from knowledge.reading.decode import DocumentError
    from scheduler.store.db import DatabaseURLError, redact_url, upgrade_in_child

    try:
        upgrade_in_child(settings.database_url)  # this long-running process never loads Alembic
        return build_assistant(settings, extra_admins)
    except DatabaseURLError as exc:
        _fail(str(exc))
    except DocumentError as exc:
        _fail(f"工作要点文件无法解析：\n{exc.describe()}")
    except Exception as exc:  # noqa: BLE001 - e.g. the database server is down
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):
            _fail(redact_url(f"无法连接数据库：{exc.orig}"))
        raise
    raise AssertionError


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if not verbose:
        from bot.runtime.error_boundary import quiet_tracebacks

        quiet_tracebacks()


def run(
    webhook: Annotated[
        str | None, typer.Option("--webhook", help="以 webhook 模式运行，填公网 HTTPS 地址")
    ] = None,
    fallback_chat: Annotated[
        bool, typer.Option("--fallback-chat", help="没有令牌时改为启动控制台对话（make run 使用）")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="all：接收消息并发送（默认）；bot：只接收消息和排提醒；sender：只发送队列。"
            "多个进程中只有一个接收消息，发送进程可以有任意多个",
        ),
    ] = "all",
) -> None:
    """启动已配置的渠道：Telegram（默认轮询；--webhook 使用 webhook）和/或钉钉（Stream 模式），
    调度器在同一进程内运行。"""
    if role not in ROLES:
        _fail(f"--role 只能是 {'、'.join(ROLES)} 之一，而不是“{role}”。")
    settings = _settings()
    if settings.token is None and not settings.dingtalk_configured:
        typer.echo(HOW_TO_GET_A_TOKEN, err=True)
        if fallback_chat:
            typer.echo("\n现在启动控制台对话……\n", err=True)
            chat(verbose=verbose)
            return
        raise typer.Exit(2)
    _logging(verbose)
    # without a configured secret, one per start: only Telegram (told by setWebhook) can then
    # post updates to this server
    webhook_secret = settings.fazhi_webhook_secret or secrets.token_urlsafe(32)
    from scheduler.store.redaction import secrets_in

    # the database URL may come from .env, out of the redaction's sight in the environment
    redact_root_handlers(
        *settings.secrets, webhook_secret, *secrets_in(settings.database_url or "")
    )
    for line in data_home_lines(settings.database_url):
        log.info(line)
    from telegram.error import InvalidToken, NetworkError

    from bot.runtime.shutdown import exit_on_sigterm

    exit_on_sigterm()
    try:
        if role == "sender":
            _run_sender(settings)
            return
        assistant = _assistant(settings)
        dingtalk = _dingtalk_bot(assistant, settings)
        if settings.token is None:
            _serve_dingtalk(dingtalk, settings, with_sender=role == "all")
            return
        from bot.channels.telegram.app import build_application

        app = build_application(
            assistant,
            settings.token,
            settings.telegram_api_base_url,
            with_sender=role == "all",
            send_interval=settings.fazhi_send_interval,
            other_channels=_routes(dingtalk.channel) if dingtalk else None,
            companions=[dingtalk] if dingtalk else (),
        )
        url = webhook or settings.fazhi_webhook_url
        _serve(app, settings, url, webhook_secret)
    except InvalidToken:
        # never echo the token: it is a secret
        _fail(
            "Telegram 拒绝了 TELEGRAM_BOT_TOKEN（令牌无效或已被撤销）。请在 @BotFather 中核对令牌后重试。"
        )
    except NetworkError:
        _fail("无法连接 Telegram Bot API：请检查网络、代理或 TELEGRAM_API_BASE_URL 后重试。")


ROLES = ("all", "bot", "sender")


def _routes(channel) -> dict:  # noqa: ANN001
    """The outbox's route to DingTalk's chats (their ids carry DingTalk's prefix)."""
    from bot.channels.dingtalk.ids import PREFIX

    return {PREFIX: channel}


def _dingtalk_config(settings):  # noqa: ANN001, ANN202
    from bot.channels.dingtalk.app import DingTalkConfig

    if not settings.dingtalk_configured:
        return None
    secret = settings.dingtalk_client_secret.get_secret_value()
    extra = {}
    if settings.dingtalk_api_base_url:
        extra["api_base_url"] = settings.dingtalk_api_base_url
    if settings.dingtalk_oapi_base_url:
        extra["oapi_url"] = settings.dingtalk_oapi_base_url
    if settings.dingtalk_card_template_id:
        extra["card_template_id"] = settings.dingtalk_card_template_id
    return DingTalkConfig(
        settings.dingtalk_client_id, secret, settings.dingtalk_robot_code or "", **extra
    )


def _dingtalk_bot(assistant, settings):  # noqa: ANN001, ANN202
    config = _dingtalk_config(settings)
    if config is None:
        return None
    from bot.channels.dingtalk.app import DingTalkBot

    return DingTalkBot(assistant, config)


def _serve_dingtalk(bot, settings, *, with_sender: bool) -> None:  # noqa: ANN001
    """DingTalk alone: the Stream connection and the scheduler jobs, until interrupted."""
    from bot.channels.dingtalk.app import serve

    log.info("钉钉机器人（Stream 模式）启动中……")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(bot, send_interval=settings.fazhi_send_interval, with_sender=with_sender))


def _run_sender(settings) -> None:  # noqa: ANN001
    """``--role sender``: only the outbox, through the shared send budget; no updates."""
    from telegram import Bot

    from bot.channels.telegram.channel import TelegramChannel
    from bot.channels.telegram.rate_limit import FloodLimiter
    from scheduler.delivery.budget import SendBudget
    from scheduler.delivery.sender import OutboxSender
    from scheduler.store.db import DatabaseURLError, init_db, upgrade_in_child

    try:
        upgrade_in_child(settings.database_url)  # as the bot: never Alembic in this process
        engine = init_db(settings.database_url)
    except DatabaseURLError as exc:
        _fail(str(exc))
        return
    except Exception as exc:  # noqa: BLE001 - e.g. the database server is down
        _fail(f"无法连接数据库：{getattr(exc, 'orig', exc)}")
        return
    base_url = settings.telegram_api_base_url
    kwargs = {}
    if base_url:
        file_url = base_url.rstrip("/")
        if file_url.endswith("/bot"):
            file_url = file_url[: -len("/bot")] + "/file/bot"
        kwargs = {"base_url": base_url, "base_file_url": file_url}

    from bot.runtime.telegram_connect import connect_with_backoff
    from scheduler.delivery.routing import RoutingChannel

    dingtalk = _dingtalk_config(settings)

    async def main() -> None:
        async with contextlib.AsyncExitStack() as stack:
            telegram = None
            if settings.token is not None:
                bot = Bot(settings.token, **kwargs)
                stack.push_async_callback(bot.shutdown)
                await connect_with_backoff(bot)  # Telegram unreachable: wait, do not exit
                limiter = FloodLimiter(shared=SendBudget(engine))
                telegram = TelegramChannel(bot, limiter=limiter)
            others = {}
            if dingtalk is not None:
                from bot.channels.dingtalk.app import make_channel

                others = _routes(make_channel(engine, dingtalk))
            sender = OutboxSender(engine, RoutingChannel(telegram, others))
            logging.getLogger(__name__).info("outbox sender %s started", sender.sender_id)
            while True:
                report = await sender.run_once()
                if report.total == 0:
                    await asyncio.sleep(settings.fazhi_send_interval)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


def _serve(app, settings, url: str | None, secret: str) -> None:  # noqa: ANN001
    """Poll or serve the webhook; while Telegram is unreachable at start, retry with a growing
    wait (PTB's bootstrap retries, forever) and log each failure with its reason."""
    from telegram import Update

    from bot.runtime.telegram_connect import log_failed_attempts

    log_failed_attempts(app)

    if url:
        path = url.rstrip("/").rsplit("/", 1)[-1] if url.count("/") > 2 else "telegram"
        app.run_webhook(
            listen=settings.fazhi_webhook_listen,
            port=settings.fazhi_webhook_port,
            url_path=path,
            webhook_url=url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
            stop_signals=(signal.SIGINT,),  # SIGTERM: bot.runtime.shutdown
            bootstrap_retries=-1,
        )
    else:
        app.run_polling(
            allowed_updates=Update.ALL_TYPES,
            timeout=int(settings.fazhi_poll_timeout),
            stop_signals=(signal.SIGINT,),
            bootstrap_retries=-1,
        )


def chat(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    """控制台对话：与 Telegram 机器人相同的问答和命令，提醒到期时直接打印。"""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING)
    if not verbose:
        from bot.runtime.error_boundary import quiet_tracebacks

        quiet_tracebacks()
    settings = _settings()
    for line in data_home_lines(settings.database_url):
        typer.echo(line, err=True)
    assistant = _assistant(settings, extra_admins=frozenset({"console"}))
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.channels.console.chat import run_console
    from scheduler.jobs.install import install_jobs, run_planner_soon
    from scheduler.timing.clock import TZ

    async def main() -> None:
        scheduler = AsyncIOScheduler(timezone=TZ)

        def start_jobs(channel) -> None:  # noqa: ANN001
            install_jobs(scheduler, assistant.sched, channel, send_interval=1.0)
            scheduler.start()
            assistant.request_planner_run = partial(run_planner_soon, scheduler)

        try:
            await run_console(assistant, start_jobs)
        finally:
            scheduler.shutdown(wait=False)

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        typer.echo("\n再见。")


def health() -> None:
    """容器健康检查：数据库可连接且已迁移到最新版本时退出码为 0；并显示数据目录。"""
    from bot.cli.health import check  # the same check `fazhi health` runs without the CLI framework

    healthy, lines = check()
    for line in lines:
        typer.echo(line, err=not healthy and line.startswith("错误："))
    raise typer.Exit(0 if healthy else 1)
