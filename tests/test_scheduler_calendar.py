"""Periods, Chinese working days, imported holiday data and the weekend fallback."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from scheduler_fixtures import *  # noqa: F403

from knowledge.plan.model import Cadence
from scheduler.records.holidays import (
    HolidayFileError,
    calendar_from_db,
    import_holidays,
    parse_holidays,
)
from scheduler.store.db import session_scope
from scheduler.timing.periods import Period, PeriodError
from scheduler.timing.workdays import WorkCalendar


@pytest.mark.parametrize(
    ("text", "key", "start", "end"),
    [
        ("2026", "2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026Q3", "2026Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026-q1", "2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026年第四季度", "2026Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026H2", "2026H2", date(2026, 7, 1), date(2026, 12, 31)),
        ("2026年上半年", "2026H1", date(2026, 1, 1), date(2026, 6, 30)),
        ("2026-02", "2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2024年2月", "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ],
)
def test_period_parse(text: str, key: str, start: date, end: date) -> None:
    p = Period.parse(text)
    assert (p.key, p.start, p.end) == (key, start, end)
    assert Period.parse(p.key) == p


def test_period_errors_and_labels() -> None:
    with pytest.raises(PeriodError, match="2026年第一季度 到 2026年第四季度"):
        Period.parse("2026Q5")
    assert Period.parse("2026Q3").label == "2026年第三季度"
    assert Period.containing(Cadence.QUARTERLY, date(2026, 11, 28)).key == "2026Q4"
    assert Period.containing(Cadence.ONCE, date(2026, 11, 28)).key == "2026"
    assert [p.key for p in Period.parse("2026").subperiods(Cadence.QUARTERLY)] == [
        "2026Q1",
        "2026Q2",
        "2026Q3",
        "2026Q4",
    ]
    assert [p.key for p in Period.parse("2026Q3").subperiods(Cadence.ANNUAL)] == ["2026"]


def test_chinese_working_days_2026() -> None:
    cal = WorkCalendar()
    assert cal.source(2026) == "chinese_calendar"
    assert not any(cal.is_workday(date(2026, 10, d)) for d in range(1, 8))  # National Day
    assert cal.is_workday(date(2026, 9, 20))  # Sunday make-up workday
    assert cal.is_workday(date(2026, 1, 4))  # Sunday make-up workday
    assert cal.on_or_after(date(2026, 10, 1)) == date(2026, 10, 8)
    assert cal.on_or_before(date(2026, 10, 7)) == date(2026, 9, 30)
    assert cal.shift(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert cal.shift(date(2026, 10, 8), -1) == date(2026, 9, 30)
    assert cal.shift(date(2026, 3, 1), -5) == date(2026, 2, 24)  # 28 (Sat, make-up) 27 26 25 24


def test_year_without_data_falls_back_to_weekends_and_warns_once(caplog) -> None:
    cal = WorkCalendar()
    assert cal.source(2041) == "weekends"
    with caplog.at_level(logging.WARNING, logger="scheduler.timing.workdays"):
        assert cal.is_workday(date(2041, 1, 1))  # a Tuesday: no holiday data, so a workday
        assert not cal.is_workday(date(2041, 1, 5))  # Saturday
        assert cal.on_or_after(date(2041, 10, 1)) == date(2041, 10, 1)
    warnings = [r for r in caplog.records if "2041" in r.getMessage()]
    assert len(warnings) == 1
    assert "fazhi holidays import" in warnings[0].getMessage()


TOML_2027 = """
year = 2027
source = "国务院办公厅关于2027年部分节假日安排的通知（测试数据）"
[[holiday]]
name = "元旦"
start = "2027-01-01"
end = "2027-01-03"
[[holiday]]
name = "国庆节"
start = "2027-10-01"
end = "2027-10-07"
[[workday]]
name = "国庆节调休"
date = "2027-10-09"
"""


def test_import_holidays_toml(engine) -> None:
    entries, source = parse_holidays(TOML_2027, "toml")
    assert len(entries) == 11 and "2027" in source
    with session_scope(engine) as s:
        assert import_holidays(s, entries, source) == {2027: 11}
        # re-import replaces, not duplicates
        assert import_holidays(s, entries, source) == {2027: 11}
    with session_scope(engine) as s:
        cal = calendar_from_db(s)
    assert cal.source(2027) == "imported"
    assert not cal.is_workday(date(2027, 1, 1))  # Friday, holiday
    assert cal.is_workday(date(2027, 1, 4))  # Monday
    assert cal.is_workday(date(2027, 10, 9))  # Saturday make-up workday
    assert cal.on_or_after(date(2027, 10, 1)) == date(2027, 10, 8)
    assert cal.is_workday(date(2026, 9, 20))  # other years still from chinese-calendar


def test_import_holidays_json_and_csv() -> None:
    js = '{"holiday": [{"date": "2027-05-03", "name": "劳动节"}], "workday": [{"date": "2027-04-25"}]}'
    entries, _ = parse_holidays(js, "json")
    assert {(e.day, e.workday) for e in entries} == {
        (date(2027, 5, 3), False),
        (date(2027, 4, 25), True),
    }
    csv_text = "\ufeffdate,type,name\n2027-02-10,休,春节\n2027-02-20,班,春节调休\n"
    entries, _ = parse_holidays(csv_text, "csv")
    assert [(e.day.day, e.workday) for e in entries] == [(10, False), (20, True)]


@pytest.mark.parametrize(
    ("text", "fmt", "message"),
    [
        ("date,type\n2027-13-01,休\n", "csv", "YYYY-MM-DD"),
        ("date,type\n2027-01-01,maybe\n", "csv", "type"),
        ("[[holiday]]\nname='x'\n", "toml", "start"),
        ("year = 2027\n", "toml", "没有任何"),
        ("{", "json", "无法解析"),
        ("a: b", "yaml", "不支持"),
        ('{"holiday":[{"date":"2027-01-01"}],"workday":[{"date":"2027-01-01"}]}', "json", "同时"),
    ],
)
def test_bad_holiday_files(text: str, fmt: str, message: str) -> None:
    with pytest.raises(HolidayFileError, match=message):
        parse_holidays(text, fmt)
