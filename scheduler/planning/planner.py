"""The planner: which reminders are due, as a pure function of (now, units, completions, rules).

Every reminder has an idempotency key ``rem:{obligation}:{unit}:{period}:{step}``; the outbox
refuses a key it has seen, so running the planner twice (or hourly) enqueues nothing new, and a
planner run after downtime catches up: a step whose time passed while the process was down is
still due until the obligation's due date, and goes out once, late. When several steps of the
same (obligation, unit, period) are overdue at once only the latest is sent (it supersedes the
earlier ones). Nothing is due once the unit confirmed the obligation for that period.

A reminder says where it stands: on its own day a step's label (a period begins, its end nears);
sent later than planned (catch-up after downtime, a unit registered late, 稍后提醒) the rules'
``catch_up`` wording with the days left; an ``overdue`` step (after the due date, within the
period's year, when a completion can still be recorded) the ``overdue`` wording.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property

from knowledge.plan.binding import bound_units
from knowledge.plan.model import Cadence, Obligation, WorkPlan
from knowledge.plan.units import UnitDirectory
from scheduler.planning.rules import Rule, RuleSet, Step
from scheduler.timing.clock import TZ, local
from scheduler.timing.periods import Period
from scheduler.timing.workdays import WorkCalendar

Completed = Collection[tuple[str, str, str]]  # (unit, obligation key, period key)
OVERDUE_WINDOW = timedelta(days=30)  # an overdue reminder is still sent this long after its day


@dataclass(frozen=True)
class Reminder:
    key: str  # rem:{obligation}:{unit}:{period}:{step}
    when: datetime  # aware, Asia/Shanghai
    unit: str
    obligation: Obligation
    period: Period
    step: Step
    due: date  # last day to do it
    rule: Rule
    # the template's values but the unit, escaped once for every unit of the step
    shared: dict[str, str] = field(compare=False, hash=False, repr=False)

    @property
    def day(self) -> date:
        return self.when.date()

    @cached_property
    def body(self) -> str:
        """HTML-safe text (placeholders escaped); rendered when first asked for, so a planner
        tick renders only the reminders it queues."""
        return self.rule.template.format(**self.shared, unit=_escape(self.unit))


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
    return _date_label(due)


def _date_label(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def stage_label(rules: RuleSet, step: Step, day: date, due: date, today: date | None) -> str:
    """The step's wording as sent on ``today`` (None: on its own day ``day``)."""
    sent = day if today is None else max(day, today)
    if step.stage == "overdue":
        days_over = max((sent - due).days, 1)
        return rules.words("overdue").format(due_label=_date_label(due), days_over=days_over)
    if sent <= day:
        return step.label
    days_left = (due - sent).days
    name = "catch_up" if days_left > 0 else "catch_up_last_day"
    return rules.words(name).format(
        planned=f"{day.month}月{day.day}日", days_left=days_left, due_label=_date_label(due)
    )


def _escape(value: object) -> str:
    return html.escape(str(value), quote=False)


def shared_values(
    step: Step,
    obligation: Obligation,
    period: Period,
    due: date,
    source: str,
    step_label: str | None = None,
) -> dict[str, str]:
    """The template's values that do not depend on the unit, HTML-escaped."""
    refers_year = (
        period.year - 1
        if obligation.deadline and obligation.deadline.refers_to == "previous"
        else period.year
    )
    values = {
        "action": obligation.action,
        "item": obligation.item,
        "cadence_label": obligation.cadence_label,
        "min_count": obligation.min_count,
        "period_label": period.label,
        "period": period.key,
        "due_label": _due_label(obligation, due),
        "key": obligation.key,
        "name": obligation.action,  # what an official types back: /done 学法 2026年第四季度
        "step_label": step.label if step_label is None else step_label,
        "refers_year": refers_year,
        "source": obligation.source if obligation.source != "document" else source,
    }
    return {k: _escape(v) for k, v in values.items()}


def render(
    rule: Rule,
    step: Step,
    obligation: Obligation,
    unit: str,
    period: Period,
    due: date,
    source: str,
) -> str:
    return rule.template.format(
        **shared_values(step, obligation, period, due, source), unit=_escape(unit)
    )


def responsible_units(
    directory: UnitDirectory, plan: WorkPlan, obligation: Obligation
) -> list[str]:
    """Each unit the obligation binds: the item's responsible units (named or through a whole
    group) that the subject of its sentence covers, after admins' overrides
    (:mod:`knowledge.plan.binding`)."""
    return bound_units(plan, obligation, directory)


