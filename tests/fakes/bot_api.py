"""A fake Telegram Bot API HTTP server on 127.0.0.1, for tests and benchmarks.

The real python-telegram-bot talks to it over loopback: point ``base_url`` at
:attr:`FakeBotApi.base_url` (``http://127.0.0.1:PORT/bot``; PTB appends ``<token>/<method>``).
The server runs a tornado application on its own event loop in a background thread, so sync
tests, async tests and benchmarks can all drive it. Tests

- push updates that the bot then fetches with ``getUpdates`` (long polling with offsets):
  :meth:`inject_text`, :meth:`inject_command`, :meth:`inject_callback_query`,
  :meth:`inject_document`, :meth:`inject_photo`, :meth:`inject_update`;
- read what the bot did: :attr:`calls` (every request), :meth:`messages` (what reached a chat);
- inject faults: :meth:`add_fault`, :meth:`block_chat`, :meth:`migrate_chat`,
  :meth:`set_chaos`; and enforce Telegram's flood limits with :class:`RateLimits`
  (violations are answered 429 and counted in :attr:`violations`).

Everything the test thread reads is guarded by one lock; the waiting helpers come in a sync
(:meth:`wait_for`) and an async (:meth:`wait_for_async`) flavour, the latter for tests whose
event loop also runs the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from tests.fakes.bot_api_faults import (
    SEND_METHODS,
    Chaos,
    Fault,
    FaultPlan,
    RateEnforcer,
    RateLimits,
    Violation,
)
from tests.fakes.bot_api_objects import (
    JsonDict,
    chat_type_for,
    command_entities,
    make_chat,
    make_document,
    make_message,
    make_photo_sizes,
    make_user,
)

DEFAULT_TOKEN = "123456:TEST"

# Parameters that PTB sends JSON-encoded inside form fields.
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "media",
        "results",
        "message_ids",
        "reaction",
        "options",
    }
)
_INT_PARAMS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "message_thread_id",
        "cache_time",
    }
)


token_client: contextvars.ContextVar[str] = contextvars.ContextVar("client", default="")


@dataclass
class ApiCall:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    chat_id: int | str | None
    at: float  # time.monotonic() on arrival
    status: int = 200
    files: dict[str, bytes] = field(default_factory=dict)
    client: str = ""  # the tag of ``base_url_for(tag)``, "" for ``base_url``
    # time.time() on arrival: comparable with epoch times other processes wrote (the shared
    # send budget's pause), since every process on the machine reads the same clock
    wall: float = field(default_factory=time.time)


@dataclass
class DeliveredMessage:
    """A message that reached a chat (the server answered it with success)."""

    chat_id: int
    message_id: int
    method: str
    text: str | None
    params: dict[str, Any]
    at: float
    payload: JsonDict  # the Message object the server answered with


def _decode(name: str, raw: str) -> Any:
    if name in _JSON_PARAMS:
        with contextlib.suppress(ValueError):
            return json.loads(raw)
    if name in _INT_PARAMS:
        with contextlib.suppress(ValueError):
            return int(raw)
    if raw in ("true", "false") and name.startswith(("disable_", "protect_", "show_", "drop_")):
        return raw == "true"
    return raw


class _Handler(tornado.web.RequestHandler):
    """Routes ``/bot<token>/<method>`` to :meth:`FakeBotApi._dispatch`."""

    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    def check_xsrf_cookie(self) -> None:  # an API, not a web form
        return None

    async def get(self, token: str, method: str) -> None:
        await self.post(token, method)

    client = ""

    async def post(self, token: str, method: str) -> None:
        token_client.set(self.client)
        request = self.request
        params: dict[str, Any] = {}
        content_type = request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and request.body:
            params.update(json.loads(request.body))
        for name, values in request.arguments.items():
            params[name] = _decode(name, values[-1].decode())
        files = {name: parts[0].body for name, parts in request.files.items()}
        for name, parts in request.files.items():
            params.setdefault(name, {"filename": parts[0].filename, "size": len(parts[0].body)})
        half_trip = self.api.latency / 2
        if half_trip:
            await asyncio.sleep(half_trip)
        if token != self.api.token:
            status, body = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        else:
            status, body = await self.api._dispatch(method, params, files)
        if half_trip:
            await asyncio.sleep(half_trip)
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, ensure_ascii=False))


class _TaggedHandler(_Handler):
    async def get(self, client: str, token: str, method: str) -> None:  # type: ignore[override]
        await self.post(client, token, method)

    async def post(self, client: str, token: str, method: str) -> None:  # type: ignore[override]
        self.client = client
        await super().post(token, method)


class _FileHandler(tornado.web.RequestHandler):
    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    def get(self, token: str, path: str) -> None:
        content = self.api._files_by_path.get(path)
        if token != self.api.token or content is None:
            self.set_status(404)
            self.finish(b"")
            return
        self.finish(content)


class FakeBotApi:
    """The fake server. Use as a context manager, or :meth:`start` / :meth:`stop`."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        limits: RateLimits | None = None,
        bot_username: str = "fazhi_test_bot",
        latency: float = 0.0,
    ) -> None:
        self.token = token
        # seconds of network round trip added to every request: half before it is handled
        # (its arrival), half before the answer leaves, as over a real network
        self.latency = latency
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.port: int | None = None
        self.faults = FaultPlan()
        self._enforcer = RateEnforcer(limits) if limits else None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._calls: list[ApiCall] = []
        self._delivered: list[DeliveredMessage] = []
        self._stored: dict[tuple[int, int], JsonDict] = {}  # (chat, message id) → message
        self._pending_updates: list[JsonDict] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._file_ids = itertools.count(1)
        self._files_by_path: dict[str, bytes] = {}
        self._file_paths: dict[str, str] = {}
        self._chat_types: dict[int, str] = {}
        self.commands: dict[str, list[JsonDict]] = {}  # scope+language key → commands
        self.webhook_url: str = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop_event: asyncio.Event | None = None
        self._updates_event: asyncio.Event | None = None
        self._closing = False

    # ----------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        """The value for PTB's ``base_url`` (PTB appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    def base_url_for(self, client: str) -> str:
        """``base_url`` under a tag: the calls made through it carry ``client=tag``."""
        return f"http://127.0.0.1:{self.port}/c/{client}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def start(self) -> FakeBotApi:
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                loop.run_until_complete(self._serve(sockets, ready))
            except BaseException as exc:  # surfaced to start() if it fails early
                failure.append(exc)
                ready.set()
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name=f"fake-bot-api-{self.port}", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise RuntimeError("fake Bot API server failed to start") from failure[0]
        return self

    async def _serve(self, sockets: list[Any], ready: threading.Event) -> None:
        self._stop_event = asyncio.Event()
        self._updates_event = asyncio.Event()
        app = tornado.web.Application(
            [
                (r"/bot([^/]+)/(\w+)", _Handler, {"api": self}),
                # the same API under a client tag: ``base_url_for(tag)``, so a test can tell
                # several bot processes apart (``ApiCall.client``)
                (r"/c/([\w-]+)/bot([^/]+)/(\w+)", _TaggedHandler, {"api": self}),
                (r"/file/bot([^/]+)/(.+)", _FileHandler, {"api": self}),
            ],
            log_function=lambda handler: None,  # 429s and 403s are expected, not noise
        )
        server = tornado.httpserver.HTTPServer(app)
        server.add_sockets(sockets)
        ready.set()
        await self._stop_event.wait()
        server.stop()
        await server.close_all_connections()
        # Requests still sleeping (slow faults, long polls) end with the server.
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        loop = self._loop

        def shutdown() -> None:
            self._closing = True
            assert self._updates_event is not None and self._stop_event is not None
            self._updates_event.set()  # release long polls
            self._stop_event.set()

        with contextlib.suppress(RuntimeError):  # loop already closed
            loop.call_soon_threadsafe(shutdown)
        self._thread.join(10)
        self._thread = None

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ----------------------------------------------------------------- injecting updates

    def register_chat(self, chat_id: int, chat_type: str) -> None:
        """Declare a chat's type when its id's sign is not enough (e.g. a channel)."""
        with self._lock:
            self._chat_types[chat_id] = chat_type

    def _chat(self, chat_id: int, chat_type: str | None = None) -> JsonDict:
        with self._lock:
            if chat_type:
                self._chat_types[chat_id] = chat_type
            known = self._chat_types.get(chat_id)
        return make_chat(chat_id, known)

    def inject_update(self, payload: JsonDict) -> JsonDict:
        """Queue a raw update (``update_id`` is assigned) for the bot's next getUpdates."""
        with self._lock:
            update = {"update_id": next(self._update_ids), **payload}
            self._pending_updates.append(update)
        self._wake_pollers()
        return update

    def _next_message_id(self, chat_id: int) -> int:
        with self._lock:
            counter = self._message_ids.setdefault(chat_id, itertools.count(1))
            return next(counter)

    def _user_message(
        self,
        chat_id: int,
        *,
        user_id: int | None,
        chat_type: str | None,
        text: str | None = None,
        entities: list[JsonDict] | None = None,
        **extra: Any,
    ) -> JsonDict:
        chat = self._chat(chat_id, chat_type)
        sender = make_user(user_id if user_id is not None else abs(chat_id))
        return make_message(
            message_id=self._next_message_id(chat_id),
            chat=chat,
            sender=sender,
            text=text,
            entities=entities,
            **extra,
        )

    def inject_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> JsonDict:
        """A user's text message. In a private chat the user id defaults to the chat id."""
        extra: dict[str, Any] = {}
        if reply_to_message_id is not None:
            with self._lock:
                replied = self._stored.get((chat_id, reply_to_message_id))
            extra["reply_to_message"] = replied or make_message(
                message_id=reply_to_message_id,
                chat=self._chat(chat_id),
                sender=self._bot_user(),
                text="",
            )
        message = self._user_message(
            chat_id,
            user_id=user_id,
            chat_type=chat_type,
            text=text,
            entities=command_entities(text),
            **extra,
        )
        with self._lock:  # a later message may reply to this one (its author included)
            self._stored[(chat_id, message["message_id"])] = message
        return self.inject_update({"message": message})

    def inject_command(
        self,
        chat_id: int,
        command: str,
        args: str = "",
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        mention_bot: bool = False,
    ) -> JsonDict:
        """``/command args`` (``/command@bot args`` with ``mention_bot``, as in groups)."""
        name = command.lstrip("/")
        text = f"/{name}@{self.bot_username}" if mention_bot else f"/{name}"
        if args:
            text = f"{text} {args}"
        return self.inject_text(chat_id, text, user_id=user_id, chat_type=chat_type)

    def inject_callback_query(
        self,
        chat_id: int,
        data: str,
        *,
        message_id: int | None = None,
        user_id: int | None = None,
    ) -> JsonDict:
        """A button tap on the bot's message ``message_id`` (default: its last one in the chat)."""
        with self._lock:
            if message_id is None:
                mine = [m for m in self._delivered if m.chat_id == chat_id]
                message_id = mine[-1].message_id if mine else 1
            message = self._stored.get((chat_id, message_id))
        if message is None:
            message = make_message(
                message_id=message_id, chat=self._chat(chat_id), sender=self._bot_user(), text=""
            )
        query = {
            "id": f"cq{next(self._file_ids)}",
            "from": make_user(user_id if user_id is not None else abs(chat_id)),
            "message": message,
            "chat_instance": f"ci{chat_id}",
            "data": data,
        }
        return self.inject_update({"callback_query": query})

    def _store_file(self, content: bytes, suffix: str) -> str:
        file_id = f"F{next(self._file_ids)}"
        path = f"documents/{file_id}{suffix}"
        with self._lock:
            self._files_by_path[path] = content
            self._file_paths[file_id] = path
        return file_id

    def inject_document(
        self,
        chat_id: int,
        file_name: str = "证明材料.pdf",
        content: bytes = b"%PDF-1.4 fake",
        *,
        mime_type: str = "application/pdf",
        caption: str | None = None,
        user_id: int | None = None,
        chat_type: str | None = None,
    ) -> JsonDict:
        """A user's document; its bytes can be fetched through getFile and the file URL."""
        suffix = "." + file_name.rsplit(".", 1)[-1] if "." in file_name else ""
        file_id = self._store_file(content, suffix)
        document = make_document(
            file_id, file_name=file_name, mime_type=mime_type, size=len(content)
        )
        message = self._user_message(
            chat_id, user_id=user_id, chat_type=chat_type, document=document, caption=caption
        )
        return self.inject_update({"message": message})

    def inject_photo(
        self,
        chat_id: int,
        content: bytes = b"\x89PNG fake",
        *,
        caption: str | None = None,
        user_id: int | None = None,
        chat_type: str | None = None,
    ) -> JsonDict:
        file_id = self._store_file(content, ".jpg")
        photo = make_photo_sizes(file_id, size=len(content))
        message = self._user_message(
            chat_id, user_id=user_id, chat_type=chat_type, photo=photo, caption=caption
        )
        return self.inject_update({"message": message})

    def _wake_pollers(self) -> None:
        loop, event = self._loop, self._updates_event
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):  # server stopped
                loop.call_soon_threadsafe(event.set)

    # ----------------------------------------------------------------- faults

    def add_fault(
        self,
        fault: Fault,
        *,
        chat_id: int | None = None,
        method: str | None = None,
        times: int | None = 1,
    ) -> None:
        """Answer the next ``times`` matching requests (None: all) with ``fault``.

        ``method`` None matches every message-sending method (sendMessage, sendDocument…).
        """
        self.faults.add(fault, chat_id=chat_id, method=method, times=times)

    def block_chat(
        self, chat_id: int, description: str = "Forbidden: bot was blocked by the user"
    ) -> None:
        """From now on, answer 403 to anything addressed to the chat."""
        self.faults.block(chat_id, description)

    def migrate_chat(self, chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup: the old id answers 400 with migrate_to_chat_id."""
        self.faults.migrate(chat_id, new_chat_id)
        self.register_chat(new_chat_id, "supergroup")

    def set_chaos(self, seed: int, **rates: Any) -> Chaos:
        """Seeded random faults per chat and attempt; see :class:`Chaos` for the rates."""
        chaos = Chaos(seed=seed, **rates)
        self.faults.set_chaos(chaos)
        return chaos

    def is_blocked(self, chat_id: int) -> bool:
        return self.faults.is_blocked(chat_id)

    def set_limits(self, limits: RateLimits | None) -> None:
        """Turn flood-limit enforcement on (or off with None); resets the counted violations."""
        self._enforcer = RateEnforcer(limits) if limits else None

    @property
    def violations(self) -> list[Violation]:
        enforcer = self._enforcer
        return list(enforcer.violations) if enforcer else []

    # ----------------------------------------------------------------- records

    @property
    def calls(self) -> list[ApiCall]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str | None = None, chat_id: int | None = None) -> list[ApiCall]:
        with self._lock:
            return [
                call
                for call in self._calls
                if (method is None or call.method == method)
                and (chat_id is None or call.chat_id == chat_id)
            ]

    def messages(self, chat_id: int | None = None) -> list[DeliveredMessage]:
        """Messages that reached chats (successful sends), in arrival order."""
        with self._lock:
            return [m for m in self._delivered if chat_id is None or m.chat_id == chat_id]

    @property
    def delivered_count(self) -> int:
        """How many messages reached chats so far (cheap: for polling loops in benchmarks)."""
        with self._lock:
            return len(self._delivered)

    def message_counts(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for message in self.messages():
            counts[message.chat_id] = counts.get(message.chat_id, 0) + 1
        return counts

    def stored_message(self, chat_id: int, message_id: int) -> JsonDict | None:
        """The current state of a bot message (after edits)."""
        with self._lock:
            return self._stored.get((chat_id, message_id))

    @property
    def pending_updates(self) -> int:
        with self._lock:
            return len(self._pending_updates)

    def reset_records(self) -> None:
        with self._lock:
            self._calls.clear()
            self._delivered.clear()

    def wait_for(self, predicate: Callable[[FakeBotApi], bool], timeout: float = 120.0) -> bool:
        """Block the calling thread until ``predicate(self)`` holds; False on time-out."""
        deadline = time.monotonic() + timeout
        while not predicate(self):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._changed:  # woken by each recorded call; the time-out covers races
                self._changed.wait(min(remaining, 0.05))
        return True

    async def wait_for_async(
        self, predicate: Callable[[FakeBotApi], bool], timeout: float = 120.0
    ) -> bool:
        """Like :meth:`wait_for`, without blocking the caller's event loop."""
        deadline = time.monotonic() + timeout
        while not predicate(self):
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.005)
        return True

    # ----------------------------------------------------------------- the API

    def _bot_user(self) -> JsonDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "法治助手（测试）",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _record(self, call: ApiCall) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    async def _dispatch(
        self, method: str, params: dict[str, Any], files: dict[str, bytes]
    ) -> tuple[int, JsonDict]:
        chat_id = params.get("chat_id")
        call = ApiCall(
            method, params, chat_id, time.monotonic(), files=files, client=token_client.get()
        )
        numeric_chat = chat_id if isinstance(chat_id, int) else None
        fault = self.faults.take(method, numeric_chat)
        if fault is not None and fault.is_error:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            call.status = fault.status
            self._record(call)
            return fault.status, fault.body()
        if self._enforcer is not None and method in SEND_METHODS and numeric_chat is not None:
            violation = self._enforcer.check(numeric_chat, self._is_group(numeric_chat), call.at)
            if violation is not None:
                call.status = 429
                self._record(call)
                return 429, Fault.retry_after(violation.retry_after).body()
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            result: Any = True  # generic fallback: ok, true
        elif method == "getUpdates":
            result = await self._api_getUpdates(params)
        else:
            result = handler(params, files)
        if isinstance(result, tuple):  # (status, error body) from a handler
            call.status = result[0]
            self._record(call)
            return result
        self._record(call)
        if fault is not None and fault.hold is not None:  # delivered; answered when released
            await asyncio.to_thread(fault.hold.wait, fault.delay or None)
        elif fault is not None and fault.delay:  # delivered; the answer comes late
            await asyncio.sleep(fault.delay)
        return 200, {"ok": True, "result": result}

    def _is_group(self, chat_id: int) -> bool:
        with self._lock:
            chat_type = self._chat_types.get(chat_id)
        return (chat_type or chat_type_for(chat_id)) in ("group", "supergroup")

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook_url:
            return 409, {
                "ok": False,
                "error_code": 409,
                "description": "Conflict: can't use getUpdates method while webhook is active",
            }
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        event = self._updates_event
        assert event is not None
        while True:
            with self._lock:
                if offset > 0:  # confirms (forgets) every update below the offset
                    self._pending_updates = [
                        u for u in self._pending_updates if u["update_id"] >= offset
                    ]
                    ready = self._pending_updates[:limit]
                elif offset < 0:
                    ready = self._pending_updates[offset:][:limit]
                else:
                    ready = self._pending_updates[:limit]
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0 or self._closing:
                return ready
            event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _api_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self._bot_user()

    def _deliver(self, method: str, params: dict[str, Any], **content: Any) -> Any:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: chat not found",
            }
        message = make_message(
            message_id=self._next_message_id(chat_id),
            chat=self._chat(chat_id),
            sender=self._bot_user(),
            reply_markup=params.get("reply_markup"),
            **content,
        )
        delivered = DeliveredMessage(
            chat_id=chat_id,
            message_id=message["message_id"],
            method=method,
            text=content.get("text", content.get("caption")),
            params=params,
            at=time.monotonic(),
            payload=message,
        )
        with self._lock:
            self._stored[(chat_id, message["message_id"])] = message
            self._delivered.append(delivered)
        return message

    def _api_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        text = params.get("text")
        if not text:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: message text is empty",
            }
        if len(text) > 4096:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: message is too long",
            }
        return self._deliver("sendMessage", params, text=text, entities=params.get("entities"))

    def _uploaded(
        self, field_name: str, params: dict[str, Any], files: dict[str, bytes]
    ) -> tuple[str, int, str]:
        """(file id, size, file name) of an uploaded file or a re-sent file id."""
        value = params.get(field_name)
        if field_name in files:
            content = files[field_name]
            name = value.get("filename") if isinstance(value, dict) else None
            name = name or field_name
            suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
            return self._store_file(content, suffix), len(content), name
        if isinstance(value, str) and value.startswith("attach://"):
            attached = value.removeprefix("attach://")
            return self._uploaded(attached, params, files)
        return str(value), 0, str(value)

    def _api_sendDocument(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        file_id, size, name = self._uploaded("document", params, files)
        document = make_document(
            file_id, file_name=name, mime_type="application/octet-stream", size=size
        )
        return self._deliver(
            "sendDocument", params, document=document, caption=params.get("caption")
        )

    def _api_sendPhoto(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        file_id, size, _ = self._uploaded("photo", params, files)
        photo = make_photo_sizes(file_id, size=size)
        return self._deliver("sendPhoto", params, photo=photo, caption=params.get("caption"))

    def _edit(self, params: dict[str, Any], **changes: Any) -> Any:
        if "inline_message_id" in params:
            return True
        key = (params.get("chat_id"), params.get("message_id"))
        with self._lock:
            message = self._stored.get(key)  # type: ignore[arg-type]
            if message is None:
                return 400, {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: message to edit not found",
                }
            updated = {**message, **{k: v for k, v in changes.items() if v is not None}}
            if changes.get("reply_markup") is None:
                updated.pop("reply_markup", None)
            if updated == message:
                return 400, {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: message is not modified",
                }
            updated["edit_date"] = int(time.time())
            self._stored[key] = updated  # type: ignore[index]
        return updated

    def _api_editMessageText(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self._edit(params, text=params.get("text"), reply_markup=params.get("reply_markup"))

    def _api_editMessageReplyMarkup(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self._edit(params, reply_markup=params.get("reply_markup"))

    def _api_deleteMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        with self._lock:
            self._stored.pop((params.get("chat_id"), params.get("message_id")), None)  # type: ignore[arg-type]
        return True

    def _commands_key(self, params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code", "")], sort_keys=True)

    def _api_setMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.commands[self._commands_key(params)] = list(params.get("commands") or [])
        return True

    def _api_getMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self.commands.get(self._commands_key(params), [])

    def _api_deleteMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.commands.pop(self._commands_key(params), None)
        return True

    def _api_setWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook_url = str(params.get("url") or "")
        return True

    def _api_deleteWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            with self._lock:
                self._pending_updates.clear()
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        with self._lock:
            pending = len(self._pending_updates)
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": pending,
        }

    def _api_getFile(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        file_id = str(params.get("file_id"))
        with self._lock:
            path = self._file_paths.get(file_id)
            size = len(self._files_by_path[path]) if path else 0
        if path is None:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: invalid file_id",
            }
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": size,
            "file_path": path,
        }

    def _api_getChat(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: chat not found",
            }
        chat = self._chat(chat_id)
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11}
