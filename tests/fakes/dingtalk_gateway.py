"""The Stream-mode half of the fake DingTalk (:mod:`tests.fakes.dingtalk`): tickets, the
WebSocket and its frames.

Written from DingTalk's Stream protocol documentation (developerpedia ``docs/learn/stream/
protocol.md``) and the ``dingtalk-stream`` SDK's source (``stream.py``, ``frames.py``):

- ``POST /v1.0/gateway/connections/open`` with ``{clientId, clientSecret, subscriptions, ua,
  localIp}`` answers ``{endpoint, ticket}``; a ticket is good for one connection, within 90 s;
- the client connects to ``endpoint?ticket=…``; frames are JSON text
  ``{specVersion, type: SYSTEM|EVENT|CALLBACK, headers{appId, connectionId, contentType,
  messageId, time, topic}, data: "<json text>"}``;
- every frame is acknowledged with ``{code, headers{messageId, contentType}, message, data}``;
  a SYSTEM ``ping`` ack echoes the ``opaque`` of its data; SYSTEM ``disconnect`` announces a
  close (DingTalk closes 10 s later; ``disconnect_grace`` here);
- a CALLBACK not acknowledged with code 200 (the socket dropped first) is pushed again on the
  next connection, as DingTalk re-pushes unacknowledged messages.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import tornado.web
import tornado.websocket

if TYPE_CHECKING:
    from tests.fakes.dingtalk import FakeDingTalk

TICKET_SECONDS = 90.0
BOT_TOPIC = "/v1.0/im/bot/messages/get"
CARD_TOPIC = "/v1.0/card/instances/callback"


@dataclass
class Frame:
    """A frame the gateway pushed, and the acks it got."""

    message_id: str
    type: str
    topic: str
    data: dict[str, Any]
    acks: list[dict[str, Any]] = field(default_factory=list)
    pushes: int = 0  # how many times it went out (re-pushed after a drop)

    def wire(self, connection_id: str, app_id: str) -> str:
        return json.dumps(
            {
                "specVersion": "1.0",
                "type": self.type,
                "headers": {
                    "appId": app_id,
                    "connectionId": connection_id,
                    "contentType": "application/json",
                    "messageId": self.message_id,
                    "time": str(int(time.time() * 1000)),
                    "topic": self.topic,
                },
                "data": json.dumps(self.data, ensure_ascii=False),
            },
            ensure_ascii=False,
        )

    @property
    def acked(self) -> bool:
        return any(a.get("code") == 200 for a in self.acks)


class OpenConnectionHandler(tornado.web.RequestHandler):
    def initialize(self, fake: FakeDingTalk) -> None:
        self.fake = fake

    def post(self) -> None:
        body = json.loads(self.request.body or b"{}")
        fake = self.fake
        with fake.lock:
            fake.record("POST", self.request.path, body)
            if (body.get("clientId"), body.get("clientSecret")) != (
                fake.client_id,
                fake.client_secret,
            ):
                self.set_status(401)
                self.finish({"code": "InvalidAuthentication", "message": "clientId 或密钥错误"})
                return
            ticket = uuid.uuid4().hex
            fake.tickets[ticket] = time.monotonic() + TICKET_SECONDS
            fake.subscriptions = list(body.get("subscriptions", []))
        self.finish({"endpoint": f"ws://127.0.0.1:{fake.port}/connect", "ticket": ticket})


class StreamSocket(tornado.websocket.WebSocketHandler):
    """One client connection."""

    def initialize(self, fake: FakeDingTalk) -> None:
        self.fake = fake
        self.connection_id = uuid.uuid4().hex

    async def get(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        ticket = self.get_query_argument("ticket", "")
        with self.fake.lock:
            deadline = self.fake.tickets.pop(ticket, None)  # one use
            if deadline is None or deadline < time.monotonic():
                self.fake.refused_tickets += 1
                self.set_status(401)
                self.finish("invalid ticket")
                return
        await super().get(*args, **kwargs)

    def open(self, *args: str, **kwargs: str) -> None:
        fake = self.fake
        with fake.lock:
            fake.sockets.append(self)
            fake.connections += 1
            pending = [f for f in fake.frames if f.type == "CALLBACK" and not f.acked]
        for frame in pending:  # DingTalk re-pushes what was never acknowledged
            self.push(frame)

    def push(self, frame: Frame) -> None:
        with self.fake.lock:
            frame.pushes += 1
        self.write_message(frame.wire(self.connection_id, self.fake.client_id))

    def on_message(self, message: str | bytes) -> None:
        ack = json.loads(message)
        message_id = (ack.get("headers") or {}).get("messageId")
        with self.fake.lock:
            self.fake.acks.append(ack)
            for frame in self.fake.frames:
                if frame.message_id == message_id:
                    frame.acks.append(ack)
            self.fake.changed.notify_all()

    def on_close(self) -> None:
        with self.fake.lock:
            if self in self.fake.sockets:
                self.fake.sockets.remove(self)

    def drop(self) -> None:
        """Cut the TCP connection without a close frame (a network failure)."""
        if self.ws_connection is not None and self.ws_connection.stream is not None:
            self.ws_connection.stream.close()
        self.on_close()


async def push_frame(fake: FakeDingTalk, frame: Frame) -> bool:
    """Push ``frame`` on the newest connection (False when none is open: then it waits for
    the next connection, as DingTalk holds messages for a client that is away)."""
    with fake.lock:
        fake.frames.append(frame)
        socket = fake.sockets[-1] if fake.sockets else None
    if socket is None:
        return False
    socket.push(frame)
    return True


async def disconnect(fake: FakeDingTalk, grace: float) -> None:
    """SYSTEM ``disconnect`` on every connection, then close them after ``grace`` seconds."""
    with fake.lock:
        sockets = list(fake.sockets)
    for s in sockets:
        frame = Frame(uuid.uuid4().hex, "SYSTEM", "disconnect", {"reason": "server restart"})
        s.push(frame)
    await asyncio.sleep(grace)
    for s in sockets:
        s.close(1000, "disconnect")


def bot_message(
    robot_code: str,
    base_url: str,
    chat: tuple[str, str],
    text: str,
    staff_id: str | None,
    nick: str,
    title: str,
) -> dict[str, Any]:
    """The data of a robot message (topic ``/v1.0/im/bot/messages/get``) as DingTalk sends it:
    1:1 (conversationType "1") or a group message that @-mentions the robot ("2")."""
    kind, ident = chat
    staff = staff_id or (ident if kind == "user" else "staff-1")
    now_ms = int(time.time() * 1000)
    return {
        "conversationId": ident if kind == "group" else f"cid-1to1-{ident}",
        "conversationType": "1" if kind == "user" else "2",
        "conversationTitle": title if kind == "group" else "",
        "msgId": f"msg{uuid.uuid4().hex}",
        "msgtype": "text",
        "text": {"content": text},
        "senderNick": nick,
        "senderStaffId": staff,
        "senderId": f"$:LWCP_v1:${staff}",
        "isInAtList": kind == "group",
        "robotCode": robot_code,
        "chatbotUserId": "$:LWCP_v1:$robot",
        "createAt": now_ms,
        "sessionWebhook": f"{base_url}/robot/sendBySession?session={uuid.uuid4().hex}",
        "sessionWebhookExpiredTime": now_ms + 5_400_000,
    }


def card_click(
    chat: tuple[str, str], out_track_id: str, data: str, staff_id: str | None
) -> dict[str, Any]:
    """The data of a card button press (topic ``/v1.0/card/instances/callback``): the button's
    callback parameters arrive in ``content.cardPrivateData.params``."""
    kind, ident = chat
    user = staff_id or (ident if kind == "user" else "staff-1")
    content = {"cardPrivateData": {"actionIds": ["fazhi_button"], "params": {"data": data}}}
    return {
        "outTrackId": out_track_id,
        "corpId": "dingcorp",
        "userId": user,
        "type": "actionCallback",
        "spaceType": "IM_ROBOT" if kind == "user" else "IM_GROUP",
        "spaceId": ident,
        "content": json.dumps(content),
        "extension": "{}",
    }


def quote(kind: str, text: str, title: str, message_id: str) -> dict[str, Any]:
    """What a message quoting one of the robot's (``kind``: its msgKey, or "card") carries in its
    ``text`` besides the content: ``isReplyMsg`` and ``repliedMsg`` as DingTalk clients send
    them (undocumented; shapes as reported by other robots' adapters): a markdown message's
    title and text, a card's element tree with its text in ``TEXT`` nodes."""
    if kind == "card":
        tree = {"elementType": "CARD", "children": [{"elementType": "TEXT", "value": text}]}
        msg_type, content = "interactiveCard", {"cardContent": tree}
    else:
        msg_type, content = "markdown", {"title": title, "text": text}
    replied = {
        "msgType": msg_type,
        "msgId": message_id,
        "senderId": "$:LWCP_v1:$robot",  # the robot's chatbotUserId
        "content": content,
    }
    return {"isReplyMsg": True, "repliedMsg": replied}
