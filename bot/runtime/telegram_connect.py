"""Starting while Telegram is unreachable: retry with a growing wait, and say why in the log.

A network that is down for a minute, a proxy that starts after the bot, a Bot API server still
booting: ``fazhi run`` used to exit about a second after its first failed ``getMe``. Now the
polling and webhook roles use PTB's own bootstrap retry (``bootstrap_retries=-1``: the wait
grows 1 s, 1.5 s, 2.25 s … up to 30 s, PTB's ``network_retry_loop``), and every failed attempt
is logged here in one Chinese sentence with the reason (PTB itself logs it at DEBUG only).
The sender role, which has no PTB application, retries with the same growth
(:func:`connect_with_backoff`). A rejected token is not retried: it will not heal.
SIGTERM stops either wait (:mod:`bot.runtime.shutdown`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("fazhi.telegram")

FIRST_WAIT = 1.0  # seconds; PTB's bootstrap loop uses the same growth
GROWTH = 1.5
LONGEST_WAIT = 30.0


def reason(exc: BaseException) -> str:
    """What went wrong, in words an operator can act on, and the library's own text."""
    from telegram.error import TimedOut

    text = str(exc)
    lowered = text.lower()
    if isinstance(exc, TimedOut) or "timeout" in lowered or "timed out" in lowered:
        kind = "连接超时"
    elif "proxy" in lowered:
        kind = "代理服务器出错"
    elif "connect" in lowered or "refused" in lowered or "unreachable" in lowered:
        kind = "连接被拒绝或无法建立连接"
    elif "name or service" in lowered or "resolve" in lowered or "getaddrinfo" in lowered:
        kind = "域名无法解析"
    else:
        kind = "网络错误"
    return f"{kind}：{text}" if text else kind


def log_failure(attempt: int, exc: BaseException, wait: float | None = None) -> None:
    then = f"{wait:.1f} 秒后重试" if wait is not None else "稍后自动重试"
    log.warning(
        "无法连接 Telegram Bot API（%s），第 %d 次尝试失败；%s，间隔逐次加长（最长 %.0f 秒）。"
        "请检查网络、代理或 TELEGRAM_API_BASE_URL。",
        reason(exc),
        attempt,
        then,
        LONGEST_WAIT,
    )


def log_failed_attempts(app: Any) -> None:  # noqa: ANN401 - a PTB Application
    """Log each failed start-up attempt of ``app`` before PTB's bootstrap loop retries it.

    PTB's loop calls ``app.initialize`` and gives no hook for its errors, so the instance gets a
    wrapper: the same call, re-raising, with a log line in between."""
    from telegram.error import InvalidToken, NetworkError

    initialize: Callable[[], Awaitable[None]] = app.initialize
    attempts = 0

    async def initialize_logged() -> None:
        nonlocal attempts
        attempts += 1
        try:
            await initialize()
        except InvalidToken:
            raise
        except NetworkError as exc:
            log_failure(attempts, exc)
            raise
        if attempts > 1:
            log.info("已连接 Telegram Bot API（第 %d 次尝试）。", attempts)

    app.initialize = initialize_logged


async def connect_with_backoff(bot: Any) -> None:  # noqa: ANN401 - a telegram.Bot
    """``await bot.initialize()`` until Telegram answers, waiting longer after each failure."""
    from telegram.error import InvalidToken, NetworkError

    wait = FIRST_WAIT
    attempt = 0
    while True:
        attempt += 1
        try:
            await bot.initialize()
        except InvalidToken:
            raise
        except NetworkError as exc:
            log_failure(attempt, exc, wait)
            await asyncio.sleep(wait)
            wait = min(LONGEST_WAIT, wait * GROWTH)
            continue
        if attempt > 1:
            log.info("已连接 Telegram Bot API（第 %d 次尝试）。", attempt)
        return
