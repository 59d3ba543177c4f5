"""`fazhi evidence export`: each unit's evidence file of a year as one zip archive.

Evidence sent in chat is downloaded through the Bot API (``TELEGRAM_BOT_TOKEN``,
``TELEGRAM_API_BASE_URL``) when the data folder does not have it yet; progress is shown with a
rich progress bar.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from bot.cli.common import DbOpt, console, fail, load_context, user_errors
from bot.cli.output import checked_output
from scheduler.records.evidence_export import (
    Fetch,
    collect,
    default_archive_path,
    ensure_files,
    write_archive,
)
from scheduler.store.db import session_scope

evidence_app = typer.Typer(help="证明材料：按单位导出年度档案（zip）。", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")


@evidence_app.command("export")
def export(
    year: Annotated[int | None, typer.Option("--year", help="年份（默认今年）")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="只导出这个单位")] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="zip 文件（默认 数据目录/exports/…zip）"),
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="不连接 Telegram，只用已下载的材料")
    ] = False,
    database_url: DbOpt = None,
) -> None:
    """导出证明材料档案：每个单位一个文件夹，内含完成记录表和证明材料文件。"""
    from scheduler.records.unit_registry import resolve_unit
    from scheduler.timing.clock import now

    if output is not None:
        checked_output(output, "zip")
    year = year or now().year
    if not 2000 <= year <= 2100:
        fail(f"年份 {year} 不对，请写四位年份，如 2026")
    with user_errors():
        ctx = load_context(database_url)
        with session_scope(ctx.engine) as s:
            name = resolve_unit(ctx.directory(s), unit) if unit else None
            units = collect(s, ctx.plan, year, name)
    out = output or default_archive_path(year, name)
    pending = sum(
        1 for uf in units for e in uf.entries for item in e.evidence if item.ref.downloadable
    )
    asyncio.run(_download_and_write(units, year, out, pending, offline))


async def _download_and_write(units, year: int, out: Path, pending: int, offline: bool) -> None:  # noqa: ANN001
    from bot.runtime.settings import Settings

    settings = Settings()
    token = settings.token
    if pending and not token and not offline:
        console.print("[yellow]未设置 TELEGRAM_BOT_TOKEN：只打包已下载的材料。[/yellow]")
    bot = None
    fetch: Fetch | None = None
    if token and not offline and pending:
        from telegram import Bot

        from bot.channels.telegram.app import base_file_url
        from bot.channels.telegram.evidence_fetch import threadsafe_fetcher

        base = settings.telegram_api_base_url
        bot = Bot(token, base_url=base, base_file_url=base_file_url(base)) if base else Bot(token)
        await bot.initialize()
        fetch = threadsafe_fetcher(bot, asyncio.get_running_loop())
    try:
        with Progress(
            TextColumn("下载证明材料"), BarColumn(), MofNCompleteColumn(), console=console
        ) as progress:
            task = progress.add_task("files", total=pending)
            await asyncio.to_thread(
                ensure_files,
                units,
                fetch,
                lambda done, _t, _w: progress.update(task, completed=done),
            )
        result = await asyncio.to_thread(write_archive, units, year, out)
    finally:
        if bot is not None:
            await bot.shutdown()
    console.print(result.summary())
    console.print(f"已写入 {result.path}")
