"""The annual report end to end (real PTB, fake Bot API): units send their 法治政府建设年度报告
file and, once published, the link; /annual_report and /report show submitted / published /
missing against 1 March and 1 April (dates from knowledge/data/statutory.toml)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator

import pytest
import time_machine
from sqlmodel import Session, select

from bot.chat.features.annual_report import looks_like_annual_report
from knowledge.reading.loader import default_plan
from scheduler.jobs.context import run_planner
from scheduler.records.annual_report import valid_url
from scheduler.store.models import Completion
from scheduler.timing.clock import TZ
from tests.bot_harness import ADMIN_ID, BotHarness, build_harness
from tests.fakes import FakeBotApi

START = dt.datetime(2026, 2, 26, 10, 0, tzinfo=TZ)  # a Thursday, before the 1 March deadline
LATER = dt.datetime(2026, 3, 5, 10, 0, tzinfo=TZ)  # after it, before 1 April
UNITS = {3001: "区司法局", 3002: "区财政局", 3003: "区公安局"}


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(START, tick=True) as traveller:
        yield traveller


def _registered(assistant) -> None:  # noqa: ANN001
    from scheduler.records import chat_registry
    from scheduler.store.db import session_scope

    with session_scope(assistant.sched.engine) as s:
        for chat, unit in UNITS.items():
            chat_registry.register_chat(s, chat, unit, title=f"{unit}联络员")
            chat_registry.approve(s, chat, actor="test")


@pytest.fixture
async def bot(fake_bot_api: FakeBotApi, tmp_path, monkeypatch, clock) -> AsyncIterator[BotHarness]:  # noqa: ANN001
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    async with build_harness(fake_bot_api, tmp_path, prepare=_registered) as harness:
        await _settled(harness)  # the start-up reminders of the day have all arrived
        yield harness


async def _settled(bot: BotHarness) -> None:
    await bot.start_up_jobs_ran()
    await asyncio.sleep(0.3)  # a message still under way arrives now


async def _send_document(bot: BotHarness, chat: int, name: str, caption: str | None = None) -> str:
    """The bot's answer to the document (reminders and escalations queued meanwhile, which begin
    with 【, are not the answer)."""
    before = len(bot.messages(chat))
    bot.server.inject_document(chat, name, b"%PDF-1.4 report", caption=caption)
    seen = await bot.wait_messages(chat, before + 1)
    while not (answers := [m for m in seen[before:] if not m.startswith("【")]):
        seen = await bot.wait_messages(chat, len(seen) + 1)
    return answers[-1]


def _completions(bot: BotHarness) -> dict[tuple[str, str], Completion]:
    from scheduler.store.models import UnitRow

    with Session(bot.assistant.sched.engine) as s:
        rows = s.exec(select(Completion, UnitRow).join(UnitRow)).all()
        return {(u.name, c.obligation_key): c for c, u in rows}


async def test_reports_submitted_published_and_missing(bot: BotHarness, clock) -> None:  # noqa: ANN001
    # a file named as the annual report is recognised without a command
    answer = await _send_document(bot, 3001, "襄州区司法局2025年法治政府建设年度报告.pdf")
    assert "已收到“区司法局”的2026年法治政府建设年度报告" in answer
    # /annual_report first, then any file
    [intro] = await bot.say(3002, "/annual_report")
    assert "未报送" in intro and "直接把报告文件发给我" in intro
    answer = await _send_document(bot, 3002, "终稿.docx")
    assert "已收到“区财政局”" in answer
    # the link once published; a bad link is explained
    [answer] = await bot.say(3001, "/published https://www.zgxz.gov.cn/xxgk/2025ndbg.html")
    assert "已记录“区司法局”年度报告的公开链接" in answer
    [answer] = await bot.say(3002, "/published 还没公开")
    assert "不是有效的网址" in answer

    # a week later, after 1 March: the third unit's report (named in the caption) is late
    clock.move_to(LATER)
    await asyncio.to_thread(run_planner, bot.assistant.sched)  # the reminders of that day
    await _settled(bot)
    answer = await _send_document(bot, 3003, "a.pdf", caption="我局法治政府建设情况报告")
    assert "已收到“区公安局”" in answer

    done = _completions(bot)
    plan = default_plan()
    submit = next(o for o in plan.obligations if o.kind == "annual_report")
    publish = next(o for o in plan.obligations if o.kind == "report_publish")
    assert done[("区司法局", submit.key)].evidence.startswith("telegram:document:")
    assert done[("区司法局", publish.key)].evidence == "https://www.zgxz.gov.cn/xxgk/2025ndbg.html"
    # a corrected file is added to the record; the status keeps the latest link

    assert done[("区司法局", submit.key)].period == "2026"

    [status] = await bot.say(ADMIN_ID, "/annual_report")
    assert "2026年法治政府建设年度报告（03月01日前报送，04月01日前公开）" in status
    total = status.split("已报送 3/")[1].split("（")[0]
    assert int(total) > 3
    # after 1 March every unit that has not submitted is overdue, beside the one late report
    assert f"已报送 3/{total}（逾期报送 1，逾期未报送 {int(total) - 3}）" in status
    assert "已公开 1/" in status
    missing = status.split("未报送：")[1].split("\n")[0]
    assert "区司法局" not in missing and "区公安局" not in missing and "区法院" in missing
    assert "已报送未公开：区公安局、区财政局" in status

    # /report of the year carries the same lines
    before = len(bot.server.calls_to("sendDocument", chat_id=ADMIN_ID))
    bot.server.inject_command(ADMIN_ID, "report", "2026")
    await bot.wait(lambda: len(bot.server.calls_to("sendDocument", chat_id=ADMIN_ID)) > before)
    caption = bot.server.calls_to("sendDocument", chat_id=ADMIN_ID)[-1].params["caption"]
    assert "已报送 3/" in caption and "未报送：" in caption

    # a unit sees its own state
    [own] = await bot.say(3003, "/annual_report")
    assert "状态：已报送（逾期报送），待公开" in own


async def test_an_ordinary_file_stays_evidence(bot: BotHarness) -> None:
    await bot.say(3001, "/done i4-meeting 2026")
    answer = await _send_document(bot, 3001, "会议纪要.pdf")
    assert "已将材料附在" in answer
    assert all(c.obligation_key == "i4-meeting" for c in _completions(bot).values())


def test_recognition_words_and_links() -> None:
    assert looks_like_annual_report("2025年度报告.docx")
    assert looks_like_annual_report(None, "区法院法治政府建设工作报告")
    assert looks_like_annual_report("关于2025年法治政府建设情况的报告.pdf")
    assert not looks_like_annual_report("会议纪要.pdf", "学法照片")
    assert valid_url("https://www.gov.cn/a.html") == "https://www.gov.cn/a.html"
    assert valid_url("（https://www.gov.cn/a.html）") == "https://www.gov.cn/a.html"
    assert valid_url("ftp://x.cn/a") is None and valid_url("www") is None


def test_cli_report_of_a_year_shows_the_annual_report(tmp_path) -> None:  # noqa: ANN001
    import subprocess
    import sys

    from scheduler.jobs.context import SchedulerContext
    from scheduler.records import unit_registry
    from scheduler.records.annual_report import SUBMIT_KIND, record
    from scheduler.store.db import session_scope

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    ctx = SchedulerContext.load(url)
    with session_scope(ctx.engine) as s:
        record(
            s, ctx.plan, "区司法局", SUBMIT_KIND, "telegram:document:F1:报告.pdf", by="t", now=START
        )
        assert unit_registry.get_unit(s, "区司法局") is not None
    ctx.engine.dispose()
    env = {"FAZHI_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin", "COLUMNS": "300"}
    res = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "report", "--period", "2026", "--database-url", url],
        capture_output=True,
        text=True,
        env=env,
    )
    assert res.returncode == 0, res.stderr
    assert "2026年法治政府建设年度报告（03月01日前报送，04月01日前公开）" in res.stdout
    assert "已报送 1/" in res.stdout and "未报送：" in res.stdout
