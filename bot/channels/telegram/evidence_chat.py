"""The evidence export in Telegram: /evidence [年份] [单位] or the 📦 button of /report.

The export runs as a background task (other updates are handled meanwhile): files are
downloaded through the Bot API in a worker thread, one status message shows the progress and
is edited as files arrive, and the zip is sent when it is ready. It needs the core's calls
(``run``: off the event loop) and the reply sender, not the front end that starts it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Message
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.channels.telegram.evidence_fetch import threadsafe_fetcher
from bot.channels.telegram.reply_sender import ReplySender
from bot.chat.assistant import Assistant
from bot.chat.features.evidence import EvidenceRequest
from bot.chat.incoming import ChatContext

log = logging.getLogger(__name__)
PROGRESS_EVERY = 2.0  # seconds between edits of the status message


async def start_export(
    run: Callable[..., Awaitable[Any]],
    sender: ReplySender,
    assistant: Assistant,
    context: ContextTypes.DEFAULT_TYPE,
    ctx: ChatContext,
    args: str,
) -> None:
    request, replies = await run(assistant.evidence_request, ctx, args)
    chat_id = int(ctx.chat_id)
    if request is None:
        await sender.send(context.bot, chat_id, replies)
        return
    status = await context.bot.send_message(chat_id, f"正在导出{request.label}证明材料档案……")
    context.application.create_task(
        _run(sender, assistant, context, chat_id, request, status),
        name=f"evidence-export-{chat_id}",
    )


async def _run(
    sender: ReplySender,
    assistant: Assistant,
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    request: EvidenceRequest,
    status: Message,
) -> None:
    loop = asyncio.get_running_loop()
    last = 0.0

    async def edit(text: str) -> None:
        try:
            await status.edit_text(text)
        except TelegramError as exc:  # "not modified" or too old: progress is a courtesy
            log.debug("status not edited: %s", exc)

    def progress(done: int, total: int, _what: str) -> None:
        nonlocal last
        now = time.monotonic()
        if done == total or now - last >= PROGRESS_EVERY:
            last = now
            asyncio.run_coroutine_threadsafe(edit(f"正在下载证明材料：{done}/{total}"), loop)

    try:
        fetch = threadsafe_fetcher(context.bot, loop)
        result = await asyncio.to_thread(assistant.export_evidence, request, fetch, progress)
    except Exception:  # noqa: BLE001 - a failed export is told, never silent
        log.exception("evidence export failed")
        await edit("导出证明材料时出错了，请稍后再试。问题已记录。")
        return
    await edit(f"{request.label}证明材料档案已生成。")
    await sender.send(context.bot, chat_id, [assistant.evidence_reply(result)])
