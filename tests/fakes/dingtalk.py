"""A fake DingTalk on 127.0.0.1: the Stream gateway (:mod:`tests.fakes.dingtalk_gateway`) and
the OpenAPI the bot calls, for tests and benchmarks.

The real ``dingtalk-stream`` SDK connects to it (the gateway URL is the adapter's setting) and
fazhi's OpenAPI client posts to it. Written from DingTalk's documentation:

- ``POST /v1.0/oauth2/accessToken`` ``{appKey, appSecret}`` → ``{accessToken, expireIn}``
  (7200 s); every other call carries ``x-acs-dingtalk-access-token`` and an unknown or expired
  token is answered 401 ``InvalidAuthentication``;
- ``POST /v1.0/robot/oToMessages/batchSend`` ``{robotCode, userIds (≤ 20), msgKey,
  msgParam}`` → ``{processQueryKey, invalidStaffIdList, flowControlledStaffIdList}``;
- ``GET /v1.0/robot/oToMessages/readStatus?robotCode&processQueryKey`` → ``{sendStatus,
  messageReadInfoList: [{name, userId, readStatus: READ | UNREAD, readTimestamp}]}`` (a user
  has read what :meth:`FakeDingTalk.mark_read` says);
- ``POST /v1.0/robot/groupMessages/send`` ``{robotCode, openConversationId, msgKey,
  msgParam}`` → ``{processQueryKey}``;
- ``POST /v1.0/card/instances/createAndDeliver`` ``{cardTemplateId, outTrackId, callbackType:
  "STREAM", cardData{cardParamMap}, openSpaceId "dtv1.card//IM_ROBOT.<userId>" or
  "dtv1.card//IM_GROUP.<openConversationId>", …}`` → ``{success, result{outTrackId,
  deliverResults}}``;
- ``POST /v1.0/robot/messageFiles/download`` ``{downloadCode, robotCode}`` →
  ``{downloadUrl}``;
- over the API's QPS limit (``qps``), 429 ``Forbidden.AccessDenied.QpsLimitForApi``.

Chats are named as DingTalk addresses them: ``("user", staffId)`` or ``("group",
openConversationId)``. Tests push messages and card clicks (:meth:`FakeDingTalk.say`,
:meth:`FakeDingTalk.click`) and read what reached a chat (:meth:`FakeDingTalk.messages`).
"""

from __future__ import annotations

import asyncio
import base64
import collections
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from tests.fakes.dingtalk_files import Api, Upload
from tests.fakes.dingtalk_gateway import (
    BOT_TOPIC,
    CARD_TOPIC,
    Frame,
    OpenConnectionHandler,
    StreamSocket,
    bot_message,
    card_click,
    disconnect,
    push_frame,
    quote,
)

CLIENT_ID = "dingfakeclientid"
CLIENT_SECRET = "fake-secret-not-real"
Chat = tuple[str, str]  # ("user", staffId) | ("group", openConversationId)


@dataclass
class Delivered:
    """A message or card that reached a chat."""

    chat: Chat
    kind: str  # the msgKey (sampleMarkdown, sampleText…) or "card"
    text: str
    title: str = ""
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (label, callback data)
    out_track_id: str = ""
    at: float = field(default_factory=time.monotonic)  # when it reached DingTalk


