"""Composition of the scheduler's parts for a process: the plan, the directory, the rules, and
the jobs' bodies (plan reminders into the outbox, end-of-period supervision digest).

The bot builds one :class:`SchedulerContext` at start (``SchedulerContext.load(url)``), then
installs the jobs (:mod:`scheduler.jobs.install`) with it.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from knowledge.plan.model import WorkPlan
from knowledge.plan.units import UnitDirectory
from scheduler.delivery.buttons import Done, Snooze, keyboard_row
from scheduler.delivery.outbox import enqueue, enqueue_many, existing_keys, message_values
from scheduler.planning.planner import Reminder, due_reminders, not_after
from scheduler.planning.rules import RuleSet, load_rules
from scheduler.records.access import admin_chat_ids
from scheduler.records.chat_registry import active_chat_targets
from scheduler.records.completions import OVERDUE, PENDING, completed_set, compliance_matrix
from scheduler.records.holidays import calendar_from_db
from scheduler.records.overrides import replan
from scheduler.records.status_overrides import status_overrides
from scheduler.records.unit_directory import registry_directory
from scheduler.records.unit_registry import sync_units
from scheduler.store.db import init_db, session_scope
from scheduler.timing.clock import local
from scheduler.timing.clock import now as clock_now
from scheduler.timing.periods import Period
from scheduler.timing.workdays import WorkCalendar

log = logging.getLogger(__name__)

DIGEST_WINDOW = timedelta(days=30)  # a digest of a period is still sent this long after its end


@dataclass
class SchedulerContext:
    """The scheduler's parts. ``pinned_plan`` fixes the plan (tests, one-off tools); without
    it the context follows the active plans in the database (:meth:`reload`), and
    :attr:`plan` is the one in force this year."""

    engine: Engine
    pinned_plan: WorkPlan | None
    base_directory: UnitDirectory
    rules: RuleSet = field(default_factory=load_rules)
    plans: list[WorkPlan] = field(default_factory=list)

    @classmethod
    def load(
        cls,
        url: str | None = None,
        plan: WorkPlan | None = None,
        directory: UnitDirectory | None = None,
    ) -> SchedulerContext:
        """Upgrade the database, load the active plans (or the given plan) and their
        directory, sync the directory's units into the registry."""
        from knowledge.reading.loader import default_directory

        engine = init_db(url)
        ctx = cls(engine, plan, directory or default_directory())
        if plan is None:
            ctx.reload(directory)
        else:
            ctx.plans = [plan]
            with session_scope(engine) as s:
                sync_units(s, ctx.base_directory)
        return ctx

    def reload(self, directory: UnitDirectory | None = None) -> None:
        """Read the active plans again (after an import or activation)."""
        from scheduler.records.plans import active_plans

        with session_scope(self.engine) as s:
            if self.pinned_plan is None:
                self.plans = active_plans(s)
            self.base_directory = directory or UnitDirectory.for_plans(self.plans)
            sync_units(s, self.base_directory)

    def directory_for(self, session: Session, plans: list[WorkPlan]) -> UnitDirectory:
        """The registry's directory as it would be with ``plans`` active."""
        return registry_directory(session, UnitDirectory.for_plans(plans))

    def plan_at(self, year: int) -> WorkPlan:
        from scheduler.records.plans import plan_for_year

        if self.pinned_plan is not None:
            return self.pinned_plan
        return plan_for_year(self.plans, year)

    @property
    def plan(self) -> WorkPlan:
        """The plan in force now."""
        return self.plan_at(local(clock_now()).year)

    def directory(self, session: Session) -> UnitDirectory:
        return registry_directory(session, self.base_directory)

    def calendar(self, session: Session) -> WorkCalendar:
        return calendar_from_db(session)


def reminder_buttons(r: Reminder) -> list[list[dict[str, str]]]:
    """已完成 / 稍后提醒 (payloads of :mod:`scheduler.delivery.buttons`)."""
    key, period = r.obligation.key, r.period.key
    return [keyboard_row(("✅ 已完成", Done(key, period)), ("⏰ 稍后提醒", Snooze(key, period)))]


