"""What approved requests change in a unit's status: an exemption (豁免) makes an obligation's
period 不适用 for the unit, with its reason (never done); an extension (延期) moves its due date.

:func:`status_overrides` is the one read every report uses (/mytasks, the compliance matrix and
its picture, the ledger); the requests themselves are :mod:`scheduler.records.requests`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from scheduler.store.models import StatusRequest, UnitRow
from scheduler.timing.clock import local
from scheduler.timing.periods import Period, PeriodError

EXEMPT, EXTEND = "exempt", "extend"
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
KIND_LABELS = {EXEMPT: "豁免", EXTEND: "延期"}
STATE_LABELS = {PENDING: "待审批", APPROVED: "已批准", REJECTED: "已驳回"}

Key = tuple[str, str, str]  # (unit name, obligation key, period key)


@dataclass(frozen=True)
class StatusOverride:
    """An approved request in force for (unit, obligation, period)."""

    unit: str
    obligation: str
    period: str
    kind: str  # exempt | extend
    reason: str
    new_due: date | None  # extend: the new last day
    approved_by: str
    approved_at: datetime  # local time
    request_id: int

    @property
    def label(self) -> str:
        if self.kind == EXEMPT:
            return f"豁免（不适用）：{self.reason}"
        return f"延期至 {self.new_due.isoformat() if self.new_due else '?'}：{self.reason}"


def _within(key: str, period: Period | None) -> bool:
    if period is None:
        return True
    try:
        p = Period.parse(key)
    except PeriodError:
        return False
    return p == period or (period.start <= p.start and p.end <= period.end)


def status_overrides(
    session: Session, unit: str | None = None, period: str | Period | None = None
) -> dict[Key, StatusOverride]:
    """The approved exemptions and extensions, keyed by (unit name, obligation key, period key);
    of ``unit`` only when given, and of the periods within ``period`` when given (a year covers
    its quarters and months). Where a period has both, the exemption wins; of two extensions,
    the later decision."""
    p = Period.parse(period) if isinstance(period, str) else period
    query = (
        select(StatusRequest, UnitRow)
        .join(UnitRow, StatusRequest.unit_id == UnitRow.id)
        .where(StatusRequest.state == APPROVED)
        .order_by(StatusRequest.decided_at, StatusRequest.id)  # type: ignore[arg-type]
    )
    if unit is not None:
        query = query.where(UnitRow.name == unit)
    out: dict[Key, StatusOverride] = {}
    for req, row in session.exec(query).all():
        if not _within(req.period, p):
            continue
        key = (row.name, req.obligation_key, req.period)
        if key in out and out[key].kind == EXEMPT and req.kind != EXEMPT:
            continue
        out[key] = StatusOverride(
            unit=row.name,
            obligation=req.obligation_key,
            period=req.period,
            kind=req.kind,
            reason=req.reason,
            new_due=req.new_due,
            approved_by=req.decided_by or "",
            approved_at=local(req.decided_at or req.requested_at),
            request_id=req.id or 0,
        )
    return out


def effective_due(due: date, override: StatusOverride | None) -> date:
    """The due date after an approved extension (the plan's otherwise)."""
    if override is not None and override.kind == EXTEND and override.new_due is not None:
        return override.new_due
    return due
