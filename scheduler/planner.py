"""The planner: which reminders are due, as a pure function of (now, units, completions, rules).

Every reminder has an idempotency key ``rem:{obligation}:{unit}:{period}:{step}``; the outbox
refuses a key it has seen, so running the planner twice (or hourly) enqueues nothing new, and a
planner run after downtime catches up: a step whose time passed while the process was down is
still due until the obligation's due date, and goes out once, late. When several steps of the
same (obligation, unit, period) are overdue at once only the latest is sent (it supersedes the
earlier ones). Nothing is due once the unit confirmed the obligation for that period.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from knowledge.binding import bound_units
from knowledge.model import Cadence, Obligation, WorkPlan
from knowledge.units import UnitDirectory
from scheduler.clock import TZ, local
from scheduler.periods import Period
from scheduler.rules import Rule, RuleSet, Step
from scheduler.workdays import WorkCalendar

Completed = Collection[tuple[str, str, str]]  # (unit, obligation key, period key)


@dataclass(frozen=True)
class Reminder:
    key: str  # rem:{obligation}:{unit}:{period}:{step}
    when: datetime  # aware, Asia/Shanghai
    unit: str
    obligation: Obligation
    period: Period
    step: Step
    due: date  # last day to do it
    body: str  # HTML-safe text (placeholders escaped)

    @property
    def day(self) -> date:
        return self.when.date()


def period_of(obligation: Obligation, day: date) -> Period:
    return Period.containing(obligation.cadence, day)


def due_date(obligation: Obligation, period: Period) -> date:
    """The last day of the obligation in ``period``: its deadline, or the period's end."""
    if obligation.deadline is not None:
        dl = obligation.deadline
        return date(period.year, dl.month, dl.day)
    return period.end


def step_date(step: Step, obligation: Obligation, period: Period, cal: WorkCalendar) -> date:
    if step.anchor == "period_start":
        return cal.shift(cal.on_or_after(period.start), step.offset)
    if step.anchor == "period_end":
        return cal.shift(cal.on_or_before(period.end), step.offset)
    if step.anchor == "date":
        assert step.month and step.day
        return cal.shift(cal.on_or_after(date(period.year, step.month, step.day)), step.offset)
    # deadline
    deadline = due_date(obligation, period)
    if step.offset == 0:
        return cal.on_or_before(deadline)
    return cal.shift(deadline, step.offset)


def _due_label(_obligation: Obligation, due: date) -> str:
    return f"{due.year}年{due.month}月{due.day}日"


def render(
    rule: Rule,
    step: Step,
    obligation: Obligation,
    unit: str,
    period: Period,
    due: date,
    source: str,
) -> str:
    refers_year = (
        period.year - 1
        if obligation.deadline and obligation.deadline.refers_to == "previous"
        else period.year
    )
    values = {
        "unit": unit,
        "action": obligation.action,
        "item": obligation.item,
        "cadence_label": obligation.cadence_label,
        "min_count": obligation.min_count,
        "period_label": period.label,
        "period": period.key,
        "due_label": _due_label(obligation, due),
        "key": obligation.key,
        "step_label": step.label,
        "refers_year": refers_year,
        "source": obligation.source if obligation.source != "document" else source,
    }
    safe = {k: html.escape(str(v), quote=False) for k, v in values.items()}
    return rule.template.format(**safe)


def responsible_units(
    directory: UnitDirectory, plan: WorkPlan, obligation: Obligation
) -> list[str]:
    """Each unit the obligation binds: the item's responsible units (named or through a whole
    group) that the subject of its sentence covers, after admins' overrides
    (:mod:`knowledge.binding`)."""
    return bound_units(plan, obligation, directory)


def reminders_in(
    plan: WorkPlan,
    directory: UnitDirectory,
    rules: RuleSet,
    cal: WorkCalendar,
    periods_of: Iterable[int],
    units: Collection[str] | None = None,
    source: str = "",
) -> list[Reminder]:
    """Every reminder of the years ``periods_of`` for ``units`` (all responsible units when
    None), completions ignored, sorted by time then unit."""
    out: list[Reminder] = []
    source = source or plan.meta.doc_number or plan.plan_id
    for ob in plan.obligations:
        rule = rules.rule_for(ob)
        if rule is None:
            continue
        names = [u for u in responsible_units(directory, plan, ob) if units is None or u in units]
        if not names:
            continue
        for year in periods_of:
            for period in Period.of_year(ob.cadence, year):
                due = due_date(ob, period)
                for step in rule.steps:
                    day = step_date(step, ob, period, cal)
                    when = datetime.combine(day, time(rules.hour, rules.minute), tzinfo=TZ)
                    for unit in names:
                        out.append(
                            Reminder(
                                key=f"rem:{ob.key}:{unit}:{period.key}:{step.name}",
                                when=when,
                                unit=unit,
                                obligation=ob,
                                period=period,
                                step=step,
                                due=due,
                                body=render(rule, step, ob, unit, period, due, source),
                            )
                        )
    out.sort(key=lambda r: (r.when, r.unit, r.obligation.item, r.obligation.key, r.step.name))
    return out


def due_reminders(
    now: datetime,
    plan: WorkPlan,
    directory: UnitDirectory,
    rules: RuleSet,
    cal: WorkCalendar,
    completed: Completed = (),
    units: Collection[str] | None = None,
) -> list[Reminder]:
    """The reminders due at ``now``: time reached, due date not passed, not confirmed; per
    (obligation, unit, period) only the latest such step."""
    now = local(now)
    today = now.date()
    done = set(completed)
    latest: dict[tuple[str, str, str], Reminder] = {}
    for r in reminders_in(plan, directory, rules, cal, (today.year - 1, today.year), units):
        if r.when > now or today > r.due:
            continue
        if (r.unit, r.obligation.key, r.period.key) in done:
            continue
        latest[(r.obligation.key, r.unit, r.period.key)] = r  # sorted by time: last wins
    return sorted(latest.values(), key=lambda r: (r.when, r.unit, r.obligation.key))


def not_after(reminder: Reminder) -> datetime:
    """A reminder is pointless after its due date: the outbox drops it rather than send late."""
    return datetime.combine(reminder.due + timedelta(days=1), time(0, 0), tzinfo=TZ)


def cadence_periods(obligation: Obligation, period: Period) -> list[Period]:
    """The obligation's periods a report over ``period`` covers (4 quarters of a year…)."""
    if obligation.cadence in (Cadence.ANNUAL, Cadence.ONCE):
        return [Period(period.year, "Y", 1)]
    return period.subperiods(obligation.cadence)
