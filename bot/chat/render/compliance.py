"""/report: the compliance matrix of a period as a chat summary, an .xlsx file and a picture."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.chat.buttons import ExportEvidence
from bot.chat.render.replies import Attachment, Button, Doc, Reply
from bot.chat.render.report_picture import render_matrix
from knowledge.plan.years import NoPlanForYear, names_year, plan_of_year
from scheduler.jobs.context import SchedulerContext
from scheduler.records.annual_report import annual_report_status
from scheduler.records.completions import DONE, OVERDUE, PENDING, compliance_matrix
from scheduler.records.report import matrix_xlsx, override_lines
from scheduler.records.unit_registry import RegistryError
from scheduler.timing.clock import local
from scheduler.timing.periods import Period, PeriodError


def compliance_reply(
    sched: SchedulerContext, session: Session, period_arg: str | None, now: datetime
) -> list[Reply]:
    today = local(now).date()
    try:
        period = Period.parse(period_arg, today) if period_arg else Period(today.year, "Y", 1)
    except PeriodError as exc:
        return [Reply.of(f"{exc}。")]
    try:
        chosen = plan_of_year(sched.plans, period.year)
    except NoPlanForYear as exc:
        return [Reply.of(str(exc))]
    m = compliance_matrix(session, chosen.plan, sched.directory(session), period, now=now)
    counts = m.counts()
    doc = Doc().line((f"{period.label}完成情况", "b"))
    if names_year(sched.plans, chosen, today.year):
        doc.line(f"（{chosen.label()}）")
    doc.line(
        f"已完成 {counts[DONE]}，待完成 {counts[PENDING]}，已逾期 {counts[OVERDUE]}"
        f"（{len(m.units)} 个单位 × {len(m.columns)} 项）"
    )
    for col in m.columns:
        if col.period.start > today:
            continue
        states = [m.cells.get((u, col.label)) for u in m.units]
        done = states.count(DONE)
        todo = states.count(PENDING) + states.count(OVERDUE)
        if done + todo == 0:
            continue
        doc.line(
            f"· 第{col.obligation.item}条 {col.obligation.action}（{col.period.label}）："
            f"完成 {done}/{done + todo}"
        )
    if m.overrides:
        doc.line(("管理员调整（不按规则判断）：", "b"))
        for line in override_lines(m):
            doc.line(f"· {line}")
    if period.kind == "Y":
        try:
            annual = annual_report_status(
                session, chosen.plan, sched.directory(session), period.year, now=now
            )
        except RegistryError:  # a plan without the annual report
            annual = None
        if annual is not None and annual.rows:
            doc.blank()
            lines = annual.lines()
            doc.line((lines[0], "b"))
            for line in lines[1:]:
                doc.line(line)
    data = matrix_xlsx(m)
    replies = [
        Reply.of(
            doc,
            [[Button("📦 导出证明材料档案", ExportEvidence(period.year))]],
            attachment=Attachment(f"fazhi-report-{period.key}.xlsx", data, "完成情况明细"),
        )
    ]
    if m.units and m.columns:
        pic = render_matrix(m)
        replies.append(
            Reply.of(
                f"{period.label}完成情况图（绿：已完成，黄：待完成，红：已逾期，灰：不适用）",
                attachment=Attachment(
                    f"fazhi-report-{period.key}.png", pic.png(), "完成情况图", photo=pic.fits_photo
                ),
            )
        )
    return replies
