"""The Telegram delivery channel: one outbox message → one ``sendMessage`` → one outcome.

The channel keeps Telegram's flood limits itself (:mod:`bot.channels.telegram.rate_limit`) and translates
python-telegram-bot's exceptions into :class:`~scheduler.delivery.channel.DeliveryOutcome`, so the outbox
decides what to do next without knowing anything about Telegram:

==========================================  ============  ======================================
PTB exception                               outcome       why
==========================================  ============  ======================================
``RetryAfter``                              RETRY         ``throttled`` (not a failed attempt),
                                                          with the server's ``retry_after``; all
                                                          sending pauses that long (bot-wide)
``ChatMigrated``                            MIGRATED      ``new_chat_id``: resend there
``Forbidden`` (403)                         BLOCKED       blocked, kicked, user deactivated
``TimedOut`` on connect / pool              RETRY         the request never left
``TimedOut`` on read / write                UNKNOWN       it may have been delivered
``BadRequest`` "chat not found"             UNREACHABLE   the chat does not exist: mark it
``BadRequest`` (400)                        FAILED        retrying cannot help
``InvalidToken`` (401/404)                  RETRY         misconfiguration: keep the messages
``NetworkError`` (incl. HTTP 5xx)           RETRY         transient
any other ``TelegramError``                 FAILED
==========================================  ============  ======================================

Retries themselves are the outbox's business (it persists the attempt and the next time);
the channel never sleeps through a ``retry_after`` on its own.
"""

from __future__ import annotations

import datetime as dtm
import logging
import warnings

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram.rate_limit import FloodLimiter, is_group_chat
from scheduler.delivery.channel import DeliveryOutcome, DeliveryStatus, OutgoingMessage

log = logging.getLogger(__name__)

CALLBACK_DATA_MAX_BYTES = 64
INVALID_TOKEN_RETRY_AFTER = 60.0


def parse_chat_id(chat_id: str | int) -> int | str:
    """Telegram chat ids are integers; ``@channelname`` stays a string."""
    if isinstance(chat_id, int):
        return chat_id
    text = chat_id.strip()
    return int(text) if text.lstrip("-").isdigit() else text


def build_keyboard(buttons: list[list[dict[str, str]]] | None) -> InlineKeyboardMarkup | None:
    """Rows of ``{"text": …, "data": …}`` (or ``"url"``) → an inline keyboard.

    Raises ``ValueError`` for callback data Telegram would refuse (over 64 bytes).
    """
    if not buttons:
        return None
    rows = []
    for row in buttons:
        keys = []
        for spec in row:
            if "url" in spec:
                keys.append(InlineKeyboardButton(spec["text"], url=spec["url"]))
                continue
            data = spec.get("data", "")
            if not data or len(data.encode()) > CALLBACK_DATA_MAX_BYTES:
                raise ValueError(f"callback data must be 1–64 bytes: {data!r}")
            keys.append(InlineKeyboardButton(spec["text"], callback_data=data))
        rows.append(keys)
    return InlineKeyboardMarkup(rows)


def _seconds(value: int | float | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the int will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        return _seconds(exc.retry_after)


def outcome_for_error(exc: TelegramError) -> DeliveryOutcome:
    """What a failed ``send_message`` means for the outbox (see the module's table)."""
    error = f"{type(exc).__name__}: {exc.message}"
    status = DeliveryStatus
    if isinstance(exc, RetryAfter):
        return DeliveryOutcome(
            status.RETRY, retry_after=retry_after_seconds(exc), error=error, throttled=True
        )
    if isinstance(exc, ChatMigrated):
        return DeliveryOutcome(status.MIGRATED, error=error, new_chat_id=str(exc.new_chat_id))
    if isinstance(exc, Forbidden):
        return DeliveryOutcome(status.BLOCKED, error=error)
    if isinstance(exc, TimedOut):
        if isinstance(exc.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout):
            return DeliveryOutcome(status.RETRY, error=error)  # nothing was sent
        return DeliveryOutcome(status.UNKNOWN, error=error)
    if isinstance(exc, BadRequest):
        if "chat not found" in exc.message.lower():
            return DeliveryOutcome(status.UNREACHABLE, error=error)
        return DeliveryOutcome(status.FAILED, error=error)
    if isinstance(exc, InvalidToken):
        return DeliveryOutcome(status.RETRY, retry_after=INVALID_TOKEN_RETRY_AFTER, error=error)
    if isinstance(exc, NetworkError):  # also what PTB raises for HTTP 5xx
        return DeliveryOutcome(status.RETRY, error=error)
    return DeliveryOutcome(status.FAILED, error=error)


class TelegramChannel:
    """A :class:`scheduler.delivery.channel.Channel` over a python-telegram-bot ``Bot``.

    The bot's lifecycle (``initialize``/``shutdown``) belongs to the caller. Share one
    :class:`FloodLimiter` between every channel and sender that uses the same bot token.
    """

    name = "telegram"

    def __init__(self, bot: Bot, *, limiter: FloodLimiter | None = None) -> None:
        self.bot = bot
        self.limiter = limiter or FloodLimiter()

    async def send(self, message: OutgoingMessage) -> DeliveryOutcome:
        chat_id = parse_chat_id(message.chat_id)
        try:
            keyboard = build_keyboard(message.buttons)
        except ValueError as exc:
            return DeliveryOutcome(DeliveryStatus.FAILED, error=str(exc))
        await self.limiter.acquire(chat_id, is_group=message.is_group or is_group_chat(chat_id))
        try:
            sent = await self.bot.send_message(
                chat_id=chat_id,
                text=message.body,
                parse_mode=message.parse_mode,
                reply_markup=keyboard,
                disable_notification=bool(message.meta.get("silent", False)),
            )
        except TelegramError as exc:
            outcome = outcome_for_error(exc)
            if outcome.throttled and outcome.retry_after:
                # Telegram does not say whether a 429 is per chat or bot-wide: honour it
                # bot-wide, which is always safe
                self.limiter.pause_all(outcome.retry_after)
            elif outcome.retry_after:
                self.limiter.pause_chat(chat_id, outcome.retry_after)
            log.info(
                "telegram send to %s (outbox %s) → %s: %s",
                chat_id,
                message.id,
                outcome.status,
                outcome.error,
            )
            return outcome
        return DeliveryOutcome(DeliveryStatus.SENT, provider_message_id=str(sent.message_id))
