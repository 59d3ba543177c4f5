"""Whether a 1:1 robot message was read (已读 / 未读), for a notice's delivery report.

``GET /v1.0/robot/oToMessages/readStatus?robotCode=…&processQueryKey=…`` (DingTalk's
"批量查询人与机器人会话机器人消息是否已读", ``BatchOTOQuery`` of the generated SDK), with the
``processQueryKey`` that ``oToMessages/batchSend`` answered (the outbox keeps it as the message's
provider id; httpx URL-encodes it, as the reference asks), answers ``{sendStatus (SUCCESS,
PROCESSING, RECALLED), messageReadInfoList: [{name, userId, readStatus, readTimestamp}]}``;
``readStatus`` is ``READ`` or ``UNREAD`` (the reference, and the older
``robot.message.ototask.query``). DingTalk answers this only within 24 hours of the send: later,
the query fails and the status is unknown.

Only 1:1 markdown messages have a read status: a group message is read by many, and a card
(``createAndDeliver``, the messages with buttons: a notice that asks for 收到) has no such query.
Their status is None (unknown), as is any message whose query fails: the report then shows
nothing for it, never a guess.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from bot.channels.dingtalk import ids
from bot.channels.dingtalk.openapi import DingTalkApiError, OpenApi
from scheduler.delivery.channel import ReadStatus, SentMessage

log = logging.getLogger(__name__)

PATH = "/v1.0/robot/oToMessages/readStatus"
CARD_MARK = "#o"  # a card's provider id is its outTrackId, ``<chat id>#o<outbox id>``
CONCURRENT = 4  # queries at once (each is one API call under the app's QPS limit)


def query_key(message: SentMessage) -> str | None:
    """The ``processQueryKey`` to ask with, or None when the message has no read status."""
    key = message.provider_message_id
    if not key or CARD_MARK in key:
        return None
    try:
        to = ids.target(message.chat_id)
    except ValueError:
        return None
    return None if to.group else key


async def read_status(api: OpenApi, robot_code: str, messages: Sequence[SentMessage]) -> ReadStatus:
    """Each message's read status (see the module's docstring)."""
    gate = asyncio.Semaphore(CONCURRENT)

    async def one(message: SentMessage) -> bool | None:
        key = query_key(message)
        if key is None:
            return None
        async with gate:
            try:
                answer = await api.get(PATH, {"robotCode": robot_code, "processQueryKey": key})
            except DingTalkApiError as exc:
                log.info("DingTalk read status of outbox %s: %s", message.id, exc)
                return None
        staff = ids.target(message.chat_id).ident
        for info in answer.get("messageReadInfoList") or []:
            if str(info.get("userId")) == staff:
                status = str(info.get("readStatus", "")).upper()
                return True if status == "READ" else False if status == "UNREAD" else None
        return None

    results = await asyncio.gather(*(one(m) for m in messages))
    return {m.id: r for m, r in zip(messages, results, strict=True)}
