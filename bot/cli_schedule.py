"""`fazhi` commands of the scheduler: db upgrade, schedule preview/run, units add/list, done,
report, holidays import. Output is Chinese; tables through rich; ``--json`` where scripts read it.

Errors a user can cause (a bad DATABASE_URL, an unknown unit or obligation, a bad period or
holiday file) end with a message and candidates, never a traceback.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import OperationalError

from knowledge.model import CATEGORY_LABELS, UnitCategory
from scheduler.completions import (
    NOT_APPLICABLE,
    UnknownObligationError,
    compliance_matrix,
    confirm,
    resolve_obligation,
)
from scheduler.db import DatabaseURLError, init_db, session_scope
from scheduler.holidays import HolidayFileError, import_holidays, read_holiday_file
from scheduler.periods import Period, PeriodError
from scheduler.planner import reminders_in
from scheduler.registry import RegistryError, add_unit, list_units, resolve_unit
from scheduler.report import matrix_rows, matrix_xlsx, override_lines
from scheduler.service import SchedulerContext

console = Console()
err_console = Console(stderr=True, soft_wrap=True)

db_app = typer.Typer(help="数据库：建表与升级。", no_args_is_help=True)
schedule_app = typer.Typer(help="提醒计划：预览全年提醒、运行定时任务。", no_args_is_help=True)
units_app = typer.Typer(help="单位名录：添加、列出单位。", no_args_is_help=True)
holidays_app = typer.Typer(
    help="节假日数据：导入国务院公布的放假与调休安排。", no_args_is_help=True
)

DbOpt = Annotated[
    str | None,
    typer.Option("--database-url", envvar="DATABASE_URL", help="数据库地址（默认 data/fazhi.db）"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出（供程序使用）")]


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(schedule_app, name="schedule")
    app.add_typer(units_app, name="units")
    app.add_typer(holidays_app, name="holidays")
    app.command("done", help="登记某单位已完成某项任务。")(done)
    app.command("report", help="督察报表：各单位×各任务的完成情况。")(report)


def fail(message: str, code: int = 1) -> None:
    err_console.print(f"[red]错误：[/red]{message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can cause into a message and exit code 1."""
    try:
        yield
    except (DatabaseURLError, RegistryError, PeriodError, HolidayFileError) as exc:
        fail(str(exc))
    except OperationalError as exc:
        fail(f"无法连接数据库：{str(exc.orig).strip() or exc}")


def _context(url: str | None) -> SchedulerContext:
    return SchedulerContext.load(url)


# -- db ---------------------------------------------------------------------------------------
@db_app.command("upgrade")
def db_upgrade(database_url: DbOpt = None) -> None:
    """把数据库结构升级到最新版本（启动时也会自动执行）。"""
    with user_errors():
        engine = init_db(database_url)
        console.print(f"数据库已是最新结构：{engine.url.render_as_string(hide_password=True)}")


