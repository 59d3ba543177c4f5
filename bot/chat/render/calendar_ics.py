"""A unit's deadlines of the year as an iCalendar file (/calendar)."""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlmodel import Session

from bot.chat.render.replies import Attachment
from scheduler.jobs.context import SchedulerContext
from scheduler.planning.planner import due_date, responsible_units
from scheduler.timing.periods import Period


def unit_calendar(
    sched: SchedulerContext, session: Session, unit: str, now: datetime
) -> tuple[Attachment, int]:
    """One all-day event per (obligation, period) due this year, on its due date."""
    cal = Calendar()
    cal.add("prodid", "-//fazhi//法治政府建设工作要点助手//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{unit} 法治政府建设任务")
    cal.add("x-wr-timezone", "Asia/Shanghai")
    directory = sched.directory(session)
    year = now.year
    count = 0
    for ob in sched.plan.obligations:
        if unit not in responsible_units(directory, sched.plan, ob):
            continue
        for period in Period.of_year(ob.cadence, year):
            due = due_date(ob, period)
            ev = Event()
            ev.add("uid", f"{ob.key}-{period.key}-{zlib.crc32(unit.encode())}@fazhi")
            ev.add("summary", f"截止：{ob.action}（第{ob.item}条，{period.label}）")
            ev.add("dtstart", due)
            ev.add("dtend", due + timedelta(days=1))
            ev.add("dtstamp", now)
            ev.add(
                "description", f"{ob.text}\n完成后在机器人中发送 /done {ob.action} {period.label}"
            )
            cal.add_component(ev)
            count += 1
    return Attachment(f"fazhi-{year}.ics", cal.to_ical(), f"{unit} {year} 年期限"), count
