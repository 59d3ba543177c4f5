"""The fake Bot API server, driven by the real python-telegram-bot (and by raw HTTP)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes import FakeBotApi, Fault, RateLimits
from tests.fakes.bot_api_faults import RateEnforcer


@asynccontextmanager
async def polling_app(server: FakeBotApi, *handlers: BaseHandler) -> AsyncIterator[Application]:
    """The real PTB Application, long-polling the fake server."""
    app = (
        Application.builder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )
    for handler in handlers:
        app.add_handler(handler)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"收到：{update.effective_message.text}")


async def test_an_injected_message_reaches_the_handler_and_the_reply_is_recorded(fake_bot_api):
    async with polling_app(fake_bot_api, MessageHandler(filters.TEXT & ~filters.COMMAND, echo)):
        fake_bot_api.inject_text(1001, "第十四条 我单位要做什么")
        assert await fake_bot_api.wait_for_async(lambda s: len(s.messages(1001)) == 1)

    [reply] = fake_bot_api.messages(1001)
    assert reply.text == "收到：第十四条 我单位要做什么"
    assert fake_bot_api.pending_updates == 0  # confirmed through the offset
    assert [c.method for c in fake_bot_api.calls][:2] == ["getMe", "deleteWebhook"]


async def test_commands_in_private_and_group_chats(fake_bot_api):
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await context.bot.set_my_commands([BotCommand("start", "开始使用")])
        await update.effective_message.reply_text(f"欢迎 {' '.join(context.args)}".strip())

    async with polling_app(fake_bot_api, CommandHandler("start", start)):
        fake_bot_api.inject_command(1001, "start")
        fake_bot_api.inject_command(-2002, "start", "司法局", user_id=7, mention_bot=True)
        assert await fake_bot_api.wait_for_async(lambda s: len(s.messages()) == 2)
        commands = await fake_bot_api_bot_commands(fake_bot_api)

    assert fake_bot_api.messages(1001)[0].text == "欢迎"
    group_reply = fake_bot_api.messages(-2002)[0]
    assert group_reply.text == "欢迎 司法局"
    assert group_reply.payload["chat"]["type"] == "group"
    assert commands == [("start", "开始使用")]


async def fake_bot_api_bot_commands(server: FakeBotApi) -> list[tuple[str, str]]:
    async with Bot(server.token, base_url=server.base_url) as bot:
        return [(c.command, c.description) for c in await bot.get_my_commands()]


async def test_callback_query_is_answered_and_the_message_edited(fake_bot_api):
    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("已完成", callback_data="done:3")]])
        await update.effective_message.reply_text("本季度学法完成了吗？", reply_markup=keyboard)

    async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer("已记录")
        await query.edit_message_text(f"已确认（{query.data}）")

    async with polling_app(fake_bot_api, CommandHandler("ask", ask), CallbackQueryHandler(tapped)):
        fake_bot_api.inject_command(1001, "ask")
        assert await fake_bot_api.wait_for_async(lambda s: len(s.messages(1001)) == 1)
        fake_bot_api.inject_callback_query(1001, "done:3")
        assert await fake_bot_api.wait_for_async(lambda s: len(s.calls_to("editMessageText")) == 1)

    [answer] = fake_bot_api.calls_to("answerCallbackQuery")
    assert answer.params["text"] == "已记录"
    message_id = fake_bot_api.messages(1001)[0].message_id
    edited = fake_bot_api.stored_message(1001, message_id)
    assert edited is not None
    assert edited["text"] == "已确认（done:3）"
    assert "reply_markup" not in edited


async def test_documents_and_photos_can_be_downloaded_and_sent(fake_bot_api):
    received: list[bytes] = []

    async def evidence(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        attachment = message.document or message.photo[-1]
        data = await (await attachment.get_file()).download_as_bytearray()
        received.append(bytes(data))
        await message.reply_document(b"report", filename="报告.txt", caption=message.caption)

    handler = MessageHandler(filters.Document.ALL | filters.PHOTO, evidence)
    async with polling_app(fake_bot_api, handler):
        fake_bot_api.inject_document(1001, "会议纪要.pdf", b"%PDF minutes", caption="学法记录")
        fake_bot_api.inject_photo(1001, b"photo bytes")
        assert await fake_bot_api.wait_for_async(lambda s: len(s.messages(1001)) == 2)

    assert received == [b"%PDF minutes", b"photo bytes"]
    first = fake_bot_api.messages(1001)[0]
    assert first.method == "sendDocument"
    assert first.text == "学法记录"
    assert first.payload["document"]["file_name"] == "报告.txt"
    [upload] = fake_bot_api.calls_to("sendDocument")[:1]
    assert upload.files["document"] == b"report"


async def test_get_updates_offsets_and_long_polling(fake_bot, fake_bot_api):
    server = fake_bot_api
    for text in ("一", "二", "三"):
        server.inject_text(1001, text)

    first = await fake_bot.get_updates(limit=2)
    assert [u.message.text for u in first] == ["一", "二"]
    again = await fake_bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in again] == ["三"]
    assert server.pending_updates == 1  # not confirmed until the next offset

    waiting = asyncio.create_task(fake_bot.get_updates(offset=again[-1].update_id + 1, timeout=5))
    await asyncio.sleep(0.05)
    server.inject_text(1001, "四")
    woken = await waiting
    assert [u.message.text for u in woken] == ["四"]


async def test_webhook_blocks_get_updates_until_deleted(fake_bot, fake_bot_api):
    await fake_bot.set_webhook("https://example.invalid/hook")
    assert fake_bot_api.webhook_url == "https://example.invalid/hook"
    with pytest.raises(Exception, match="webhook is active"):
        await fake_bot.get_updates()
    await fake_bot.delete_webhook()
    assert await fake_bot.get_updates() == ()


async def test_wrong_token_is_refused(fake_bot_api):
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=fake_bot_api.base_url):
            pass


async def test_scripted_faults_are_consumed_in_order(fake_bot, fake_bot_api):
    fake_bot_api.add_fault(Fault.server_error(502), chat_id=5, times=2)

    for _ in range(2):
        with pytest.raises(NetworkError):
            await fake_bot.send_message(5, "x")
    await fake_bot.send_message(5, "x")

    assert [c.status for c in fake_bot_api.calls_to("sendMessage", chat_id=5)] == [502, 502, 200]
    assert len(fake_bot_api.messages(5)) == 1


def test_chaos_is_seeded_and_independent_of_order(fake_bot_api):
    chaos = fake_bot_api.set_chaos(11, retry_after=0.2, server_error=0.1, forbidden=0.1)
    blocked = {chat for chat in range(1, 201) if fake_bot_api.is_blocked(chat)}
    faults = [chaos.fault_for(chat, 0) for chat in range(1, 201)]

    assert 0 < len(blocked) < 60
    assert {chat for chat in range(200, 0, -1) if chaos.is_blocked(chat)} == blocked
    assert [chaos.fault_for(chat, 0) for chat in range(1, 201)] == faults
    statuses = {f.status for f in faults if f is not None}
    assert statuses == {429, 500}


def test_sync_clients_can_use_the_server_too(fake_bot_api):
    fake_bot_api.set_limits(RateLimits(private=(1, 60.0)))
    url = f"{fake_bot_api.base_url}{fake_bot_api.token}/sendMessage"
    with httpx.Client() as client:
        ok = client.post(url, data={"chat_id": "8", "text": "你好"}).json()
        flooded = client.post(url, data={"chat_id": "8", "text": "再来"})

    assert ok["ok"] and ok["result"]["text"] == "你好"
    assert flooded.status_code == 429
    assert flooded.json()["parameters"]["retry_after"] >= 59
    assert fake_bot_api.wait_for(lambda s: len(s.calls_to("sendMessage")) == 2)
    assert [v.kind for v in fake_bot_api.violations] == ["private"]


def test_rate_enforcer_sliding_windows():
    enforcer = RateEnforcer(RateLimits(overall=(3, 1.0), private=(1, 1.0), group=(2, 60.0)))

    assert enforcer.check(1, False, now=0.0) is None
    assert enforcer.check(1, False, now=0.5).kind == "private"
    assert enforcer.check(1, False, now=1.0) is None  # the first one left the window
    assert enforcer.check(-5, True, now=1.1) is None
    assert enforcer.check(2, False, now=1.2) is None  # third in the window (0.2, 1.2]
    assert enforcer.check(3, False, now=1.3).kind == "overall"
    assert enforcer.check(-5, True, now=30.0) is None
    assert enforcer.check(-5, True, now=40.0).kind == "group"
    assert len(enforcer.violations) == 3
