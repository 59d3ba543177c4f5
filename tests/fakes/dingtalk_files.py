"""The fake DingTalk's media upload (:mod:`tests.fakes.dingtalk`): ``POST
/media/upload?access_token=…`` of the older API (``oapi.dingtalk.com``), as the SDK's
``upload_to_dingtalk`` calls it: multipart ``type`` and ``media``, answered ``{errcode: 0,
media_id}``; a bad token is ``errcode`` 40014."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

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
