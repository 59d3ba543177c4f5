"""`fazhi` commands of the scheduler: db upgrade, schedule preview/run, units add/list/remove/
rename, units liaison add/remove/list, done, undo, report, holidays import. Output is Chinese; tables through rich, fitted to
the terminal (80 columns and up); ``--json`` where scripts read it.

Errors a user can cause (a bad DATABASE_URL, an unknown unit or obligation, a bad period or
holiday file) end with a message and candidates, never a traceback; anything else is caught by
the error boundary of :mod:`bot.cli.main`.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from knowledge.plan.model import CATEGORY_LABELS, Obligation, UnitCategory
from scheduler.jobs.context import SchedulerContext
from scheduler.planning.planner import reminders_in
from scheduler.records.access import add_liaison, list_liaisons, remove_liaison
from scheduler.records.completions import (
    NOT_APPLICABLE,
    UnknownObligationError,
    compliance_matrix,
    confirm,
    resolve_obligation,
    undo,
)
from scheduler.records.holidays import import_holidays, read_holiday_file
from scheduler.records.report import matrix_rows, matrix_xlsx, override_lines
from scheduler.records.unit_registry import (
    active_unit,
    add_unit,
    check_new_name,
    list_units,
    remove_unit,
    rename_unit,
    resolve_unit,
    similar_units,
)
from scheduler.store.db import init_db, session_scope
from scheduler.timing.periods import Period

console = Console(soft_wrap=True)  # sentences and paths are not cut; tables still fit
err_console = Console(stderr=True, soft_wrap=True)

db_app = typer.Typer(help="数据库：建表与升级。", no_args_is_help=True)
schedule_app = typer.Typer(help="提醒计划：预览全年提醒、运行定时任务。", no_args_is_help=True)
units_app = typer.Typer(
    help="单位名录：添加、列出、删除、改名；联络员（units liaison）。", no_args_is_help=True
)
holidays_app = typer.Typer(
    help="节假日数据：导入国务院公布的放假与调休安排。", no_args_is_help=True
)
liaison_app = typer.Typer(
    help="单位联络员：可在单位群里确认任务、提交材料、申请改登记的人（指定、取消、列出）。",
    no_args_is_help=True,
)
units_app.add_typer(liaison_app, name="liaison")

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url", envvar="DATABASE_URL", help="数据库地址（默认：数据目录中的 fazhi.db）"
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出（供程序使用）")]


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(schedule_app, name="schedule")
    app.add_typer(units_app, name="units")
    app.add_typer(holidays_app, name="holidays")
    app.command("done", help="登记某单位已完成某项任务。")(done)
    app.command("undo", help="撤销某单位某项任务的完成登记（记入审计日志）。")(undo_done)
    app.command("report", help="督察报表：各单位×各任务的完成情况。")(report)


def fail(message: str, code: int = 1) -> None:
    err_console.print(f"[red]错误：[/red]{message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Marks where the errors a user can cause arise. They propagate to the CLI's error
    boundary (:mod:`bot.runtime.error_boundary`): one Chinese sentence, the traceback with ``-v``."""
    yield


MIN_YEAR, MAX_YEAR = 2000, 2100


