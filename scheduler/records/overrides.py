"""Admins' overrides of whom an obligation binds, and re-planning after a change.

An override says, for one unit and one obligation, "applies" or "does not apply", with a reason;
it beats the subject rules of :mod:`knowledge.plan.binding`. Setting and clearing one is audited
(``audit_log``: who, when, what, the reason, the previous decision).

Re-planning (:func:`replan`): reminders already queued but not yet sent to a unit the
obligation no longer binds (a new rule, a new override) are withdrawn, never sent; reminders
withdrawn that way whose unit is bound again are queued again while still timely. The planner
runs it on every tick; the override commands run it at once.

Module API: :func:`set_override`, :func:`clear_override`, :func:`list_overrides`,
:func:`load_overrides`, :func:`stored_overrides`, :func:`replan`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import and_, inspect, or_, update
from sqlmodel import Session, select

from knowledge.plan.binding import Override, bound_units
from knowledge.plan.model import Obligation, WorkPlan
from knowledge.plan.units import UnitDirectory
from scheduler.records.audit_log import audit
from scheduler.records.completions import completed_set, resolve_obligation
from scheduler.records.unit_registry import RegistryError, UnknownUnitError, get_unit, resolve_unit
from scheduler.store.models import ObligationOverride, OutboxMessage, OutboxState, UnitRow
from scheduler.timing.clock import local, utcnow

REMINDER_KINDS = ("reminder", "snooze")
WITHDRAWN = "该任务已不再约束此单位，提醒撤回"


@dataclass(frozen=True)
class OverrideChange:
    """What a set/clear did: the stored decision and the one before it (None: the rules)."""

    unit: str
    obligation: Obligation
    override: Override | None
    previous: Override | None
    withdrawn: int = 0  # queued reminders withdrawn by the re-planning
    restored: int = 0


def _to_override(row: ObligationOverride, unit: str) -> Override:
    return Override(
        unit=unit,
        obligation=row.obligation_key,
        applies=row.applies,
        reason=row.reason,
        by=row.set_by,
        at=local(row.set_at).isoformat(timespec="minutes") if row.set_at else "",
        plan=row.plan_id,
    )


def load_overrides(session: Session, plan_id: str | None = None) -> list[Override]:
    """Every stored override (of one plan when ``plan_id`` is given), oldest first."""
    q = select(ObligationOverride, UnitRow).join(UnitRow, ObligationOverride.unit_id == UnitRow.id)
    if plan_id is not None:
        q = q.where(ObligationOverride.plan_id == plan_id)
    rows = session.exec(q.order_by(ObligationOverride.set_at, ObligationOverride.id)).all()
    return [_to_override(o, u.name) for o, u in rows]


def list_overrides(session: Session, plan: WorkPlan) -> list[Override]:
    return load_overrides(session, plan.plan_id)


def stored_overrides(url: str | None = None) -> list[Override]:
    """Overrides from the database at ``url`` without creating or migrating it (read-only
    callers such as ``fazhi kb obligations``); [] when there is no such database yet."""
    from pathlib import Path

    from scheduler.store.db import make_engine, resolve_url

    parsed = resolve_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").exists():
        return []
    engine = make_engine(parsed)
    try:
        if not inspect(engine).has_table(ObligationOverride.__tablename__):
            return []
        with Session(engine) as s:
            return load_overrides(s)
    finally:
        engine.dispose()


def _row(session: Session, plan: WorkPlan, unit_id: int, key: str) -> ObligationOverride | None:
    return session.exec(
        select(ObligationOverride).where(
            ObligationOverride.plan_id == plan.plan_id,
            ObligationOverride.unit_id == unit_id,
            ObligationOverride.obligation_key == key,
        )
    ).first()


def _resolve(
    session: Session, plan: WorkPlan, directory: UnitDirectory, unit: str, obligation: str
) -> tuple[UnitRow, Obligation]:
    name = resolve_unit(directory, unit)
    row = get_unit(session, name)
    if row is None:
        raise UnknownUnitError(unit)
    return row, resolve_obligation(plan, obligation)


def set_override(
    session: Session,
    plan: WorkPlan,
    directory: UnitDirectory,
    unit: str,
    obligation: str,
    applies: bool,
    reason: str,
    actor: str,
) -> OverrideChange:
    """Record that ``obligation`` does (``applies``) or does not apply to ``unit``; the unit and
    the obligation may be written as a user would (司法局, 学法). Audited; re-plans at once."""
    reason = reason.strip()
    if not reason:
        raise RegistryError("请写明理由（例如：该单位不设党组会议，不适用季度学法）。")
    row, ob = _resolve(session, plan, directory, unit, obligation)
    existing = _row(session, plan, row.id, ob.key)  # type: ignore[arg-type]
    previous = _to_override(existing, row.name) if existing else None
    if existing is None:
        existing = ObligationOverride(
            plan_id=plan.plan_id,
            unit_id=row.id,  # type: ignore[arg-type]
            obligation_key=ob.key,
            applies=applies,
        )
    existing.applies = applies
    existing.reason = reason
    existing.set_by = str(actor)
    existing.set_at = utcnow()
    session.add(existing)
    audit(
        session,
        actor,
        "override_set",
        row.name,
        plan=plan.plan_id,
        obligation=ob.key,
        applies=applies,
        reason=reason,
        previous=None
        if previous is None
        else {"applies": previous.applies, "reason": previous.reason},
    )
    session.flush()
    withdrawn, restored = replan(session, plan, _with_stored(session, directory))
    return OverrideChange(
        row.name, ob, _to_override(existing, row.name), previous, withdrawn, restored
    )


def clear_override(
    session: Session,
    plan: WorkPlan,
    directory: UnitDirectory,
    unit: str,
    obligation: str,
    actor: str,
) -> OverrideChange:
    """Remove the override of (unit, obligation): the rules decide again. Audited."""
    row, ob = _resolve(session, plan, directory, unit, obligation)
    existing = _row(session, plan, row.id, ob.key)  # type: ignore[arg-type]
    if existing is None:
        raise RegistryError(f"“{row.name}”的“{ob.key}（{ob.action}）”没有管理员调整，无需清除。")
    previous = _to_override(existing, row.name)
    session.delete(existing)
    audit(
        session,
        actor,
        "override_clear",
        row.name,
        plan=plan.plan_id,
        obligation=ob.key,
        previous={"applies": previous.applies, "reason": previous.reason},
    )
    session.flush()
    withdrawn, restored = replan(session, plan, _with_stored(session, directory))
    return OverrideChange(row.name, ob, None, previous, withdrawn, restored)


def _with_stored(session: Session, directory: UnitDirectory) -> UnitDirectory:
    return directory.with_overrides(load_overrides(session))


def replan(session: Session, plan: WorkPlan, directory: UnitDirectory) -> tuple[int, int]:
    """Withdraw queued reminders of obligations that no longer bind their unit; queue again
    those withdrawn this way whose unit is bound again and that are still timely. ``directory``
    must carry the current overrides. Returns (withdrawn, restored).

    Every planner tick runs this over every queued reminder (thousands at a quarter's start),
    so it reads the few columns it needs, not whole rows, and changes state in bulk."""
    o = OutboxMessage
    rows = session.exec(
        select(o.id, o.state, o.meta, o.unit_name, o.not_after).where(
            o.kind.in_(REMINDER_KINDS),  # type: ignore[attr-defined]
            or_(
                o.state == OutboxState.QUEUED.value,
                and_(o.state == OutboxState.DROPPED.value, o.last_error == WITHDRAWN),
            ),
        )
    ).all()
    bound: dict[str, set[str]] = {}
    now = utcnow()
    done: set[tuple[str, str, str]] | None = None
    withdraw: list[int] = []
    restore: list[int] = []
    for row_id, state, meta_text, unit_name, not_after in rows:
        meta = json.loads(meta_text or "{}")
        key = meta.get("obligation")
        ob = plan.obligation(key) if key else None
        if ob is None or unit_name is None:
            continue
        if key not in bound:
            bound[key] = set(bound_units(plan, ob, directory))
        is_bound = unit_name in bound[key]
        if state == OutboxState.QUEUED.value and not is_bound:
            withdraw.append(row_id)
        elif state == OutboxState.DROPPED.value and is_bound:
            if not_after is not None and not_after <= now:
                continue
            if done is None:
                done = completed_set(session, plan)
            if (unit_name, key, meta.get("period")) in done:
                continue
            restore.append(row_id)
    _set_state(session, withdraw, OutboxState.DROPPED.value, WITHDRAWN)
    _set_state(session, restore, OutboxState.QUEUED.value, None)
    return len(withdraw), len(restore)


def _set_state(session: Session, ids: list[int], state: str, error: str | None) -> None:
    o = OutboxMessage
    for i in range(0, len(ids), 500):
        session.exec(  # type: ignore[call-overload]
            update(o)
            .where(o.id.in_(ids[i : i + 500]))  # type: ignore[union-attr]
            .values(state=state, last_error=error)
            .execution_options(synchronize_session=False)
        )
    if ids:
        session.expire_all()  # rows loaded earlier in this session see the new state
