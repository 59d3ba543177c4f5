"""`fazhi holidays import`: a year's public holidays and make-up working days, for the years
chinese-calendar does not know yet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import DbOpt, console, user_errors
from scheduler.records.holidays import import_holidays, read_holiday_file
from scheduler.store.db import init_db, session_scope

holidays_app = typer.Typer(
    help="节假日数据：导入国务院公布的放假与调休安排。", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(holidays_app, name="holidays")


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
