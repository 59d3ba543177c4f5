"""A second year's plan end to end, through the real PTB application and the fake Bot API:
an admin sends the 2026 document as a file, gets the preview with 启用 / 取消, activates it
and is told what changed in reminders; then a question, /mytasks, the schedule preview and
the chat question "今年的要点比去年多了什么" all follow the new plan, and completions of the
old plan are kept."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import time_machine
from sqlmodel import select

from scheduler.store.db import session_scope
from scheduler.store.models import Completion, PlanRow
from scheduler.timing.clock import TZ
from tests.bot_harness import ADMIN_ID, HANG, BotHarness, build_harness
from tests.fakes import FakeBotApi

NOW = dt.datetime(2026, 7, 1, 10, 0, tzinfo=TZ)
BUREAU = "区司法局"
USER = 1001
FAZHI = str(Path(sys.executable).with_name("fazhi"))

PLAN_2026 = """襄阳市襄州区人民政府办公室
关于印发2026年度襄州区法治政府建设工作要点的通知

2026年度襄州区法治政府建设工作要点

一、深入学习贯彻习近平法治思想。健全政府常务会议学法制度，区政府常务会议每半年至少学法1次。各地政府每年至少举办1期领导干部法治专题培训班。〔责任单位：区直各单位、各镇(街、区)〕
二、加快实施行政复议体制改革步伐。优化行政复议资源配置，建立行政复议决定书网上公开制度。〔责任单位：区司法局、区委编办、区法院〕
三、推进校园法治教育。开展青少年法治宣传教育，每年至少组织2次法治进校园活动。〔牵头单位：区教育局；配合单位：区司法局〕
"""


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
async def bot(fake_bot_api: FakeBotApi, tmp_path, monkeypatch) -> AsyncIterator[BotHarness]:  # noqa: ANN001
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    async with build_harness(fake_bot_api, tmp_path) as harness:
        yield harness


async def ask(bot: BotHarness, chat: int, text: str, expect: str) -> str:
    """Send ``text``; the first new message containing ``expect`` (reminders may come in
    between)."""
    before = len(bot.texts(chat))
    bot.server.inject_text(chat, text)
    await bot.wait(lambda: any(expect in t for t in bot.texts(chat)[before:]), 20)
    return next(t for t in bot.texts(chat)[before:] if expect in t)


def preview(tmp_path: Path, unit: str) -> list[dict]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fazhi.db'}"}
    proc = subprocess.run(
        [FAZHI, "schedule", "preview", "--unit", unit, "--year", "2026", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


async def test_second_year_plan_sent_in_chat_is_followed_everywhere(
    bot: BotHarness, tmp_path: Path
) -> None:
    bot.register(USER, BUREAU)
    before = preview(tmp_path, BUREAU)
    assert {r["obligation"] for r in before} >= {"i2-study"}  # the bundled 2021 plan
    with session_scope(bot.assistant.sched.engine) as s:  # a completion under the old plan
        unit_id = s.exec(select(PlanRow)).first()  # no plan stored yet
        assert unit_id is None
    await bot.say(USER, "/done i2-study")

    # the admin sends the file: preview with 启用 / 取消, nothing active yet
    admin = ADMIN_ID
    count = len(bot.server.messages(admin))
    bot.server.inject_document(
        admin,
        "2026年工作要点.txt",
        PLAN_2026.encode("gb18030"),
        mime_type="text/plain",
        user_id=admin,
    )
    await bot.wait(lambda: any("预览" in (m.text or "") for m in bot.messages(admin)), 20)
    shown = next(m for m in bot.messages(admin) if "预览" in (m.text or ""))
    assert len(bot.messages(admin)) > count
    assert "条目 3 条" in shown.text and "区教育局" in shown.text
    buttons = bot.buttons(shown)
    assert [b.split(":")[1] for b in buttons] == ["on", "no"]
    assert "每半年" not in bot.texts(USER)[-1]
    answer = (await bot.say(USER, "第三条谁负责"))[-1]
    assert "校园" not in answer  # not active yet: the 2021 plan answers

    await bot.tap(admin, buttons[0], user_id=admin)
    await bot.wait(lambda: any("已启用" in t for t in bot.texts(admin)), timeout=HANG)
    done = next(t for t in bot.texts(admin) if "已启用" in t)
    assert "2026" in done and "提醒的变化" in done
    assert "区教育局" in done  # a unit that gets reminders now

    # a question, /mytasks and the schedule preview follow the 2026 plan
    answer = await ask(bot, USER, "第三条谁负责", "区教育局")
    assert "校园" in answer
    tasks = await ask(bot, USER, "/mytasks", "周期性任务")
    assert "2026年下半年" in tasks and "法治进校园" in tasks  # half-yearly now, item 3 is new
    after = preview(tmp_path, BUREAU)
    actions = {r["action"] for r in after}
    assert any("法治进校园" in a or "组织" in a for a in actions), actions
    assert {r["item"] for r in after} <= {1, 2, 3}
    assert before != after

    # what changed: the new item, the removed ones, the study cadence
    diff = await ask(bot, USER, "今年的要点比去年多了什么", "相比")
    assert "推进校园法治教育" in diff
    assert "每季度至少1次 → 每半年至少1次" in diff  # cadence and count
    assert "删去条目" in diff

    # completions of the old plan are kept
    with session_scope(bot.assistant.sched.engine) as s:
        assert s.exec(select(Completion)).all()
        row = s.exec(select(PlanRow)).one()
        assert row.active and row.year == 2026


async def test_cancel_removes_the_preview_and_a_bad_file_is_one_message(bot: BotHarness) -> None:
    admin = ADMIN_ID
    bot.server.inject_document(admin, "坏文件.pdf", b"%PDF-1.4 not really", user_id=admin)
    await bot.wait(lambda: any("无法作为工作要点导入" in t for t in bot.texts(admin)), 20)
    bot.server.inject_document(
        admin, "plan.txt", PLAN_2026.encode(), mime_type="text/plain", user_id=admin
    )
    await bot.wait(lambda: any("预览" in (m.text or "") for m in bot.messages(admin)), 20)
    shown = next(m for m in bot.messages(admin) if "预览" in (m.text or ""))
    cancel = bot.buttons(shown)[1]
    await bot.tap(admin, cancel, user_id=admin)
    await bot.wait(lambda: any("已取消导入" in t for t in bot.texts(admin)), timeout=HANG)
    with session_scope(bot.assistant.sched.engine) as s:
        assert s.exec(select(PlanRow)).all() == []
