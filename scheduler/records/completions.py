"""Completions (a unit confirmed an obligation for a period), unit status and the compliance
matrix (units × obligations: done / overdue / pending).

Module API for the bot: :func:`confirm`, :func:`undo`, :func:`completed_set`,
:func:`status_for_unit`, :func:`compliance_matrix`, :func:`resolve_obligation`,
:func:`check_period`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, select

from knowledge.plan.binding import Override
from knowledge.plan.model import Obligation, WorkPlan
from knowledge.plan.units import UnitDirectory
from scheduler.planning.planner import cadence_periods, due_date, reminders_in, responsible_units
from scheduler.planning.rules import RuleSet
from scheduler.records.audit_log import audit
from scheduler.records.obligation_names import (  # noqa: F401 - re-exported, callers import them here
    UnknownObligationError,
    resolve_obligation,
)
from scheduler.records.status_overrides import (
    EXEMPT,
    StatusOverride,
    effective_due,
    status_overrides,
)
from scheduler.records.unit_registry import RegistryError, UnknownUnitError, get_unit
from scheduler.store.models import Completion, UnitRow
from scheduler.timing.clock import local
from scheduler.timing.clock import now as clock_now
from scheduler.timing.periods import Period, PeriodError
from scheduler.timing.workdays import WorkCalendar

DONE, PENDING, OVERDUE, NOT_APPLICABLE = "done", "pending", "overdue", "n/a"
STATE_LABELS = {DONE: "已完成", PENDING: "待完成", OVERDUE: "已逾期", NOT_APPLICABLE: "—"}
STATE_LABELS[EXEMPT] = "不适用（豁免）"  # an approved exemption: not bound this period, not done


def _default_period(ob: Obligation, now: datetime) -> Period:
    return Period.containing(ob.cadence, local(now).date())


def check_period(obligation: Obligation, p: Period, today: date) -> None:
    """A completion may be recorded for the obligation's periods of the current year that have
    begun (the current one or an earlier one); anything else is a :class:`PeriodError` that says
    which periods are allowed."""
    expected = Period.containing(obligation.cadence, p.start).kind
    current = Period.containing(obligation.cadence, today)
    if p.kind != expected:
        raise PeriodError(
            f"“{obligation.action}”按{obligation.cadence_label}计，期间应写成如 {current.label}，"
            f"而不是 {p.label}"
        )
    first = Period.of_year(obligation.cadence, today.year)[0]
    span = first.label if first == current else f"{first.label} 到 {current.label}"
    if p.year != today.year or p.start > today:
        when = "尚未开始" if p.start > today else f"不在本年度（{today.year}年）"
        raise PeriodError(f"期间 {p.label} {when}：只能登记本年度已开始的期间，即 {span}")


def _period(ob: Obligation, period: str | Period | None, now: datetime) -> Period:
    """The period named (its key, or its Chinese name also without the year), else the current."""
    if period is None:
        return _default_period(ob, now)
    return period if isinstance(period, Period) else Period.parse(period, local(now).date())


def confirm(
    session: Session,
    unit: str,
    obligation: Obligation,
    period: str | Period | None = None,
    by: str = "",
    note: str = "",
    evidence: str | None = None,
    *,
    admin: bool = False,
    now: datetime | None = None,
    by_id: str | None = None,
) -> tuple[Completion, bool]:
    """Record that ``unit`` did ``obligation`` in ``period`` (default: the current one).

    ``by`` is the confirming person's name, ``by_id`` their user id (Telegram). A period that
    has not started yet is refused (:class:`PeriodError`). Idempotent: a second confirmation
    of the same (unit, obligation, period) returns the first one and ``False``. Every new
    completion is audited (``manual_completion`` when ``admin=True``, else ``confirm``).

    An obligation of "至少N次" per period takes N confirmations in that period (occurrences
    1…N, the completion's ``occurrence``); once the count is reached a further one returns
    the last and ``False``."""
    row = get_unit(session, unit)
    if row is None:
        raise UnknownUnitError(unit)
    p = _period(obligation, period, now or clock_now())
    if period is not None:
        check_period(obligation, p, local(now or clock_now()).date())
    existing = _rows(session, row.id, obligation.key, p.key)  # type: ignore[arg-type]
    if len(existing) >= obligation.need:
        return existing[-1], False
    completion = Completion(
        unit_id=row.id,  # type: ignore[arg-type]
        obligation_key=obligation.key,
        period=p.key,
        occurrence=len(existing) + 1,
        confirmed_by=str(by),
        confirmed_by_id=by_id,
        note=note,
        evidence=evidence,
    )
    session.add(completion)
    audit(
        session,
        by_id or by,
        "manual_completion" if admin else "confirm",
        unit,
        obligation=obligation.key,
        period=p.key,
        occurrence=completion.occurrence,
        need=obligation.need,
        name=by,
        note=note,
    )
    session.flush()
    return completion, True


def _rows(session: Session, unit_id: int, key: str, period: str) -> list[Completion]:
    """The completions of (unit, obligation, period), first occurrence first."""
    return list(
        session.exec(
            select(Completion)
            .where(
                Completion.unit_id == unit_id,
                Completion.obligation_key == key,
                Completion.period == period,
            )
            .order_by(Completion.occurrence)  # type: ignore[arg-type]
        ).all()
    )


def undo(
    session: Session,
    unit: str,
    obligation: Obligation,
    period: str | Period | None = None,
    by: str = "",
    *,
    now: datetime | None = None,
) -> Completion:
    """Withdraw the completion of (unit, obligation, period) — default the current period — and
    audit who did it with what was withdrawn; the obligation is due again. Of several
    occurrences in the period the last is withdrawn. Raises :class:`RegistryError` when
    there is nothing to withdraw."""
    row = get_unit(session, unit)
    if row is None:
        raise UnknownUnitError(unit)
    p = _period(obligation, period, now or clock_now())
    rows = _rows(session, row.id, obligation.key, p.key)  # type: ignore[arg-type]
    existing = rows[-1] if rows else None
    if existing is None:
        raise RegistryError(f"“{unit}”的“{obligation.action}”（{p.label}）没有完成记录，无需撤销")
    audit(
        session,
        by,
        "undo_completion",
        unit,
        obligation=obligation.key,
        period=p.key,
        confirmed_by=existing.confirmed_by,
        confirmed_at=existing.confirmed_at,
        note=existing.note,
        evidence=existing.evidence,
    )
    session.delete(existing)
    session.flush()
    return existing


def completion_counts(session: Session) -> Counter[tuple[str, str, str]]:
    """How many completions each (unit name, obligation key, period key) has."""
    rows = session.exec(
        select(UnitRow.name, Completion.obligation_key, Completion.period).join(
            UnitRow, Completion.unit_id == UnitRow.id
        )
    ).all()
    return Counter((u, k, p) for u, k, p in rows)


def completed_set(session: Session, plan: WorkPlan | None = None) -> set[tuple[str, str, str]]:
    """(unit name, obligation key, period key) of every period that is done: as many
    completions as ``plan``'s obligation needs (至少2次: two); one suffices for a key the
    plan does not have, or with no plan."""
    need = {o.key: o.need for o in plan.obligations} if plan is not None else {}
    return {t for t, n in completion_counts(session).items() if n >= need.get(t[1], 1)}


def _completions(session: Session) -> dict[tuple[str, str, str], list[Completion]]:
    rows = session.exec(
        select(Completion, UnitRow)
        .join(UnitRow, Completion.unit_id == UnitRow.id)
        .order_by(Completion.occurrence)  # type: ignore[arg-type]
    ).all()
    out: dict[tuple[str, str, str], list[Completion]] = {}
    for c, u in rows:
        out.setdefault((u.name, c.obligation_key, c.period), []).append(c)
    return out


def _state(done: bool, due: date, today: date) -> str:
    if done:
        return DONE
    return OVERDUE if today > due else PENDING


@dataclass(frozen=True)
class ObligationStatus:
    obligation: Obligation
    period: Period
    due: date
    state: str  # done / pending / overdue
    next_reminder: date | None = None
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None
    note: str = ""
    done_count: int = 0  # completions in the period so far
    need: int = 1  # completions the period needs (至少2次: 2)
    request: StatusOverride | None = None  # an approved exemption or extension, with its reason

    @property
    def progress(self) -> str:
        """ "1/2" for an obligation counted more than once per period, else ""."""
        return f"{min(self.done_count, self.need)}/{self.need}" if self.need > 1 else ""

    @property
    def state_label(self) -> str:
        label = STATE_LABELS[self.state]
        return f"{label} {self.progress}" if self.progress else label


def status_for_unit(
    session: Session,
    plan: WorkPlan,
    directory: UnitDirectory,
    unit: str,
    rules: RuleSet,
    cal: WorkCalendar,
    now: datetime | None = None,
) -> list[ObligationStatus]:
    """The unit's obligations in their current periods: due date, state, next reminder."""
    now = local(now or clock_now())
    today = now.date()
    comps = _completions(session)
    granted = status_overrides(session, unit)
    upcoming = reminders_in(plan, directory, rules, cal, (today.year,), units={unit})
    out: list[ObligationStatus] = []
    for ob in plan.obligations:
        if unit not in responsible_units(directory, plan, ob):
            continue
        period = _default_period(ob, now)
        req = granted.get((unit, ob.key, period.key))
        due = effective_due(due_date(ob, period), req)
        done = comps.get((unit, ob.key, period.key), [])
        c = done[-1] if len(done) >= ob.need else None
        state = _state(c is not None, due, today)
        state = EXEMPT if req and req.kind == EXEMPT and state != DONE else state
        nxt = next(
            (
                r.day
                for r in upcoming
                if r.obligation.key == ob.key and r.period == period and r.when > now
            ),
            None,
        )
        out.append(
            ObligationStatus(
                obligation=ob,
                period=period,
                due=due,
                state=state,
                next_reminder=None if c or state == EXEMPT else nxt,
                confirmed_by=c.confirmed_by if c else None,
                confirmed_at=local(c.confirmed_at) if c else None,
                note=c.note if c else "",
                done_count=len(done),
                need=ob.need,
                request=req,
            )
        )
    return out


@dataclass(frozen=True)
class Column:
    obligation: Obligation
    period: Period
    due: date

    @property
    def label(self) -> str:
        return f"{self.obligation.key} {self.period.key}"


@dataclass
class Matrix:
    """Units × (obligation, period) columns; cells are done / pending / overdue / n/a."""

    period: Period
    columns: list[Column]
    units: list[str]
    cells: dict[tuple[str, str], str] = field(default_factory=dict)  # (unit, column label)
    # completions so far of a cell whose obligation needs more than one (至少2次): 1 of 2
    progress: dict[tuple[str, str], int] = field(default_factory=dict)
    # admins' overrides of whom an obligation binds that shaped this matrix (shown in reports)
    overrides: list[Override] = field(default_factory=list)
    # approved exemptions (不适用, with a reason) and extensions (a new due) of its cells
    requests: dict[tuple[str, str], StatusOverride] = field(default_factory=dict)

    def override(self, unit: str, obligation_key: str) -> Override | None:
        for ov in self.overrides:
            if ov.unit == unit and ov.obligation == obligation_key:
                return ov
        return None

    def cell_label(self, unit: str, column: Column) -> str:
        """已完成 / 待完成 / 已逾期, with "1/2" when the obligation needs several."""
        state = self.cells[(unit, column.label)]
        need = column.obligation.need
        if need > 1 and state not in (NOT_APPLICABLE, EXEMPT):
            return f"{STATE_LABELS[state]} {min(self.progress.get((unit, column.label), 0), need)}/{need}"
        return STATE_LABELS[state]

    def counts(self) -> dict[str, int]:
        out = {DONE: 0, PENDING: 0, OVERDUE: 0, EXEMPT: 0, NOT_APPLICABLE: 0}  # units × columns
        for v in self.cells.values():
            if v in out:
                out[v] += 1
        return out


def compliance_matrix(
    session: Session,
    plan: WorkPlan,
    directory: UnitDirectory,
    period: str | Period,
    now: datetime | None = None,
    units: list[str] | None = None,
) -> Matrix:
    """The compliance matrix of ``period`` (a year: every quarter of quarterly obligations)."""
    p = period if isinstance(period, Period) else Period.parse(period)
    today = local(now or clock_now()).date()
    counted = completion_counts(session)
    granted = status_overrides(session, period=p)
    columns = [
        Column(ob, sub, due_date(ob, sub))
        for ob in plan.obligations
        for sub in cadence_periods(ob, p)
    ]
    responsible = {ob.key: set(responsible_units(directory, plan, ob)) for ob in plan.obligations}
    names = units or sorted({u for s in responsible.values() for u in s})
    keys = {ob.key for ob in plan.obligations}
    overrides = [
        ov for ov in directory.overrides if ov.obligation in keys and ov.plan in ("", plan.plan_id)
    ]
    m = Matrix(p, columns, names, overrides=overrides)
    for unit in names:
        for col in columns:
            if unit not in responsible[col.obligation.key]:
                state = NOT_APPLICABLE
            else:
                n = counted.get((unit, col.obligation.key, col.period.key), 0)
                req = granted.get((unit, col.obligation.key, col.period.key))
                state = _state(n >= col.obligation.need, effective_due(col.due, req), today)
                if req is not None:
                    m.requests[(unit, col.label)] = req
                    state = EXEMPT if req.kind == EXEMPT and state != DONE else state
                if col.obligation.need > 1:
                    m.progress[(unit, col.label)] = n
            m.cells[(unit, col.label)] = state
    return m
