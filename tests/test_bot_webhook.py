"""Webhook mode: Telegram (here: the test) POSTs updates to PTB's webhook server; the answers
go out through the (fake) Bot API as in polling mode."""

from __future__ import annotations

import socket

import httpx

from bot.channels.telegram.app import build_application
from bot.runtime.compose import build_assistant
from tests.bot_harness import make_settings
from tests.fakes import FakeBotApi
from tests.fakes.bot_api_objects import make_chat, make_message, make_user

SECRET = "webhook-secret-123"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_updates_posted_to_the_webhook_are_answered(
    fake_bot_api: FakeBotApi, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    assistant = build_assistant(make_settings(tmp_path))
    app = build_application(assistant, fake_bot_api.token, fake_bot_api.base_url, start_jobs=False)
    port = _free_port()
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="telegram",
            webhook_url="https://bot.example.invalid/telegram",
            secret_token=SECRET,
        )
        try:
            [hook] = fake_bot_api.calls_to("setWebhook")
            assert hook.params["url"] == "https://bot.example.invalid/telegram"
            message = make_message(
                message_id=1,
                chat=make_chat(1001),
                sender=make_user(1001),
                text="第十四条讲什么",
                entities=None,
            )
            update = {"update_id": 1, "message": message}
            async with httpx.AsyncClient() as client:
                url = f"http://127.0.0.1:{port}/telegram"
                refused = await client.post(url, json=update)  # no secret: not Telegram
                assert refused.status_code == 403
                ok = await client.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
                )
                assert ok.status_code == 200
            assert await fake_bot_api.wait_for_async(lambda s: len(s.messages(1001)) == 1)
            assert "持续深化行政执法体制改革" in (fake_bot_api.messages(1001)[0].text or "")
            assert len(fake_bot_api.messages(1001)) == 1  # the refused post sent nothing
        finally:
            await app.updater.stop()
            await app.stop()
