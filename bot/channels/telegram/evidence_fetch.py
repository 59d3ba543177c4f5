"""Downloading evidence files from Telegram by file id (getFile, then the file URL), for the
evidence export that runs in a worker thread while the Bot lives on an event loop."""

from __future__ import annotations

import asyncio
import concurrent.futures

from telegram import Bot
from telegram.error import TelegramError

from scheduler.records.evidence_export import EvidenceFetchError, Fetch

DOWNLOAD_TIMEOUT = 120.0  # seconds for one file (the Bot API serves files up to 20 MB)


async def download(bot: Bot, file_id: str) -> bytes:
    file = await bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


def threadsafe_fetcher(bot: Bot, loop: asyncio.AbstractEventLoop) -> Fetch:
    """A blocking ``fetch(file_id)`` for a worker thread; the download runs on ``loop``."""

    def fetch(file_id: str) -> bytes:
        future = asyncio.run_coroutine_threadsafe(download(bot, file_id), loop)
        try:
            return future.result(timeout=DOWNLOAD_TIMEOUT)
        except TelegramError as exc:
            raise EvidenceFetchError(f"Telegram 未能提供该文件（{exc.message}）") from exc
        except (TimeoutError, concurrent.futures.TimeoutError) as exc:
            future.cancel()
            raise EvidenceFetchError("下载超时") from exc

    return fetch
