"""``fazhi done`` records only what binds the unit, as the chat does: a completion for an
obligation that does not bind the unit is refused with the reason and the override that makes
it apply; after that override it is recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli_operator import fazhi


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_done_for_an_obligation_that_does_not_bind_the_unit_is_refused(home: Path) -> None:
    proc = fazhi(home, "done", "区法院", "学法", "--period", "2026Q2")
    assert proc.returncode == 1
    assert "不约束区法院" in proc.stderr and "fazhi obligations override 区法院" in proc.stderr
    report = fazhi(home, "report", "--period", "2026Q2", "--json")
    assert report.returncode == 0, report.stderr
    rows = json.loads(report.stdout)
    assert not [r for r in rows if r["unit"] == "区法院" and r["obligation"] == "i2-study"]
    proc = fazhi(
        home, "obligations", "override", "区法院", "学法", "--applies", "--reason", "院党组决定参加"
    )
    assert proc.returncode == 0, proc.stderr
    proc = fazhi(home, "done", "区法院", "学法", "--period", "2026Q2")
    assert proc.returncode == 0 and "已登记" in proc.stdout, proc.stderr
    rows = json.loads(fazhi(home, "report", "--period", "2026Q2", "--json").stdout)
    court = [r for r in rows if r["unit"] == "区法院" and r["obligation"] == "i2-study"]
    assert [r["state"] for r in court] == ["done"]
