"""Units' requests for an exemption (豁免) or an extension (延期) of an obligation's period, and
the admins' decisions; every step is audited (``request_exempt`` / ``request_extend``,
``approve_request``, ``reject_request``, with the user ids).

An approved exemption makes the period 不适用 for the unit, with its reason (never done); an
approved extension moves the period's due date. Reports read both through
:func:`status_overrides` (re-exported here from :mod:`scheduler.records.status_overrides`):

    status_overrides(session, unit=None, period=None) -> dict[(unit, obligation, period), StatusOverride]
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from knowledge.plan.model import Obligation, WorkPlan
from knowledge.plan.units import UnitDirectory
from scheduler.planning.planner import due_date, responsible_units
from scheduler.records.audit_log import audit
from scheduler.records.completions import completion_counts, resolve_obligation
from scheduler.records.status_overrides import (
    APPROVED,
    EXEMPT,
    EXTEND,
    KIND_LABELS,
    PENDING,
    REJECTED,
    StatusOverride,
    effective_due,
    status_overrides,
)
from scheduler.records.unit_registry import RegistryError, active_unit
from scheduler.store.models import StatusRequest, UnitRow
from scheduler.timing.clock import local
from scheduler.timing.clock import now as clock_now
from scheduler.timing.periods import Period, PeriodError

__all__ = [
    "APPROVED",
    "EXEMPT",
    "EXTEND",
    "PENDING",
    "REJECTED",
    "RequestView",
    "StatusOverride",
    "decide",
    "list_requests",
    "request",
    "status_overrides",
]

MAX_REASON = 500  # characters of a reason or a decision's note


@dataclass(frozen=True)
class RequestView:
    """A request with what its texts need: the unit's name, the obligation, the plan's due."""

    row: StatusRequest
    unit: str
    obligation: Obligation | None
    due: date | None  # the plan's due date of the period (before any extension)

    @property
    def id(self) -> int:
        return self.row.id or 0

    @property
    def what(self) -> str:
        ob = self.obligation
        name = f"{ob.action}（第{ob.item}条）" if ob else self.row.obligation_key
        return f"{self.unit}：{name} {self.row.period}"


def _period(ob: Obligation, text: str | None, today: date) -> Period:
    """The period asked about (the current one when not given): of the obligation's cadence,
    this year or last (an exemption may be asked ahead, for a later period of this year)."""
    current = Period.containing(ob.cadence, today)
    if not text:
        return current
    p = Period.parse(text)
    if p.kind != current.kind:
        raise PeriodError(
            f"“{ob.action}”按{ob.cadence_label}计，期间应写成如 {current.key}，而不是 {p.key}"
        )
    if p.year not in (today.year - 1, today.year):
        raise PeriodError(f"期间 {p.key} 不在本年度或上一年度，无法申请")
    return p


def _reason(text: str, what: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise RegistryError(f"请写明{what}理由（例如：本季度无执法任务）")
    if len(text) > MAX_REASON:
        raise RegistryError(f"理由过长（{len(text)} 字），请控制在 {MAX_REASON} 字以内")
    return text


def request(
    session: Session,
    plan: WorkPlan,
    directory: UnitDirectory,
    kind: str,
    unit: str,
    obligation: str,
    period: str | None,
    reason: str,
    *,
    new_due: date | None = None,
    by: str = "",
    by_id: str | None = None,
    chat_id: str | None = None,
    now: datetime | None = None,
) -> tuple[RequestView, bool]:
    """Ask that (unit, obligation, period) be exempt or extended to ``new_due``; the unit and the
    obligation may be written as users write them (司法局, 学法). Returns the request and whether
    it is new: the same pending request asked again is the first one. A request the records make
    pointless (done, already exempt, a date not after the due) is a :class:`RegistryError`."""
    if kind not in (EXEMPT, EXTEND):
        raise RegistryError(f"未知的申请类型：{kind}")
    today = local(now or clock_now()).date()
    row = active_unit(session, directory, unit)
    ob = resolve_obligation(plan, obligation)
    if row.name not in responsible_units(directory, plan, ob):
        raise RegistryError(f"“{ob.action}”（第{ob.item}条）不是“{row.name}”的任务，无需申请")
    p = _period(ob, period, today)
    label = KIND_LABELS[kind]
    reason = _reason(reason, label)
    if completion_counts(session).get((row.name, ob.key, p.key), 0) >= ob.need:
        raise RegistryError(f"“{row.name}”的“{ob.action}”（{p.label}）已确认完成，无需{label}")
    granted = status_overrides(session, row.name, p).get((row.name, ob.key, p.key))
    if granted is not None and granted.kind == EXEMPT:
        raise RegistryError(f"“{row.name}”的“{ob.action}”（{p.label}）已批准豁免，无需再申请")
    due = effective_due(due_date(ob, p), granted)
    if kind == EXTEND:
        if new_due is None:
            raise RegistryError("请写明延期后的截止日期，如 2026-10-15")
        if new_due <= due:
            raise RegistryError(
                f"延期后的日期 {new_due.isoformat()} 应晚于现在的截止日 {due.isoformat()}"
            )
    else:
        new_due = None
    for old in _rows(session, row.id, ob.key, p.key, PENDING):  # type: ignore[arg-type]
        if old.kind == kind:
            return RequestView(old, row.name, ob, due_date(ob, p)), False
    req = StatusRequest(
        kind=kind,
        unit_id=row.id,  # type: ignore[arg-type]
        obligation_key=ob.key,
        period=p.key,
        new_due=new_due,
        reason=reason,
        chat_id=chat_id,
        requested_by=by,
        requested_by_id=by_id,
    )
    session.add(req)
    session.flush()
    audit(
        session,
        by_id or by,
        f"request_{kind}",
        row.name,
        request=req.id,
        obligation=ob.key,
        period=p.key,
        reason=reason,
        new_due=new_due,
        name=by,
        chat=chat_id,
    )
    return RequestView(req, row.name, ob, due_date(ob, p)), True


def _rows(session: Session, unit_id: int, key: str, period: str, state: str) -> list[StatusRequest]:
    return list(
        session.exec(
            select(StatusRequest).where(
                StatusRequest.unit_id == unit_id,
                StatusRequest.obligation_key == key,
                StatusRequest.period == period,
                StatusRequest.state == state,
            )
        ).all()
    )


def _view(session: Session, plan: WorkPlan | None, req: StatusRequest) -> RequestView:
    unit = session.get(UnitRow, req.unit_id)
    ob = plan.obligation(req.obligation_key) if plan is not None else None
    due = None
    if ob is not None:
        try:
            due = due_date(ob, Period.parse(req.period))
        except PeriodError:  # a key no period parses: shown without its due
            due = None
    return RequestView(req, unit.name if unit else "?", ob, due)


def decide(
    session: Session,
    plan: WorkPlan | None,
    request_id: int,
    approve: bool,
    *,
    by: str = "",
    by_id: str | None = None,
    note: str = "",
    now: datetime | None = None,
) -> RequestView:
    """Approve or reject a pending request (audited with who decided and why). A request
    already decided, or none with that number, is a :class:`RegistryError`."""
    req = session.get(StatusRequest, request_id)
    if req is None:
        raise RegistryError(f"没有编号为 {request_id} 的申请")
    if req.state != PENDING:
        state = "已批准" if req.state == APPROVED else "已驳回"
        raise RegistryError(f"申请 #{request_id} 已处理（{state}，{req.decided_by or '?'}）")
    note = " ".join(note.split())[:MAX_REASON]
    req.state = APPROVED if approve else REJECTED
    req.decided_by = by
    req.decided_by_id = by_id
    req.decided_at = now or clock_now()
    req.decision_note = note
    session.add(req)
    view = _view(session, plan, req)
    audit(
        session,
        by_id or by,
        "approve_request" if approve else "reject_request",
        view.unit,
        request=req.id,
        kind=req.kind,
        obligation=req.obligation_key,
        period=req.period,
        reason=req.reason,
        new_due=req.new_due,
        note=note,
        name=by,
        requested_by=req.requested_by_id or req.requested_by,
    )
    session.flush()
    return view


def list_requests(
    session: Session, plan: WorkPlan | None = None, state: str | None = None
) -> list[RequestView]:
    """Requests, newest first; only those in ``state`` when given."""
    query = select(StatusRequest).order_by(StatusRequest.id.desc())  # type: ignore[union-attr]
    if state is not None:
        query = query.where(StatusRequest.state == state)
    return [_view(session, plan, r) for r in session.exec(query).all()]
