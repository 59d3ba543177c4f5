"""The DingTalk delivery channel: one outbox message → one robot message or card → one outcome.

A message without buttons goes out as markdown (``msgKey: sampleMarkdown``): to a user with
``POST /v1.0/robot/oToMessages/batchSend`` (``userIds: [staffId]``), to a group with
``POST /v1.0/robot/groupMessages/send`` (``openConversationId``). A message with buttons goes
out as an interactive card (``POST /v1.0/card/instances/createAndDeliver``, ``callbackType:
"STREAM"``): robot messages cannot carry buttons that call back, and a press of a card's button
comes back over the Stream connection (:mod:`bot.channels.dingtalk.stream`). The card's
``outTrackId`` is ``<chat id>#o<outbox id>``: a message sent again after an unknown outcome
keeps its card id, and the press names the chat it was sent to.

What DingTalk answers, as the outbox's outcome (the same table as Telegram's, README):

==============================================  ============  =================================
DingTalk answer                                 outcome       why
==============================================  ============  =================================
429, ``…QpsLimit…``/``…Throttl…``/flow control  RETRY         ``throttled``, after 1 s; every
                                                              sender of the app pauses
staffId in ``flowControlledStaffIdList``        RETRY         throttled for that user
staffId in ``invalidStaffIdList``               UNREACHABLE   no such user: mark the chat
400 naming the receiver (userIds, staffId,      UNREACHABLE   the chat does not exist (left,
openConversationId, robot not in the group)                   robot removed)
other 400                                       FAILED        retrying cannot help
401 again with a fresh token, 403               RETRY         misconfiguration (secret,
                                                              permission): keep, after 60 s
5xx; the request never left                     RETRY         transient
time-out after sending                          UNKNOWN       it may have been delivered
==============================================  ============  =================================
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from typing import Any

from bot.channels.dingtalk import convert, ids, read_status
from bot.channels.dingtalk.openapi import DingTalkApiError, OpenApi
from bot.channels.telegram.rate_limit import FloodLimiter
from scheduler.delivery.channel import (
    DeliveryOutcome,
    DeliveryStatus,
    OutgoingMessage,
    ReadStatus,
    SentMessage,
)

log = logging.getLogger(__name__)

THROTTLED_RETRY = 1.0
MISCONFIGURED_RETRY = 60.0
DEFAULT_CARD_TEMPLATE = "fazhi_buttons.schema"
ROBOT_MESSAGE = "dingtalk_message"  # meta key: {msgKey, msgParam} of a non-markdown message
_THROTTLED = re.compile(r"qpslimit|throttl|flowcontrol|ratelimit", re.I)
_RECEIVER = re.compile(
    r"userid|staffid|openconversationid|conversation|robot\.?not|notingroup", re.I
)


PROVIDER_ID_MAX = 64  # the outbox column's length; a processQueryKey (the read status's key)
# is a short base64 string and fits


def _sent(provider_id: object) -> DeliveryOutcome:
    """SENT, with DingTalk's id of the message when it fits the outbox's column (a longer one
    would fail the mark on PostgreSQL, and the message would go out again)."""
    text = str(provider_id) if provider_id else None
    if text is not None and len(text) > PROVIDER_ID_MAX:
        text = None
    return DeliveryOutcome(DeliveryStatus.SENT, provider_message_id=text)


def outcome_for_error(exc: DingTalkApiError) -> DeliveryOutcome:
    """What a refused or failed call means for the outbox (see the module's table)."""
    error = f"DingTalk {exc.status} {exc.code}: {exc.message}"
    status = DeliveryStatus
    if exc.status == 429 or _THROTTLED.search(exc.code):
        return DeliveryOutcome(
            status.RETRY, retry_after=THROTTLED_RETRY, error=error, throttled=True
        )
    if exc.status == 0:
        return DeliveryOutcome(status.UNKNOWN if exc.sent else status.RETRY, error=error)
    if exc.status in (401, 403):
        return DeliveryOutcome(status.RETRY, retry_after=MISCONFIGURED_RETRY, error=error)
    if exc.status >= 500:
        return DeliveryOutcome(status.RETRY, error=error)
    if exc.status in (400, 404) and _RECEIVER.search(f"{exc.code} {exc.message}"):
        return DeliveryOutcome(status.UNREACHABLE, error=error)
    return DeliveryOutcome(status.FAILED, error=error)


def card_buttons(rows: list[list[dict[str, str]]]) -> tuple[list[dict[str, str]], list[str]]:
    """Callback buttons (label and payload, in order) and the links among them (as markdown)."""
    buttons, links = [], []
    for row in rows:
        for spec in row:
            if "url" in spec:
                links.append(f"[{spec['text']}]({spec['url']})")
            elif spec.get("data"):
                buttons.append({"text": spec["text"], "data": spec["data"]})
    return buttons, links


class DingTalkChannel:
    """A :class:`scheduler.delivery.channel.Channel` over the robot OpenAPI."""

    name = "dingtalk"

    def __init__(
        self,
        api: OpenApi,
        robot_code: str,
        *,
        limiter: FloodLimiter,
        card_template_id: str = DEFAULT_CARD_TEMPLATE,
    ) -> None:
        self.api = api
        self.robot_code = robot_code
        self.limiter = limiter
        self.card_template_id = card_template_id

    async def send(self, message: OutgoingMessage) -> DeliveryOutcome:
        try:
            to = ids.target(message.chat_id)
        except ValueError as exc:
            return DeliveryOutcome(DeliveryStatus.FAILED, error=str(exc))
        await self.limiter.acquire(message.chat_id, is_group=to.group)
        text = convert.markdown(message.body) if message.parse_mode else message.body
        try:
            if message.buttons:
                return await self._card(message, to, text)
            return await self._markdown(message, to, text)
        except DingTalkApiError as exc:
            outcome = outcome_for_error(exc)
            if outcome.throttled and outcome.retry_after:
                self.limiter.pause_all(outcome.retry_after)
            log.info(
                "dingtalk send to %s (outbox %s) → %s: %s",
                message.chat_id,
                message.id,
                outcome.status,
                outcome.error,
            )
            return outcome

    async def read_status(self, messages: Sequence[SentMessage]) -> ReadStatus:
        """已读 / 未读 of 1:1 robot messages (:mod:`bot.channels.dingtalk.read_status`)."""
        return await read_status.read_status(self.api, self.robot_code, messages)

    async def _markdown(
        self, message: OutgoingMessage, to: ids.Target, text: str
    ) -> DeliveryOutcome:
        special = message.meta.get(ROBOT_MESSAGE)  # a file or picture (front_end.queue)
        if special:
            key, param = special["msgKey"], json.dumps(special["msgParam"], ensure_ascii=False)
        else:
            key = "sampleMarkdown"
            param = json.dumps(
                {"title": convert.title(message.body), "text": text}, ensure_ascii=False
            )
        body: dict[str, Any] = {"robotCode": self.robot_code, "msgKey": key, "msgParam": param}
        if to.group:
            answer = await self.api.post(
                "/v1.0/robot/groupMessages/send", {**body, "openConversationId": to.ident}
            )
            return _sent(answer.get("processQueryKey"))
        answer = await self.api.post(
            "/v1.0/robot/oToMessages/batchSend", {**body, "userIds": [to.ident]}
        )
        if to.ident in (answer.get("invalidStaffIdList") or []):
            return DeliveryOutcome(DeliveryStatus.UNREACHABLE, error="DingTalk: invalid staffId")
        if to.ident in (answer.get("flowControlledStaffIdList") or []):
            return DeliveryOutcome(
                DeliveryStatus.RETRY,
                retry_after=THROTTLED_RETRY,
                throttled=True,
                error="DingTalk: flow controlled",
            )
        return _sent(answer.get("processQueryKey"))

    async def _card(self, message: OutgoingMessage, to: ids.Target, text: str) -> DeliveryOutcome:
        buttons, links = card_buttons(message.buttons or [])
        if links:
            text = text + "  \n" + "  \n".join(links)
        track = f"{message.chat_id}#o{message.id}"
        params = {
            "title": convert.title(message.body),
            "markdown": text,
            "buttons": json.dumps(buttons, ensure_ascii=False),
        }
        body: dict[str, Any] = {
            "cardTemplateId": self.card_template_id,
            "outTrackId": track,
            "callbackType": "STREAM",
            "cardData": {"cardParamMap": params},
            "openSpaceId": to.open_space_id,
        }
        if to.group:
            body["imGroupOpenSpaceModel"] = {"supportForward": False}
            body["imGroupOpenDeliverModel"] = {"robotCode": self.robot_code}
        else:
            body["imRobotOpenSpaceModel"] = {"supportForward": False}
            body["imRobotOpenDeliverModel"] = {
                "spaceType": "IM_ROBOT",
                "robotCode": self.robot_code,
            }
        answer = await self.api.post("/v1.0/card/instances/createAndDeliver", body)
        results = (answer.get("result") or {}).get("deliverResults") or []
        if results and not all(r.get("success") for r in results):
            error = "; ".join(str(r.get("errorMsg", "")) for r in results)
            return DeliveryOutcome(DeliveryStatus.FAILED, error=f"DingTalk card: {error}")
        return _sent(track)
