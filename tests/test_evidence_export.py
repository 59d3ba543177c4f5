"""Each unit's evidence file, end to end: completions with a photo and a document sent in chat,
downloaded from the fake Bot API (getFile + file URL), packed in one zip with the index sheet;
from chat (/evidence, a background task with a status message) and from the CLI."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import subprocess
import sys
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import time_machine
from openpyxl import load_workbook

from scheduler.delivery.outbox import pending_count
from scheduler.records.evidence_export import EvidenceRef, cache_dir
from scheduler.timing.clock import TZ
from tests.bot_harness import ADMIN_ID, HANG, BotHarness, build_harness
from tests.fakes import FakeBotApi

NOW = dt.datetime(2026, 7, 1, 10, 0, tzinfo=TZ)
USER = 1001
BUREAU = "区司法局"
PHOTO = b"\xff\xd8\xff\xe0 meeting photo bytes " + bytes(range(256)) * 4
PDF = b"%PDF-1.4 minutes of the meeting " + bytes(range(200))
PHOTO2 = b"\xff\xd8\xff\xe0 second photo " + bytes(range(100))


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


def _registered(assistant) -> None:  # noqa: ANN001
    from scheduler.records import chat_registry
    from scheduler.store.db import session_scope

    with session_scope(assistant.sched.engine) as s:
        chat_registry.register_chat(s, USER, BUREAU, title="司法局联络员")
        chat_registry.approve(s, USER, actor="test")


@pytest.fixture
async def bot(fake_bot_api: FakeBotApi, tmp_path, monkeypatch) -> AsyncIterator[BotHarness]:  # noqa: ANN001
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    async with build_harness(fake_bot_api, tmp_path, prepare=_registered) as harness:
        # the reminders due now: the bureau's study session and annual meeting
        await harness.wait(lambda: len(harness.messages(USER)) >= 2)
        # and the admins' digest of the closed quarter, queued a moment after the start
        await harness.wait(lambda: _digest_arrived(harness), timeout=HANG)
        await harness.wait(lambda: pending_count(harness.assistant.sched.engine) == 0)
        await asyncio.sleep(0.3)
        yield harness


def _digest_arrived(bot: BotHarness) -> bool:
    return any((m.text or "").startswith("【法治政府建设督察】") for m in bot.messages(ADMIN_ID))


async def _record_completions(bot: BotHarness) -> None:
    await bot.say(USER, "/done i4-meeting 2026 专题会议已召开")
    before = len(bot.messages(USER))
    bot.server.inject_photo(USER, PHOTO, caption="会议照片")
    await bot.wait_messages(USER, before + 1)
    bot.server.inject_photo(USER, PHOTO2)  # a second file is added, not replacing the first
    await bot.wait_messages(USER, before + 2)
    await bot.say(USER, "/done i2-study 2026Q3")
    before = len(bot.messages(USER))
    bot.server.inject_document(USER, "学法记录.pdf", PDF)
    await bot.wait_messages(USER, before + 1)
    await bot.say(USER, "/done i1-report_publish 2026 报告已公开")  # no evidence


def _check_archive(content: bytes) -> None:
    zf = zipfile.ZipFile(io.BytesIO(content))
    names = zf.namelist()
    assert f"{BUREAU}/完成记录.xlsx" in names
    files = sorted(n for n in names if n.startswith(f"{BUREAU}/材料/"))
    assert len(files) == 3, names
    photo, photo2 = sorted(n for n in files if n.endswith(".jpg"))
    [pdf] = [n for n in files if n.endswith(".pdf")]
    assert zf.read(photo) == PHOTO and zf.read(photo2) == PHOTO2 and zf.read(pdf) == PDF
    ws = load_workbook(io.BytesIO(zf.read(f"{BUREAU}/完成记录.xlsx"))).active
    header = next(ws.iter_rows(min_row=2, max_row=2, values_only=True))
    assert list(header) == ["事项", "条目", "期间", "完成时间", "确认人", "备注", "证明材料"]
    rows = {r[2] + " " + r[0][:4]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    assert len(rows) == 3
    meeting = next(r for k, r in rows.items() if k.startswith("2026年 召开"))
    assert meeting[1] == "第4条" and meeting[3].startswith("2026-07-01")
    assert "专题会议已召开" in meeting[5] and "会议照片" in meeting[5]
    assert meeting[6].splitlines() == [
        photo.removeprefix(f"{BUREAU}/"),
        photo2.removeprefix(f"{BUREAU}/"),
    ]
    study = rows["2026年第三季度 学法"]
    assert study[6] == pdf.removeprefix(f"{BUREAU}/")
    published = next(r for k, r in rows.items() if k.startswith("2026年 向社会"))
    assert published[6] in ("", None)
    assert all(r[4] for r in rows.values())  # who confirmed
    # the shared layout: headers wrapped, the header rows frozen, widths fitted (CJK counts 2)
    assert ws.freeze_panes == "A3"
    assert all(c.alignment.wrap_text for c in ws[2])
    assert ws.column_dimensions["A"].width >= 2 * len(
        "召开部署安排法治政府建设年度重点工作的专题会议"
    )
    assert ws.column_dimensions["B"].width >= 2 * len("第4条")


async def test_evidence_export_from_chat(bot: BotHarness, tmp_path: Path) -> None:
    await _record_completions(bot)
    server = bot.server
    before = len(server.calls_to("sendDocument", chat_id=ADMIN_ID))
    server.inject_command(ADMIN_ID, "evidence", "2026")
    await bot.wait(
        lambda: len(server.calls_to("sendDocument", chat_id=ADMIN_ID)) > before, timeout=HANG
    )
    call = server.calls_to("sendDocument", chat_id=ADMIN_ID)[-1]
    assert "3 条完成记录、3 个证明材料" in call.params.get("caption", "")
    [content] = call.files.values()
    _check_archive(content)
    # the files were fetched through the Bot API and kept in the data folder
    assert len(server.calls_to("getFile")) == 3
    kept = sorted(p.name for p in (tmp_path / "data" / "evidence").iterdir())
    assert len(kept) == 3 and any(k.endswith(".pdf") for k in kept)
    # one status message, edited with the progress
    texts = [m.text or "" for m in server.messages(ADMIN_ID)]
    assert any("正在导出2026年各单位证明材料档案" in t for t in texts)
    edits = [c.params["text"] for c in server.calls_to("editMessageText", chat_id=ADMIN_ID)]
    assert "正在下载证明材料：3/3" in edits and edits[-1].endswith("证明材料档案已生成。")

    # a second export reads the kept copies: no new download
    server.inject_command(ADMIN_ID, "evidence", f"2026 {BUREAU}")
    await bot.wait(
        lambda: len(server.calls_to("sendDocument", chat_id=ADMIN_ID)) > before + 1, timeout=HANG
    )
    assert len(server.calls_to("getFile")) == 3
    _check_archive(next(iter(server.calls_to("sendDocument", chat_id=ADMIN_ID)[-1].files.values())))

    # errors are one sentence; a unit's chat cannot export
    [answer] = await bot.say(ADMIN_ID, "/evidence 2026 不存在的单位")
    assert "未找到" in answer or "没有" in answer
    [answer] = await bot.say(USER, "/evidence 2026")
    assert "仅限管理员" in answer


async def test_evidence_export_from_the_cli(bot: BotHarness, tmp_path: Path) -> None:
    await _record_completions(bot)
    out = tmp_path / "archive.zip"
    env = {
        **os.environ,
        "FAZHI_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fazhi.db'}",
        "TELEGRAM_BOT_TOKEN": bot.server.token,
        "TELEGRAM_API_BASE_URL": bot.server.base_url,
    }
    cmd = [sys.executable, "-m", "bot.cli.main", "evidence", "export", "--year", "2026"]
    res = await asyncio.to_thread(
        subprocess.run,
        [*cmd, "--unit", "司法局", "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    assert "已写入" in res.stdout and "3 个证明材料" in res.stdout
    _check_archive(out.read_bytes())
    assert len(bot.server.calls_to("getFile")) == 3

    # offline, with an evidence file lost from the data folder: named in the index, no crash
    first = next((tmp_path / "data" / "evidence").iterdir())
    first.unlink()
    res = await asyncio.to_thread(
        subprocess.run,
        [*cmd, "--offline", "-o", str(tmp_path / "offline.zip")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    assert "1 个材料未能取得" in res.stdout
    zf = zipfile.ZipFile(tmp_path / "offline.zip")
    assert len([n for n in zf.namelist() if "/材料/" in n]) == 2

    res = await asyncio.to_thread(
        subprocess.run, [*cmd, "--unit", "不存在的单位"], capture_output=True, text=True, env=env
    )
    assert res.returncode == 1 and "Traceback" not in res.stderr


def test_evidence_refs() -> None:
    ref = EvidenceRef.parse("telegram:document:BQAC:会议纪要.docx")
    assert (ref.kind, ref.file_id, ref.name, ref.suffix) == (
        "document",
        "BQAC",
        "会议纪要.docx",
        ".docx",
    )
    assert EvidenceRef.parse("telegram:photo:AgAD").suffix == ".jpg"
    assert EvidenceRef.parse("https://example.gov.cn/a").kind == "link"
    assert not EvidenceRef.parse("纸质材料已存档").downloadable
    assert cache_dir().name == "evidence"
