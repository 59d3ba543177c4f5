"""`fazhi holidays import` and `fazhi holidays list`: a year's public holidays and make-up
working days, for the years chinese-calendar does not know yet (or a confirmed correction)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import DbOpt, console, fail, user_errors
from scheduler.records.holidays import (
    HolidayChanges,
    HolidayEntry,
    calendar_from_db,
    holiday_changes,
    import_holidays,
    imported_days,
    read_holiday_file,
)
from scheduler.store.db import init_db, session_scope

holidays_app = typer.Typer(
    help="节假日数据：导入国务院公布的放假与调休安排，查看某年的安排。", no_args_is_help=True
)

WEEKDAYS = "一二三四五六日"
SOURCES = {
    "imported": "已导入的安排（chinese-calendar 未收录）",
    "chinese_calendar": "chinese-calendar 收录的国务院安排",
    "weekends": "无数据，按周末计算",
}


def register(app: typer.Typer) -> None:
    app.add_typer(holidays_app, name="holidays")


def _day(e: HolidayEntry) -> str:
    kind = "调休上班" if e.workday else "放假"
    name = f"（{e.name}）" if e.name else ""
    return f"{e.day.isoformat()} 周{WEEKDAYS[e.day.weekday()]} {kind}{name}"


def _show_changes(changes: HolidayChanges, replace: bool) -> None:
    for entry in changes.added:
        console.print(f"  新增  {_day(entry)}")
    for old, new in changes.changed:
        console.print(f"  修改  {_day(old)} → {_day(new)}")
    if changes.kept:
        what = "将删除" if replace else "保持不变"
        console.print(f"  此前导入、文件中没有的 {len(changes.kept)} 天{what}：")
        for entry in changes.kept:
            console.print(f"        {_day(entry)}")


def _confirm_against_official(changes: HolidayChanges, yes: bool) -> None:
    if not changes.against_official:
        return
    console.print("以下日期与 chinese-calendar 收录的国务院安排不同，导入后将以文件为准：")
    for entry, official in changes.against_official:
        was = "工作日" if official else "休息日"
        console.print(f"  {_day(entry)}（国务院安排：{was}）")
    if yes:
        return
    if not sys.stdin.isatty():
        fail("这些日期会改变已知的国务院安排；确认无误后请加 --yes 再次导入。")
    if not typer.confirm("确定以文件为准吗？", default=False):
        fail("未导入：已取消。")


@holidays_app.command("import")
def holidays_import(
    file: Annotated[Path, typer.Argument(help="节假日文件：.toml、.json 或 .csv")],
    year: Annotated[
        int | None, typer.Option("--year", help="文件是哪一年的安排（CSV 跨年时必填）")
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="先删除该年此前导入的其他日期，只留文件中的")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="文件与国务院已知安排不同时不再询问")
    ] = False,
    by: Annotated[str, typer.Option("--by", help="操作人（记入审计日志）")] = "cli",
    database_url: DbOpt = None,
) -> None:
    """按日合并导入一年的法定节假日和调休上班日：显示新增、修改和保留的日期。"""
    with user_errors():
        entries, source = read_holiday_file(file, year)
        engine = init_db(database_url)
        with session_scope(engine) as s:
            changes = holiday_changes(s, entries)
        _show_changes(changes, replace)
        _confirm_against_official(changes, yes)
        with session_scope(engine) as s:
            per_year = import_holidays(s, entries, source, actor=by, replace=replace)
    for y, n in per_year.items():
        off = sum(1 for e in entries if e.day.year == y and not e.workday)
        console.print(
            f"{y}年：已导入 {n} 天（放假 {off} 天，调休上班 {n - off} 天），来源：{source}"
        )
    kept = "删除" if replace else "保留"
    console.print(
        f"新增 {len(changes.added)} 天，修改 {len(changes.changed)} 天，"
        f"不变 {len(changes.unchanged)} 天；此前导入的其他 {len(changes.kept)} 天已{kept}。"
    )


@holidays_app.command("list")
def holidays_list(
    year: Annotated[int, typer.Option("--year", help="年份，例如 2027")],
    database_url: DbOpt = None,
) -> None:
    """列出某年的节假日数据来源和已导入的日期。"""
    with user_errors():
        if not 1900 <= year <= 2200:
            fail(f"年份 {year} 不在 1900–2200 之间。")
        engine = init_db(database_url)
        with session_scope(engine) as s:
            cal = calendar_from_db(s)
            rows = imported_days(s, year)
    console.print(f"{year}年的工作日数据：{SOURCES[cal.source(year)]}")
    if not rows:
        console.print("没有导入的日期。")
        return
    console.print(f"已导入 {len(rows)} 天：")
    for r in rows:
        console.print(f"  {_day(HolidayEntry(r.day, r.workday, r.name))}  来源：{r.source}")