def _obligation(ctx: SchedulerContext, text: str) -> Obligation:
    """The plan's obligation named by ``text``, or exit with the candidates."""
    try:
        return resolve_obligation(ctx.plan, text)
    except UnknownObligationError as exc:
        fail(str(exc))
        raise


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
    from scheduler.timing.clock import today

    with user_errors():
        ctx = _context(database_url)
        with session_scope(ctx.engine) as s:
            directory = ctx.directory(s)
            cal = ctx.calendar(s)
        units = {resolve_unit(directory, unit)} if unit else None
        y = year if year is not None else today().year
        if not MIN_YEAR <= y <= MAX_YEAR:
            fail(
                f"年份 {y} 超出范围：请给出 {MIN_YEAR}–{MAX_YEAR} 之间的年份，如 --year {today().year}"
            )
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
    wide = console.width >= 110
    for col in ("日期", "单位", "条", "任务", "提醒", *(("期间", "截止") if wide else ("截止",))):
        table.add_column(col, overflow="fold")
    for r in rows:
        extra = (r["period"], r["due"]) if wide else (r["due"][5:],)
        table.add_row(
            r["date"][5:] if not wide else r["date"],
            r["unit"],
            str(r["item"]),
            r["action"],
            r["step_label"],
            *extra,
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
    from scheduler.delivery.local_channels import ConsoleChannel, FileChannel
    from scheduler.jobs.install import run_standalone

    if channel != "console" and not channel.startswith("file:"):
        fail(f"未知的发送通道“{channel}”：请用 console（打印到终端）或 file:路径（写入文件）")
    if channel.startswith("file:"):
        target = Path(channel[5:])
        if not channel[5:].strip() or target.is_dir():
            fail(f"“{channel}”需要一个文件路径，如 file:reminders.jsonl")
        if not target.absolute().parent.is_dir():
            fail(f"“{target.absolute().parent}”文件夹不存在：请先建好文件夹或换一个路径")
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
    yes: Annotated[bool, typer.Option("--yes", "-y", help="名称与已有单位相近时不再询问")] = False,
    database_url: DbOpt = None,
) -> None:
    """添加一个单位（如文件只以“各镇(街、区)”概括的镇、街道）。

    已是单位名称或别名的名称会被拒绝；与已有单位相近时先询问（--yes 跳过询问）。"""
    with user_errors():
        ctx = _context(database_url)
        with session_scope(ctx.engine) as s:
            directory = ctx.directory(s)
            check_new_name(directory, name, alias or ())
            near = similar_units(directory, name)
        if near and not yes:
            question = f"“{name}”与已有单位 {'、'.join(near)} 相近，确定要另外添加吗？"
            if not sys.stdin.isatty():
                fail(f"{question[:-1]}：确定是另一个单位请加 --yes 重新运行。")
            if not typer.confirm(question, default=False):
                console.print("未添加。")
                raise typer.Exit(1)
        with session_scope(ctx.engine) as s:
            row = add_unit(s, name, category, actor=actor, aliases=alias or ())
        console.print(f"已添加单位：{row.name}（{CATEGORY_LABELS[UnitCategory(row.category)]}）")


@units_app.command("remove")
def units_remove(
    name: Annotated[str, typer.Argument(help="要删除的单位（只限用 units add 添加的）")],
    actor: Annotated[str, typer.Option("--by", help="操作人（记入审计日志）")] = "cli",
    database_url: DbOpt = None,
) -> None:
    """删除一个添加过的单位：不再提醒，登记的聊天解除登记；完成记录保留。"""
    with user_errors():
        ctx = _context(database_url)
        with session_scope(ctx.engine) as s:
            canonical = resolve_unit(ctx.directory(s), name)
            row, chats = remove_unit(s, canonical, actor)
    console.print(
        f"已删除单位：{row.name}"
        + (f"（{chats} 个聊天已解除登记）" if chats else "")
        + "。完成记录保留；需要时可用 units add 恢复。"
    )


@units_app.command("rename")
def units_rename(
    name: Annotated[str, typer.Argument(help="现在的名称")],
    new_name: Annotated[str, typer.Argument(help="新名称")],
    actor: Annotated[str, typer.Option("--by", help="操作人（记入审计日志）")] = "cli",
    database_url: DbOpt = None,
) -> None:
    """给添加过的单位改名；旧名称保留为别名，聊天、完成记录和提醒随之更新。"""
    with user_errors():
        ctx = _context(database_url)
        with session_scope(ctx.engine) as s:
            directory = ctx.directory(s)
            canonical = resolve_unit(directory, name)
            row = rename_unit(s, directory, canonical, new_name, actor)
    console.print(f"已改名：{canonical} → {row.name}（旧名称保留为别名）。")


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
        table.add_column(col, overflow="fold")
    source = {"directory": "名录", "admin": "管理员添加"}
    for r in rows:
        table.add_row(
            r["name"],
            CATEGORY_LABELS[UnitCategory(r["category"])],
            source.get(r["source"], r["source"]),
            "、".join(r["aliases"]),
        )
    console.print(table)


