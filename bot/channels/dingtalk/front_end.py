"""Robot messages and card presses → the chat core → replies queued in the outbox.

Every update goes to :class:`bot.chat.assistant.Assistant` in a worker thread (it does
database work). Unlike Telegram's direct replies, every DingTalk reply goes through the outbox:
the update's replies are queued under keys made from DingTalk's message id (one transaction),
the outbox is asked to run at once (``kick``), and only then is the message acknowledged. So a
reply is sent by the same sender, within the same send budget and outcome table as reminders;
a socket lost mid-update loses nothing (DingTalk pushes the message again) and duplicates
nothing (the keys are taken).

What is DingTalk's alone stays here: the staffId-based identity (:mod:`.convert`), downloading
an uploaded plan through ``messageFiles/download``, and the apology when the core fails.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from bot.channels.dingtalk import convert
from bot.channels.dingtalk.channel import ROBOT_MESSAGE
from bot.channels.dingtalk.openapi import DingTalkApiError, OpenApi
from bot.chat.assistant import Assistant
from bot.chat.incoming import ChatContext
from bot.chat.render.common import FLOOD
from bot.chat.render.replies import Attachment, Reply
from scheduler.delivery.outbox import enqueue

log = logging.getLogger(__name__)
T = TypeVar("T")

APOLOGY = "抱歉，处理您的请求时出错了，请稍后再试。问题已记录。"
FILE_NOTE = "（附件“{name}”上传钉钉失败，请稍后重新发送命令。）"
PLAN_FILE_LIMIT = 20 * 1024 * 1024


class DingTalkFrontEnd:
    """See the module's docstring. ``kick`` asks the outbox to run now (any thread)."""

    def __init__(
        self,
        assistant: Assistant,
        api: OpenApi,
        robot_code: str,
        kick: Callable[[], None] = lambda: None,
        workers: int = 8,
    ) -> None:
        self.assistant = assistant
        self.api = api
        self.robot_code = robot_code
        self.kick = kick
        assistant.flood_in_core = False  # the gate below counts every message at arrival
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fazhi-dingtalk")

    async def core(self, fn: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, lambda: fn(*args))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- updates ------------------------------------------------------------------------------
    async def on_message(self, data: dict[str, Any], frame_id: str) -> None:
        message = convert.incoming(data)
        if message is None:
            log.info("DingTalk message without a staffId ignored")
            return
        ctx = message.ctx
        source = message.message_id or frame_id
        if not await self.admitted(ctx, source):
            return
        try:
            replies = await self._answer(message)
        except DingTalkApiError as exc:
            log.warning("DingTalk file download failed: %s", exc)
            replies = [Reply.of("文件下载失败，请稍后重新发送。")]
        except Exception as exc:  # noqa: BLE001 - the core failed: apologise, never re-push
            replies = [self._apology(ctx, exc)]
        await self.queue(ctx, source, replies)

    async def _answer(self, message: convert.Incoming) -> list[Reply]:
        ctx, a = message.ctx, self.assistant
        if message.file is not None:
            file = message.file
            if file.document and await self.core(a.is_plan_upload, ctx, file.name):
                data = await self.download(file.ref)
                if data is None:
                    return [Reply.of("文件超过 20 MB，请用 fazhi kb import 在服务器上导入。")]
                return await self.core(a.preview_upload, ctx, data, file.name or "document")
            return await self.core(a.handle_file, ctx, file)
        command = message.command
        if command is not None:
            return await self.core(a.handle_command, ctx, *command)
        return await self.core(a.handle_text, ctx, message.text)

    async def on_card(self, data: dict[str, Any], frame_id: str) -> None:
        press = convert.card_press(data)
        if press is None:
            log.warning("DingTalk card callback that is not one of our buttons ignored")
            return
        ctx, payload = press
        if not await self.admitted(ctx, f"card-{frame_id}"):
            return
        try:
            replies = await self.core(self.assistant.handle_callback, ctx, payload)
        except Exception as exc:  # noqa: BLE001
            replies = [self._apology(ctx, exc)]
        await self.queue(ctx, f"card-{frame_id}", replies)

    async def admitted(self, ctx: ChatContext, source: str) -> bool:
        """The flood gate at arrival, counting everything a user sends (messages, files,
        presses), as Telegram's does: over the limit the user is told once, then ignored."""
        a = self.assistant
        if ctx.user_id in a.admin_ids:
            return True
        verdict = a.flood.verdict(ctx.user_id)
        if verdict == "warn":
            await self.queue(ctx, source, [Reply.of(FLOOD)])
        return verdict == "ok"

    def _apology(self, ctx: ChatContext, exc: Exception) -> Reply:
        from bot.runtime.error_boundary import describe

        failure = describe(exc)
        if failure.user_caused:
            log.warning("update in chat %s failed: %s", ctx.chat_id, failure.text)
            return Reply.of(failure.text)
        log.error("error handling a DingTalk update (chat %s)", ctx.chat_id, exc_info=exc)
        return Reply.of(APOLOGY)

    # -- files ----------------------------------------------------------------------------------
    async def download(self, ref: str) -> bytes | None:
        """The bytes of a file a user sent (ref ``dingtalk:<kind>:<downloadCode>:<name>``);
        None when it is over the limit."""
        code = ref.split(":", 3)[2]
        answer = await self.api.post(
            "/v1.0/robot/messageFiles/download",
            {"downloadCode": code, "robotCode": self.robot_code},
        )
        data = await self.api.download(str(answer["downloadUrl"]))
        return None if len(data) > PLAN_FILE_LIMIT else data

    # -- replies --------------------------------------------------------------------------------
    async def queue(self, ctx: ChatContext, source: str, replies: Sequence[Reply]) -> None:
        """Queue ``replies`` (keys from ``source``, DingTalk's message id) and kick the outbox.
        A reply's file is uploaded first and queued as a message of its own after the text.
        Raises when the database is away: the message stays unacknowledged."""
        if not replies:
            return
        rows: list[dict[str, Any]] = []
        for r in replies:
            body, file_message = r.html, None
            if r.attachment is not None:
                file_message = await self._upload(r.attachment)
                if file_message is None:
                    note = FILE_NOTE.format(name=r.attachment.filename)
                    body = f"{body}\n{note}" if body else note
            if body or r.buttons:
                rows.append({"body": body, "buttons": r.buttons_json()})
            if file_message is not None:
                assert r.attachment is not None
                rows.append({"body": r.attachment.filename, "meta": {ROBOT_MESSAGE: file_message}})

        def enqueue_all() -> None:
            with self.assistant.session() as s:
                for k, row in enumerate(rows):
                    enqueue(
                        s,
                        key=f"reply:{ctx.chat_id}:{source}:{k}",
                        chat_id=ctx.chat_id,
                        kind="reply",
                        is_group=ctx.is_group,
                        **row,
                    )

        await self.core(enqueue_all)
        self.kick()

    async def _upload(self, attachment: Attachment) -> dict[str, Any] | None:
        """Upload a reply's file; the robot message that shows it, or None when it failed."""
        image = attachment.photo
        try:
            media = await self.api.upload(
                attachment.content, attachment.filename, "image" if image else "file"
            )
        except DingTalkApiError as exc:
            log.warning("DingTalk upload of %s failed: %s", attachment.filename, exc)
            return None
        if image:
            return {"msgKey": "sampleImageMsg", "msgParam": {"photoURL": media}}
        suffix = attachment.filename.rpartition(".")[2].lower() or "file"
        param = {"mediaId": media, "fileName": attachment.filename, "fileType": suffix}
        return {"msgKey": "sampleFile", "msgParam": param}