def run_planner(ctx: SchedulerContext, now: datetime | None = None) -> int:
    """Enqueue every due reminder for every active chat; returns how many rows were new.

    The key of a row is the reminder's key plus the chat's registry id (stable across a group's
    migration to a supergroup), so re-runs and catch-up never duplicate. A tick asks the
    database which of the due keys it holds already and renders and inserts only the others,
    in bulk: an hourly tick that finds nothing new writes nothing."""
    now = local(now or clock_now())
    with session_scope(ctx.engine) as s:
        directory = ctx.directory(s)
        # a rule or an override changed: withdraw queued reminders that no longer bind
        replan(s, ctx.plan, directory)
        by_unit: dict[str, list[tuple[int, str, bool]]] = {}
        for row_id, chat_id, is_group, unit in active_chat_targets(s):
            by_unit.setdefault(unit, []).append((row_id, chat_id, is_group))
        if not by_unit:
            return 0
        due = due_reminders(
            now,
            ctx.plan_at(now.year),
            directory,
            ctx.rules,
            ctx.calendar(s),
            # exempted and extended periods: no plan reminder (escalation counts the new due)
            completed_set(s, ctx.plan_at(now.year)) | set(status_overrides(s)),
            units=set(by_unit),
        )
        wanted = [(f"{r.key}:c{chat[0]}", r, chat) for r in due for chat in by_unit[r.unit]]
        queued = existing_keys(s, (key for key, _r, _chat in wanted))
        rows = [
            message_values(
                key=key,
                chat_id=chat[1],
                body=r.body,
                kind="reminder",
                buttons=reminder_buttons(r),
                meta={
                    "obligation": r.obligation.key,
                    "period": r.period.key,
                    "step": r.step.name,
                    "unit": r.unit,
                },
                is_group=chat[2],
                unit_name=r.unit,
                not_after=not_after(r),
            )
            for key, r, chat in wanted
            if key not in queued
        ]
        new = enqueue_many(s, rows)
    if new:
        log.info("planner: %d reminder(s) queued", new)
    return new


def last_closed_quarter(day) -> Period:  # noqa: ANN001
    q = Period(day.year, "Q", (day.month - 1) // 3 + 1)
    if q.index == 1:
        return Period(day.year - 1, "Q", 4)
    return Period(day.year, "Q", q.index - 1)


def digest_text(
    ctx: SchedulerContext, session: Session, period: Period, now: datetime
) -> str | None:
    """The supervision digest of a closed quarter: who has not confirmed what (None if all did).

    Covers the quarter's quarterly obligations, and in Q4 the year's annual and once
    obligations; deadline obligations whose deadline fell in the quarter."""
    directory = ctx.directory(session)
    m = compliance_matrix(
        session, ctx.plan_at(period.year), directory, Period(period.year, "Y", 1), now=now
    )
    lines: list[str] = []
    for col in m.columns:
        if not period.contains(col.due):
            continue
        missing = [u for u in m.units if m.cells[(u, col.label)] in (OVERDUE, PENDING)]
        if not missing:
            continue
        ob = col.obligation
        lines.append(
            f"• 第{ob.item}条 {html.escape(ob.action)}（{col.period.label}，截止{col.due.isoformat()}）"
            f"未确认 {len(missing)} 个单位：{html.escape('、'.join(missing))}"
        )
    if not lines:
        return None
    return f"【法治政府建设督察】{period.label}结束，以下事项尚未确认完成：\n" + "\n".join(lines)


def run_digest(ctx: SchedulerContext, now: datetime | None = None) -> int:
    """Queue the digest of the last closed quarter to every admin, once (idempotent key)."""
    now = local(now or clock_now())
    period = last_closed_quarter(now.date())
    if now.date() - period.end > DIGEST_WINDOW:
        return 0
    new = 0
    with session_scope(ctx.engine) as s:
        admins = admin_chat_ids(s)
        if not admins:
            return 0
        text = digest_text(ctx, s, period, now)
        if text is None:
            return 0
        for chat_id in admins:
            new += enqueue(
                s, key=f"digest:{period.key}:{chat_id}", chat_id=chat_id, body=text, kind="digest"
            )
    return new