# -- liaisons ---------------------------------------------------------------------------------
UserIdArg = Annotated[str, typer.Argument(help="联络员的 Telegram 用户ID（数字）")]


def _user_id(text: str) -> str:
    text = text.strip()
    if not text.isdigit() or len(text) > 20:
        fail(f"“{text[:30]}”不是 Telegram 用户ID（应为数字）。")
    return text


@liaison_app.command("add")
def liaison_add(
    unit: Annotated[str, typer.Argument(help="单位，如 区司法局 / 司法局")],
    user_id: UserIdArg,
    name: Annotated[str, typer.Option("--name", help="联络员姓名（便于辨认）")] = "",
    actor: Annotated[str, typer.Option("--by", help="操作人（记入审计日志）")] = "cli",
    database_url: DbOpt = None,
) -> None:
    """指定单位联络员（如在有联络员制度之前登记的单位群）。"""
    user_id = _user_id(user_id)
    with user_errors():
        ctx = _context(database_url)
        with session_scope(ctx.engine) as s:
            row = active_unit(s, ctx.directory(s), unit)
            add_liaison(s, row.id, user_id, name.strip()[:200], actor)  # type: ignore[arg-type]
            unit_name = row.name
    who = f"{name.strip()}（{user_id}）" if name.strip() else f"用户 {user_id}"
    console.print(f"已指定{who}为“{unit_name}”的联络员。")


@liaison_app.command("remove")
def liaison_remove(
    unit: Annotated[str, typer.Argument(help="单位")],
    user_id: UserIdArg,
    actor: Annotated[str, typer.Option("--by", help="操作人（记入审计日志）")] = "cli",
    database_url: DbOpt = None,
) -> None:
    """取消单位联络员。"""
    user_id = _user_id(user_id)
    with user_errors():
        ctx = _context(database_url)
        with session_scope(ctx.engine) as s:
            row = active_unit(s, ctx.directory(s), unit)
            remove_liaison(s, row.id, user_id, actor)  # type: ignore[arg-type]
            unit_name = row.name
    console.print(f"用户 {user_id} 不再是“{unit_name}”的联络员。")


