"""Every command on the right year's plan, through the installed ``fazhi`` CLI: the bundled
2021 plan plus an imported, activated 2026 plan (tests/data/plans/xiangzhou-2026.txt, with
"每两个月至少学法1次"). `report --period 2021` uses 2021's obligations and 1999 is refused with
the years there are; `ask` follows the active plans as the bot does and names the 2026 plan;
`schedule preview --year 2021` and `--year 2026` each use their own plan; plan ids are short and
every id `kb plans` lists works in `kb` commands, the bundled one included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FAZHI = str(Path(sys.executable).with_name("fazhi"))
PLAN_2026 = Path(__file__).parent / "data" / "plans" / "xiangzhou-2026.txt"


def run(data: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAZHI_DATA_DIR": str(data), "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("DATABASE_URL", None)
    proc = subprocess.run(
        [FAZHI, *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    if ok:
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return proc


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("fazhi-data")
    out = json.loads(run(d, "kb", "import", str(PLAN_2026), "--activate", "--json").stdout)
    assert out["plan_id"] == "xiangzhou-2026" and out["year"] == 2026
    return d


def test_report_of_2021_uses_2021s_obligations(data: Path) -> None:
    rows = json.loads(run(data, "report", "--period", "2021", "--json").stdout)
    keys = {r["obligation"] for r in rows}
    assert "i4-meeting" in keys  # only the 2021 plan has it
    assert "i3-report" not in keys  # only the 2026 plan has it
    assert {r["period"] for r in rows if r["obligation"] == "i2-study"} == {
        f"2021Q{i}" for i in range(1, 5)
    }
    rows = json.loads(run(data, "report", "--period", "2026", "--json").stdout)
    assert {r["period"] for r in rows if r["obligation"] == "i2-study"} == {
        f"2026B{i}" for i in range(1, 7)
    }
    assert "i3-report" in {r["obligation"] for r in rows}


def test_a_year_before_every_plan_is_refused_with_the_years(data: Path) -> None:
    proc = run(data, "report", "--period", "2005", ok=False)
    assert proc.returncode != 0
    assert "2005" in proc.stderr and "2021、2026" in proc.stderr
    proc = run(data, "report", "--period", "1999", ok=False)  # no such year at all
    assert proc.returncode != 0 and "1999" in proc.stderr
    proc = run(data, "schedule", "preview", "--year", "2000", ok=False)
    assert proc.returncode != 0 and "2021、2026" in proc.stderr


def test_schedule_preview_uses_each_years_own_plan(data: Path) -> None:
    for year, plan, study in (
        (2021, "xiangzhou-2021", {f"2021Q{i}" for i in range(1, 5)}),
        (2026, "xiangzhou-2026", {f"2026B{i}" for i in range(1, 7)}),
    ):
        rows = json.loads(
            run(
                data, "schedule", "preview", "--year", str(year), "--unit", "区司法局", "--json"
            ).stdout
        )
        assert {r["plan"] for r in rows} == {plan}
        assert {r["period"] for r in rows if r["obligation"] == "i2-study"} == study


def test_ask_follows_the_active_plans_and_names_the_year(data: Path) -> None:
    out = json.loads(run(data, "ask", "学法多久一次", "--today", "2026-07-01", "--json").stdout)
    assert out["plan_id"] == "xiangzhou-2026"
    # named once: by the engine's own note, or in front of the text when the engine gave none
    assert "2026" in out["plan_label"] and "按2026年度工作要点" in out["text"]
    assert "每两个月" in out["text"]
    text = run(data, "ask", "学法多久一次", "--today", "2026-07-01").stdout
    assert "按2026年度工作要点" in text


def test_every_listed_id_works_in_kb_commands(data: Path) -> None:
    plans = json.loads(run(data, "kb", "plans", "--json").stdout)
    ids = [p["plan_id"] for p in plans]
    assert ids == ["xiangzhou-2021", "xiangzhou-2026"]
    assert all(p["title"] for p in plans)  # the title stays the label
    for plan_id in ids:
        run(data, "kb", "list", "--plan", plan_id)
        run(data, "kb", "obligations", "--plan", plan_id)
    diff = run(data, "kb", "diff", "xiangzhou-2021", "xiangzhou-2026").stdout
    assert "每季度至少1次 → 每两个月至少1次" in diff
    assert "每年至少1次 → 每年至少2次" in diff
    out = json.loads(run(data, "kb", "activate", "xiangzhou-2021", "--json").stdout)
    assert out["activated"] == "xiangzhou-2021" and out.get("unchanged")
    proc = run(data, "kb", "remove", "xiangzhou-2021", "--yes", ok=False)
    assert proc.returncode != 0 and "内置" in proc.stderr


def test_last_year_in_a_question_reads_the_2021_plan(data: Path) -> None:
    """去年 in July 2026 is 2025: no plan of its own, so the latest plan before it, 2021's,
    named as such."""
    out = json.loads(run(data, "ask", "去年学法多久一次", "--today", "2026-07-01", "--json").stdout)
    assert out["plan_id"] == "xiangzhou-2021"
    assert "每季度至少1次" in out["text"] and "每两个月" not in out["text"]
    assert "按2021年度工作要点" in out["text"]
    out = json.loads(run(data, "ask", "今年学法多久一次", "--today", "2026-07-01", "--json").stdout)
    assert out["plan_id"] == "xiangzhou-2026" and "每两个月至少1次" in out["text"]


def test_the_console_chat_follows_the_2026_plan_and_last_year_the_2021_one(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same questions in the console chat (the bot's own core), on the data home the CLI
    imported into."""
    import datetime as dt
    import io

    from bot.channels.console.chat import ConsoleChat
    from bot.runtime.compose import build_assistant
    from bot.runtime.settings import Settings
    from scheduler.timing.clock import TZ

    monkeypatch.setenv("FAZHI_DATA_DIR", str(data))
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_bot_token="123456:TEST",
        database_url=f"sqlite:///{data / 'fazhi.db'}",  # where the CLI activated the plan
        fazhi_admin_ids="1",
        fazhi_data_dir=str(data),
    )
    assistant = build_assistant(settings, extra_admins=frozenset({"console"}))
    assistant.clock = lambda: dt.datetime(2026, 7, 1, 10, tzinfo=TZ)
    out = io.StringIO()
    console = ConsoleChat(assistant, out=out)
    try:
        console.handle_line("学法多久一次")
        now = out.getvalue()
        assert "每两个月至少1次" in now and "按2026年度工作要点" in now, now
        console.handle_line("去年学法多久一次")
        last = out.getvalue()[len(now) :]
        assert "每季度至少1次" in last and "按2021年度工作要点" in last, last
    finally:
        assistant.sched.engine.dispose()
