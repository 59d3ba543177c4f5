"""TelegramChannel against the fake Bot API server, with the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from telegram import Bot
from telegram.error import BadRequest, InvalidToken, NetworkError, TimedOut
from telegram.request import HTTPXRequest

from bot.channels.telegram.channel import TelegramChannel, outcome_for_error
from bot.channels.telegram.rate_limit import FloodLimiter, FloodLimits
from scheduler.delivery.channel import DeliveryStatus, OutgoingMessage
from tests.fakes import FakeBotApi, Fault, RateLimits
from tests.fakes.bot_api_faults import RateEnforcer, Violation

# Scaled-down limits so the test runs in about two seconds.
TEST_LIMITS = ((10, 0.5), (1, 0.5), (2, 1.0))  # overall, private chat, group chat
# Limits no burst can meet however slow the machine: the control's flooding is certain.
CONTROL_LIMITS = ((10, 60.0), (1, 60.0), (2, 60.0))


class RecordingLimiter(FloodLimiter):
    """The real limiter, noting when it let each message go (right after ``acquire``)."""

    def __init__(self, limits: FloodLimits) -> None:
        super().__init__(limits)
        self.released: list[tuple[int | str, bool, float]] = []

    async def acquire(self, chat_id: int | str, *, is_group: bool) -> None:
        await super().acquire(chat_id, is_group=is_group)
        self.released.append((chat_id, is_group, time.monotonic()))


def flooding(released: list[tuple[int | str, bool, float]], limits: RateLimits) -> list[Violation]:
    """Telegram's sliding windows over the moments messages were let go."""
    enforcer = RateEnforcer(limits)
    for chat, is_group, at in sorted(released, key=lambda r: r[2]):
        enforcer.check(int(chat), is_group, at)
    return enforcer.violations


def message(chat_id: int | str, body: str = "提醒：<b>本季度学法</b>", **kw) -> OutgoingMessage:
    return OutgoingMessage(id=1, chat_id=str(chat_id), body=body, **kw)


@pytest.fixture
def channel(fake_bot: Bot) -> TelegramChannel:
    return TelegramChannel(fake_bot)


async def test_sends_html_with_inline_keyboard(channel, fake_bot_api):
    buttons = [[{"text": "已完成", "data": "done:7"}, {"text": "稍后提醒", "data": "snooze:7"}]]
    outcome = await channel.send(message(42, buttons=buttons))

    assert outcome.status is DeliveryStatus.SENT
    [sent] = fake_bot_api.messages(42)
    assert outcome.provider_message_id == str(sent.message_id)
    assert sent.text == "提醒：<b>本季度学法</b>"
    assert sent.params["parse_mode"] == "HTML"
    keyboard = sent.params["reply_markup"]["inline_keyboard"]
    assert [[b["callback_data"] for b in row] for row in keyboard] == [["done:7", "snooze:7"]]


async def test_retry_after_is_a_throttled_retry_and_pauses_all_sending(channel, fake_bot_api):
    fake_bot_api.add_fault(Fault.retry_after(7), chat_id=42)

    outcome = await channel.send(message(42))

    assert outcome.status is DeliveryStatus.RETRY
    assert outcome.retry_after == 7 and outcome.throttled
    assert channel.limiter.overall_delay() > 5  # bot-wide, not only this chat
    assert fake_bot_api.messages() == []


async def test_forbidden_is_blocked(channel, fake_bot_api):
    fake_bot_api.block_chat(42)

    outcome = await channel.send(message(42))

    assert outcome.status is DeliveryStatus.BLOCKED
    assert "blocked" in (outcome.error or "")
    assert fake_bot_api.messages() == []


async def test_group_upgraded_to_supergroup_is_migrated_to_the_new_id(channel, fake_bot_api):
    fake_bot_api.migrate_chat(-555, -1_000_000_000_555)

    outcome = await channel.send(message(-555, is_group=True))
    assert outcome.status is DeliveryStatus.MIGRATED
    assert outcome.new_chat_id == "-1000000000555"

    again = await channel.send(message(outcome.new_chat_id, is_group=True))
    assert again.status is DeliveryStatus.SENT
    assert len(fake_bot_api.messages(-1_000_000_000_555)) == 1


async def test_server_error_is_retry(channel, fake_bot_api):
    fake_bot_api.add_fault(Fault.server_error(500), chat_id=42)

    outcome = await channel.send(message(42))

    assert outcome.status is DeliveryStatus.RETRY
    assert outcome.retry_after is None
    assert fake_bot_api.messages() == []


async def test_bad_request_is_failed(channel, fake_bot_api):
    fake_bot_api.add_fault(Fault.bad_request("Bad Request: can't parse entities"), chat_id=42)

    outcome = await channel.send(message(42, body="<b>未闭合"))

    assert outcome.status is DeliveryStatus.FAILED
    assert "can't parse entities" in (outcome.error or "").lower()


async def test_read_timeout_is_unknown_because_the_message_may_have_arrived(fake_bot_api):
    fake_bot_api.add_fault(Fault.slow(2.0), chat_id=42)
    request = HTTPXRequest(read_timeout=0.2)
    async with Bot(fake_bot_api.token, base_url=fake_bot_api.base_url, request=request) as bot:
        outcome = await TelegramChannel(bot).send(message(42))

    assert outcome.status is DeliveryStatus.UNKNOWN
    assert len(fake_bot_api.messages(42)) == 1  # it did arrive


