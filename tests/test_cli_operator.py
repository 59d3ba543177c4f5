"""Operator commands through the installed ``fazhi`` script: undo of a completion (audited),
units add/rename/remove with duplicate checks, holidays bound to their year, and tables that
fit an 80-column terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from sqlmodel import Session, create_engine, select

from scheduler.store.models import AuditLog

FAZHI = Path(sys.executable).with_name("fazhi")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def fazhi(home: Path, *args: str, columns: int = 80) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"FAZHI_DATA_DIR": str(home), "COLUMNS": str(columns), "TELEGRAM_BOT_TOKEN": ""}
    return subprocess.run(
        [str(FAZHI), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=home.parent,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def audit_actions(home: Path) -> list[tuple[str, str, dict]]:
    engine = create_engine(f"sqlite:///{home / 'fazhi.db'}")
    with Session(engine) as s:
        rows = s.exec(select(AuditLog).order_by(AuditLog.id)).all()
        out = [(r.action, r.target, json.loads(r.detail)) for r in rows]
    engine.dispose()
    return out


def state(home: Path, unit: str, key: str, period: str) -> str:
    rows = json.loads(fazhi(home, "report", "--json").stdout)
    [row] = [r for r in rows if (r["unit"], r["obligation"], r["period"]) == (unit, key, period)]
    return row["state"]


def test_done_then_undo_from_the_cli_is_audited(home: Path) -> None:
    assert (
        fazhi(home, "done", "司法局", "学法", "--period", "2026Q2", "--by", "张三").returncode == 0
    )
    assert state(home, "区司法局", "i2-study", "2026Q2") == "done"
    proc = fazhi(home, "undo", "司法局", "学法", "--period", "2026Q2", "--by", "李四")
    assert proc.returncode == 0, proc.stderr
    assert "已撤销" in proc.stdout and "张三" in proc.stdout
    assert state(home, "区司法局", "i2-study", "2026Q2") != "done"
    [undo] = [a for a in audit_actions(home) if a[0] == "undo_completion"]
    assert undo[1] == "区司法局" and undo[2]["period"] == "2026Q2"
    assert undo[2]["confirmed_by"] == "张三"
    again = fazhi(home, "undo", "司法局", "学法", "--period", "2026Q2")
    assert again.returncode == 1 and "没有完成记录" in again.stderr


def test_units_add_rename_remove(home: Path) -> None:
    assert fazhi(home, "units", "add", "张家集镇", "--category", "town").returncode == 0
    near = fazhi(home, "units", "add", "张家集", "--category", "town")
    assert near.returncode == 1 and "张家集镇" in near.stderr and "--yes" in near.stderr
    alias = fazhi(home, "units", "add", "司法局", "--category", "town")
    assert alias.returncode == 1 and "区司法局" in alias.stderr
    proc = fazhi(home, "units", "rename", "张家集镇", "张家集街道")
    assert proc.returncode == 0, proc.stderr
    units = {u["name"]: u for u in json.loads(fazhi(home, "units", "list", "--json").stdout)}
    assert "张家集镇" in units["张家集街道"]["aliases"] and "张家集镇" not in units
    # the old name still finds the unit (it is an alias now); the training class binds towns
    # (学法 binds the government's meetings and departments only, and is refused for a town)
    assert fazhi(home, "done", "张家集镇", "i2-training").returncode == 0
    proc = fazhi(home, "units", "remove", "张家集街道")
    assert proc.returncode == 0 and "完成记录保留" in proc.stdout
    assert "张家集街道" not in {
        u["name"] for u in json.loads(fazhi(home, "units", "list", "--json").stdout)
    }
    assert [a[0] for a in audit_actions(home) if "unit" in a[0]] == [
        "add_unit",
        "rename_unit",
        "remove_unit",
    ]
    # added again: back with its history
    assert fazhi(home, "units", "add", "张家集街道", "--category", "subdistrict").returncode == 0


def test_a_holiday_file_must_stay_in_its_year(home: Path, tmp_path: Path) -> None:
    spill = tmp_path / "2012.toml"  # the 2012 New Year make-up workday was on 2011-12-31
    spill.write_text(
        'year = 2012\n[[holiday]]\nname = "元旦"\nstart = "2012-01-01"\nend = "2012-01-03"\n'
        '[[workday]]\nname = "元旦调休"\ndate = "2011-12-31"\n',
        "utf-8",
    )
    proc = fazhi(home, "holidays", "import", str(spill))
    assert proc.returncode == 0, proc.stderr
    wrong = tmp_path / "2028.csv"
    wrong.write_text("date,type,name\n2028-01-01,休,元旦\n2029-02-01,休,春节\n", "utf-8")
    proc = fazhi(home, "holidays", "import", str(wrong))
    assert proc.returncode == 1 and "跨 2028–2029 年" in proc.stderr
    proc = fazhi(home, "holidays", "import", str(wrong), "--year", "2028")
    assert proc.returncode == 1 and "2029-02-01" in proc.stderr


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


@pytest.mark.parametrize(
    "command",
    [
        ("units", "list"),
        ("report",),
        ("report", "--period", "2026Q3"),
        ("schedule", "preview", "--year", "2026"),
        ("kb", "list"),
        ("kb", "units"),
        ("kb", "obligations"),
    ],
)
def test_tables_fit_80_columns(home: Path, command: tuple[str, ...]) -> None:
    proc = fazhi(home, *command)
    assert proc.returncode == 0, proc.stderr
    # the table rows (prose lines around a table are left to the terminal to wrap)
    lines = [line for line in proc.stdout.splitlines() if any(c in line for c in "│┃┏┗└┌━─")]
    assert len(lines) > 3
    assert max(_width(line) for line in lines) <= 80
    # a task key is never cut in two
    if command == ("kb", "obligations"):
        assert "i1-annual_report" in proc.stdout