# -- schedule ---------------------------------------------------------------------------------
@schedule_app.command("preview")
def schedule_preview(
    unit: Annotated[str | None, typer.Option("--unit", help="只看这个单位")] = None,
    year: Annotated[int | None, typer.Option("--year", help="年份（默认今年）")] = None,
    as_json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """列出一年中每一次提醒：日期、单位、条目、任务、提醒步骤。"""
    from scheduler.clock import today

    with user_errors():
        ctx = _context(database_url)
        with session_scope(ctx.engine) as s:
            directory = ctx.directory(s)
            cal = ctx.calendar(s)
        units = {resolve_unit(directory, unit)} if unit else None
        y = year or today().year
        reminders = reminders_in(ctx.plan_at(y), directory, ctx.rules, cal, [y], units)
    rows = [
        {
            "date": r.day.isoformat(),
            "time": r.when.strftime("%H:%M"),
            "unit": r.unit,
            "item": r.obligation.item,
            "obligation": r.obligation.key,
            "action": r.obligation.action,
            "period": r.period.key,
            "step": r.step.name,
            "step_label": r.step.label,
            "due": r.due.isoformat(),
        }
        for r in reminders
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if cal.source(y) == "weekends":
        err_console.print(f"[yellow]注意：{y}年没有节假日数据，按周末计算工作日。[/yellow]")
    table = Table(title=f"{y}年提醒计划（{len(rows)} 条）")
    for col in ("日期", "单位", "条目", "任务", "期间", "提醒", "截止"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["date"],
            r["unit"],
            f"第{r['item']}条",
            r["action"],
            r["period"],
            r["step_label"],
            r["due"],
        )
    console.print(table)


@schedule_app.command("run")
def schedule_run(
    channel: Annotated[
        str, typer.Option("--channel", help="console，或 file:路径（每条消息一行 JSON）")
    ] = "console",
    database_url: DbOpt = None,
) -> None:
    """在本进程运行提醒计划、发送队列和督察汇总（不经 Telegram）。"""
    from scheduler.channels import ConsoleChannel, FileChannel
    from scheduler.jobs import run_standalone

    with user_errors():
        ctx = _context(database_url)
    ch = FileChannel(channel[5:]) if channel.startswith("file:") else ConsoleChannel()
    console.print("提醒服务已启动，按 Ctrl+C 退出。")
    try:
        asyncio.run(run_standalone(ctx, ch))
    except KeyboardInterrupt:
        console.print("已退出。")


# -- units ------------------------------------------------------------------------------------
@units_app.command("add")
def units_add(
    name: Annotated[str, typer.Argument(help="单位名称，如 张家集镇")],
    category: Annotated[
        str,
        typer.Option(
            "--category",
            "-c",
            help="类别：" + "、".join(f"{c.value}（{CATEGORY_LABELS[c]}）" for c in UnitCategory),
        ),
    ],
    alias: Annotated[list[str] | None, typer.Option("--alias", help="别名，可多次给出")] = None,
    actor: Annotated[str, typer.Option("--by", help="操作人（记入审计日志）")] = "cli",
    database_url: DbOpt = None,
) -> None:
    """添加一个单位（如文件只以“各镇(街、区)”概括的镇、街道）。"""
    with user_errors():
        ctx = _context(database_url)
        with session_scope(ctx.engine) as s:
            row = add_unit(s, name, category, actor=actor, aliases=alias or ())
        console.print(f"已添加单位：{row.name}（{CATEGORY_LABELS[UnitCategory(row.category)]}）")


@units_app.command("list")
def units_list(as_json: JsonOpt = False, database_url: DbOpt = None) -> None:
    """列出全部单位。"""
    with user_errors():
        ctx = _context(database_url)
        with session_scope(ctx.engine) as s:
            rows = [
                {
                    "name": u.name,
                    "category": u.category,
                    "source": u.source,
                    "aliases": [a for a in u.aliases.split("、") if a],
                }
                for u in list_units(s)
            ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"单位名录（{len(rows)} 个）")
    for col in ("单位", "类别", "来源", "别名"):
        table.add_column(col)
    source = {"directory": "名录", "admin": "管理员添加"}
    for r in rows:
        table.add_row(
            r["name"],
            CATEGORY_LABELS[UnitCategory(r["category"])],
            source.get(r["source"], r["source"]),
            "、".join(r["aliases"]),
        )
    console.print(table)


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
        str | None, typer.Option("--evidence", help="佐证材料（文件编号或链接）")
    ] = None,
    database_url: DbOpt = None,
) -> None:
    with user_errors():
        ctx = _context(database_url)
        try:
            ob = resolve_obligation(ctx.plan, obligation)
        except UnknownObligationError as exc:
            fail(str(exc))
            raise
        with session_scope(ctx.engine) as s:
            name = resolve_unit(ctx.directory(s), unit)
            c, new = confirm(s, name, ob, period, by=by, note=note, evidence=evidence, admin=True)
        p = Period.parse(c.period)
        if new:
            console.print(f"已登记：{name} 已完成“{ob.action}”（{p.label}，第{ob.item}条）。")
        else:
            console.print(f"{name} 的“{ob.action}”（{p.label}）此前已登记完成，未重复登记。")


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
    from scheduler.clock import now

    if fmt not in ("table", "csv", "xlsx", "png"):
        fail(f"不支持的格式“{fmt}”：请用 table、csv、xlsx 或 png")
    with user_errors():
        p = Period.parse(period) if period else Period(now().year, "Y", 1)
        ctx = _context(database_url)
        with session_scope(ctx.engine) as s:
            m = compliance_matrix(s, ctx.plan, ctx.directory(s), p)
            annual = _annual_report_lines(ctx, s, p)
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
                    {"override": {"applies": ov.applies, "reason": ov.reason, "by": ov.by}}
                    if (ov := m.override(u, c.obligation.key))
                    else {}
                ),
            }
            for u in m.units
            for c in m.columns
            if m.cells[(u, c.label)] != NOT_APPLICABLE
        ]
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        buf = io.StringIO()
        csv.writer(buf).writerows([header, *rows])
        if output:
            output.write_text(buf.getvalue(), encoding="utf-8-sig")  # BOM: Excel reads it as UTF-8
            console.print(f"已写入 {output}")
        else:
            typer.echo(buf.getvalue(), nl=False)
        return
    if fmt == "xlsx":
        output = output or Path(f"fazhi-report-{p.key}.xlsx")  # a workbook is never printed
        output.write_bytes(matrix_xlsx(m, f"{p.label}完成情况"))
        console.print(f"已写入 {output}")
        return
    if fmt == "png":
        from bot.report_picture import matrix_png

        output = output or Path(f"fazhi-report-{p.key}.png")
        output.write_bytes(matrix_png(m))
        console.print(f"已写入 {output}")
        return
    c = m.counts()
    table = Table(
        title=f"{p.label}完成情况：已完成 {c['done']}，已逾期 {c['overdue']}，待完成 {c['pending']}"
    )
    for col in header:
        table.add_column(col)
    colours = {"已完成": "green", "已逾期": "red", "待完成": "yellow"}
    for r in rows:
        table.add_row(r[0], *[f"[{colours.get(v, 'dim')}]{v}[/]" for v in r[1:]])
    console.print(table)
    if m.overrides:
        console.print("[bold]管理员调整（不按规则判断）：[/bold]")
        for line in override_lines(m):
            console.print(f"  · {line}", highlight=False, soft_wrap=True)
    for line in annual:
        console.print(line, highlight=False)


