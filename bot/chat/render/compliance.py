"""/report: the compliance matrix of a period as a chat summary, an .xlsx file and a picture."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.chat.buttons import ExportEvidence, ExportLedger, RemindOverdue
from bot.chat.render.replies import Attachment, Button, Doc, Reply
from bot.chat.render.report_picture import render_matrix
from knowledge.plan.years import NoPlanForYear, names_year, plan_of_year
from scheduler.jobs.context import SchedulerContext
from scheduler.records.annual_report import annual_report_status
from scheduler.records.completions import (
    DONE,
    EXEMPT,
    NOT_APPLICABLE,
    OVERDUE,
    PENDING,
    compliance_matrix,
)
from scheduler.records.report import matrix_xlsx, override_lines, request_rows
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
        f"已完成 {counts[DONE]}，待完成 {counts[PENDING]}，已逾期 {counts[OVERDUE]}，"
        + (f"豁免 {counts[EXEMPT]}，" if counts[EXEMPT] else "")
        + f"不适用 {counts[NOT_APPLICABLE]}（{len(m.units)} 个单位 × {len(m.columns)} 项 "
        f"= {len(m.units) * len(m.columns)}）"
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
    if m.requests:
        doc.line(("已批准的豁免和延期：", "b"))
        for unit, name, p, what, reason, new_due, by, _at in request_rows(m):
            until = f" {new_due}" if new_due else ""
            doc.line(f"· {unit} · {name}（{p}）：{what}{until}，理由：{reason}（{by}）")
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
    chase_text(doc, session, period, {c.obligation.key: c.obligation.action for c in m.columns})
    data = matrix_xlsx(m)
    buttons = [
        [
            Button("📦 导出证明材料档案", ExportEvidence(period.year)),
            Button("📒 督办台账", ExportLedger(period.year)),
        ]
    ]
    if counts[OVERDUE]:
        buttons.insert(0, [Button("📣 催办全部逾期单位", RemindOverdue(period.year))])
    replies = [
        Reply.of(
            doc,
            buttons,
            attachment=Attachment(f"fazhi-report-{period.key}.xlsx", data, "完成情况明细"),
        )
    ]
    if m.units and m.columns:
        pic = render_matrix(m)
        replies.append(
            Reply.of(
                f"{period.label}完成情况图（绿：已完成，黄：待完成，红：已逾期，蓝：豁免，灰：不适用）",
                attachment=Attachment(
                    f"fazhi-report-{period.key}.png", pic.png(), "完成情况图", photo=pic.fits_photo
                ),
            )
        )
    return replies


SHOWN_CHASES = 15  # the latest chases in the report; every one is in the ledger (/ledger)


def chase_text(doc: Doc, session: Session, period: Period, actions: dict[str, str]) -> None:
    """The period's chases with the units' replies beside them (the latest first)."""
    from scheduler.records.chases import chase_log

    entries = [
        e
        for e in chase_log(session, period.year)
        if Period.parse(e.period).start >= period.start and Period.parse(e.period).end <= period.end
    ]
    if not entries:
        return
    doc.blank().line((f"催办与回复（{len(entries)} 项）：", "b"))
    for e in reversed(entries[-SHOWN_CHASES:]):
        doc.line(f"· {e.line(actions.get(e.obligation_key, ''))}")
    if len(entries) > SHOWN_CHASES:
        doc.line(f"……另有 {len(entries) - SHOWN_CHASES} 项，完整记录见台账（/ledger）。")
