"""The escalation job's body: the stages :func:`scheduler.planning.escalation.due_escalations`
finds due, queued through the outbox to the unit's chats (liaison), its head (负责人) or every
admin's chat (office). Keys ``{escalation key}:{recipient}`` make it one message per unit,
obligation, period, due date, stage and recipient, whatever how often the job runs."""

from __future__ import annotations

import html
import logging
from datetime import datetime, timedelta

from sqlmodel import Session, select

from scheduler.delivery.buttons import Done, keyboard_row
from scheduler.delivery.outbox import enqueue_many, existing_keys, message_values
from scheduler.jobs.context import SchedulerContext
from scheduler.planning.escalation import Escalation, Schedule, due_escalations, load_schedule
from scheduler.records.access import admin_chat_ids
from scheduler.records.chat_registry import active_chat_targets
from scheduler.records.completions import completed_set
from scheduler.records.status_overrides import EXEMPT, status_overrides
from scheduler.store.db import session_scope
from scheduler.store.models import UnitRow
from scheduler.timing.clock import local
from scheduler.timing.clock import now as clock_now

log = logging.getLogger(__name__)

KIND = "escalation"  # withdrawn with the reminders once the unit confirms (jobs.snooze)


def _heads(session: Session) -> dict[str, tuple[str, str]]:
    """unit name → (head's name, head's chat) of the units with a registered head."""
    rows = session.exec(select(UnitRow).where(UnitRow.head_chat_id.is_not(None))).all()  # type: ignore[union-attr]
    return {r.name: (r.head_name or "", r.head_chat_id or "") for r in rows if r.active}


def _recipients(
    e: Escalation,
    chats: dict[str, list[tuple[int, str, bool]]],
    heads: dict[str, tuple[str, str]],
    admins: list[str],
) -> list[tuple[str, str, bool, str]]:
    """(key suffix, chat id, is group, text) of each message of ``e``."""
    head_name, head_chat = heads.get(e.unit, ("", ""))
    if e.stage.to == "office":
        text = e.body(f"负责人{head_name}" if head_chat else "负责人（未登记，已请单位转告）")
        return [(f"a{chat}", chat, False, text) for chat in admins]
    if e.stage.to == "head" and head_chat:
        return [(f"h{head_chat}", head_chat, False, e.body(head_name))]
    text = e.body()
    if e.stage.to == "head":  # no head registered: the unit's chats, asked to pass it on
        text += "（本单位尚未登记负责人联系方式，请转告单位负责人。）"
    return [(f"c{row_id}", chat, group, text) for row_id, chat, group in chats.get(e.unit, [])]


def run_escalation(
    ctx: SchedulerContext, now: datetime | None = None, schedule: Schedule | None = None
) -> int:
    """Queue every escalation stage due at ``now``; returns how many messages were new. Units
    take part once they have an active chat or a registered head."""
    now = local(now or clock_now())
    schedule = schedule or load_schedule()
    with session_scope(ctx.engine) as s:
        chats: dict[str, list[tuple[int, str, bool]]] = {}
        for row_id, chat_id, is_group, unit in active_chat_targets(s):
            chats.setdefault(unit, []).append((row_id, chat_id, is_group))
        heads = _heads(s)
        units = set(chats) | set(heads)
        if not units:
            return 0
        years = (now.year - 1, now.year)
        plans = [(y, ctx.plan_at(y)) for y in years]
        completed: set[tuple[str, str, str]] = set()
        for _y, plan in plans:
            completed |= completed_set(s, plan)
        granted = status_overrides(s)
        exempt = {k for k, v in granted.items() if v.kind == EXEMPT}
        extended = {k: v.new_due for k, v in granted.items() if v.kind != EXEMPT and v.new_due}
        due = due_escalations(
            now, plans, ctx.directory(s), ctx.calendar(s), schedule, completed, exempt,
            extended, units,
        )  # fmt: skip
        admins = admin_chat_ids(s)
        wanted = [
            (f"{e.key}:{suffix}", e, chat, group, text)
            for e in due
            for suffix, chat, group, text in _recipients(e, chats, heads, admins)
        ]
        queued = existing_keys(s, (w[0] for w in wanted))
        rows = [
            message_values(
                key=key,
                chat_id=chat,
                body=html.escape(text, quote=False),
                kind=KIND,
                buttons=(
                    [keyboard_row(("✅ 已完成", Done(e.obligation.key, e.period.key)))]
                    if e.stage.to == "liaison"
                    else None
                ),
                meta={
                    "obligation": e.obligation.key,
                    "period": e.period.key,
                    "stage": e.stage.name,
                    "unit": e.unit,
                },
                is_group=group,
                unit_name=e.unit if e.stage.to != "office" else None,
                not_after=e.when + timedelta(days=schedule.catch_up_days + 1),
            )
            for key, e, chat, group, text in wanted
            if key not in queued
        ]
        new = enqueue_many(s, rows)
    if new:
        log.info("escalation: %d message(s) queued", new)
    return new
