"""The last gaps of issue 25 (points 3 and 6), through the installed ``fazhi`` script: success is
said only once it is stored and a closed standard output loses nothing; ``--evidence FILE``
stores the file; the annual report counts every unit past a deadline as overdue; report totals
add up (不适用 shown); written files get the usual permissions; the JSON shapes' docstring
points at docs/cli-json.md."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.test_cli_operator import FAZHI, fazhi

ROOT = Path(__file__).resolve().parent.parent
PLAN_2026 = ROOT / "tests" / "data" / "plans" / "xiangzhou-2026.txt"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def closed_stdout(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``fazhi ARGS | head -0`` without the race: the pipe's reader is gone before the command
    starts, so every write to the standard output meets a closed pipe."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"FAZHI_DATA_DIR": str(home), "TELEGRAM_BOT_TOKEN": ""}
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [str(FAZHI), *args],
            stdout=write,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=home.parent,
            timeout=300,
        )
    finally:
        os.close(write)


def plan_ids(home: Path) -> list[str]:
    proc = fazhi(home, "kb", "plans", "--json")
    assert proc.returncode == 0, proc.stderr
    return [p["plan_id"] for p in json.loads(proc.stdout)]


# -- 1. success after the commit; a closed stdout keeps what was stored ------------------------
def test_kb_import_into_a_closed_pipe_keeps_the_plan_and_says_nothing(home: Path) -> None:
    proc = closed_stdout(home, "kb", "import", str(PLAN_2026), "--activate")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert "xiangzhou-2026" in plan_ids(home)
    plans = {p["plan_id"]: p for p in json.loads(fazhi(home, "kb", "plans", "--json").stdout)}
    assert plans["xiangzhou-2026"]["active"]  # the activation was kept too


def test_records_and_reports_into_a_closed_pipe(home: Path) -> None:
    proc = closed_stdout(home, "done", "司法局", "i4-meeting", "--period", "2026")
    assert (proc.returncode, proc.stderr) == (0, "")
    proc = closed_stdout(home, "units", "add", "张家集镇", "--category", "镇")
    assert (proc.returncode, proc.stderr) == (0, "")
    for read_only in (("report", "--period", "2026", "--json"), ("units", "list")):
        proc = closed_stdout(home, *read_only)
        assert (proc.returncode, proc.stderr) == (0, ""), read_only
    rows = json.loads(fazhi(home, "report", "--period", "2026", "--json").stdout)
    assert ("区司法局", "i4-meeting", "done") in {
        (r["unit"], r["obligation"], r["state"]) for r in rows
    }
    assert "张家集镇" in fazhi(home, "units", "list").stdout


def test_what_is_said_imported_stays_imported_when_activation_is_refused(home: Path) -> None:
    """Replacing the year's plan in force needs --yes: refused, the import that "已导入" announced
    is still stored (it was rolled back with the refusal)."""
    first = fazhi(home, "kb", "import", str(PLAN_2026), "--activate", "--yes")
    assert first.returncode == 0, first.stderr
    other = home.parent / "other-2026.txt"
    other.write_text(PLAN_2026.read_text("utf-8") + "\n", "utf-8")  # same year, other bytes
    proc = fazhi(home, "kb", "import", str(other), "--activate")
    assert proc.returncode == 1 and "未替换" in proc.stderr
    said = re.search(r"已导入（编号 (\S+)）", proc.stdout)
    assert said is not None, proc.stdout
    assert said.group(1) in plan_ids(home)


# -- 2. --evidence FILE stores the file ---------------------------------------------------------
def test_done_with_an_evidence_file_is_packed_by_the_export(home: Path, tmp_path: Path) -> None:
    minutes = tmp_path / "纪要.txt"
    minutes.write_text("2026年专题会议纪要\n", "utf-8")
    proc = fazhi(
        home, "done", "司法局", "i4-meeting", "--period", "2026", "--evidence", str(minutes)
    )
    assert proc.returncode == 0, proc.stderr
    assert "纪要.txt" in proc.stdout and "存入数据目录" in proc.stdout
    minutes.unlink()  # the stored copy is what the export packs
    # plain text stays a note; a link stays a link
    for unit, text in (("发改局", "第3次党组会议"), ("公安局", "https://example.gov.cn/a.html")):
        proc = fazhi(home, "done", unit, "i4-meeting", "--period", "2026", "--evidence", text)
        assert proc.returncode == 0, proc.stderr
    out = tmp_path / "ev.zip"
    proc = fazhi(home, "evidence", "export", "--offline", "--year", "2026", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "1 个证明材料" in proc.stdout
    with zipfile.ZipFile(out) as zf:
        [packed] = [n for n in zf.namelist() if n.startswith("区司法局/材料/")]
        assert packed.endswith(".txt")
        assert zf.read(packed).decode("utf-8") == "2026年专题会议纪要\n"


def test_an_evidence_file_joins_an_earlier_completion(home: Path, tmp_path: Path) -> None:
    assert fazhi(home, "done", "司法局", "i4-meeting", "--period", "2026").returncode == 0
    photo = tmp_path / "会场.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 photo")
    proc = fazhi(home, "done", "司法局", "i4-meeting", "--period", "2026", "--evidence", str(photo))
    assert proc.returncode == 0, proc.stderr
    assert "未重复登记" in proc.stdout and "共 1 份" in proc.stdout
    out = tmp_path / "ev.zip"
    fazhi(home, "evidence", "export", "--offline", "--year", "2026", "-o", str(out))
    with zipfile.ZipFile(out) as zf:
        assert [n for n in zf.namelist() if n.endswith(".jpg")] != []


@pytest.mark.parametrize("missing", ["纪要.txt", "./材料/纪要", "~/没有这个文件.pdf"])
def test_a_missing_evidence_file_is_refused(home: Path, missing: str) -> None:
    proc = fazhi(home, "done", "司法局", "i4-meeting", "--period", "2026", "--evidence", missing)
    assert proc.returncode == 1
    [line] = proc.stderr.strip().splitlines()  # one sentence
    assert line.startswith("错误：找不到文件") and missing in line and "--note" in line
    rows = json.loads(fazhi(home, "report", "--period", "2026", "--json").stdout)
    assert ("区司法局", "i4-meeting", "done") not in {
        (r["unit"], r["obligation"], r["state"]) for r in rows
    }


def test_a_folder_is_no_evidence_file(home: Path, tmp_path: Path) -> None:
    proc = fazhi(
        home, "done", "司法局", "i4-meeting", "--period", "2026", "--evidence", str(tmp_path)
    )
    assert proc.returncode == 1 and "不是一个文件" in proc.stderr


def test_what_looks_like_a_path() -> None:
    from scheduler.records.evidence_files import looks_like_path

    for path in ("纪要.txt", "a/b.docx", "/tmp/x", "./x", "~/x", "照片.JPEG"):
        assert looks_like_path(path), path
    for note in ("第3次会议", "2026/3/1 召开会议", "2026/3/1", "见 纪要.txt", "https://a.cn/b.pdf"):
        assert not looks_like_path(note), note


# -- 3. the annual report's overdue count -------------------------------------------------------
def test_the_annual_report_counts_units_that_have_not_reported_as_overdue(home: Path) -> None:
    proc = fazhi(home, "report", "--period", "2026", columns=300)  # run after 1 April 2026
    assert proc.returncode == 0, proc.stderr
    m = re.search(
        r"已报送 0/(\d+)（逾期未报送 (\d+)），已公开 0/(\d+)（逾期未公开 (\d+)）", proc.stdout
    )
    assert m is not None, proc.stdout
    n = int(m.group(1))
    assert n > 1 and [int(g) for g in m.groups()] == [n] * 4


def test_annual_report_tally_before_and_after_the_deadlines() -> None:
    from scheduler.records.annual_report import AnnualReportStatus, UnitReport

    def summary(today: dt.date, *rows: UnitReport) -> str:
        status = AnnualReportStatus(
            2026, dt.date(2026, 3, 1), dt.date(2026, 4, 1), today, list(rows)
        )
        return status.lines()[1]

    early = UnitReport("甲", dt.date(2026, 2, 1), None)
    assert summary(dt.date(2026, 2, 10), early, UnitReport("乙", None, None)) == (
        "已报送 1/2（待报送 1），已公开 0/2（待公开 2）"
    )
    published = UnitReport("甲", dt.date(2026, 2, 1), dt.date(2026, 3, 20))
    late = UnitReport("乙", dt.date(2026, 3, 5), None)  # submitted after 1 March
    missing = UnitReport("丙", None, None)
    assert summary(dt.date(2026, 3, 25), published, late, missing) == (
        "已报送 2/3（逾期报送 1，逾期未报送 1），已公开 1/3（待公开 2）"
    )
    assert summary(dt.date(2026, 5, 1), published, late, missing) == (
        "已报送 2/3（逾期报送 1，逾期未报送 1），已公开 1/3（逾期未公开 2）"
    )


# -- 4. totals that add up ----------------------------------------------------------------------
def _adds_up(text: str) -> None:
    m = re.search(
        r"已完成 (\d+)，待完成 (\d+)，已逾期 (\d+)，不适用 (\d+)（(\d+) 个单位 × (\d+) 项", text
    ) or re.search(
        r"已完成 (\d+)，已逾期 (\d+)，待完成 (\d+)，不适用 (\d+)（(\d+) 个单位 × (\d+) 项", text
    )
    assert m is not None, text
    *states, units, items = (int(g) for g in m.groups())
    assert states[3] > 0 and sum(states) == units * items


def test_report_totals_add_up_to_units_times_items(home: Path, tmp_path: Path) -> None:
    from bot.chat.render.compliance import compliance_reply
    from bot.chat.render.report_picture import matrix_subtitle
    from scheduler.jobs.context import SchedulerContext
    from scheduler.records.completions import compliance_matrix
    from scheduler.store.db import session_scope
    from scheduler.timing.clock import TZ
    from scheduler.timing.periods import Period

    proc = fazhi(home, "report", "--period", "2026", columns=300)  # the terminal's table title
    assert proc.returncode == 0, proc.stderr
    _adds_up(proc.stdout)
    ctx = SchedulerContext.load(f"sqlite:///{tmp_path / 'chat.db'}")
    now = dt.datetime(2026, 7, 1, 10, 0, tzinfo=TZ)
    with session_scope(ctx.engine) as s:
        [reply, *_] = compliance_reply(ctx, s, "2026", now)  # the chat's /report
        m = compliance_matrix(s, ctx.plan, ctx.directory(s), Period.parse("2026"), now=now)
    ctx.engine.dispose()
    _adds_up(reply.plain)
    subtitle = matrix_subtitle(m)  # the picture's
    figures = [int(x) for x in re.findall(r"\d+", subtitle)]
    units, items, cells, *states = figures
    assert units * items == cells == sum(states) and "不适用" in subtitle


# -- 5. the usual permissions -------------------------------------------------------------------
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_report_files_follow_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"FAZHI_DATA_DIR": str(tmp_path / "home"), "TELEGRAM_BOT_TOKEN": ""}
    for name in ("r.xlsx", "r.csv"):
        proc = subprocess.run(
            [str(FAZHI), "report", "--period", "2026", "-o", str(tmp_path / name)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            umask=umask,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode, name


def test_an_existing_file_keeps_its_permissions(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    out.write_text("old")
    out.chmod(0o600)  # the operator keeps the report private
    assert fazhi(home, "report", "--period", "2026", "-o", str(out)).returncode == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and out.read_text("utf-8-sig") != "old"


# -- 6. where the JSON shapes are documented ----------------------------------------------------
def test_the_json_shapes_docstring_names_their_document() -> None:
    import knowledge.plan.serialize as serialize

    assert serialize.__doc__ is not None and "docs/cli-json.md" in serialize.__doc__
    assert "README" not in serialize.__doc__
    assert (ROOT / "docs" / "cli-json.md").is_file()


def test_health_into_a_closed_pipe_keeps_its_verdict(home: Path) -> None:
    """`fazhi health | head -1` (the fast path without the CLI framework): no traceback, the
    exit code still says whether the bot's database answers."""
    assert fazhi(home, "db", "upgrade").returncode == 0
    proc = closed_stdout(home, "health")
    assert (proc.returncode, proc.stderr) == (0, "")
