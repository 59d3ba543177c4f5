"""The fake DingTalk against the real ``dingtalk-stream`` SDK and plain HTTP: what the
adapter's tests rely on (tickets, frames and acks, ping, re-push after a drop, tokens)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import dingtalk_stream
import httpx
import pytest
from dingtalk_stream import AckMessage, CallbackMessage, ChatbotMessage

from tests.fakes.dingtalk import CLIENT_ID, CLIENT_SECRET, FakeDingTalk


@pytest.fixture
def fake() -> Iterator[FakeDingTalk]:
    with FakeDingTalk() as server:
        yield server


class Recorder(dingtalk_stream.CallbackHandler):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    async def process(self, message: CallbackMessage) -> tuple[int, str]:
        self.texts.append(ChatbotMessage.from_dict(message.data).text.content)
        return AckMessage.STATUS_OK, "OK"


@pytest.fixture
async def sdk(
    fake: FakeDingTalk, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[dingtalk_stream.DingTalkStreamClient, Recorder]]:
    # the SDK reads the gateway's URL from this class attribute (by class name)
    monkeypatch.setattr(
        dingtalk_stream.DingTalkStreamClient, "OPEN_CONNECTION_API", fake.gateway_url
    )
    monkeypatch.setattr(
        dingtalk_stream.DingTalkStreamClient, "get_host_ip", lambda self: "127.0.0.1"
    )
    client = dingtalk_stream.DingTalkStreamClient(
        dingtalk_stream.Credential(CLIENT_ID, CLIENT_SECRET)
    )
    recorder = Recorder()
    client.register_callback_handler(ChatbotMessage.TOPIC, recorder)
    task = asyncio.create_task(client.start())
    assert await fake.wait_async(lambda: fake.connections == 1)
    yield client, recorder
    await client.stop()
    await asyncio.wait_for(task, 10)


async def test_a_message_is_delivered_and_acknowledged(fake: FakeDingTalk, sdk) -> None:  # noqa: ANN001
    _client, recorder = sdk
    assert fake.subscriptions == [{"type": "CALLBACK", "topic": ChatbotMessage.TOPIC}]
    frame = await asyncio.to_thread(fake.say, ("user", "u1"), "你好")
    assert await fake.wait_async(lambda: frame.acked)
    assert recorder.texts == ["你好"]
    assert frame.acks[0]["headers"]["messageId"] == frame.message_id


async def test_ping_is_echoed_with_its_opaque(fake: FakeDingTalk, sdk) -> None:  # noqa: ANN001
    frame = await asyncio.to_thread(fake.ping)
    assert await fake.wait_async(lambda: bool(frame.acks))
    assert json.loads(frame.acks[0]["data"])["opaque"] == frame.data["opaque"]


async def test_after_a_drop_the_client_reconnects_with_a_fresh_ticket(
    fake: FakeDingTalk, sdk
) -> None:  # noqa: ANN001
    _client, recorder = sdk
    await asyncio.to_thread(fake.drop)
    frame = await asyncio.to_thread(fake.say, ("user", "u1"), "断线期间")  # nobody listens
    assert await fake.wait_async(lambda: fake.connections == 2 and frame.acked, timeout=20)
    assert recorder.texts == ["断线期间"]
    assert len(fake.calls_to("/v1.0/gateway/connections/open")) == 2


async def test_disconnect_then_reconnect(fake: FakeDingTalk, sdk) -> None:  # noqa: ANN001
    await asyncio.to_thread(fake.disconnect)
    assert await fake.wait_async(lambda: fake.connections == 2, timeout=20)


def test_a_ticket_is_good_once(fake: FakeDingTalk) -> None:
    body = {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "subscriptions": []}
    opened = httpx.post(fake.gateway_url, json=body).json()
    from websockets.sync.client import connect

    with connect(f"{opened['endpoint']}?ticket={opened['ticket']}") as ws:
        assert ws.protocol.state.name == "OPEN"
    with pytest.raises(Exception, match="401"):
        connect(f"{opened['endpoint']}?ticket={opened['ticket']}")
    wrong = httpx.post(fake.gateway_url, json={**body, "clientSecret": "x"})
    assert wrong.status_code == 401


def test_tokens_expire_and_calls_need_one(fake: FakeDingTalk) -> None:
    token = httpx.post(
        f"{fake.base_url}/v1.0/oauth2/accessToken",
        json={"appKey": CLIENT_ID, "appSecret": CLIENT_SECRET},
    ).json()
    assert token["expireIn"] == 7200
    send = {
        "robotCode": CLIENT_ID,
        "userIds": ["u1"],
        "msgKey": "sampleMarkdown",
        "msgParam": json.dumps({"title": "t", "text": "**你好**"}),
    }
    url = f"{fake.base_url}/v1.0/robot/oToMessages/batchSend"
    headers = {"x-acs-dingtalk-access-token": token["accessToken"]}
    assert httpx.post(url, json=send, headers=headers).status_code == 200
    assert [m.text for m in fake.messages(("user", "u1"))] == ["**你好**"]
    fake.expire_tokens()
    assert httpx.post(url, json=send, headers=headers).status_code == 401
    assert len(fake.messages(("user", "u1"))) == 1
