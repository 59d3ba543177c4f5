"""The DingTalk OpenAPI calls the robot makes, over plain httpx, with the access token cached.

Why httpx rather than the generated ``alibabacloud-dingtalk`` client: the robot needs five
calls (token, 1:1 and group messages, cards, message files), all ``POST`` of small JSON bodies;
the generated client adds a Tea runtime and one request class per call, is synchronous, and
hides the HTTP status and ``code`` the delivery outcomes are decided from
(:mod:`bot.channels.dingtalk.channel`). httpx is async, already a dependency (PTB), and a
base URL pointed at a local fake is all the tests need.

The token (``POST /v1.0/oauth2/accessToken`` → ``{accessToken, expireIn: 7200}``) is kept
until :data:`REFRESH_MARGIN` before it expires, fetched once for concurrent callers, and
dropped when a call is answered 401 (the call is then retried once with a fresh token).
Secrets never reach a log line: errors carry DingTalk's ``code`` and ``message`` only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.dingtalk.com"
DEFAULT_OAPI_URL = "https://oapi.dingtalk.com"  # the older API, where media are uploaded
REFRESH_MARGIN = 300.0  # seconds before expiry a token is renewed (the SDK keeps 5 minutes too)
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class DingTalkApiError(Exception):
    """A call DingTalk refused or that failed on the way: HTTP status (0 when the request
    never got an answer), DingTalk's error code and message; ``sent`` tells whether the
    request may have reached DingTalk (a time-out after sending)."""

    def __init__(self, status: int, code: str, message: str, *, sent: bool = True) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.sent = status, code, message, sent


@dataclass
class Token:
    value: str
    expires_at: float  # in the cache's clock


class OpenApi:
    """``post(path, body)`` with the access token; see the module's docstring."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        oapi_url: str = DEFAULT_OAPI_URL,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.client_id = client_id
        self._secret = client_secret
        self.base_url = base_url.rstrip("/")
        self.oapi_url = oapi_url.rstrip("/")
        self.clock = clock
        self._token: Token | None = None
        self._lock = asyncio.Lock()
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=TIMEOUT, transport=transport)
        self.tokens_fetched = 0

    async def aclose(self) -> None:
        await self._http.aclose()

    async def token(self) -> str:
        token = self._token
        if token is not None and self.clock() < token.expires_at - REFRESH_MARGIN:
            return token.value
        async with self._lock:  # one fetch for everyone waiting
            token = self._token
            if token is not None and self.clock() < token.expires_at - REFRESH_MARGIN:
                return token.value
            body = {"appKey": self.client_id, "appSecret": self._secret}
            answer = await self._post("/v1.0/oauth2/accessToken", body, None)
            self._token = Token(
                str(answer["accessToken"]), self.clock() + float(answer["expireIn"])
            )
            self.tokens_fetched += 1
            log.info("DingTalk access token renewed (valid %ss)", answer["expireIn"])
            return self._token.value

    def forget_token(self) -> None:
        self._token = None

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """Call ``path`` with the token; a 401 drops the token and retries once."""
        return await self._with_token("POST", path, body=body)

    async def get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        """``GET path?params`` with the token (a query such as a message's read status)."""
        return await self._with_token("GET", path, params=params)

    async def _with_token(self, method: str, path: str, **request: Any) -> dict[str, Any]:  # noqa: ANN401
        for attempt in (1, 2):
            token = await self.token()
            try:
                return await self._request(method, path, token, **request)
            except DingTalkApiError as exc:
                if exc.status != 401 or attempt == 2:
                    raise
                self.forget_token()
        raise AssertionError("unreachable")

    async def _post(self, path: str, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        return await self._request("POST", path, token, body=body)

    async def _request(
        self,
        method: str,
        path: str,
        token: str | None,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        headers = {"x-acs-dingtalk-access-token": token} if token else {}
        try:
            response = await self._http.request(
                method, path, json=body, params=params, headers=headers
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise DingTalkApiError(0, type(exc).__name__, "请求未发出", sent=False) from exc
        except httpx.HTTPError as exc:  # read/write time-out, connection lost after sending
            raise DingTalkApiError(0, type(exc).__name__, "请求结果未知") from exc
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code >= 400 or not isinstance(answer, dict):
            answer = answer if isinstance(answer, dict) else {}
            raise DingTalkApiError(
                response.status_code, str(answer.get("code", "")), str(answer.get("message", ""))
            )
        return answer

    async def upload(self, data: bytes, filename: str, kind: str) -> str:
        """Upload a file (``kind`` image or file) for a robot message; returns its media id.
        ``POST oapi …/media/upload?access_token=…`` (multipart), as the SDK's
        ``upload_to_dingtalk``: the newer API has no media upload. The URL carries the token,
        so httpx's request log stays at WARNING (``fazhi run`` sets it)."""
        for attempt in (1, 2):
            token = await self.token()
            try:
                response = await self._http.post(
                    f"{self.oapi_url}/media/upload",
                    params={"access_token": token},
                    data={"type": kind},
                    files={"media": (filename, data)},
                )
            except httpx.HTTPError as exc:
                raise DingTalkApiError(0, type(exc).__name__, "上传失败") from exc
            answer = response.json() if response.content else {}
            if answer.get("errcode") in (40014, 42001) and attempt == 1:  # bad or expired token
                self.forget_token()
                continue
            if response.status_code >= 400 or answer.get("errcode", 0) != 0:
                code = str(answer.get("errcode", response.status_code))
                raise DingTalkApiError(response.status_code, code, str(answer.get("errmsg", "")))
            return str(answer["media_id"])
        raise AssertionError("unreachable")

    async def download(self, url: str) -> bytes:
        """A message file's bytes from the URL ``messageFiles/download`` gave."""
        response = await self._http.get(url)
        response.raise_for_status()
        return response.content
