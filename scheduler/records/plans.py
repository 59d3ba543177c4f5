"""Plans over the years: imported documents stored in the database, one active plan per year.

Everything a user sees follows the *active plans*: the plan of a year is the active plan of
the latest year not after it (the bundled 2021 plan while nothing else is active), and a year
before every plan has none (:mod:`knowledge.plan.years`, the one rule). Importing
the same file twice changes nothing (its hash is known); activating a plan for a year that
already has one replaces it, and the caller is told what that does to reminders.
Completions are keyed by unit, obligation and period, so those of earlier plans stay.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

from sqlmodel import Session, select

from knowledge.plan.ids import plan_slug
from knowledge.plan.model import PlanMeta, WorkPlan
from knowledge.plan.units import UnitDirectory
from knowledge.plan.years import NoPlanForYear, plan_of_year, plan_year
from knowledge.reading.decode import DocumentError
from knowledge.reading.formats import extract_text, sniff
from knowledge.reading.loader import DEFAULT_PLAN_ID, default_plan
from knowledge.reading.parser import ParseResult, parse_text
from scheduler.records.audit_log import audit
from scheduler.store.models import OutboxMessage, OutboxState, PlanRow
from scheduler.timing.clock import utcnow


class PlanError(ValueError):
    """A plan cannot be imported, found or changed; the message is one Chinese sentence."""


@dataclass(frozen=True)
class Imported:
    row: PlanRow
    plan: WorkPlan
    result: ParseResult
    created: bool  # False: the same file was imported before (nothing changed)


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=32)
def _parse_stored(slug: str, sha: str, text: str, year: int, issuer: str) -> WorkPlan:
    result = parse_text(text, slug, slug)
    if result.plan is None:
        raise DocumentError(result.errors, slug)
    return _with_year(result.plan, year, issuer)


def _with_year(plan: WorkPlan, year: int | None, issuer: str = "") -> WorkPlan:
    meta = replace(
        plan.meta, plan_year=year or plan.meta.plan_year, issuer=issuer or plan.meta.issuer
    )
    return replace(plan, meta=meta)


def row_plan(row: PlanRow) -> WorkPlan:
    return _parse_stored(row.slug, row.sha256, row.text, row.year, row.issuer)


def _slug(session: Session, plan: WorkPlan, year: int) -> str:
    """A short id from the issuer and the year (:mod:`knowledge.plan.ids`), made unique."""
    m = plan.meta
    base = plan_slug(year, m.district, m.issuer, m.title)
    slug, k = base, 2
    while (
        slug == DEFAULT_PLAN_ID or session.exec(select(PlanRow).where(PlanRow.slug == slug)).first()
    ):
        slug, k = f"{base}-{k}", k + 1
    return slug


def read_upload(data: bytes, name: str, year: int | None = None) -> tuple[str, ParseResult]:
    """Extract and parse a document's bytes; the year falls back to ``year`` or raises."""
    decoded = extract_text(data, name)
    result = parse_text(decoded.text, "preview", name)
    result.encoding = decoded.encoding
    return decoded.text, result


def import_bytes(
    session: Session,
    data: bytes,
    name: str,
    *,
    year: int | None = None,
    actor: str = "cli",
) -> Imported:
    """Store a document (inactive). Raises :class:`DocumentError` for an unreadable or
    erroneous document and :class:`PlanError` when its year is unknown."""
    sha = file_hash(data)
    existing = session.exec(select(PlanRow).where(PlanRow.sha256 == sha)).first()
    text, result = read_upload(data, name)
    if existing is not None:
        return Imported(existing, row_plan(existing), result, created=False)
    if result.plan is None or result.errors:
        raise DocumentError(result.errors or [(0, "无法解析。")], name)
    plan_year = year or result.plan.meta.plan_year
    if not plan_year:
        raise PlanError("文件中没有识别到年度（如“2025年…工作要点”），请用 --year 指明。")
    slug = _slug(session, result.plan, plan_year)
    row = PlanRow(
        slug=slug,
        year=plan_year,
        issuer=result.plan.meta.issuer,
        title=result.plan.meta.title or name,
        source_name=name.rsplit("/", 1)[-1],
        source_format=sniff(data, name),
        sha256=sha,
        text=text,
        imported_by=actor,
    )
    session.add(row)
    session.flush()
    audit(session, actor, "plan_import", slug, year=plan_year, sha256=sha)
    return Imported(row, row_plan(row), result, created=True)


