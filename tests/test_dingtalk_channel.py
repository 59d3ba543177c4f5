"""The DingTalk adapter's parts against the fake: the delivery channel's outcomes, the access
token's cache and renewal, HTML → markdown, chat ids, the routing channel."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot.channels.dingtalk import convert, ids
from bot.channels.dingtalk.channel import DingTalkChannel
from bot.channels.dingtalk.openapi import REFRESH_MARGIN, OpenApi
from bot.channels.telegram.rate_limit import FloodLimiter, FloodLimits
from scheduler.delivery.channel import DeliveryOutcome, DeliveryStatus, OutgoingMessage
from scheduler.delivery.routing import RoutingChannel
from tests.fakes.dingtalk import CLIENT_ID, CLIENT_SECRET, FakeDingTalk

FAST = FloodLimits(overall=None, private_chat=None, group_chat=None)
USER = ("user", "s1")


@pytest.fixture
def fake() -> Iterator[FakeDingTalk]:
    with FakeDingTalk() as server:
        yield server


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def api(fake: FakeDingTalk) -> AsyncIterator[OpenApi]:
    client = OpenApi(CLIENT_ID, CLIENT_SECRET, fake.base_url, clock=Clock())
    yield client
    await client.aclose()


def channel(api: OpenApi) -> DingTalkChannel:
    return DingTalkChannel(api, CLIENT_ID, limiter=FloodLimiter(FAST))


def message(chat_id: str, body: str = "<b>提醒</b>", **kw: object) -> OutgoingMessage:
    return OutgoingMessage(id=7, chat_id=chat_id, body=body, **kw)  # type: ignore[arg-type]


async def test_markdown_to_a_user_and_to_a_group(fake: FakeDingTalk, api: OpenApi) -> None:
    ch = channel(api)
    assert (await ch.send(message("dt:u:s1"))).status == DeliveryStatus.SENT
    group = ids.group_chat("cid+x/y==")
    assert (await ch.send(message(group, is_group=True))).status == DeliveryStatus.SENT
    assert [m.text for m in fake.messages(USER)] == ["**提醒**"]
    assert [m.kind for m in fake.messages(("group", "cid+x/y=="))] == ["sampleMarkdown"]


async def test_buttons_make_a_card_whose_track_id_names_the_chat(
    fake: FakeDingTalk, api: OpenApi
) -> None:
    rows = [
        [{"text": "✅ 已完成", "data": "done:i2:2026Q3"}],
        [{"text": "原文", "url": "https://x"}],
    ]
    outcome = await channel(api).send(message("dt:u:s1", buttons=rows))
    assert outcome.status == DeliveryStatus.SENT
    [card] = fake.messages(USER)
    assert card.buttons == [("✅ 已完成", "done:i2:2026Q3")]
    assert "[原文](https://x)" in card.text
    assert card.out_track_id == "dt:u:s1#o7" == outcome.provider_message_id
    [body] = fake.calls_to("/v1.0/card/instances/createAndDeliver")
    assert body["callbackType"] == "STREAM" and body["openSpaceId"] == "dtv1.card//IM_ROBOT.s1"


@pytest.mark.parametrize(
    ("status", "body", "expected", "throttled"),
    [
        (429, {"code": "Forbidden.AccessDenied.QpsLimitForApi"}, DeliveryStatus.RETRY, True),
        (
            400,
            {"code": "invalidParameter.userIds", "message": "x"},
            DeliveryStatus.UNREACHABLE,
            False,
        ),
        (400, {"code": "invalidParameter.msgParam", "message": "x"}, DeliveryStatus.FAILED, False),
        (403, {"code": "Forbidden.AccessDenied", "message": "无权限"}, DeliveryStatus.RETRY, False),
        (503, {"code": "ServiceUnavailable"}, DeliveryStatus.RETRY, False),
    ],
)
async def test_refusals_become_outcomes(
    fake: FakeDingTalk,
    api: OpenApi,
    status: int,
    body: dict,
    expected: DeliveryStatus,
    throttled: bool,
) -> None:
    fake.fail_next("v1.0/robot/oToMessages/batchSend", status, body)
    outcome: DeliveryOutcome = await channel(api).send(message("dt:u:s1"))
    assert (outcome.status, outcome.throttled) == (expected, throttled)
    assert fake.messages(USER) == []


async def test_a_time_out_after_sending_is_unknown(fake: FakeDingTalk) -> None:
    import httpx

    api = OpenApi(CLIENT_ID, CLIENT_SECRET, fake.base_url)
    await api.token()
    api._http.timeout = httpx.Timeout(0.2)  # noqa: SLF001 - a slow DingTalk, without waiting long
    fake.latency = 1.0
    outcome = await channel(api).send(message("dt:u:s1"))
    await api.aclose()
    assert outcome.status == DeliveryStatus.UNKNOWN


async def test_not_a_dingtalk_chat_fails_without_a_call(fake: FakeDingTalk, api: OpenApi) -> None:
    outcome = await channel(api).send(message("12345"))
    assert outcome.status == DeliveryStatus.FAILED
    assert fake.calls == []


async def test_the_token_is_renewed_before_it_expires(fake: FakeDingTalk, api: OpenApi) -> None:
    clock = api.clock
    assert isinstance(clock, Clock)
    first = await api.token()
    clock.now += 7200 - REFRESH_MARGIN - 1
    assert await api.token() == first  # still well within its life
    clock.now += 2  # within the margin: renewed before DingTalk would refuse it
    second = await api.token()
    assert second != first and api.tokens_fetched == 2
    assert fake.rejected_tokens == 0


async def test_a_refused_token_is_replaced_once(fake: FakeDingTalk, api: OpenApi) -> None:
    await channel(api).send(message("dt:u:s1"))
    fake.expire_tokens()
    assert (await channel(api).send(message("dt:u:s1"))).status == DeliveryStatus.SENT
    assert (fake.tokens_issued, fake.rejected_tokens) == (2, 1)


def test_html_becomes_dingtalk_markdown() -> None:
    html = '<b>第1条</b> &lt;说明&gt;\n<i>注</i> <a href="https://a.cn/x">原文</a>\n<code>i2</code>'
    assert convert.markdown(html) == "**第1条** <说明>  \n*注* [原文](https://a.cn/x)  \n`i2`"
    assert convert.title("<b>【提醒】</b>区司法局\n第二行") == "【提醒】区司法局"


def test_chat_ids() -> None:
    assert ids.target("dt:g:cid+a/b==") == ids.Target(True, "cid+a/b==")
    assert ids.target(ids.person("s1")) == ids.Target(False, "s1")
    for bad in ("12345", "dt:x:1", "dt:u:", "@channel"):
        with pytest.raises(ValueError):
            ids.target(bad)


def test_a_press_names_only_its_card_chat() -> None:
    data = {
        "userId": "s1",
        "outTrackId": "dt:g:cidA#o3",
        "content": '{"cardPrivateData": {"params": {"data": "done:x:2026"}}}',
    }
    ctx, payload = convert.card_press(data) or (None, None)
    assert ctx is not None and (ctx.chat_id, ctx.user_id, ctx.is_group) == (
        "dt:g:cidA",
        "dt:u:s1",
        True,
    )
    assert payload == "done:x:2026"
    for bad in (
        {**data, "outTrackId": "other#1"},
        {**data, "content": "{}"},
        {**data, "userId": ""},
    ):
        assert convert.card_press(bad) is None


async def test_routing_by_chat_id() -> None:
    class Tag:
        def __init__(self, name: str) -> None:
            self.name = name

        async def send(self, message: OutgoingMessage) -> DeliveryOutcome:
            return DeliveryOutcome(DeliveryStatus.SENT, provider_message_id=self.name)

    routing = RoutingChannel(Tag("telegram"), {"dt:": Tag("dingtalk")})
    assert (await routing.send(message("-100"))).provider_message_id == "telegram"
    assert (await routing.send(message("dt:u:s1"))).provider_message_id == "dingtalk"
    alone = RoutingChannel(None, {"dt:": Tag("dingtalk")})
    assert (await alone.send(message("-100"))).status == DeliveryStatus.RETRY


async def test_a_provider_id_longer_than_the_outbox_column_is_not_kept(
    fake: FakeDingTalk, api: OpenApi
) -> None:
    chat = ids.group_chat("cid" + "x" * 56)  # 64 characters, the outbox's chat id limit
    rows = [[{"text": "收到", "data": "ack:1"}]]
    outcome = await channel(api).send(message(chat, buttons=rows, is_group=True))
    assert outcome.status == DeliveryStatus.SENT and outcome.provider_message_id is None