def _annual_report_lines(ctx: SchedulerContext, s: Any, p: Period) -> list[str]:
    """A year's report also says who submitted / published the annual report (1 March / 1 April)."""
    from scheduler.annual_report import annual_report_status

    if p.kind != "Y":
        return []
    try:
        status = annual_report_status(s, ctx.plan, ctx.directory(s), p.year)
    except RegistryError:  # a plan without the annual report
        return []
    return status.lines() if status.rows else []


# -- holidays ---------------------------------------------------------------------------------
@holidays_app.command("import")
def holidays_import(
    file: Annotated[Path, typer.Argument(help="节假日文件：.toml、.json 或 .csv")],
    by: Annotated[str, typer.Option("--by", help="操作人（记入审计日志）")] = "cli",
    database_url: DbOpt = None,
) -> None:
    """导入一年的法定节假日和调休上班日（chinese-calendar 尚未收录的年份）。"""
    with user_errors():
        entries, source = read_holiday_file(file)
        engine = init_db(database_url)
        with session_scope(engine) as s:
            per_year = import_holidays(s, entries, source, actor=by)
    for year, n in per_year.items():
        off = sum(1 for e in entries if e.day.year == year and not e.workday)
        console.print(
            f"{year}年：已导入 {n} 天（放假 {off} 天，调休上班 {n - off} 天），来源：{source}"
        )
