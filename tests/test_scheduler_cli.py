"""The scheduler's CLI commands end to end on a real SQLite file."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from scheduler_fixtures import TOWN
from typer.testing import CliRunner

from bot.cli.main import app

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path, monkeypatch):  # noqa: ANN201
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_db_upgrade_and_units(cli_env) -> None:
    code, out = run("db", "upgrade")
    assert code == 0 and "已新建数据库" in out  # an empty database is not "already up to date"
    assert (cli_env / "data" / "fazhi.db").exists()
    code, out = run("db", "upgrade")
    assert code == 0 and "已是最新结构" in out and "无需升级" in out
    assert run("units", "add", TOWN, "--category", "town")[0] == 0
    code, out = run("units", "add", TOWN, "--category", "town")
    assert code == 1 and "已存在" in out
    code, out = run("units", "add", "某中心", "--category", "planet")
    assert code == 1 and "未知的单位类别" in out
    # the Chinese label `units list` shows is accepted as well
    code, out = run("units", "add", "程河镇", "--category", "镇")
    assert code == 0 and "程河镇（镇）" in out, out
    code, out = run("units", "add", "某检察分院", "--category", "检察院")
    assert code == 0 and "法院/检察院" in out, out
    code, out = run("units", "list", "--json")
    units = {u["name"]: u for u in json.loads(out)}
    assert units[TOWN]["source"] == "admin" and units["区司法局"]["category"] == "department"


def test_schedule_preview_json(cli_env) -> None:
    run("units", "add", TOWN, "--category", "town")
    code, out = run("schedule", "preview", "--unit", "张家集", "--year", "2026", "--json")
    assert code == 0
    rows = json.loads(out)
    # a town: the annual reports, the training class, the court hearing and the annual meeting;
    # not the quarterly study session of 区政府常务会议、政府部门办公会议 (8 reminders fewer);
    # the two reports each also have an overdue step
    assert len(rows) == 15
    assert {"date", "unit", "item", "obligation", "step"} <= set(rows[0])
    assert rows[0] == {
        **rows[0],
        "date": "2026-02-03",
        "unit": TOWN,
        "item": 1,
        "obligation": "i1-annual_report",
        "step": "d-15",
    }
    assert {r["obligation"] for r in rows} == {
        "i1-annual_report",
        "i1-report_publish",
        "i2-training",
        "i2-court_hearing",
        "i4-meeting",
    }
    code, out = run("schedule", "preview", "--unit", "区法院", "--year", "2026", "--json")
    assert code == 0
    assert {r["obligation"] for r in json.loads(out)} == {"i1-annual_report", "i1-report_publish"}
    code, out = run("schedule", "preview", "--unit", "区财政局", "--year", "2026", "--json")
    assert {r["obligation"] for r in json.loads(out)} == {
        "i1-annual_report",
        "i1-report_publish",
        "i2-study",
        "i4-meeting",
    }
    assert not [r for r in rows if "2026-10-01" <= r["date"] <= "2026-10-07"]
    code, out = run("schedule", "preview", "--year", "2026")
    assert code == 0 and "2026年提醒计划" in out


def test_unknown_unit_and_obligation_give_candidates(cli_env) -> None:
    code, out = run("schedule", "preview", "--unit", "财务局", "--year", "2026")
    assert code == 1 and "区财政局" in out and "Traceback" not in out
    code, out = run("done", "司法局", "学习法律")
    assert code == 1 and "“学法”" in out  # the candidate by its Chinese name
    code, out = run("done", "财务局", "学法", "--period", "2026Q3")
    assert code == 1 and "区财政局" in out
    code, out = run("done", "司法局", "学法", "--period", "2026Q9")
    assert code == 1 and "不是有效的期间" in out


def test_malformed_database_url(cli_env, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://user@:5432/")
    code, out = run("units", "list")
    assert code == 1 and "主机名" in out and "Traceback" not in out


def test_done_and_report_formats(cli_env) -> None:
    code, out = run("done", "司法局", "学法", "--period", "2026Q3", "--note", "党组会学法")
    assert code == 0 and "已登记" in out
    code, out = run("done", "区司法局", "i2-study", "--period", "2026Q3")
    assert code == 0 and "未重复登记" in out
    code, out = run("report", "--period", "2026Q3", "--json")
    cells = {(c["unit"], c["obligation"], c["period"]): c["state"] for c in json.loads(out)}
    assert cells[("区司法局", "i2-study", "2026Q3")] == "done"
    assert cells[("区财政局", "i2-study", "2026Q3")] in ("overdue", "pending")
    code, out = run("report", "--period", "2026", "--format", "csv")
    table = list(csv.reader(io.StringIO(out)))
    assert table[0][0] == "单位" and "学法（2026年第三季度）" in table[0]
    row = next(r for r in table if r[0] == "区司法局")
    assert row[table[0].index("学法（2026年第三季度）")] == "已完成"
    xlsx = cli_env / "r.xlsx"
    assert run("report", "--format", "xlsx", "--period", "2026", "-o", str(xlsx))[0] == 0
    ws = load_workbook(xlsx).active
    assert ws["A2"].value == "单位" and ws.max_row == len(table) + 1
    code, out = run("report", "--format", "pdf")
    assert code == 1 and "不支持的格式" in out


def test_holidays_import(cli_env) -> None:
    f = cli_env / "2027.toml"
    f.write_text(
        'source = "测试"\n[[holiday]]\nname = "元旦"\nstart = "2027-01-01"\nend = "2027-01-03"\n[[workday]]\ndate = "2027-01-09"\n',
        "utf-8",
    )
    code, out = run("holidays", "import", str(f))
    assert code == 0 and "2027年：已导入 4 天（放假 3 天，调休上班 1 天）" in out
    bad = cli_env / "bad.csv"
    bad.write_text("date,type\n2027-01-01,maybe\n", "utf-8")
    code, out = run("holidays", "import", str(bad))
    assert code == 1 and "type" in out
    code, out = run("holidays", "import", str(cli_env / "missing.toml"))
    assert code == 1 and "找不到" in out
    code, out = run("schedule", "preview", "--unit", "区司法局", "--year", "2027", "--json")
    days = [r["date"] for r in json.loads(out)]
    assert days[0] == "2027-01-04"  # Q1 starts on the first working day after 元旦


def test_xlsx_report_without_output_is_written_to_a_named_file(cli_env, monkeypatch) -> None:
    monkeypatch.chdir(cli_env)
    code, out = run("report", "--format", "xlsx", "--period", "2026Q3")
    assert code == 0 and "fazhi-report-2026Q3.xlsx" in out
    ws = load_workbook(cli_env / "fazhi-report-2026Q3.xlsx").active
    assert ws["A1"].value.startswith("2026年第三季度")


def test_units_liaison_add_list_remove_is_audited(cli_env) -> None:
    """A unit whose group was registered without a liaison gets one from the command line."""
    from sqlmodel import Session, select

    from scheduler.store.db import init_db
    from scheduler.store.models import AuditLog, Liaison

    code, out = run("units", "liaison", "add", "司法局", "8101", "--name", "张三", "--by", "王科长")
    assert code == 0 and "张三（8101）" in out and "区司法局" in out
    code, out = run("units", "liaison", "list", "--json")
    assert [(r["unit"], r["user_id"], r["name"]) for r in json.loads(out)] == [
        ("区司法局", "8101", "张三")
    ]
    assert json.loads(out)[0]["approved_at"].endswith("+08:00")  # Beijing time, zone shown
    code, out = run("units", "liaison", "add", "司法局", "张三")
    assert code == 1 and "不是 Telegram 用户ID" in out
    code, out = run("units", "liaison", "add", "宇宙局", "8101")
    assert code == 1 and "未找到单位" in out
    code, out = run("units", "liaison", "remove", "区司法局", "8101")
    assert code == 0 and "不再是" in out
    code, out = run("units", "liaison", "remove", "区司法局", "8101")
    assert code == 1 and "不是该单位的联络员" in out
    assert json.loads(run("units", "liaison", "list", "--json")[1]) == []
    engine = init_db(f"sqlite:///{cli_env / 'data' / 'fazhi.db'}")
    with Session(engine) as s:
        actions = [(a.actor, a.action, a.target) for a in s.exec(select(AuditLog)).all()]
        (row,) = s.exec(select(Liaison)).all()
    engine.dispose()
    assert ("王科长", "add_liaison", "8101") in actions
    assert ("cli", "remove_liaison", "8101") in actions
    assert row.active is False  # kept, inactive, with who named them
