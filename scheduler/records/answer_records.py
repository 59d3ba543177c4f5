"""The completion records as question answering sees them: an implementation of
:class:`knowledge.qa.result.records.Records` over the database (which units have not confirmed an
obligation in a period; one unit's state)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime, time

from sqlmodel import Session

from knowledge.plan.model import Cadence, WorkPlan
from knowledge.plan.units import UnitDirectory
from knowledge.qa.result.records import RecordLine, RecordsForbidden
from scheduler.records.completions import DONE, EXEMPT, NOT_APPLICABLE, compliance_matrix
from scheduler.timing.clock import TZ
from scheduler.timing.periods import Period


def period_for(cadence: Cadence, asked: str, today: date) -> Period:
    """The period of an obligation the question means: 本季度 / 上季度 / 今年 / 去年, or the
    obligation's current period when the question names none."""
    if asked == "previous_quarter":
        q = (today.month - 1) // 3 + 1
        day = date(today.year - 1, 12, 31) if q == 1 else date(today.year, (q - 1) * 3, 1)
    elif asked == "previous_year":
        day = date(today.year - 1, 12, 31)
    else:
        day = today
    if asked in ("current_year", "previous_year") and cadence != Cadence.ONCE:
        return Period(day.year, "Y", 1)
    return Period.containing(cadence, day) if cadence != Cadence.ONCE else Period(day.year, "Y", 1)


class DbRecords:
    """The records, read in a session opened only when a question needs them (most do not).
    ``admin()`` says whether the asking chat may list other units' records."""

    def __init__(
        self,
        open_session: Callable[[], AbstractContextManager[Session]],
        plan: WorkPlan,
        directory: Callable[[Session], UnitDirectory],
        admin: Callable[[], bool],
    ) -> None:
        self.open_session = open_session
        self.plan = plan
        self.directory = directory
        self.admin = admin

    def _lines(self, kind: str, asked: str, today: date, units: list[str] | None) -> list[tuple]:
        out = []
        now = datetime.combine(today, time(12), TZ)
        with self.open_session() as s:
            directory = self.directory(s)
            for ob in self.plan.obligations:
                if not kind or ob.kind == kind:  # "": every obligation (还有哪些没完成)
                    period = period_for(ob.cadence, asked, today)
                    m = compliance_matrix(s, self.plan, directory, period, now=now, units=units)
                    out.extend(self._columns(ob, m, asked, today))
        return out

    @staticmethod
    def _columns(ob, m, asked: str, today: date) -> list[tuple]:  # noqa: ANN001
        cols = [c for c in m.columns if c.obligation.key == ob.key]
        if asked == "" and len(cols) > 1:
            cols = [c for c in cols if c.period.contains(today)] or cols[:1]
        return [(ob, c, m) for c in cols]

    def missing(self, kind: str, period: str, today: date) -> list[RecordLine]:
        if not self.admin():
            raise RecordsForbidden
        lines = []
        for ob, col, m in self._lines(kind, period, today, None):
            states = {u: m.cells.get((u, col.label)) for u in m.units}
            # an approved exemption (豁免): not bound this period, so neither done nor missing
            responsible = [u for u, st in states.items() if st not in (NOT_APPLICABLE, EXEMPT)]
            missing = tuple(u for u in responsible if states[u] != DONE)
            lines.append(
                RecordLine(
                    ob.key,
                    ob.action,
                    ob.item,
                    col.period.label,
                    col.due,
                    "",
                    missing,
                    len(responsible),
                )
            )
        return lines

    def unit_status(self, unit: str, kind: str, period: str, today: date) -> list[RecordLine]:
        lines = []
        for ob, col, m in self._lines(kind, period, today, [unit]):
            state = m.cells.get((unit, col.label))
            if state in (None, NOT_APPLICABLE, EXEMPT):
                continue
            lines.append(RecordLine(ob.key, ob.action, ob.item, col.period.label, col.due, state))
        return lines
