"""Holiday imports merge day by day: they add and change days, leave the other imported days
of the year alone (unless ``--replace``), never turn a year chinese-calendar knows into plain
weekends, and ask before setting a day against the State Council's known arrangement."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from scheduler_fixtures import *  # noqa: F403

from scheduler.records.holidays import (
    calendar_from_db,
    holiday_changes,
    import_holidays,
    parse_holidays,
)
from scheduler.store.db import session_scope
from scheduler.timing.workdays import WorkCalendar
from tests.test_cli_operator import fazhi

TWO_2027 = 'year = 2027\n[[holiday]]\nname = "元旦"\nstart = "2027-01-01"\nend = "2027-01-02"\n'


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


ONE_2027 = 'year = 2027\n[[holiday]]\nname = "清明节"\ndate = "2027-04-05"\n'


def test_a_second_file_of_a_year_merges_instead_of_replacing(engine) -> None:
    first, _ = parse_holidays(TWO_2027, "toml")
    second, _ = parse_holidays(ONE_2027, "toml")
    with session_scope(engine) as s:
        import_holidays(s, first, "a")
        changes = holiday_changes(s, second)
        assert [e.day for e in changes.added] == [date(2027, 4, 5)]
        assert [e.day for e in changes.kept] == [date(2027, 1, 1), date(2027, 1, 2)]
        import_holidays(s, second, "b")
        cal = calendar_from_db(s)
    assert not cal.is_workday(date(2027, 1, 1))  # still there
    assert not cal.is_workday(date(2027, 4, 5))
    with session_scope(engine) as s:
        renamed, _ = parse_holidays(ONE_2027.replace("清明节", "清明"), "toml")
        changes = holiday_changes(s, renamed)
        assert [(a.name, b.name) for a, b in changes.changed] == [("清明节", "清明")]
        import_holidays(s, second, "b", replace=True)
        cal = calendar_from_db(s)
    assert cal.is_workday(date(2027, 1, 1))  # Friday: dropped by --replace


def test_a_few_days_of_a_known_year_keep_the_rest_of_that_year(engine) -> None:
    """A two-day 2026 file must not move the Q4 study reminder onto 国庆 (2026-10-01)."""
    entries, _ = parse_holidays(
        "date,type,name\n2026-12-28,休,单位调休\n2026-12-29,休,单位调休\n", "csv"
    )
    with session_scope(engine) as s:
        changes = holiday_changes(s, entries)
        assert len(changes.against_official) == 2  # both are working days officially
        import_holidays(s, entries, "x")
        cal = calendar_from_db(s)
    assert not cal.is_workday(date(2026, 10, 1))  # 国庆, from chinese-calendar
    assert not cal.is_workday(date(2026, 12, 28))  # the imported correction
    assert cal.source(2026) == "chinese_calendar"
    plain = WorkCalendar()  # chinese-calendar alone
    assert cal.on_or_after(date(2026, 10, 1)) == plain.on_or_after(date(2026, 10, 1))


def test_the_cli_shows_the_merge_and_asks_before_overriding_a_known_day(
    home: Path, tmp_path: Path
) -> None:
    a = tmp_path / "a.toml"
    a.write_text(TWO_2027, "utf-8")
    b = tmp_path / "b.toml"
    b.write_text(ONE_2027, "utf-8")
    assert fazhi(home, "holidays", "import", str(a)).returncode == 0
    proc = fazhi(home, "holidays", "import", str(b))
    assert proc.returncode == 0, proc.stderr
    assert "新增  2027-04-05" in proc.stdout and "保持不变" in proc.stdout
    assert "新增 1 天，修改 0 天，不变 0 天；此前导入的其他 2 天已保留" in proc.stdout
    listed = fazhi(home, "holidays", "list", "--year", "2027")
    assert listed.returncode == 0, listed.stderr
    assert "已导入 3 天" in listed.stdout and "2027-01-02" in listed.stdout

    against = tmp_path / "oct.csv"
    against.write_text("date,type,name\n2026-10-01,班,误写\n", "utf-8")
    proc = fazhi(home, "holidays", "import", str(against))  # stdin is not a terminal
    assert proc.returncode == 1 and "--yes" in proc.stderr
    assert "2026-10-01" in proc.stdout and "国务院安排：休息日" in proc.stdout
    before = fazhi(home, "holidays", "list", "--year", "2026")
    assert "没有导入的日期" in before.stdout  # nothing stored by the refused import
    proc = fazhi(home, "holidays", "import", str(against), "--yes")
    assert proc.returncode == 0, proc.stderr
    assert "chinese-calendar 收录" in fazhi(home, "holidays", "list", "--year", "2026").stdout
