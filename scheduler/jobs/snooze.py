"""Snoozing a reminder (稍后提醒) and withdrawing queued reminders once a unit confirms."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from sqlmodel import Session, select

from knowledge.plan.model import Obligation
from scheduler.delivery.outbox import enqueue
from scheduler.jobs.context import SchedulerContext, reminder_buttons
from scheduler.planning.planner import due_date, not_after, period_of, reminders_in
from scheduler.records.completions import completion_counts
from scheduler.store.models import OutboxMessage, OutboxState
from scheduler.timing.clock import TZ, local
from scheduler.timing.periods import Period

REMINDER_KINDS = ("reminder", "snooze", "escalation")  # escalation: scheduler.jobs.escalation


def snooze_reminder(
    ctx: SchedulerContext,
    session: Session,
    chat_id: str,
    unit: str,
    obligation: Obligation,
    period_key: str | None,
    now: datetime,
) -> datetime | None:
    """Queue the reminder again for the next working day at the rules' hour; None when the
    obligation is already confirmed for the period. Idempotent per (chat, day)."""
    now = local(now)
    period = Period.parse(period_key) if period_key else period_of(obligation, now.date())
    if completion_counts(session)[(unit, obligation.key, period.key)] >= obligation.need:
        return None
    cal = ctx.calendar(session)
    day = cal.on_or_after(now.date() + timedelta(days=1))
    when = datetime.combine(day, time(ctx.rules.hour, ctx.rules.minute), tzinfo=TZ)
    reminders = [
        r
        for r in reminders_in(
            ctx.plan,
            ctx.directory(session),
            ctx.rules,
            cal,
            (period.year,),
            units={unit},
            today=day,  # worded as sent on that day: a catch-up, never "本季度开始" in December
        )
        if r.obligation.key == obligation.key and r.period.key == period.key
    ]
    if not reminders:
        return None
    past = [r for r in reminders if r.when <= now] or reminders
    body = past[-1].body
    enqueue(
        session,
        key=f"snz:{obligation.key}:{unit}:{period.key}:{day.isoformat()}:{chat_id}",
        chat_id=chat_id,
        body=body,
        kind="snooze",
        buttons=reminder_buttons(past[-1]),
        meta={"obligation": obligation.key, "period": period.key, "unit": unit, "step": "snooze"},
        unit_name=unit,
        not_before=when,
        not_after=max(
            datetime.combine(due_date(obligation, period), time(23, 59), tzinfo=TZ),
            not_after(past[-1]),
        ),
    )
    return when


def withdraw_reminders(session: Session, unit: str, obligation_key: str, period_key: str) -> int:
    """Drop queued reminders of a confirmed (unit, obligation, period): nothing after confirming."""
    rows = session.exec(
        select(OutboxMessage).where(
            OutboxMessage.unit_name == unit,
            OutboxMessage.state == OutboxState.QUEUED.value,
            OutboxMessage.kind.in_(REMINDER_KINDS),  # type: ignore[attr-defined]
        )
    ).all()
    n = 0
    for row in rows:
        meta = json.loads(row.meta or "{}")
        if meta.get("obligation") == obligation_key and meta.get("period") == period_key:
            row.state = OutboxState.DROPPED.value
            row.last_error = "已确认完成，提醒撤回"
            session.add(row)
            n += 1
    return n
