"""The ledger (台账) the supervision office keeps: per unit and per period, every obligation
with its status, the dates it was done, who confirmed it, the evidence files' names, the
chases and the unit's replies, and exemptions or extensions (:func:`waivers_for`).

:func:`build_ledger` gathers the rows; :mod:`scheduler.records.ledger_xlsx` writes them as a
workbook (a sheet per unit and a summary) or CSV. Units are in the order of their names and
nothing is ranked: a ledger records, it does not score people.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, select

from knowledge.plan.model import WorkPlan
from knowledge.plan.units import UnitDirectory
from scheduler.records.chases import ChaseEntry, chase_log
from scheduler.records.completions import NOT_APPLICABLE, compliance_matrix
from scheduler.records.evidence_export import EvidenceRef
from scheduler.records.waivers import EXEMPTION, waivers_for
from scheduler.store.models import Completion, UnitRow
from scheduler.timing.clock import local
from scheduler.timing.clock import now as clock_now
from scheduler.timing.periods import Period

HEADERS = (
    "单位",
    "条目",
    "任务",
    "期间",
    "截止日期",
    "状态",
    "完成日期",
    "确认人",
    "证明材料",
    "登记说明",
    "催办",
    "单位回复",
    "豁免/延期",
    "记录编号",
)


def evidence_name(raw: str) -> str:
    """How a ledger names one line of a completion's evidence: the file's name, 照片, the link."""
    ref = EvidenceRef.parse(raw)
    if ref.kind == "document":
        return ref.name or "文件"
    if ref.kind == "photo":
        return "照片"
    return ref.raw


@dataclass(frozen=True)
class LedgerRow:
    unit: str
    item: int
    action: str
    obligation_key: str
    period: Period
    due: date
    state: str  # the Chinese label: 已完成 / 待完成 / 已逾期 (1/2) / 不适用（豁免：…）
    done_on: tuple[date, ...] = ()
    confirmed_by: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    chases: tuple[str, ...] = ()
    replies: tuple[str, ...] = ()
    waiver: str = ""
    record_ids: tuple[int, ...] = ()  # the completions' ids
    chase_ids: tuple[int, ...] = ()

    def cells(self) -> list[str]:
        """The row as the sheet and the CSV write it (several values one a line)."""
        return [
            self.unit,
            f"第{self.item}条",
            self.action,
            self.period.label,
            self.due.isoformat(),
            self.state,
            "\n".join(d.isoformat() for d in self.done_on),
            "\n".join(self.confirmed_by),
            "\n".join(self.evidence),
            "\n".join(self.notes),
            "\n".join(self.chases),
            "\n".join(self.replies),
            self.waiver,
            "、".join(f"#{i}" for i in self.record_ids),
        ]


@dataclass
class Ledger:
    year: int
    made_at: datetime
    units: list[str]
    rows: list[LedgerRow] = field(default_factory=list)

    def of(self, unit: str) -> list[LedgerRow]:
        return self.by_unit().get(unit, [])

    def by_unit(self) -> dict[str, list[LedgerRow]]:
        out: dict[str, list[LedgerRow]] = {u: [] for u in self.units}
        for r in self.rows:
            out.setdefault(r.unit, []).append(r)
        return out


def _completions(session: Session, year: int, unit: str | None) -> dict[tuple, list[Completion]]:
    stmt = select(Completion, UnitRow).join(UnitRow, Completion.unit_id == UnitRow.id)
    if unit is not None:
        stmt = stmt.where(UnitRow.name == unit)
    out: dict[tuple, list[Completion]] = {}
    for c, u in session.exec(stmt.order_by(Completion.occurrence)).all():  # type: ignore[arg-type]
        if c.period.startswith(str(year)):
            out.setdefault((u.name, c.obligation_key, c.period), []).append(c)
    return out


def _chase_cells(entries: list[ChaseEntry]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    chases = tuple(f"{e.day.isoformat()} {e.by or '办公室'}催办" for e in entries)
    replies = tuple(
        f"{a.at:%Y-%m-%d %H:%M} {a.user_name or a.user_id}：{a.text}"
        for e in entries
        for a in e.replies
    )
    return chases, tuple(dict.fromkeys(replies))


def build_ledger(
    session: Session,
    plan: WorkPlan,
    directory: UnitDirectory,
    year: int,
    now: datetime | None = None,
    unit: str | None = None,
) -> Ledger:
    """Every obligation binding each unit (``unit`` only, when given) in every period of
    ``year``, with its records."""
    now = local(now or clock_now())
    m = compliance_matrix(
        session, plan, directory, Period(year, "Y", 1), now=now, units=[unit] if unit else None
    )
    comps = _completions(session, year, unit)
    chased: dict[tuple, list[ChaseEntry]] = {}
    for e in chase_log(session, year, unit):
        chased.setdefault((e.unit, e.obligation_key, e.period), []).append(e)
    waivers = waivers_for(session, year, unit)
    book = Ledger(year, now, [])
    for u in m.units:
        for col in m.columns:
            state = m.cells[(u, col.label)]
            key = (u, col.obligation.key, col.period.key)
            w = waivers.get(key)
            if state == NOT_APPLICABLE and w is None:
                continue
            done = comps.get(key, [])
            chases, replies = _chase_cells(chased.get(key, []))
            label = m.cell_label(u, col) if state != NOT_APPLICABLE else "不适用"
            if w is not None and w.kind == EXEMPTION and state != "done":
                label = w.label
            book.rows.append(
                LedgerRow(
                    unit=u,
                    item=col.obligation.item,
                    action=col.obligation.action,
                    obligation_key=col.obligation.key,
                    period=col.period,
                    due=col.due,
                    state=label,
                    done_on=tuple(local(c.confirmed_at).date() for c in done),
                    confirmed_by=tuple(c.confirmed_by or c.confirmed_by_id or "" for c in done),
                    evidence=tuple(
                        evidence_name(line)
                        for c in done
                        for line in (c.evidence or "").splitlines()
                        if line.strip()
                    ),
                    notes=tuple(c.note.strip() for c in done if c.note.strip()),
                    chases=chases,
                    replies=replies,
                    waiver=w.label if w is not None else "",
                    record_ids=tuple(c.id for c in done if c.id is not None),
                    chase_ids=tuple(e.id for e in chased.get(key, [])),
                )
            )
        if book.rows and book.rows[-1].unit == u:  # the unit has rows (just appended)
            book.units.append(u)
    return book
