"""This process's claim on receiving Telegram updates (see :mod:`scheduler.delivery.process_lease`):
of several processes exactly one polls (or owns the webhook)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from telegram.ext import ContextTypes

from scheduler.delivery import process_lease
from scheduler.delivery.process_lease import UPDATES, ttl_from_env

log = logging.getLogger(__name__)


class ReceiverLease:
    """This process's claim on receiving updates, renewed by a job; lost, the process stops."""

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
