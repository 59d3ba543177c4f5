"""Chases (催办) and the units' replies: what the office chased, whom, when, and what each unit
answered. The chase's messages are queued by :mod:`scheduler.delivery.chasing`; this module
keeps the records, which the report, the ledger and the annual report draft read.

A chase is one row per unit, obligation, period and local day (:class:`Chase`): chasing the
same thing twice in a day (a retry, a double tap, the CLI after the chat) finds the first row,
so the message queued for it (keyed by those rows) goes out once. A reply belongs to the unit's
chases of one day (the message that listed them), one :class:`ChaseReply` per chase.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from knowledge.plan.model import Obligation, WorkPlan
from knowledge.plan.units import UnitDirectory
from scheduler.records.audit_log import audit
from scheduler.records.completions import OVERDUE, PENDING, compliance_matrix
from scheduler.records.unit_registry import RegistryError, UnknownUnitError, get_unit
from scheduler.records.waivers import waivers_for
from scheduler.store.models import Chase, ChaseReply, UnitRow
from scheduler.timing.clock import local
from scheduler.timing.clock import now as clock_now
from scheduler.timing.periods import Period

MAX_REPLY = 300  # characters of a unit's reply
NO_CHASE = "本单位目前没有被催办的任务，无需回复。"


@dataclass(frozen=True)
class Target:
    """An obligation of a period a unit has not done: what a chase names."""

    unit: str
    obligation: Obligation
    period: Period
    due: date
    state: str  # overdue | pending


def chase_targets(
    session: Session,
    plan: WorkPlan,
    directory: UnitDirectory,
    year: int,
    *,
    unit: str | None = None,
    obligation: Obligation | None = None,
    period: Period | None = None,
    now: datetime | None = None,
) -> list[Target]:
    """What a chase names: every overdue obligation of ``year`` (of ``unit``, ``obligation``,
    ``period`` when given), and, when one obligation is named, also its periods that are begun
    and pending. Never a done one, never one exempted or extended (:func:`waivers_for`)."""
    now = local(now or clock_now())
    today = now.date()
    m = compliance_matrix(
        session, plan, directory, Period(year, "Y", 1), now=now, units=[unit] if unit else None
    )
    waivers = waivers_for(session, year, unit)
    out: list[Target] = []
    for u in m.units:
        for col in m.columns:
            if obligation is not None and col.obligation.key != obligation.key:
                continue
            if period is not None and col.period != period and period.kind != "Y":
                continue
            state = m.cells[(u, col.label)]
            chased = state == OVERDUE or (
                state == PENDING and obligation is not None and col.period.start <= today
            )
            w = waivers.get((u, col.obligation.key, col.period.key))
            if chased and not (w is not None and w.waives(today)):
                out.append(Target(u, col.obligation, col.period, col.due, state))
    return out


def record_chases(
    session: Session,
    targets: list[Target],
    by: str,
    by_id: str | None = None,
    now: datetime | None = None,
) -> list[tuple[Target, Chase, bool]]:
    """Each of ``targets`` with its chase row of today and whether that row is new (new ones
    are audited; one chased before today is found again)."""
    now = now or clock_now()
    day = local(now).date()
    out: list[tuple[Target, Chase, bool]] = []
    for t in targets:
        unit = get_unit(session, t.unit)
        if unit is None:
            raise UnknownUnitError(t.unit)
        found = select(Chase).where(
            Chase.unit_id == unit.id,
            Chase.obligation_key == t.obligation.key,
            Chase.period == t.period.key,
            Chase.day == day,
        )
        row = session.exec(found).first()
        new = row is None
        if row is None:
            row = Chase(
                unit_id=unit.id,  # type: ignore[arg-type]
                obligation_key=t.obligation.key,
                period=t.period.key,
                day=day,
                chased_by=by,
                chased_by_id=by_id,
                chased_at=now,
            )
            try:
                with session.begin_nested():  # another process chasing the same at once
                    session.add(row)
                    session.flush()
            except IntegrityError:
                row, new = session.exec(found).one(), False
        if new:
            audit(
                session,
                by_id or by,
                "chase",
                t.unit,
                obligation=t.obligation.key,
                period=t.period.key,
                chase=row.id,
                name=by,
            )
        out.append((t, row, new))
    session.flush()
    return out


def _batch(session: Session, unit: UnitRow, chase_id: int | None) -> list[Chase]:
    """The chases one reply answers: those of the day of ``chase_id`` (the message's), or of
    the unit's latest chase day."""
    stmt = select(Chase).where(Chase.unit_id == unit.id)
    if chase_id is not None:
        first = session.get(Chase, chase_id)
        if first is None or first.unit_id != unit.id:
            raise RegistryError(f"这条催办不是发给“{unit.name}”的")
        day = first.day
    else:
        latest = session.exec(stmt.order_by(Chase.day.desc())).first()  # type: ignore[attr-defined]
        if latest is None:
            raise RegistryError(NO_CHASE)
        day = latest.day
    return list(session.exec(stmt.where(Chase.day == day).order_by(Chase.id)).all())  # type: ignore[arg-type]


def reply(
    session: Session,
    unit: str,
    text: str,
    *,
    user_id: str = "",
    user_name: str = "",
    chat_id: str = "",
    chase_id: int | None = None,
    now: datetime | None = None,
) -> tuple[list[Chase], bool]:
    """Record ``unit``'s answer to its chase (the one of ``chase_id``, else its latest):
    (the chases answered, whether the answer is new: the same text from the same person again
    is recorded once). Audited."""
    text = " ".join(text.split())[:MAX_REPLY]
    if not text:
        raise RegistryError("回复内容是空的")
    row = get_unit(session, unit)
    if row is None:
        raise UnknownUnitError(unit)
    batch = _batch(session, row, chase_id)
    ids = [c.id for c in batch]
    seen = session.exec(
        select(ChaseReply).where(
            ChaseReply.chase_id.in_(ids),  # type: ignore[attr-defined]
            ChaseReply.text == text,
            ChaseReply.user_id == user_id,
        )
    ).first()
    if seen is not None:
        return batch, False
    at = now or clock_now()
    for c in batch:
        session.add(
            ChaseReply(
                chase_id=c.id,  # type: ignore[arg-type]
                text=text,
                user_id=user_id,
                user_name=user_name,
                chat_id=chat_id,
                replied_at=at,
            )
        )
    audit(session, user_id or user_name, "chase_reply", unit, chases=ids, text=text, name=user_name)
    session.flush()
    return batch, True


@dataclass(frozen=True)
class Answer:
    text: str
    user_name: str
    user_id: str
    at: datetime  # local


@dataclass
class ChaseEntry:
    """A chase with its replies, as the report and the ledger show it."""

    id: int
    unit: str
    obligation_key: str
    period: str
    day: date
    by: str
    at: datetime  # local
    replies: list[Answer] = field(default_factory=list)

    def line(self, action: str = "") -> str:
        """ "区司法局 · 学法（2026Q3）12-07 催办（张三）→ 回复：已在办…（李四 12-07 15:00）"."""
        what = f"{action}（{self.period}）" if action else f"{self.obligation_key}（{self.period}）"
        text = f"{self.unit} · {what} {self.day:%m-%d} 催办（{self.by or '办公室'}）"
        if not self.replies:
            return text + " → 未回复"
        return (
            text
            + " → "
            + "；".join(
                f"回复：{a.text}（{a.user_name or a.user_id} {a.at:%m-%d %H:%M}）"
                for a in self.replies
            )
        )


def chase_log(
    session: Session, year: int | None = None, unit: str | None = None
) -> list[ChaseEntry]:
    """Every chase (of ``year``'s periods, of ``unit``) with its replies, oldest first."""
    stmt = select(Chase, UnitRow).join(UnitRow, Chase.unit_id == UnitRow.id)
    if unit is not None:
        stmt = stmt.where(UnitRow.name == unit)
    rows = session.exec(stmt.order_by(Chase.chased_at, Chase.id)).all()  # type: ignore[arg-type]
    entries: dict[int, ChaseEntry] = {}
    for c, u in rows:
        if year is not None and not c.period.startswith(str(year)):
            continue
        entries[c.id] = ChaseEntry(  # type: ignore[index]
            c.id,
            u.name,
            c.obligation_key,
            c.period,
            c.day,
            c.chased_by,
            local(c.chased_at),  # type: ignore[arg-type]
        )
    if entries:
        answers = session.exec(
            select(ChaseReply)
            .where(ChaseReply.chase_id.in_(list(entries)))  # type: ignore[attr-defined]
            .order_by(ChaseReply.replied_at, ChaseReply.id)  # type: ignore[arg-type]
        ).all()
        for a in answers:
            entries[a.chase_id].replies.append(
                Answer(a.text, a.user_name, a.user_id, local(a.replied_at))
            )
    return list(entries.values())