@liaison_app.command("list")
def liaison_list(
    unit: Annotated[str | None, typer.Argument(help="只列某单位的")] = None,
    as_json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """列出单位联络员。"""
    with user_errors():
        ctx = _context(database_url)
        with session_scope(ctx.engine) as s:
            only = active_unit(s, ctx.directory(s), unit).id if unit else None
            rows = [
                {
                    "unit": u.name,
                    "user_id": li.user_id,
                    "name": li.name,
                    "approved_by": li.approved_by,
                    "approved_at": li.approved_at.isoformat(timespec="seconds"),
                }
                for li, u in list_liaisons(s, only)
            ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        console.print("还没有联络员。用 fazhi units liaison add 单位 用户ID 指定。")
        return
    table = Table(title=f"单位联络员（{len(rows)} 人）")
    for col in ("单位", "用户ID", "姓名", "指定人", "时间"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            r["unit"],
            r["user_id"],
            r["name"],
            r["approved_by"],
            r["approved_at"][:16].replace("T", " "),
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
        ob = _obligation(ctx, obligation)
        with session_scope(ctx.engine) as s:
            name = resolve_unit(ctx.directory(s), unit)
            c, new = confirm(s, name, ob, period, by=by, note=note, evidence=evidence, admin=True)
        p = Period.parse(c.period)
        if new:
            console.print(f"已登记：{name} 已完成“{ob.action}”（{p.label}，第{ob.item}条）。")
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
        ctx = _context(database_url)
        ob = _obligation(ctx, obligation)
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
        _check_output(output)
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
            console.print(f"已写入 {output.absolute()}")
        else:
            typer.echo(buf.getvalue(), nl=False)
        return
    if fmt == "xlsx":
        output = output or Path(f"fazhi-report-{p.key}.xlsx")  # a workbook is never printed
        _check_output(output)
        output.write_bytes(matrix_xlsx(m, f"{p.label}完成情况"))
        console.print(f"已写入 {output.absolute()}")
        return
    if fmt == "png":
        from bot.chat.report_picture import matrix_png

        output = output or Path(f"fazhi-report-{p.key}.png")
        _check_output(output)
        output.write_bytes(matrix_png(m))
        console.print(f"已写入 {output.absolute()}")
        return
    c = m.counts()
    title = f"{p.label}完成情况：已完成 {c['done']}，已逾期 {c['overdue']}，待完成 {c['pending']}"
    colours = {"已完成": "green", "已逾期": "red", "待完成": "yellow"}
    # one column per task fits only a wide terminal; otherwise one row per unit with counts
    if console.width >= 14 + 12 * (len(header) - 1):
        table = Table(title=title)
        for col in header:
            table.add_column(col, overflow="fold")
        for r in rows:
            table.add_row(r[0], *[f"[{colours.get(v, 'dim')}]{v}[/]" for v in r[1:]])
    else:
        table = Table(title=title, caption="终端较窄：按单位汇总；完整矩阵请用 --format csv/xlsx")
        for col in ("单位", "完成", "逾期", "待完成", "逾期任务"):
            table.add_column(col, overflow="fold")
        for r in rows:
            late = [
                h.split(" ")[0] for h, v in zip(header[1:], r[1:], strict=True) if v == "已逾期"
            ]
            table.add_row(
                r[0],
                str(r[1:].count("已完成")),
                f"[red]{r[1:].count('已逾期')}[/]",
                str(r[1:].count("待完成")),
                "、".join(dict.fromkeys(late)),
            )
    console.print(table)
    if m.overrides:
        console.print("[bold]管理员调整（不按规则判断）：[/bold]")
        for line in override_lines(m):
            console.print(f"  · {line}", highlight=False, soft_wrap=True)
    for line in annual:
        console.print(line, highlight=False)


def _annual_report_lines(ctx: SchedulerContext, s: Any, p: Period) -> list[str]:
    """A year's report also says who submitted / published the annual report (1 March / 1 April)."""
    from scheduler.records.annual_report import annual_report_status
    from scheduler.records.unit_registry import RegistryError

    if p.kind != "Y":
        return []
    try:
        status = annual_report_status(s, ctx.plan, ctx.directory(s), p.year)
    except RegistryError:  # a plan without the annual report
        return []
    return status.lines() if status.rows else []


def _check_output(path: Path) -> None:
    """Refuse an output path that cannot be written, before any work."""
    if path.is_dir():
        fail(f"“{path}”是一个文件夹：请给出文件名，如 {path / 'report.xlsx'}")
    parent = path.absolute().parent
    if not parent.is_dir():
        fail(f"文件夹“{parent}”不存在：请先建好文件夹，或换一个输出路径")


# -- holidays ---------------------------------------------------------------------------------
@holidays_app.command("import")
def holidays_import(
    file: Annotated[Path, typer.Argument(help="节假日文件：.toml、.json 或 .csv")],
    year: Annotated[
        int | None, typer.Option("--year", help="文件是哪一年的安排（CSV 跨年时必填）")
    ] = None,
    by: Annotated[str, typer.Option("--by", help="操作人（记入审计日志）")] = "cli",
    database_url: DbOpt = None,
) -> None:
    """导入一年的法定节假日和调休上班日（chinese-calendar 尚未收录的年份）。"""
    with user_errors():
        entries, source = read_holiday_file(file, year)
        engine = init_db(database_url)
        with session_scope(engine) as s:
            per_year = import_holidays(s, entries, source, actor=by)
    for year, n in per_year.items():
        off = sum(1 for e in entries if e.day.year == year and not e.workday)
        console.print(
            f"{year}年：已导入 {n} 天（放假 {off} 天，调休上班 {n - off} 天），来源：{source}"
        )
