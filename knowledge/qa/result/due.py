"""Next due date of an obligation: a pure function of ``today`` (no clock, no calendar data).

This is the simple period-end rule: the end of the current month / quarter / half-year /
year, the year's end for "once in the year" (the current year once the plan's is past), the next occurrence of a fixed deadline.
Working-day adjustment and reminders belong to ``scheduler``; it may refine these dates.
"""

from __future__ import annotations

import calendar
from datetime import date

from knowledge.plan.model import Cadence, Obligation


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def next_due(ob: Obligation, today: date, plan_year: int | None = None) -> tuple[date | None, str]:
    """(date, rule in Chinese). ``None`` when the obligation has no future due date."""
    if ob.deadline is not None:
        d = ob.deadline
        due = date(today.year, d.month, d.day)
        if due < today:
            due = date(today.year + 1, d.month, d.day)
        return due, d.description or f"每年{d.month}月{d.day}日前"
    if ob.cadence == Cadence.MONTHLY:
        return _month_end(today.year, today.month), "本月底前"
    if ob.cadence == Cadence.BIMONTHLY:  # Jan–Feb, Mar–Apr, …: the end of the pair's 2nd month
        return _month_end(today.year, ((today.month - 1) // 2 + 1) * 2), "本期（每两个月）末前"
    if ob.cadence == Cadence.QUARTERLY:
        q_end_month = ((today.month - 1) // 3 + 1) * 3
        return _month_end(today.year, q_end_month), "本季度末前"
    if ob.cadence == Cadence.HALF_YEARLY:
        return _month_end(today.year, 6 if today.month <= 6 else 12), "本半年末前"
    if ob.cadence == Cadence.ANNUAL:
        return date(today.year, 12, 31), "本年度末前"
    if ob.cadence == Cadence.ONCE:
        # A plan stays in force until the next year's is imported (the scheduler reminds on
        # the same rule): "once in the plan year" means once in the current year after it.
        year = max(plan_year or today.year, today.year)
        return date(year, 12, 31), f"{year}年度内"
    return None, ""
