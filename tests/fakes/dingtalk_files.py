"""The fake DingTalk's HTTP handlers (:mod:`tests.fakes.dingtalk` holds the state and the
answers): the OpenAPI's JSON calls (token check, QPS limit, injected faults, latency), file
downloads, and the media upload ``POST /media/upload?access_token=…`` of the older API
(``oapi.dingtalk.com``), as the SDK's ``upload_to_dingtalk`` calls it: multipart ``type`` and
``media``, answered ``{errcode: 0, media_id}``; a bad token is ``errcode`` 40014."""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING, Any

import tornado.web

if TYPE_CHECKING:
    from tests.fakes.dingtalk import FakeDingTalk


class Upload(tornado.web.RequestHandler):
    """``POST /media/upload?access_token=…`` (the older API), multipart ``type`` + ``media``."""

    def initialize(self, fake: FakeDingTalk) -> None:
        self.fake = fake

    def post(self) -> None:
        fake = self.fake
        with fake.lock:
            token = self.get_query_argument("access_token", "")
            files = self.request.files.get("media") or []
            fake.record("POST", "/media/upload", {"type": self.get_body_argument("type", "")})
            if fake.tokens.get(token, 0.0) <= time.time():
                self.finish({"errcode": 40014, "errmsg": "不合法的access_token"})
                return
            if not files:
                self.finish({"errcode": 40004, "errmsg": "缺少media"})
                return
            media_id = f"@media{len(fake.media) + 1}"
            fake.media[media_id] = (files[0].filename, files[0].body)
        self.finish({"errcode": 0, "errmsg": "ok", "media_id": media_id, "type": "file"})


class Api(tornado.web.RequestHandler):
    def initialize(self, fake: FakeDingTalk) -> None:
        self.fake = fake

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        self.set_status(status)
        self.finish(body)

    async def post(self, path: str) -> None:
        fake = self.fake
        body = json.loads(self.request.body or b"{}")
        if fake.latency:
            await asyncio.sleep(fake.latency)
        with fake.lock:
            fake.record("POST", "/" + path, body)
            fault = fake.faults.pop(path, None) if path in fake.faults else None
            if fault is not None:
                status, answer = fault
                self._answer(status, answer)
                return
            if path == "v1.0/oauth2/accessToken":
                self._answer(*fake.issue_token(body))
                return
            token = self.request.headers.get("x-acs-dingtalk-access-token", "")
            if fake.tokens.get(token, 0.0) <= time.time():
                fake.rejected_tokens += 1
                self._answer(
                    401, {"code": "InvalidAuthentication", "message": "不合法的access_token"}
                )
                return
            if not fake.within_qps():
                fake.throttled += 1
                self._answer(
                    429, {"code": "Forbidden.AccessDenied.QpsLimitForApi", "message": "超过QPS限制"}
                )
                return
            self._answer(*fake.handle(path, body))

    def get(self, path: str) -> None:  # a message file's download URL, or a read status
        if path == "v1.0/robot/oToMessages/readStatus":
            self._read_status()
            return
        data = self.fake.files.get(path)
        if data is None:
            self._answer(404, {"code": "NotFound"})
            return
        self.finish(data)

    def _read_status(self) -> None:
        fake = self.fake
        with fake.lock:
            query = {k: self.get_query_argument(k, "") for k in ("robotCode", "processQueryKey")}
            fake.record("GET", "/v1.0/robot/oToMessages/readStatus", query)
            token = self.request.headers.get("x-acs-dingtalk-access-token", "")
            if fake.tokens.get(token, 0.0) <= time.time():
                fake.rejected_tokens += 1
                self._answer(
                    401, {"code": "InvalidAuthentication", "message": "不合法的access_token"}
                )
                return
            self._answer(*fake.read_status(query["robotCode"], query["processQueryKey"]))
