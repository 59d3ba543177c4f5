"""Chinese working days: statutory holidays and make-up workdays (调休).

Sources, in order of precedence for a given day:
1. days an admin imported (``fazhi holidays import FILE``; :mod:`scheduler.records.holidays`), for a year
   the State Council has announced but the installed chinese-calendar does not know yet (or a
   correction of a day it knows, confirmed by the admin);
2. the chinese-calendar package (years it covers; it raises ``NotImplementedError`` otherwise),
   for every day not imported, also in a year where some days were imported;
3. plain weekends, with one warning per year, so the scheduler never crashes on a new year.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

log = logging.getLogger(__name__)

_warned_years: set[int] = set()


@lru_cache(maxsize=8192)
def _official_workday(day: date) -> bool:
    """chinese-calendar's answer (cached: the planner asks about the same days every hour)."""
    return bool(chinese_calendar.is_workday(day))


class WorkCalendar:
    """Working-day arithmetic over the sources above."""

    def __init__(
        self, overrides: Mapping[date, bool] | None = None, imported_years: Iterable[int] = ()
    ) -> None:
        self.overrides: dict[date, bool] = dict(overrides or {})
        self.imported_years = set(imported_years) | {d.year for d in self.overrides}

    def source(self, year: int) -> str:
        """Where the data of ``year`` comes from: imported, chinese_calendar or weekends."""
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return "imported" if year in self.imported_years else "weekends"
        return "chinese_calendar"

    def is_workday(self, day: date) -> bool:
        found = self.overrides.get(day)
        if found is not None:
            return found
        try:
            return _official_workday(day)
        except NotImplementedError:
            if day.year in self.imported_years:
                return day.weekday() < 5
            if day.year not in _warned_years:
                _warned_years.add(day.year)
                log.warning(
                    "%s年没有节假日数据（chinese-calendar 未收录，也未导入），按周末计算工作日；"
                    "国务院公布安排后请用 `fazhi holidays import` 导入。",
                    day.year,
                )
            return day.weekday() < 5

    def on_or_after(self, day: date) -> date:
        """``day`` if it is a working day, else the next one."""
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def on_or_before(self, day: date) -> date:
        while not self.is_workday(day):
            day -= timedelta(days=1)
        return day

    def shift(self, day: date, n: int) -> date:
        """``n`` working days after ``day`` (before it when negative); ``n == 0`` is
        :meth:`on_or_after`. ``day`` itself is never counted."""
        if n == 0:
            return self.on_or_after(day)
        step = timedelta(days=1 if n > 0 else -1)
        left = abs(n)
        while left:
            day += step
            if self.is_workday(day):
                left -= 1
        return day

    def workdays(self, start: date, end: date) -> list[date]:
        out = []
        day = start
        while day <= end:
            if self.is_workday(day):
                out.append(day)
            day += timedelta(days=1)
        return out