def find_plan(session: Session, ref: str) -> PlanRow:
    """An imported plan by its id, its id before ids were short, or its row number."""
    ref = ref.strip()
    row = session.exec(select(PlanRow).where(PlanRow.slug == ref)).first()
    if row is None:
        row = session.exec(select(PlanRow).where(PlanRow.legacy_slug == ref)).first()
    if row is None and ref.isdigit():
        row = session.get(PlanRow, int(ref))
    if row is None:
        names = "、".join(r.slug for r in session.exec(select(PlanRow)).all())
        hint = f"已导入：{names}" if names else "还没有导入任何工作要点"
        raise PlanError(f"没有编号为“{ref}”的工作要点（{hint}）。")
    return row


def active_row(session: Session, year: int) -> PlanRow | None:
    return session.exec(
        select(PlanRow).where(PlanRow.year == year, PlanRow.active == True)  # noqa: E712
    ).first()


def activate(session: Session, row: PlanRow, actor: str = "cli") -> PlanRow | None:
    """Make ``row`` the active plan of its year; returns the plan it replaced."""
    previous = active_row(session, row.year)
    if previous is not None and previous.id == row.id:
        return None
    if previous is not None:
        previous.active = False
        session.add(previous)
    row.active = True
    row.activated_at = utcnow()
    session.add(row)
    session.flush()
    audit(
        session,
        actor,
        "plan_activate",
        row.slug,
        year=row.year,
        replaced=previous.slug if previous else None,
    )
    return previous


def activate_bundled(session: Session, actor: str = "cli") -> PlanRow | None:
    """Make the bundled plan its year's plan again: the imported plan active for that year (if
    any) is set aside and returned."""
    year = default_plan().meta.plan_year or 0
    previous = active_row(session, year)
    if previous is None:
        return None
    previous.active = False
    session.add(previous)
    session.flush()
    audit(session, actor, "plan_activate", DEFAULT_PLAN_ID, year=year, replaced=previous.slug)
    return previous


def remove(session: Session, row: PlanRow, actor: str = "cli") -> None:
    audit(session, actor, "plan_remove", row.slug, year=row.year, active=row.active)
    session.delete(row)
    session.flush()


def active_signature(session: Session) -> tuple:
    """Changes when a plan is activated, replaced or removed (cheap to compare)."""
    rows = session.exec(
        select(PlanRow.id, PlanRow.activated_at).where(PlanRow.active == True)  # noqa: E712
    ).all()
    return tuple(sorted((r[0], str(r[1])) for r in rows))


def all_rows(session: Session) -> list[PlanRow]:
    return list(session.exec(select(PlanRow).order_by(PlanRow.year, PlanRow.id)).all())


def active_plans(session: Session) -> list[WorkPlan]:
    """The active plans by year, oldest first; the bundled plan unless its year has another."""
    rows = session.exec(
        select(PlanRow).where(PlanRow.active == True).order_by(PlanRow.year)  # noqa: E712
    ).all()
    plans = [row_plan(r) for r in rows]
    bundled = default_plan()
    if not any(p.meta.plan_year == bundled.meta.plan_year for p in plans):
        plans.insert(0, bundled)
    return sorted(plans, key=lambda p: p.meta.plan_year or 0)


