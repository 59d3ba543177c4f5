"""Updates of different chats run concurrently, one chat's in order; a flooding user gets one
notice per window and then silence; a 429 on a reply is not slept out inside the handler;
edited messages never re-run commands; forged callback data answers "按钮已失效"; a locked
database does not keep questions from being answered. Real PTB, fake Bot API, SQLite file."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
import time
from pathlib import Path

from sqlmodel import Session, select

from scheduler.delivery.outbox import enqueue
from scheduler.store.db import session_scope
from scheduler.store.models import OutboxMessage
from scheduler.timing.clock import utcnow
from tests.bot_harness import build_harness, plain
from tests.fakes import FakeBotApi
from tests.fakes.bot_api_faults import Fault
from tests.fakes.bot_api_objects import make_chat, make_message, make_user

SLOW, QUICK = 2001, 2002
HANG = 120  # seconds: limits here only catch hangs; latencies are in bench/ (bench_reply_latency)


async def test_a_slow_chat_does_not_hold_up_others_and_keeps_its_order(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    async with build_harness(fake_bot_api, tmp_path, start_jobs=False) as bot:
        # the slow chat's first answer is not acknowledged by the server until released
        release = threading.Event()
        fake_bot_api.add_fault(Fault.held(release), chat_id=SLOW, method="sendMessage")
        try:
            fake_bot_api.inject_text(SLOW, "第1条讲什么")
            fake_bot_api.inject_text(SLOW, "第2条讲什么")
            await bot.wait_messages(SLOW, 1, timeout=HANG)  # its reply is pending now
            fake_bot_api.inject_text(QUICK, "第3条讲什么")
            # answered while the slow chat's reply is still pending …
            await bot.wait_messages(QUICK, 1, timeout=HANG)
            assert len(bot.messages(SLOW)) == 1  # … and the slow chat's second waits for it
        finally:
            release.set()
        texts = await bot.wait_messages(SLOW, 2, timeout=HANG)
        assert "第一条" in texts[0] and "第二条" in texts[1]  # the slow chat's order is kept


async def test_flood_is_answered_once_then_silence_and_covers_commands(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    flooder, other = 3001, 3002
    async with build_harness(
        fake_bot_api, tmp_path, start_jobs=False, fazhi_questions_per_minute=5
    ) as bot:
        for k in range(60):  # commands and questions alike
            if k % 2:
                fake_bot_api.inject_command(flooder, "item", str(k % 20 + 1))
            else:
                fake_bot_api.inject_text(flooder, f"第{k % 20 + 1}条讲什么")
        await bot.wait_messages(flooder, 6, timeout=HANG)
        fake_bot_api.inject_text(other, "第4条讲什么")
        assert "第四条" in (await bot.wait_messages(other, 1, timeout=HANG))[0]
        await asyncio.sleep(0.5)  # anything still coming would arrive now
        texts = bot.texts(flooder)
        assert len(texts) == 6, texts  # five answers and one notice, nothing more
        assert sum("太频繁" in t for t in texts) == 1


async def test_a_429_on_a_reply_goes_to_the_outbox_instead_of_sleeping(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    user = 4001
    # an hour: a handler that slept it out would never queue the reply within the hang guard.
    # No outbox job here: one that took the queued reply would wait out the hour in the
    # limiter, and the application's shutdown would wait for it
    hour = 3600
    async with build_harness(fake_bot_api, tmp_path, start_jobs=False) as bot:
        fake_bot_api.add_fault(Fault.retry_after(hour), chat_id=user, method="sendMessage")
        fake_bot_api.inject_text(user, "第5条讲什么")
        engine = bot.assistant.sched.engine

        def queued() -> list[str]:
            with Session(engine) as s:
                rows = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "reply")).all()
                return [r.body for r in rows]

        await bot.wait(lambda: bool(queued()), timeout=HANG)  # the handler did not sleep
        assert "第五条" in plain(queued()[0])
        # the pause is honoured: all sending waits out the hour (nothing reaches the chat)
        limiter = bot.app.bot_data["limiter"]
        assert limiter.overall_delay() > hour - HANG
        assert bot.messages(user) == []


async def test_edited_messages_never_rerun_commands(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    user = 5001
    async with build_harness(fake_bot_api, tmp_path, start_jobs=False) as bot:
        await bot.say(user, "/item 3")
        edited = make_message(
            message_id=1,
            chat=make_chat(user, "private"),
            sender=make_user(user),
            text="/item 4",
            entities=[{"type": "bot_command", "offset": 0, "length": 5}],
            edit_date=int(time.time()),
        )
        fake_bot_api.inject_update({"edited_message": edited})
        fake_bot_api.inject_text(user, "第6条讲什么")  # a marker after the edit
        texts = await bot.wait_messages(user, 2, timeout=HANG)
        await asyncio.sleep(0.3)
        texts = bot.texts(user)
        assert len(texts) == 2 and "第六条" in texts[1]
        assert not any("第四条" in t for t in texts)


async def test_forged_or_malformed_callback_data_says_the_button_expired(
    fake_bot_api: FakeBotApi, tmp_path: Path, caplog
) -> None:  # noqa: ANN001
    user = 6001
    async with build_harness(fake_bot_api, tmp_path, start_jobs=False) as bot:
        for data in ("reg:" + "9" * 40, "item:-99999999999999999999", "done", "apr:x", "zz:1"):
            before = len(bot.texts(user))
            fake_bot_api.inject_callback_query(user, data)
            texts = await bot.wait_messages(user, before + 1, timeout=HANG)
            assert "按钮已失效" in texts[-1] or "管理员" in texts[-1], (data, texts[-1])
    assert "Traceback" not in caplog.text and "OverflowError" not in caplog.text


async def test_a_locked_database_does_not_stall_answers(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    """A writer holds the SQLite file's lock; the sender's work waits for it in its thread;
    a question is answered meanwhile."""
    user = 7001
    async with build_harness(fake_bot_api, tmp_path, send_interval=0.1) as bot:
        await bot.say(user, "第7条讲什么")  # the chat's unit lookup is cached now
        with session_scope(bot.assistant.sched.engine) as s:
            enqueue(s, key="n0", chat_id=9000, body="通知0")
        await bot.wait_messages(9000, 1, timeout=HANG)  # the outbox job is running
        soon = utcnow() + dt.timedelta(seconds=0.3)  # ready once the lock is held
        with session_scope(bot.assistant.sched.engine) as s:
            for k in (1, 2):
                enqueue(s, key=f"n{k}", chat_id=9000 + k, body=f"通知{k}", not_before=soon)
        release = threading.Event()
        locked = threading.Event()

        def hold() -> None:
            con = sqlite3.connect(tmp_path / "fazhi.db", isolation_level=None)
            con.execute("BEGIN EXCLUSIVE")
            locked.set()
            release.wait(HANG)
            con.execute("ROLLBACK")
            con.close()

        holder = threading.Thread(target=hold, daemon=True)
        holder.start()

        def ask() -> tuple[bool, list[str]]:
            # from another thread: a blocked event loop cannot hide its own stall. The lock is
            # held until the answer arrives (or the hang guard): answered means answered while
            # the database was locked
            assert locked.wait(HANG)
            time.sleep(0.8)  # the outbox job is waiting on the lock by now (on a slow machine,
            # perhaps not yet: the answer must come either way)
            fake_bot_api.inject_text(user, "第8条讲什么")
            ok = fake_bot_api.wait_for(lambda srv: len(srv.messages(user)) >= 2, timeout=HANG)
            still_locked = not release.is_set()
            release.set()
            assert ok and still_locked
            return ok, bot.texts(user)

        try:
            _, texts = await asyncio.to_thread(ask)
        finally:
            release.set()
            holder.join(HANG)
        assert "第八条" in plain(texts[-1])
        assert await bot.wait_messages(9002, 1, timeout=HANG)  # the sender went on afterwards
