"""`fazhi db upgrade` and `fazhi schedule preview/run`: the database's structure, and the year's
reminders (previewed as a table or JSON, or run in this process without Telegram)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.common import (
    DbOpt,
    JsonOpt,
    console,
    emit_json,
    err_console,
    fail,
    load_context,
    user_errors,
)
from knowledge.plan.years import NoPlanForYear, plan_of_year
from scheduler.planning.planner import reminders_in
from scheduler.records.unit_registry import resolve_unit
from scheduler.store.db import (
    current_revision,
    init_db,
    make_engine,
    migration_heads,
    session_scope,
)

db_app = typer.Typer(help="数据库：建表与升级。", no_args_is_help=True)
schedule_app = typer.Typer(help="提醒计划：预览全年提醒、运行定时任务。", no_args_is_help=True)

MIN_YEAR, MAX_YEAR = 2000, 2100


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(schedule_app, name="schedule")


# -- db ---------------------------------------------------------------------------------------
@db_app.command("upgrade")
def db_upgrade(database_url: DbOpt = None) -> None:
    """把数据库结构升级到最新版本（启动时也会自动执行）。"""
    with user_errors():
        from scheduler.store.redaction import redact_url

        engine = make_engine(database_url)
        before = current_revision(engine)
        head = ",".join(sorted(migration_heads()))
        where = redact_url(engine.url.render_as_string(hide_password=True), database_url or "")
        if before == head:
            console.print(f"数据库已是最新结构（{head}），无需升级：{where}")
            return
        engine.dispose()
        init_db(engine.url)
        if before is None:
            console.print(f"已新建数据库并建好全部表（结构版本 {head}）：{where}")
        else:
            console.print(f"数据库结构已从 {before} 升级到 {head}：{where}")


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
        ctx = load_context(database_url)
        with session_scope(ctx.engine) as s:
            directory = ctx.directory(s)
            cal = ctx.calendar(s)
        units = {resolve_unit(directory, unit)} if unit else None
        y = year if year is not None else today().year
        if not MIN_YEAR <= y <= MAX_YEAR:
            fail(
                f"年份 {y} 超出范围：请给出 {MIN_YEAR}–{MAX_YEAR} 之间的年份，如 --year {today().year}"
            )
        try:
            chosen = plan_of_year(ctx.plans, y)  # the one rule for the plan of a year
        except NoPlanForYear as exc:
            fail(str(exc))
            raise
        reminders = reminders_in(chosen.plan, directory, ctx.rules, cal, [y], units)
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
            "plan": chosen.plan.plan_id,
        }
        for r in reminders
    ]
    if as_json:
        emit_json(rows)
        return
    if cal.source(y) == "weekends":
        err_console.print(f"[yellow]注意：{y}年没有节假日数据，按周末计算工作日。[/yellow]")
    table = Table(title=f"{y}年提醒计划（{len(rows)} 条，{chosen.label()}）")
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
        ctx = load_context(database_url)
    ch = FileChannel(channel[5:]) if channel.startswith("file:") else ConsoleChannel()
    console.print("提醒服务已启动，按 Ctrl+C 退出。")
    try:
        asyncio.run(run_standalone(ctx, ch))
    except KeyboardInterrupt:
        console.print("已退出。")