def plan_for_year(plans: list[WorkPlan], year: int) -> WorkPlan:
    """The plan in force in ``year`` by the one rule (:func:`knowledge.plan.years.plan_of_year`):
    the active plan for ``year``, else the latest active plan before it. A year before every
    plan raises :class:`~knowledge.plan.years.NoPlanForYear` (its message lists the years)."""
    return plan_of_year(plans, year).plan


def covering(plans: list[WorkPlan], year: int) -> WorkPlan:
    """The plan that covers ``year`` before or after an activation; a plan without items when
    none does (activating a year before every plan: every reminder of the new plan starts)."""
    try:
        return plan_for_year(plans, year)
    except NoPlanForYear:
        return WorkPlan(plan_id="", meta=PlanMeta(plan_year=year), preamble="", items=())


def ordered_for(plans: list[WorkPlan], day: date) -> list[WorkPlan]:
    """Plans with the one in force on ``day`` first (the question engine's default); on a day
    before every plan, the newest first (an answer then names its plan's year)."""
    try:
        first = plan_for_year(plans, day.year)
    except NoPlanForYear:
        first = max(plans, key=plan_year)
    return [first, *[p for p in reversed(plans) if p is not first]]


def responsibilities(plan: WorkPlan, directory: UnitDirectory) -> set[tuple[str, str]]:
    """(unit, obligation action) pairs the plan's reminders go to."""
    out: set[tuple[str, str]] = set()
    for item in plan.items:
        if not item.obligations:
            continue
        units = [u.name for u, _r in directory.responsible_units(item)]
        for ob in item.obligations:
            out |= {(u, f"{ob.action}（{ob.cadence_label}）") for u in units}
    return out


@dataclass(frozen=True)
class ReminderChange:
    stopped: tuple[tuple[str, str], ...]  # (unit, obligation) no longer reminded
    started: tuple[tuple[str, str], ...]  # (unit, obligation) newly reminded
    withdrawn: int  # queued reminders withdrawn

    def text(self, limit: int = 15) -> str:
        if not self.stopped and not self.started:
            return "提醒对象和事项没有变化。"
        lines: list[str] = []
        if self.started:
            lines.append(f"新增提醒 {len(self.started)} 项：")
            lines += [f"  + {u}：{o}" for u, o in self.started[:limit]]
            if len(self.started) > limit:
                lines.append(f"  …另有 {len(self.started) - limit} 项")
        if self.stopped:
            lines.append(f"不再提醒 {len(self.stopped)} 项：")
            lines += [f"  - {u}：{o}" for u, o in self.stopped[:limit]]
            if len(self.stopped) > limit:
                lines.append(f"  …另有 {len(self.stopped) - limit} 项")
        if self.withdrawn:
            lines.append(f"已撤回 {self.withdrawn} 条尚未发出的旧提醒。")
        return "\n".join(lines)


def reminder_change(
    session: Session, old: WorkPlan, new: WorkPlan, directory: UnitDirectory
) -> ReminderChange:
    """What replacing ``old`` by ``new`` does to reminders; queued reminders of obligations a
    unit no longer has under ``new`` are withdrawn (dropped before they are sent)."""
    before = responsibilities(old, directory)
    after = responsibilities(new, directory)
    keep: set[tuple[str, str]] = set()
    for item in new.items:
        units = [u.name for u, _r in directory.responsible_units(item)]
        keep |= {(u, ob.key) for ob in item.obligations for u in units}
    withdrawn = 0
    queued = session.exec(
        select(OutboxMessage).where(
            OutboxMessage.kind == "reminder", OutboxMessage.state == OutboxState.QUEUED
        )
    ).all()
    import json

    for msg in queued:
        meta = json.loads(msg.meta or "{}")
        if (msg.unit_name, meta.get("obligation")) not in keep:
            msg.state = OutboxState.DROPPED
            msg.last_error = "工作要点已更换，该提醒不再适用"
            session.add(msg)
            withdrawn += 1
    return ReminderChange(tuple(sorted(before - after)), tuple(sorted(after - before)), withdrawn)
