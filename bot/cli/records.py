"""`fazhi done`, `fazhi undo` and `fazhi report`: completions recorded and withdrawn from the
terminal, and the compliance report of a period (table, CSV, Excel, picture or JSON)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from bot.cli.common import (
    DbOpt,
    JsonOpt,
    console,
    echo,
    emit_json,
    fail,
    load_context,
    obligation_named,
    user_errors,
)
from bot.cli.output import checked_output, write_atomic
from knowledge.plan.model import WorkPlan
from knowledge.plan.years import NoPlanForYear, names_year, plan_of_year
from scheduler.jobs.context import SchedulerContext
from scheduler.planning.planner import responsible_units
from scheduler.records.completions import (
    DONE,
    NOT_APPLICABLE,
    OVERDUE,
    PENDING,
    compliance_matrix,
    confirm,
    undo,
)
from scheduler.records.report import matrix_rows, matrix_xlsx, override_lines
from scheduler.records.unit_registry import resolve_unit
from scheduler.store.db import session_scope
from scheduler.timing.periods import Period


def register(app: typer.Typer) -> None:
    app.command("done", help="登记某单位已完成某项任务。")(done)
    app.command("undo", help="撤销某单位某项任务的完成登记（记入审计日志）。")(undo_done)
    app.command("report", help="督察报表：各单位×各任务的完成情况。")(report)


# -- done / report ----------------------------------------------------------------------------
def done(
    unit: Annotated[str, typer.Argument(help="单位，如 区司法局 / 司法局")],
    obligation: Annotated[str, typer.Argument(help="任务，如 i2-study / 学法")],
    period: Annotated[
        str | None, typer.Option("--period", help="期间，如 2026Q3、2026（默认当前期间）")
    ] = None,
    by: Annotated[str, typer.Option("--by", help="确认人")] = "cli",
    note: Annotated[str, typer.Option("--note", help="备注")] = "",
    evidence: Annotated[
        str | None,
        typer.Option(
            "--evidence",
            help="证明材料：文件路径（文件存入数据目录，随证明材料档案导出）、链接或文字说明",
        ),
    ] = None,
    database_url: DbOpt = None,
) -> None:
    from scheduler.records import evidence_files

    with user_errors():
        ctx = load_context(database_url)
        ob = obligation_named(ctx, obligation)
        try:  # a file is kept before the record that names it is committed
            evidence, file_name = evidence_files.evidence_value(evidence)
        except evidence_files.EvidenceFileError as exc:
            fail(str(exc))
            raise
        with session_scope(ctx.engine) as s:
            directory = ctx.directory(s)
            name = resolve_unit(directory, unit)
            if name not in responsible_units(directory, ctx.plan, ob):
                fail(
                    f"“{ob.action}”（第{ob.item}条）按工作要点不约束{name}，不能登记完成。"
                    f"如确实适用，请管理员先运行：fazhi obligations override {name} {ob.key} "
                    "--applies --reason 理由（记入审计日志）"
                )
            c, new = confirm(s, name, ob, period, by=by, note=note, evidence=evidence, admin=True)
            files = 0
            if evidence and not new:  # as in chat: the material joins the recorded completion
                files = evidence_files.attach(s, c, evidence, name, by)
        p = Period.parse(c.period)
        counted = f"，{c.occurrence}/{ob.need}次" if ob.need > 1 else ""
        kept = f"证明材料“{file_name}”已存入数据目录，导出档案时一并打包。" if file_name else ""
        if new:
            console.print(
                f"已登记：{name} 已完成“{ob.action}”（{p.label}，第{ob.item}条{counted}）。{kept}",
                markup=False,
            )
        elif files:
            console.print(
                f"{name} 的“{ob.action}”（{p.label}）此前已登记完成，未重复登记；"
                f"材料已附在该完成记录上（共 {files} 份）。{kept}",
                markup=False,
            )
        else:
            console.print(f"{name} 的“{ob.action}”（{p.label}）此前已登记完成，未重复登记。")


def undo_done(
    unit: Annotated[str, typer.Argument(help="单位，如 区司法局 / 司法局")],
    obligation: Annotated[str, typer.Argument(help="任务，如 i2-study / 学法")],
    period: Annotated[
        str | None, typer.Option("--period", help="期间，如 2026Q3、2026（默认当前期间）")
    ] = None,
    by: Annotated[str, typer.Option("--by", help="操作人（记入审计日志）")] = "cli",
    database_url: DbOpt = None,
) -> None:
    with user_errors():
        ctx = load_context(database_url)
        ob = obligation_named(ctx, obligation)
        with session_scope(ctx.engine) as s:
            name = resolve_unit(ctx.directory(s), unit)
            removed = undo(s, name, ob, period, by=by)
        p = Period.parse(removed.period)
    console.print(
        f"已撤销：{name} 的“{ob.action}”（{p.label}）恢复为未完成（原确认人：{removed.confirmed_by}）。"
    )


def report(
    period: Annotated[
        str | None, typer.Option("--period", help="期间，如 2026、2026Q3（默认今年）")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table、csv、xlsx 或 png（图）")] = "table",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="输出文件（xlsx/png 默认 fazhi-report-期间.xlsx/.png）"
        ),
    ] = None,
    as_json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    from scheduler.timing.clock import now

    if fmt not in ("table", "csv", "xlsx", "png"):
        fail(f"不支持的格式“{fmt}”：请用 table、csv、xlsx 或 png")
    if output is not None:
        if fmt == "table":  # -o r.xlsx alone: the file's suffix names the format
            fmt = {".csv": "csv", ".xlsx": "xlsx", ".png": "png"}.get(output.suffix.lower(), "")
            if not fmt:
                fail(
                    f"“{output.name}”：输出文件请以 .csv、.xlsx 或 .png 结尾（或用 --format 指定）"
                )
        checked_output(output, fmt)
    with user_errors():
        p = Period.parse(period, now().date()) if period else Period(now().year, "Y", 1)
        ctx = load_context(database_url)
        try:
            chosen = plan_of_year(ctx.plans, p.year)  # the one rule for the plan of a year
        except NoPlanForYear as exc:
            fail(str(exc))
            raise
        with session_scope(ctx.engine) as s:
            m = compliance_matrix(s, chosen.plan, ctx.directory(s), p)
            annual = _annual_report_lines(ctx, s, p, chosen.plan)
            chased = _chase_lines(s, p, chosen.plan)
    header, rows = matrix_rows(m)
    if as_json:
        data: list[dict[str, Any]] = [
            {
                "unit": u,
                "obligation": c.obligation.key,
                "item": c.obligation.item,
                "period": c.period.key,
                "due": c.due.isoformat(),
                "state": m.cells[(u, c.label)],
                **(
                    {"done": m.progress.get((u, c.label), 0), "need": c.obligation.need}
                    if c.obligation.need > 1
                    else {}
                ),
                **(
                    {"override": {"applies": ov.applies, "reason": ov.reason, "by": ov.by}}
                    if (ov := m.override(u, c.obligation.key))
                    else {}
                ),
                **(
                    {"request": {"kind": rq.kind, "reason": rq.reason, "new_due": str(rq.new_due)}}
                    if (rq := m.requests.get((u, c.label)))
                    else {}
                ),
            }
            for u in m.units
            for c in m.columns
            if m.cells[(u, c.label)] != NOT_APPLICABLE
        ]
        emit_json(data)
        return
    if fmt == "csv":
        buf = io.StringIO()
        csv.writer(buf).writerows([header, *rows])
        if output:
            write_atomic(output, buf.getvalue().encode("utf-8-sig"))  # BOM: Excel reads UTF-8
            console.print(f"已写入 {output.absolute()}")
        else:
            echo(buf.getvalue(), nl=False)
        return
    if fmt == "xlsx":
        output = output or Path(f"fazhi-report-{p.key}.xlsx")  # a workbook is never printed
        checked_output(output, "xlsx")
        write_atomic(output, matrix_xlsx(m, f"{p.label}完成情况"))
        console.print(f"已写入 {output.absolute()}")
        return
    if fmt == "png":
        from bot.chat.render.report_picture import matrix_png

        output = output or Path(f"fazhi-report-{p.key}.png")
        checked_output(output, "png")
        write_atomic(output, matrix_png(m))
        console.print(f"已写入 {output.absolute()}")
        return
    c = m.counts()
    title = (
        f"{p.label}完成情况：已完成 {c[DONE]}，已逾期 {c[OVERDUE]}，待完成 {c[PENDING]}，"
        f"不适用 {c[NOT_APPLICABLE]}（{len(m.units)} 个单位 × {len(m.columns)} 项）"
    )
    if names_year(ctx.plans, chosen, now().year):
        title += f"（{chosen.label()}）"
    colours = {"已完成": "green", "已逾期": "red", "待完成": "yellow", "不适用（豁免）": "blue"}
    # one column per task fits only a wide terminal; otherwise one row per unit with counts
    if console.width >= 14 + 12 * (len(header) - 1):
        table = Table(title=title)
        for col in header:
            table.add_column(col, overflow="fold")
        for r in rows:
            table.add_row(r[0], *[f"[{colours.get(v.split(' ')[0], 'dim')}]{v}[/]" for v in r[1:]])
    else:
        table = Table(title=title, caption="终端较窄：按单位汇总；完整矩阵请用 --format csv/xlsx")
        for col in ("单位", "完成", "逾期", "待完成", "逾期任务"):
            table.add_column(col, overflow="fold")
        for r in rows:
            states = [v.split(" ")[0] for v in r[1:]]  # "待完成 1/2" counts as 待完成
            late = [
                h.split(" ")[0] for h, v in zip(header[1:], states, strict=True) if v == "已逾期"
            ]
            table.add_row(
                r[0],
                str(states.count("已完成")),
                f"[red]{states.count('已逾期')}[/]",
                str(states.count("待完成")),
                "、".join(dict.fromkeys(late)),
            )
    console.print(table)
    if m.overrides:
        console.print("[bold]管理员调整（不按规则判断）：[/bold]")
        for line in override_lines(m):
            console.print(f"  · {line}", highlight=False, soft_wrap=True)
    for line in annual:
        console.print(line, highlight=False)
    if chased:
        console.print(f"[bold]催办与回复（{len(chased)} 项）：[/bold]")
        for line in chased:
            console.print(f"  · {line}", highlight=False, soft_wrap=True)


def _chase_lines(s: Any, p: Period, plan: WorkPlan) -> list[str]:
    """The period's chases, each with the unit's replies beside it."""
    from scheduler.records.chases import chase_log

    actions = {ob.key: ob.action for ob in plan.obligations}
    return [
        e.line(actions.get(e.obligation_key, ""))
        for e in chase_log(s, p.year)
        if p.start <= Period.parse(e.period).start and Period.parse(e.period).end <= p.end
    ]


def _annual_report_lines(ctx: SchedulerContext, s: Any, p: Period, plan: WorkPlan) -> list[str]:
    """A year's report also says who submitted / published the annual report (1 March / 1 April)."""
    from scheduler.records.annual_report import annual_report_status
    from scheduler.records.unit_registry import RegistryError

    if p.kind != "Y":
        return []
    try:
        status = annual_report_status(s, plan, ctx.directory(s), p.year)
    except RegistryError:  # a plan without the annual report
        return []
    return status.lines() if status.rows else []
