"""The annual report (法治政府建设年度报告): a unit's submitted file and its published link, and
the status of every responsible unit against the deadlines of the plan's ``annual_report``
(1 March) and ``report_publish`` (1 April) obligations, which come from
``knowledge/data/statutory.toml``.

Both are ordinary completions of those obligations, so /mytasks, reminders and the matrix see
them too; the file id or the link is the completion's evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlparse

from sqlmodel import Session, select

from knowledge.plan.model import Obligation, WorkPlan
from knowledge.plan.units import UnitDirectory
from scheduler.planning.planner import due_date, responsible_units
from scheduler.records.audit_log import audit
from scheduler.records.completions import confirm
from scheduler.records.unit_registry import RegistryError
from scheduler.store.models import Completion, UnitRow
from scheduler.timing.clock import local
from scheduler.timing.clock import now as clock_now
from scheduler.timing.periods import Period

SUBMIT_KIND = "annual_report"
PUBLISH_KIND = "report_publish"


def report_obligation(plan: WorkPlan, kind: str) -> Obligation:
    ob = next((o for o in plan.obligations if o.kind == kind), None)
    if ob is None:
        raise RegistryError("本工作要点没有法治政府建设年度报告的任务")
    return ob


def valid_url(text: str) -> str | None:
    """The link if it is an http(s) address with a host, else None."""
    url = text.strip().strip("<>（）()“”\"'")
    parsed = urlparse(url)
    if parsed.scheme in ("http", "https") and parsed.netloc and "." in parsed.netloc:
        return url
    return None


def record(
    session: Session,
    plan: WorkPlan,
    unit: str,
    kind: str,
    evidence: str,
    by: str,
    note: str = "",
    now: datetime | None = None,
    by_id: str | None = None,
) -> tuple[Completion, bool]:
    """``by`` names the person, ``by_id`` is their user id (the audit row's actor). Record the submitted report (``evidence`` = the file) or its publication (the link) as
    this year's completion; a newer file or link is added to the earlier ones (the last is the
    current one). Returns the completion and whether it is new."""
    ob = report_obligation(plan, kind)
    period = Period.containing(ob.cadence, local(now or clock_now()).date())
    completion, new = confirm(session, unit, ob, period, by=by, note=note, now=now, by_id=by_id)
    known = (completion.evidence or "").splitlines()
    if evidence not in known:  # a newer file or link is added; earlier ones are kept
        completion.evidence = "\n".join([*known, evidence])
    if not new and note and note not in completion.note:
        completion.note = (completion.note + "\n" + note).strip()
    session.add(completion)
    audit(
        session,
        by_id or by,
        f"annual_report_{kind}",
        unit,
        period=period.key,
        evidence=evidence[:200],
    )
    session.flush()
    return completion, new


@dataclass(frozen=True)
class UnitReport:
    unit: str
    submitted: date | None
    published: date | None
    url: str = ""


@dataclass(frozen=True)
class AnnualReportStatus:
    year: int
    submit_due: date
    publish_due: date
    today: date
    rows: list[UnitReport]

    def _late(self, day: date | None, due: date) -> bool:
        return day > due if day else self.today > due

    @property
    def submitted(self) -> list[UnitReport]:
        return [r for r in self.rows if r.submitted]

    @property
    def published(self) -> list[UnitReport]:
        return [r for r in self.rows if r.published]

    @property
    def missing(self) -> list[UnitReport]:
        return [r for r in self.rows if not r.submitted]

    def state(self, r: UnitReport) -> str:
        """已公开 / 已报送 / 未报送, with 逾期 where a deadline was missed."""
        if r.published:
            late = "（逾期公开）" if self._late(r.published, self.publish_due) else ""
            return "已公开" + late
        if r.submitted:
            late = "（逾期报送）" if self._late(r.submitted, self.submit_due) else ""
            pending = "，未公开已逾期" if self.today > self.publish_due else "，待公开"
            return "已报送" + late + pending
        return "未报送（已逾期）" if self.today > self.submit_due else "未报送"

    def _tally(self, done: list[date | None], due: date, verb: str) -> str:
        """'已报送 3/19（逾期报送 1，逾期未报送 15）': every unit that missed ``due`` is counted
        as overdue, whether it acted late or has not acted at all."""
        n, got = len(self.rows), [day for day in done if day]
        late = sum(self._late(day, due) for day in got)
        parts = [f"逾期{verb} {late}"] if late else []
        if n > len(got):
            parts.append(f"{'逾期未' if self.today > due else '待'}{verb} {n - len(got)}")
        return f"已{verb} {len(got)}/{n}" + (f"（{'，'.join(parts)}）" if parts else "")

    def lines(self) -> list[str]:
        out = [
            f"{self.year}年法治政府建设年度报告（{self.submit_due:%m月%d日}前报送，"
            f"{self.publish_due:%m月%d日}前公开）",
            self._tally([r.submitted for r in self.rows], self.submit_due, "报送")
            + "，"
            + self._tally([r.published for r in self.rows], self.publish_due, "公开"),
        ]
        if self.missing:
            out.append("未报送：" + "、".join(r.unit for r in self.missing))
        unpublished = [r.unit for r in self.submitted if not r.published]
        if unpublished:
            out.append("已报送未公开：" + "、".join(unpublished))
        return out


def annual_report_status(
    session: Session,
    plan: WorkPlan,
    directory: UnitDirectory,
    year: int,
    now: datetime | None = None,
) -> AnnualReportStatus:
    submit = report_obligation(plan, SUBMIT_KIND)
    publish = report_obligation(plan, PUBLISH_KIND)
    period = Period(year, "Y", 1)
    rows = session.exec(
        select(Completion, UnitRow)
        .join(UnitRow, Completion.unit_id == UnitRow.id)
        .where(
            Completion.period == period.key,
            Completion.obligation_key.in_([submit.key, publish.key]),  # type: ignore[attr-defined]
        )
    ).all()
    got = {(u.name, c.obligation_key): c for c, u in rows}
    units = responsible_units(directory, plan, submit)
    out = []
    for unit in sorted(units):
        s, p = got.get((unit, submit.key)), got.get((unit, publish.key))
        out.append(
            UnitReport(
                unit,
                local(s.confirmed_at).date() if s else None,
                local(p.confirmed_at).date() if p else None,
                (p.evidence or "").splitlines()[-1] if p and p.evidence else "",
            )
        )
    return AnnualReportStatus(
        year,
        due_date(submit, period),
        due_date(publish, period),
        local(now or clock_now()).date(),
        out,
    )
