"""`fazhi kb …` through the installed console script, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).parent / "data" / "documents"
FAZHI = str(Path(sys.executable).with_name("fazhi"))


def run(*args: str, data_dir: Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FAZHI_DATA_DIR": str(data_dir), "COLUMNS": "160"}
    proc = subprocess.run(
        [FAZHI, *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_show_14_json(data_dir: Path) -> None:
    out = json.loads(run("kb", "show", "14", "--json", data_dir=data_dir).stdout)
    assert out["number"] == 14
    assert out["units"] == ["区委编办", "区司法局", "区检察院", "区纪委监委", "各镇(街)"]
    assert "建立健全行政执法统计年报制度" in out["tasks"]
    assert out["obligations"] == []
    two = json.loads(run("kb", "show", "二", "--json", data_dir=data_dir).stdout)
    assert {(o["cadence"], o["min_count"]) for o in two["obligations"]} == {
        ("quarterly", 1),
        ("annual", 1),
        ("once", 1),
    }
    assert all(o["text"] for o in two["obligations"])


def test_show_human_and_out_of_range(data_dir: Path) -> None:
    out = run("kb", "show", "3", data_dir=data_dir).stdout
    assert "编制法治政府建设工作方案" in out and "区委依法治区办" in out
    bad = run("kb", "show", "25", data_dir=data_dir, ok=False)
    assert bad.returncode == 1 and "共 20 条" in bad.stderr
    bad = run("kb", "show", "abc", data_dir=data_dir, ok=False)
    assert bad.returncode == 1 and "不是条目编号" in bad.stderr


def test_list_units_obligations(data_dir: Path) -> None:
    items = json.loads(run("kb", "list", "--json", data_dir=data_dir).stdout)["items"]
    assert len(items) == 20 and items[13]["title"] == "持续深化行政执法体制改革"
    units = json.loads(run("kb", "units", "--json", data_dir=data_dir).stdout)
    by_name = {u["name"]: u for u in units["units"]}
    assert by_name["区司法局"]["category"] == "department"
    assert "司法局" in by_name["区司法局"]["aliases"]
    groups = {g["name"]: g for g in units["groups"]}
    assert groups["区直有关单位"]["partial"] is True
    assert set(groups["各镇(街、区)"]["categories"]) == {"town", "subdistrict", "park"}
    obligations = json.loads(run("kb", "obligations", "--json", data_dir=data_dir).stdout)
    assert len(obligations) == 6
    assert "区司法局" in run("kb", "units", data_dir=data_dir).stdout
    assert "i2-study" in run("kb", "obligations", data_dir=data_dir).stdout


def test_check_reports_items_and_errors(data_dir: Path, tmp_path: Path) -> None:
    good = json.loads(
        run("kb", "check", str(DOCS / "layout_arabic.txt"), "--json", data_dir=data_dir).stdout
    )
    assert good["errors"] == [] and len(good["items"]) == 4
    assert {"number", "title", "text", "units", "obligations"} <= set(good["items"][0])
    broken = tmp_path / "broken.txt"
    broken.write_text(
        "一、第一条。〔责任单位：区司法局〕\n三、第三条。〔责任单位：区财政局〕\n", "utf-8"
    )
    proc = run("kb", "check", str(broken), "--json", data_dir=data_dir, ok=False)
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["errors"] == [{"line": 2, "message": "条目编号不连续：一之后是三，缺少二。"}]
    assert len(report["items"]) == 2
    human = run("kb", "check", str(broken), data_dir=data_dir, ok=False)
    assert "第2行" in human.stdout and "缺少二" in human.stdout


def test_plan_lifecycle(data_dir: Path, tmp_path: Path) -> None:
    """import (preview, stored, not active) → same file again is a no-op → activate →
    kb list follows it → another file for the same year asks first → plans → remove."""
    first = run("kb", "import", str(DOCS / "layout_sections.txt"), data_dir=data_dir).stdout
    assert "已导入" in first and "条目 4 条" in first and "牵头单位" in first
    default = json.loads(run("kb", "list", "--json", data_dir=data_dir).stdout)
    assert len(default["items"]) == 20  # not active yet: the bundled plan stays
    again = json.loads(
        run("kb", "import", str(DOCS / "layout_sections.txt"), "--json", data_dir=data_dir).stdout
    )
    assert again["created"] is False and again["plan_id"] == "mouxian-2023"
    act = json.loads(run("kb", "activate", "mouxian-2023", "--json", data_dir=data_dir).stdout)
    assert act["activated"] == "mouxian-2023" and act["replaced"] is None
    plans = json.loads(run("kb", "plans", "--json", data_dir=data_dir).stdout)
    assert [(p["plan_id"], p["year"], p["active"]) for p in plans] == [
        ("xiangzhou-2021", 2021, True),
        ("mouxian-2023", 2023, True),
    ]
    # ids are short, from the issuer's place and the year (某县 → mouxian); the title is the label
    # the plan in force this year is the 2023 one now
    now = json.loads(run("kb", "list", "--json", data_dir=data_dir).stdout)
    assert now["plan_id"] == "mouxian-2023" and len(now["items"]) == 4
    # another document for 2023: refused without confirmation, replaced with --yes
    other = tmp_path / "other-2023.txt"
    other.write_text(
        "2023年某县法治政府建设工作要点\n一、加强行政复议。责任单位：县司法局\n", "utf-8"
    )
    refused = run("kb", "import", str(other), "--activate", data_dir=data_dir, ok=False)
    assert refused.returncode == 1 and "未替换" in refused.stderr
    replaced = json.loads(
        run("kb", "import", str(other), "--activate", "--yes", "--json", data_dir=data_dir).stdout
    )
    assert replaced["activation"]["replaced"] == "mouxian-2023"
    diff = json.loads(
        run("kb", "diff", "mouxian-2023", "mouxian-2023-2", "--json", data_dir=data_dir).stdout
    )
    assert len(diff["removed"]) + len(diff["changed"]) >= 3
    run("kb", "remove", "mouxian-2023", data_dir=data_dir)
    listed = json.loads(run("kb", "plans", "--json", data_dir=data_dir).stdout)
    assert "mouxian-2023" not in [p["plan_id"] for p in listed]
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02")
    proc = run("kb", "import", str(bad), data_dir=data_dir, ok=False)
    assert proc.returncode == 1 and "二进制" in proc.stderr


def test_a_kb_command_imports_neither_the_database_nor_the_bot_layer() -> None:
    """`fazhi kb check` loads only its own family (start-up time is a user-facing cost); the
    other kb commands read the active plans from the database."""
    code = (
        "import sys; sys.argv = ['fazhi', 'kb', 'check', 'README.md', '--json']\n"
        "from bot.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('sqlalchemy', 'telegram', 'numpy') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert "HEAVY []" in proc.stdout, proc.stdout[-500:] + proc.stderr[-500:]
