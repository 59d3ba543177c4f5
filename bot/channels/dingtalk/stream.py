"""The Stream-mode connection through the official ``dingtalk-stream`` SDK.

:class:`StreamClient` is the SDK's client with one change: the gateway's address. The SDK
posts to ``DingTalkStreamClient.OPEN_CONNECTION_API``, a class attribute it reads by class
name (so a subclass attribute is not seen) and builds from ``$DINGTALK_OPENAPI_ENDPOINT`` at
import time; :meth:`StreamClient.open_connection` makes the same request to the address it is
given (tests: the local fake). It also skips the SDK's local-IP probe (a UDP "connect" to
8.8.8.8), which tells DingTalk nothing it needs and fails on an isolated network.

The SDK (0.24.4b1) reconnects with a fresh ticket after a drop (1 s back-off doubling to 60 s),
answers ``ping`` with its ``opaque``, closes on ``disconnect``, and handles a ``messageId``
pushed twice once (its ack is replayed). A message is acknowledged only after its replies are
queued in the outbox (:class:`CallbackRelay`), so a connection lost before that is re-pushed by
DingTalk and nothing is lost; the replies' outbox keys are made from the message id, so a
re-push never queues them twice.
"""

from __future__ import annotations

import json
import logging
import platform
from collections.abc import Awaitable, Callable
from typing import Any

import dingtalk_stream
import requests
from dingtalk_stream import AckMessage, CallbackMessage
from dingtalk_stream.version import VERSION_STRING

log = logging.getLogger(__name__)

BOT_TOPIC = dingtalk_stream.ChatbotMessage.TOPIC  # /v1.0/im/bot/messages/get
CARD_TOPIC = dingtalk_stream.CallbackHandler.TOPIC_CARD_CALLBACK  # /v1.0/card/instances/callback
DEFAULT_GATEWAY = "https://api.dingtalk.com/v1.0/gateway/connections/open"
Relay = Callable[[dict[str, Any], str], Awaitable[None]]


class StreamClient(dingtalk_stream.DingTalkStreamClient):
    """The SDK's client, opening its connection at ``gateway_url``."""

    def __init__(self, client_id: str, client_secret: str, gateway_url: str = DEFAULT_GATEWAY):
        credential = dingtalk_stream.Credential(client_id, client_secret)
        super().__init__(credential, logger=logging.getLogger("dingtalk_stream.client"))
        self.gateway_url = gateway_url

    def get_host_ip(self) -> str:
        return ""

    def open_connection(self) -> dict[str, Any] | None:
        """``POST /v1.0/gateway/connections/open`` → ``{endpoint, ticket}`` (None on failure,
        and the SDK retries after its back-off). Runs in the SDK's executor thread."""
        subscriptions = [{"type": "CALLBACK", "topic": t} for t in self.callback_handler_map]
        body = {
            "clientId": self.credential.client_id,
            "clientSecret": self.credential.client_secret,
            "subscriptions": subscriptions,
            "ua": f"dingtalk-sdk-python/v{VERSION_STRING}-union",
            "localIp": self.get_host_ip(),
        }
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"DingTalkStream/1.0 SDK/{VERSION_STRING} Python/{platform.python_version()}",
        }
        try:
            response = requests.post(
                self.gateway_url,
                data=json.dumps(body),
                headers=headers,
                timeout=self.HTTP_TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:
            log.warning("DingTalk gateway unreachable: %s", type(exc).__name__)
            return None
        if response.status_code != 200:  # the body may echo the request: never log it
            log.error("DingTalk gateway refused the connection: HTTP %s", response.status_code)
            return None
        return response.json()


class CallbackRelay(dingtalk_stream.CallbackHandler):
    """Hands a callback's data and message id to ``relay`` and acknowledges when it returns;
    an exception leaves the message unacknowledged (DingTalk pushes it again)."""

    def __init__(self, relay: Relay) -> None:
        super().__init__()
        self.relay = relay

    async def process(self, message: CallbackMessage) -> tuple[int, Any]:
        data = message.data if isinstance(message.data, dict) else {}
        await self.relay(data, str(message.headers.message_id or ""))
        return AckMessage.STATUS_OK, {}