def reminders_in(
    plan: WorkPlan,
    directory: UnitDirectory,
    rules: RuleSet,
    cal: WorkCalendar,
    periods_of: Iterable[int],
    units: Collection[str] | None = None,
    source: str = "",
    today: date | None = None,
) -> list[Reminder]:
    """Every reminder of the years ``periods_of`` for ``units`` (all responsible units when
    None), completions ignored, sorted by time then unit; worded as sent on ``today`` (None: each
    on its own day)."""
    out = list(_reminders(plan, directory, rules, cal, periods_of, units, source, today=today))
    out.sort(key=lambda r: (r.when, r.unit, r.obligation.item, r.obligation.key, r.step.name))
    return out


def _reminders(
    plan: WorkPlan,
    directory: UnitDirectory,
    rules: RuleSet,
    cal: WorkCalendar,
    periods_of: Iterable[int],
    units: Collection[str] | None,
    source: str = "",
    keep: Callable[[datetime, date, Step], bool] | None = None,
    latest_only: bool = False,
    today: date | None = None,
) -> Iterator[Reminder]:
    """The reminders of the years ``periods_of``. ``keep(when, due, step)`` filters each step and
    ``latest_only`` keeps a period's last kept step, both before any per-unit work (a planner
    tick wants only the latest due step of each period)."""
    source = source or plan.meta.doc_number or plan.plan_id
    years = tuple(periods_of)
    for ob in plan.obligations:
        rule = rules.rule_for(ob)
        if rule is None or (ob.cadence == Cadence.ONGOING and ob.deadline is None):
            # 常态化: no fixed period, so no date to remind of
            continue
        names: list[str] | None = None  # who it binds, worked out once a step is kept
        for year in years:
            for period in Period.of_year(ob.cadence, year):
                due = due_date(ob, period)
                kept: list[tuple[datetime, Step]] = []
                for step in rule.steps:
                    day = step_date(step, ob, period, cal)
                    if step.stage == "overdue" and (day <= due or day.year != period.year):
                        continue  # after the year a completion of it can no longer be recorded
                    when = datetime.combine(day, time(rules.hour, rules.minute), tzinfo=TZ)
                    if keep is None or keep(when, due, step):
                        kept.append((when, step))
                if latest_only and kept:
                    kept = [max(kept, key=lambda ws: (ws[0], ws[1].name))]
                for when, step in kept:
                    if names is None:
                        names = [
                            u
                            for u in responsible_units(directory, plan, ob)
                            if units is None or u in units
                        ]
                    label = stage_label(rules, step, when.date(), due, today)
                    shared = shared_values(step, ob, period, due, source, label)
                    for unit in names:
                        yield Reminder(
                            key=f"rem:{ob.key}:{unit}:{period.key}:{step.name}",
                            when=when,
                            unit=unit,
                            obligation=ob,
                            period=period,
                            step=step,
                            due=due,
                            rule=rule,
                            shared=shared,
                        )


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
    (obligation, unit, period) only the latest such step. Steps are filtered by time before
    anything is done per unit, and no text is rendered here."""
    now = local(now)
    today = now.date()
    done = set(completed)

    def is_due(when: datetime, due: date, step: Step) -> bool:
        if step.stage == "overdue":
            return when <= now and today <= when.date() + OVERDUE_WINDOW
        return when <= now and today <= due

    years = (today.year - 1, today.year)
    due = [
        r
        for r in _reminders(plan, directory, rules, cal, years, units, "", is_due, True, today)
        if (r.unit, r.obligation.key, r.period.key) not in done
    ]
    return sorted(due, key=lambda r: (r.when, r.unit, r.obligation.key))


def not_after(reminder: Reminder) -> datetime:
    """A reminder is pointless after its due date (an overdue one after its window, or the
    period's year): the outbox drops it rather than send late."""
    last = reminder.due
    if reminder.step.stage == "overdue":
        last = min(reminder.day + OVERDUE_WINDOW, date(reminder.period.year, 12, 31))
    return datetime.combine(last + timedelta(days=1), time(0, 0), tzinfo=TZ)


def cadence_periods(obligation: Obligation, period: Period) -> list[Period]:
    """The obligation's periods a report over ``period`` covers (4 quarters of a year…)."""
    if obligation.cadence in (Cadence.ANNUAL, Cadence.ONCE, Cadence.ONGOING):
        return [Period(period.year, "Y", 1)]
    return period.subperiods(obligation.cadence)
