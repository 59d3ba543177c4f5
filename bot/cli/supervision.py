"""`fazhi remind`, `fazhi reply`, `fazhi chases`, `fazhi ledger` and `fazhi annual-draft`: the
supervision office's chase (催办) and the units' replies, the ledger (台账) as Excel or CSV, and
the annual report drafted from the year's records as Word."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import DbOpt, console, fail, load_context, obligation_named, user_errors
from bot.cli.output import checked_output, write_atomic
from scheduler.records.audit_log import audit
from scheduler.store.db import session_scope

ALL_OVERDUE = ("全部逾期", "全部", "所有逾期", "所有", "all")
YearOpt = Annotated[int | None, typer.Option("--year", help="年份（默认今年）")]


def register(app: typer.Typer) -> None:
    app.command("remind", help="催办：提醒某单位或全部逾期单位尽快办理（经消息队列发送）。")(remind)
    app.command("reply", help="记录单位对催办的回复（如电话答复“已在办，预计…”）。")(reply)
    app.command("chases", help="催办记录及各单位的回复。")(chases)
    app.command("ledger", help="督办台账：各单位各期任务的状态、确认人、材料、催办与回复。")(ledger)
    app.command("annual-draft", help="根据本年度记录起草法治政府建设年度报告（Word 草稿）。")(
        annual_draft
    )


def _year(year: int | None) -> int:
    from scheduler.timing.clock import now

    year = year or now().year
    if not 2000 <= year <= 2100:
        fail(f"年份 {year} 不对，请写四位年份，如 2026")
    return year


def remind(
    unit: Annotated[str, typer.Argument(help="单位（如 区司法局），或“全部逾期”")],
    words: Annotated[
        list[str] | None,
        typer.Argument(help="可选：任务（如 学法 / i2-study）和期间（如 2026Q3）"),
    ] = None,
    by: Annotated[str, typer.Option("--by", help="催办人（记入审计日志）")] = "cli",
    database_url: DbOpt = None,
) -> None:
    from scheduler.delivery.chasing import chase
    from scheduler.records.chases import chase_targets
    from scheduler.records.unit_registry import resolve_unit
    from scheduler.timing.clock import now
    from scheduler.timing.periods import Period, PeriodError

    with user_errors():
        ctx = load_context(database_url)
        period = obligation = None
        for word in words or []:
            try:
                period = Period.parse(word)
                continue
            except PeriodError as exc:
                if word[:4].isdigit():  # 2026Q9: a period written wrong, not a task
                    fail(f"{exc}。期间写法如 2026、2026Q3")
                obligation = obligation_named(ctx, word)
        year = period.year if period else now().year
        plan = ctx.plan_at(year)
        if obligation is not None:
            obligation = plan.obligation(obligation.key) or obligation
        with session_scope(ctx.engine) as s:
            directory = ctx.directory(s)
            name = None if unit in ALL_OVERDUE else resolve_unit(directory, unit)
            targets = chase_targets(
                s, plan, directory, year, unit=name, obligation=obligation, period=period
            )
            if not targets:
                who = f"“{name}”" if name else "各单位"
                console.print(f"{who}没有需要催办的逾期任务（已完成、豁免或延期的不催办）。")
                return
            result = chase(s, targets, by)
    console.print(f"已催办 {len(result.units)} 个单位、{result.items} 项任务。", highlight=False)
    for u in result.units:
        items = [f"{t.obligation.action}（{t.period.key}）" for t in targets if t.unit == u]
        console.print(f"  · {u}：{'、'.join(items)}", highlight=False, soft_wrap=True)
    if result.messages == 0 and result.new_items == 0:
        console.print("今天已经催办过这些任务，未重复发送。")
    else:
        console.print(f"已排入发送队列 {result.messages} 条催办消息。")
    if result.no_chat:
        console.print(f"没有已登记聊天、未能送达的单位：{len(result.no_chat)} 个。")


def reply(
    unit: Annotated[str, typer.Argument(help="单位，如 区司法局")],
    text: Annotated[str, typer.Argument(help="回复内容，如 已在办，预计12月20日前完成")],
    by: Annotated[str, typer.Option("--by", help="回复人姓名")] = "cli",
    by_id: Annotated[str, typer.Option("--by-id", help="回复人的用户编号（可不填）")] = "",
    database_url: DbOpt = None,
) -> None:
    from scheduler.records.chases import reply as record
    from scheduler.records.unit_registry import resolve_unit

    with user_errors():
        ctx = load_context(database_url)
        with session_scope(ctx.engine) as s:
            name = resolve_unit(ctx.directory(s), unit)
            answered, new = record(s, name, text, user_id=by_id, user_name=by)
            day = answered[0].day
    if new:
        console.print(f"已记录“{name}”对 {day:%m月%d日} 催办（{len(answered)} 项）的回复。")
    else:
        console.print(f"“{name}”的这条回复已记录过，未重复记录。")


def chases(
    year: YearOpt = None,
    unit: Annotated[str | None, typer.Option("--unit", help="只看这个单位")] = None,
    database_url: DbOpt = None,
) -> None:
    from scheduler.records.chases import chase_log
    from scheduler.records.unit_registry import resolve_unit

    year = _year(year)
    with user_errors():
        ctx = load_context(database_url)
        actions = {ob.key: ob.action for ob in ctx.plan_at(year).obligations}
        with session_scope(ctx.engine) as s:
            name = resolve_unit(ctx.directory(s), unit) if unit else None
            entries = chase_log(s, year, name)
    if not entries:
        console.print(f"{year}年没有催办记录。")
        return
    console.print(f"[bold]{year}年催办与回复（{len(entries)} 项）[/bold]")
    for e in entries:
        console.print(f"  · {e.line(actions.get(e.obligation_key, ''))}", highlight=False)


def ledger(
    year: YearOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="xlsx 或 csv")] = "xlsx",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="输出文件（默认 fazhi-ledger-年份.xlsx；csv 默认打印）"
        ),
    ] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="只导出这个单位")] = None,
    database_url: DbOpt = None,
) -> None:
    from scheduler.records.ledger import build_ledger
    from scheduler.records.ledger_xlsx import ledger_csv, ledger_xlsx
    from scheduler.records.unit_registry import resolve_unit

    if output is not None and fmt == "xlsx" and output.suffix.lower() == ".csv":
        fmt = "csv"  # -o ledger.csv alone: the suffix names the format
    if fmt not in ("xlsx", "csv"):
        fail(f"不支持的格式“{fmt}”：请用 xlsx 或 csv")
    if output is not None:
        checked_output(output, fmt)
    year = _year(year)
    with user_errors():
        ctx = load_context(database_url)
        with session_scope(ctx.engine) as s:
            directory = ctx.directory(s)
            name = resolve_unit(directory, unit) if unit else None
            book = build_ledger(s, ctx.plan_at(year), directory, year, unit=name)
            audit(s, "cli", "ledger_export", str(year), units=len(book.units), rows=len(book.rows))
    if fmt == "csv":
        data = ledger_csv(book)
        if output is None:
            typer.echo(data.decode("utf-8-sig"), nl=False)
            return
        write_atomic(output, data)
    else:
        output = output or Path(f"fazhi-ledger-{year}.xlsx")
        checked_output(output, "xlsx")
        write_atomic(output, ledger_xlsx(book))
    console.print(f"{year}年督办台账：{len(book.units)} 个单位，{len(book.rows)} 条记录。")
    console.print(f"已写入 {output.absolute()}")


def annual_draft(
    year: YearOpt = None,
    unit: Annotated[str | None, typer.Option("--unit", help="单位（不填为全区）")] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Word 文件（默认 fazhi-annual-draft-年份.docx）"),
    ] = None,
    database_url: DbOpt = None,
) -> None:
    from scheduler.records.annual_draft import build_draft
    from scheduler.records.annual_draft_docx import draft_docx
    from scheduler.records.unit_registry import resolve_unit

    if output is not None:
        checked_output(output, "docx")
    year = _year(year)
    with user_errors():
        ctx = load_context(database_url)
        with session_scope(ctx.engine) as s:
            directory = ctx.directory(s)
            name = resolve_unit(directory, unit) if unit else None
            draft = build_draft(s, ctx.plan_at(year), directory, year, name)
            audit(s, "cli", "annual_draft", draft.scope, year=year, records=len(draft.sources))
    output = output or Path(f"fazhi-annual-draft-{year}.docx")
    checked_output(output, "docx")
    write_atomic(output, draft_docx(draft))
    console.print(
        f"{draft.title}：依据 {len(draft.sources)} 条完成记录，标有“{draft.placeholder}”处请人工撰写。"
    )
    console.print(f"已写入 {output.absolute()}")