async def test_unreachable_server_is_retry():
    with FakeBotApi() as server:
        base_url = server.base_url  # the port is free again once the server stops
    bot = Bot("123456:TEST", base_url=base_url, request=HTTPXRequest(connect_timeout=1))
    async with bot._request[1]:  # no getMe: the server is gone
        outcome = await TelegramChannel(bot).send(message(42))
    assert outcome.status is DeliveryStatus.RETRY
    assert "NetworkError" in (outcome.error or "")


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (TimedOut(), DeliveryStatus.UNKNOWN),
        (BadRequest("Bad Request: chat not found"), DeliveryStatus.UNREACHABLE),
        (BadRequest("Bad Request: can't parse entities"), DeliveryStatus.FAILED),
        (InvalidToken(), DeliveryStatus.RETRY),
        (NetworkError("Bad Gateway"), DeliveryStatus.RETRY),
    ],
)
def test_error_mapping(exc, status):
    assert outcome_for_error(exc).status is status


@pytest.mark.parametrize("cause", [httpx.ConnectTimeout("x"), httpx.PoolTimeout("x")])
def test_timeout_before_sending_is_retry(cause):
    exc = TimedOut()
    exc.__cause__ = cause
    assert outcome_for_error(exc).status is DeliveryStatus.RETRY


async def test_callback_data_over_64_bytes_fails_without_a_request(channel, fake_bot_api):
    outcome = await channel.send(message(42, buttons=[[{"text": "x", "data": "长" * 30}]]))

    assert outcome.status is DeliveryStatus.FAILED
    assert fake_bot_api.calls_to("sendMessage") == []


PER_CHAT_BURST = [(7, False)] * 3 + [(-9, True)] * 3  # one private chat, one group
WIDE_BURST = [(1000 + i, False) for i in range(25)]  # more chats than the overall limit


async def _burst(channel: TelegramChannel, targets: list[tuple[int, bool]]) -> list[DeliveryStatus]:
    outcomes = await asyncio.gather(
        *(channel.send(message(chat, is_group=group)) for chat, group in targets)
    )
    return [o.status for o in outcomes]


async def test_flood_limits_are_kept(fake_bot, fake_bot_api):
    """The limiter lets messages go within Telegram's windows: judged on the moments it let
    them go, which its own clock decides. Whether they also *arrive* within the windows after
    the network and a busy machine had their say is a figure (bench_broadcast's 429 count)."""
    overall, private, group = TEST_LIMITS
    limiter = RecordingLimiter(
        FloodLimits(overall=overall, private_chat=private, group_chat=group, margin=0.2)
    )
    channel = TelegramChannel(fake_bot, limiter=limiter)

    statuses = await _burst(channel, PER_CHAT_BURST + WIDE_BURST)

    assert statuses == [DeliveryStatus.SENT] * 31
    assert len(limiter.released) == 31
    assert flooding(limiter.released, RateLimits(overall, private, group)) == []
    assert len(fake_bot_api.messages(7)) == 3
    assert len(fake_bot_api.messages(-9)) == 3


async def test_the_flood_check_catches_a_channel_without_limits(fake_bot, fake_bot_api):
    """Control for the test above: without client-side limits the same check sees flooding
    (windows of a minute here, so the burst floods them on any machine)."""
    overall, private, group = CONTROL_LIMITS
    unlimited = RecordingLimiter(FloodLimits(overall=None, private_chat=None, group_chat=None))
    channel = TelegramChannel(fake_bot, limiter=unlimited)

    statuses = await _burst(channel, PER_CHAT_BURST)
    statuses += await _burst(channel, WIDE_BURST)

    assert statuses == [DeliveryStatus.SENT] * 31
    kinds = {v.kind for v in flooding(unlimited.released, RateLimits(overall, private, group))}
    assert {"overall", "private", "group"} <= kinds


async def test_broadcast_under_chaos_reaches_every_reachable_chat_once(fake_bot, fake_bot_api):
    """429s, 500s and blocked chats, seeded: retrying RETRY outcomes delivers exactly once."""
    fake_bot_api.set_chaos(
        5, retry_after=0.15, server_error=0.15, forbidden=0.1, retry_after_seconds=0.1
    )
    unlimited = FloodLimits(overall=None, private_chat=None, group_chat=None)
    channel = TelegramChannel(fake_bot, limiter=FloodLimiter(unlimited))
    chats = list(range(2000, 2060))
    final: dict[int, DeliveryStatus] = {}
    pending = chats
    for _ in range(10):  # bounded: the chaos gives up on no chat for long
        outcomes = await asyncio.gather(*(channel.send(message(chat)) for chat in pending))
        final.update(zip(pending, (o.status for o in outcomes), strict=True))
        pending = [chat for chat in pending if final[chat] is DeliveryStatus.RETRY]
        if not pending:
            break
        await asyncio.sleep(max(channel.limiter.chat_delay(chat) for chat in pending))
    assert not pending

    blocked = {chat for chat in chats if fake_bot_api.is_blocked(chat)}
    assert blocked, "the seed should block some chats"
    assert {c for c, s in final.items() if s is DeliveryStatus.BLOCKED} == blocked
    assert {c for c, s in final.items() if s is DeliveryStatus.SENT} == set(chats) - blocked
    assert fake_bot_api.message_counts() == {chat: 1 for chat in set(chats) - blocked}
    statuses = {call.status for call in fake_bot_api.calls_to("sendMessage")}
    assert {429, 500, 403, 200} <= statuses