class FakeDingTalk:
    """See the module's docstring. ``qps``: calls per second the OpenAPI accepts (None: any);
    ``expire_in``: the tokens' lifetime; ``disconnect_grace``: seconds between a SYSTEM
    ``disconnect`` and the close."""

    def __init__(
        self,
        *,
        qps: int | None = None,
        expire_in: int = 7200,
        disconnect_grace: float = 0.2,
        robot_code: str = CLIENT_ID,
    ) -> None:
        self.client_id, self.client_secret, self.robot_code = CLIENT_ID, CLIENT_SECRET, robot_code
        self.qps, self.expire_in, self.disconnect_grace = qps, expire_in, disconnect_grace
        self.latency = 0.0
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.port = 0
        self.tickets: dict[str, float] = {}
        self.subscriptions: list[dict[str, str]] = []
        self.sockets: list[StreamSocket] = []
        self.frames: list[Frame] = []
        self.acks: list[dict[str, Any]] = []
        self.connections = 0
        self.refused_tickets = 0
        self.tokens: dict[str, float] = {}  # token → expiry (epoch seconds)
        self.tokens_issued = 0
        self.rejected_tokens = 0
        self.throttled = 0  # calls answered 429 (over ``qps``)
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.delivered: list[Delivered] = []
        self.faults: dict[str, tuple[int, dict[str, Any]]] = {}
        self.files: dict[str, bytes] = {}  # downloadCode → a file users sent
        self.media: dict[str, tuple[str, bytes]] = {}  # media id → uploaded (name, bytes)
        self.oto: dict[str, dict[str, float]] = {}  # processQueryKey → staffId → read at (0: not)
        self._recent: collections.deque[float] = collections.deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The OpenAPI's address (``https://api.dingtalk.com`` in production)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def gateway_url(self) -> str:
        return f"{self.base_url}/v1.0/gateway/connections/open"

    def start(self) -> FakeDingTalk:
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._serve(sockets, ready))
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name=f"fake-dingtalk-{self.port}", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    async def _serve(self, sockets: list[Any], ready: threading.Event) -> None:
        self._stop = asyncio.Event()
        routes = [
            (r"/v1\.0/gateway/connections/open", OpenConnectionHandler, {"fake": self}),
            (r"/connect", StreamSocket, {"fake": self}),
            (r"/media/upload", Upload, {"fake": self}),
            (r"/(.+)", Api, {"fake": self}),
        ]
        app = tornado.web.Application(routes, log_function=lambda handler: None)
        server = tornado.httpserver.HTTPServer(app)
        server.add_sockets(sockets)
        ready.set()
        await self._stop.wait()
        for s in list(self.sockets):
            s.close()
        server.stop()
        await server.close_all_connections()

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        stop = self._stop
        assert stop is not None
        self._loop.call_soon_threadsafe(stop.set)
        self._thread.join(10)
        self._thread = None

    def __enter__(self) -> FakeDingTalk:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self, coro: Any, timeout: float = 10.0) -> Any:  # noqa: ANN401
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # -- the OpenAPI ------------------------------------------------------------------------------
    def record(self, method: str, path: str, body: dict[str, Any]) -> None:
        self.calls.append((method, path, body))
        self.changed.notify_all()

    def issue_token(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if (body.get("appKey"), body.get("appSecret")) != (self.client_id, self.client_secret):
            return 400, {
                "code": "invalidClientIdOrSecret",
                "message": "无效的clientId或clientSecret",
            }
        self.tokens_issued += 1
        token = f"token-{self.tokens_issued}-{uuid.uuid4().hex[:8]}"
        self.tokens[token] = time.time() + self.expire_in
        return 200, {"accessToken": token, "expireIn": self.expire_in}

    def within_qps(self) -> bool:
        if self.qps is None:
            return True
        now = time.monotonic()
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.qps:
            return False
        self._recent.append(now)
        return True

    def handle(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if body.get("robotCode", self.robot_code) != self.robot_code and "robotCode" in body:
            return 400, {"code": "invalidParameter.robotCode", "message": "robotCode 无效"}
        # base64, as DingTalk's keys: "+", "/" and "=" must be URL-encoded in readStatus's query
        key = base64.b64encode(uuid.uuid4().bytes + b"\xfb\xff" + uuid.uuid4().bytes).decode()
        if path == "v1.0/robot/oToMessages/batchSend":
            users = body.get("userIds") or []
            if not users or len(users) > 20:
                return 400, {"code": "invalidParameter.userIds", "message": "userIds 为 1–20 个"}
            for user in users:
                self._deliver(("user", user), body)
            self.oto[key] = dict.fromkeys(users, 0.0)
            return 200, {
                "processQueryKey": key,
                "invalidStaffIdList": [],
                "flowControlledStaffIdList": [],
            }
        if path == "v1.0/robot/groupMessages/send":
            self._deliver(("group", body["openConversationId"]), body)
            return 200, {"processQueryKey": key}
        if path == "v1.0/card/instances/createAndDeliver":
            return self._card(body)
        if path == "v1.0/robot/messageFiles/download":
            code = body.get("downloadCode", "")
            if code not in self.files:
                return 400, {
                    "code": "invalidParameter.downloadCode",
                    "message": "downloadCode 无效",
                }
            return 200, {"downloadUrl": f"{self.base_url}/{code}"}
        return 404, {"code": "NotFound", "message": path}

    def read_status(self, robot_code: str, key: str) -> tuple[int, dict[str, Any]]:
        if robot_code != self.robot_code or key not in self.oto:
            return 400, {"code": "invalidParameter", "message": "processQueryKey 无效"}
        infos = [
            {
                "name": user,
                "userId": user,
                "readStatus": "READ" if at else "UNREAD",
                "readTimestamp": int(at * 1000),
            }
            for user, at in self.oto[key].items()
        ]
        return 200, {"sendStatus": "SUCCESS", "messageReadInfoList": infos}

    def mark_read(self, staff_id: str) -> None:
        """The user opens the robot's chat: every 1:1 message sent to them so far is read."""
        with self.lock:
            for readers in self.oto.values():
                if staff_id in readers and not readers[staff_id]:
                    readers[staff_id] = time.time()

    def _deliver(self, chat: Chat, body: dict[str, Any]) -> None:
        param = json.loads(body.get("msgParam") or "{}")
        text = param.get("text") or param.get("content") or ""
        media = param.get("photoURL") or param.get("mediaId")
        if media:  # a picture or a file: its name, and the media must have been uploaded
            text = self.media[media][0] if media in self.media else f"unknown media {media}"
        self.delivered.append(Delivered(chat, body.get("msgKey", ""), text, param.get("title", "")))

    def _card(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        space = body.get("openSpaceId", "")
        prefix = "dtv1.card//"
        kind, _, ident = space.removeprefix(prefix).partition(".")
        if not space.startswith(prefix) or kind not in ("IM_ROBOT", "IM_GROUP") or not ident:
            return 400, {"code": "invalidParameter.openSpaceId", "message": space}
        missing = [k for k in ("cardTemplateId", "outTrackId", "cardData") if not body.get(k)]
        if missing or body.get("callbackType") != "STREAM":
            return 400, {"code": "invalidParameter", "message": f"缺少 {missing} 或 callbackType"}
        params = body["cardData"].get("cardParamMap", {})
        buttons = [(b["text"], b["data"]) for b in json.loads(params.get("buttons") or "[]")]
        chat = ("user", ident) if kind == "IM_ROBOT" else ("group", ident)
        self.delivered.append(
            Delivered(
                chat,
                "card",
                params.get("markdown", ""),
                params.get("title", ""),
                buttons,
                body["outTrackId"],
            )
        )
        result = {"spaceType": kind, "spaceId": ident, "success": True}
        return 200, {
            "success": True,
            "result": {"outTrackId": body["outTrackId"], "deliverResults": [result]},
        }

    # -- driving the bot ------------------------------------------------------------------------
    def say(
        self,
        chat: Chat,
        text: str,
        *,
        staff_id: str | None = None,
        nick: str = "测试用户",
        title: str = "",
        message_id: str | None = None,
        quoting: Delivered | None = None,
    ) -> Frame:
        """A user writes to the robot (1:1, or in a group with an @-mention), ``quoting`` one
        of its messages."""
        data = bot_message(self.robot_code, self.base_url, chat, text, staff_id, nick, title)
        if quoting is not None:
            q = quote(quoting.kind, quoting.text, quoting.title, f"msg{uuid.uuid4().hex}")
            data["text"].update(q)
        if message_id:
            data["msgId"] = message_id
        return self.push(BOT_TOPIC, data, data["msgId"])

    def send_file(
        self, chat: Chat, name: str, data: bytes, *, staff_id: str | None = None
    ) -> Frame:
        """A user sends a file to the robot: the message carries a downloadCode, which
        ``messageFiles/download`` turns into a URL of this server."""
        code = f"dl{uuid.uuid4().hex[:12]}"
        with self.lock:
            self.files[code] = data
        body = bot_message(self.robot_code, self.base_url, chat, "", staff_id, "测试用户", "")
        body.pop("text")
        body.update(msgtype="file", content={"downloadCode": code, "fileName": name})
        return self.push(BOT_TOPIC, body, body["msgId"])

    def click(self, delivered: Delivered, data: str, *, staff_id: str | None = None) -> Frame:
        """A user presses a card's button (its callback params carry ``data``)."""
        body = card_click(delivered.chat, delivered.out_track_id, data, staff_id)
        return self.push(CARD_TOPIC, body, uuid.uuid4().hex)

    def push(self, topic: str, data: dict[str, Any], message_id: str) -> Frame:
        frame = Frame(message_id, "CALLBACK", topic, data)
        self._run(push_frame(self, frame))
        return frame

    def ping(self) -> Frame:
        frame = Frame(uuid.uuid4().hex, "SYSTEM", "ping", {"opaque": uuid.uuid4().hex})
        self._run(push_frame(self, frame))
        return frame

    def disconnect(self) -> None:
        """DingTalk's orderly goodbye: SYSTEM ``disconnect``, then the close."""
        self._run(disconnect(self, self.disconnect_grace))

    def drop(self) -> None:
        """Cut every connection without a goodbye."""

        async def cut() -> None:
            for s in list(self.sockets):
                s.drop()

        self._run(cut())

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, 0.0)

    def fail_next(self, path: str, status: int, body: dict[str, Any]) -> None:
        """Answer the next call to ``path`` (no leading slash) with ``status`` and ``body``."""
        with self.lock:
            self.faults[path] = (status, body)

    # -- reading ------------------------------------------------------------------------------------
    def messages(self, chat: Chat) -> list[Delivered]:
        with self.lock:
            return [d for d in self.delivered if d.chat == chat]

    def calls_to(self, path: str) -> list[dict[str, Any]]:
        with self.lock:
            return [b for _m, p, b in self.calls if p == path]

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> bool:  # noqa: ANN401
        deadline = time.monotonic() + timeout
        with self.lock:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.changed.wait(min(remaining, 0.05))
        return True

    async def wait_async(self, predicate: Any, timeout: float = 10.0) -> bool:  # noqa: ANN401
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.01)
        return True
