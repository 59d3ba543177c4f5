"""Every command that writes a file checks the path first and writes atomically: a missing
folder is refused (never created), a suffix that names another format is refused, the format
follows the file's suffix when only ``-o`` is given, and no temporary file is left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli_operator import fazhi


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_report_refuses_a_missing_folder_and_a_wrong_suffix(home: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such"
    proc = fazhi(home, "report", "--format", "xlsx", "-o", str(missing / "r.xlsx"))
    assert proc.returncode == 1 and "不存在" in proc.stderr
    assert not missing.exists()
    proc = fazhi(home, "report", "--format", "png", "-o", str(tmp_path / "r.xlsx"))
    assert proc.returncode == 1 and "扩展名与格式不符" in proc.stderr and ".png" in proc.stderr
    assert not (tmp_path / "r.xlsx").exists()
    proc = fazhi(home, "report", "-o", str(tmp_path / "r.txt"))
    assert proc.returncode == 1 and ".xlsx" in proc.stderr


def test_report_format_follows_the_suffix_and_leaves_no_temporary_file(
    home: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    proc = fazhi(home, "report", "--period", "2026", "-o", str(out / "r.xlsx"))
    assert proc.returncode == 0, proc.stderr
    assert (out / "r.xlsx").read_bytes()[:2] == b"PK"  # a workbook, not a table printout
    proc = fazhi(home, "report", "--period", "2026", "-o", str(out / "r.csv"))
    assert proc.returncode == 0, proc.stderr
    assert (out / "r.csv").read_text("utf-8-sig").startswith("单位")
    assert sorted(p.name for p in out.iterdir()) == ["r.csv", "r.xlsx"]


def test_evidence_export_refuses_a_missing_folder_like_report(home: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    proc = fazhi(home, "evidence", "export", "--offline", "-o", str(missing / "x.zip"))
    assert proc.returncode == 1 and "不存在" in proc.stderr
    assert not missing.exists()
    proc = fazhi(home, "evidence", "export", "--offline", "-o", str(tmp_path / "x.tar"))
    assert proc.returncode == 1 and ".zip" in proc.stderr
