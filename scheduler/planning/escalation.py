"""Escalation as data (``scheduler/data/escalation.toml``): at an obligation's due date the unit's
liaison is told, N working days later its head (负责人), M working days later the office.

:func:`due_escalations` is a pure function of (now, plan, units, completions, approved requests):
which stages are due for which (unit, obligation, period). A period the unit confirmed or an
admin exempted has none; an approved extension moves the due date the stages count from. The
job that sends them is :func:`scheduler.jobs.escalation.run_escalation`."""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from importlib import resources

from knowledge.plan.model import Cadence, Obligation, WorkPlan
from knowledge.plan.units import UnitDirectory
from scheduler.planning.planner import due_date, responsible_units
from scheduler.timing.clock import TZ, local
from scheduler.timing.periods import Period
from scheduler.timing.workdays import WorkCalendar

DATA_FILE = "escalation.toml"
RECIPIENTS = ("liaison", "head", "office")


class EscalationError(ValueError):
    """The escalation file is wrong; the message says where."""


@dataclass(frozen=True)
class Stage:
    name: str  # part of the outbox key: liaison, head, office
    to: str  # liaison | head | office
    after: int  # working days after the due date (0: on it)
    template: str


@dataclass(frozen=True)
class Schedule:
    stages: tuple[Stage, ...]
    hour: int = 9
    minute: int = 30
    catch_up_days: int = 10

    def stage_day(self, stage: Stage, due: date, cal: WorkCalendar) -> date:
        """The working day of ``stage`` for a period due on ``due``."""
        return cal.on_or_before(due) if stage.after == 0 else cal.shift(due, stage.after)


def load_schedule(text: str | None = None) -> Schedule:
    """Parse the escalation file (the bundled one when ``text`` is None)."""
    if text is None:
        text = resources.files("scheduler.data").joinpath(DATA_FILE).read_text("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise EscalationError(f"督办升级文件无法解析：{exc}") from None
    stages = []
    for i, raw in enumerate(data.get("stage", [])):
        where = f"stage[{i}] {raw.get('name', '')}"
        if raw.get("to") not in RECIPIENTS:
            raise EscalationError(f"{where}: to 应为 {RECIPIENTS} 之一，实际为 {raw.get('to')!r}")
        after = raw.get("after")
        if not isinstance(after, int) or after < 0:
            raise EscalationError(f"{where}: after 应为不小于 0 的工作日数")
        if not raw.get("name") or not raw.get("template"):
            raise EscalationError(f"{where}: 需要 name 和 template")
        stages.append(Stage(raw["name"], raw["to"], after, raw["template"]))
    if len({s.name for s in stages}) != len(stages):
        raise EscalationError("督办升级文件：stage 名称重复")
    return Schedule(
        tuple(sorted(stages, key=lambda s: s.after)),
        hour=int(data.get("hour", 9)),
        minute=int(data.get("minute", 30)),
        catch_up_days=int(data.get("catch_up_days", 10)),
    )


@dataclass(frozen=True)
class Escalation:
    """One stage due for one (unit, obligation, period)."""

    unit: str
    obligation: Obligation
    period: Period
    due: date  # after an approved extension, its new date
    stage: Stage
    when: datetime

    @property
    def key(self) -> str:
        """The outbox key's stem: one message per unit, obligation, period, due date, stage."""
        return f"esc:{self.obligation.key}:{self.unit}:{self.period.key}:{self.due:%Y%m%d}:{self.stage.name}"

    def body(self, head: str = "") -> str:
        ob, p = self.obligation, self.period
        return self.stage.template.format(
            unit=self.unit,
            action=ob.action,
            item=ob.item,
            period_label=p.label,
            period=p.key,
            key=ob.key,
            due=f"{self.due.year}年{self.due.month}月{self.due.day}日",
            days=self.stage.after,
            head=head or "负责人",
        )


def due_escalations(
    now: datetime,
    plans: Iterable[tuple[int, WorkPlan]],
    directory: UnitDirectory,
    cal: WorkCalendar,
    schedule: Schedule,
    completed: Collection[tuple[str, str, str]],
    exempt: Collection[tuple[str, str, str]],
    extended: Mapping[tuple[str, str, str], date],
    units: Collection[str],
) -> list[Escalation]:
    """The stages due at ``now`` for ``units`` over the (year, plan) pairs: the stage's time
    reached and its day no more than ``catch_up_days`` back; none for a (unit, obligation,
    period) in ``completed`` or ``exempt``; ``extended`` gives a period's new due date."""
    now = local(now)
    today = now.date()
    out: list[Escalation] = []
    at = time(schedule.hour, schedule.minute)
    days: dict[date, list[tuple[Stage, date]]] = {}  # due date → its stages' days

    def stage_days(due: date) -> list[tuple[Stage, date]]:
        if due not in days:
            days[due] = [(st, schedule.stage_day(st, due, cal)) for st in schedule.stages]
        return days[due]

    for year, plan in plans:
        for ob in plan.obligations:
            if ob.cadence == Cadence.ONGOING and ob.deadline is None:
                continue  # 常态化: no date to be late for
            names: list[str] | None = None
            for period in Period.of_year(ob.cadence, year):
                plan_due = due_date(ob, period)
                if cal.on_or_before(plan_due) > today:  # an extension is later still
                    continue
                if names is None:
                    names = [u for u in responsible_units(directory, plan, ob) if u in units]
                for unit in names:
                    k = (unit, ob.key, period.key)
                    if k in completed or k in exempt:
                        continue
                    due = extended.get(k, plan_due)
                    for stage, day in stage_days(due):
                        when = datetime.combine(day, at, tzinfo=TZ)
                        if when <= now and (today - day).days <= schedule.catch_up_days:
                            out.append(Escalation(unit, ob, period, due, stage, when))
    return sorted(out, key=lambda e: (e.when, e.unit, e.obligation.key, e.stage.after))
