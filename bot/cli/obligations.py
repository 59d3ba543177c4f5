"""`fazhi obligations …`: admins' overrides of whom an obligation binds (set, list, clear).

The rules (``knowledge/data/subjects.toml``) decide whom an obligation binds; an override says,
for one unit and one obligation, that it applies or does not, with a reason. Every change is
audited and re-plans at once: reminders queued for a unit no longer bound are withdrawn.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from bot.chat.render.overrides import change_text
from bot.cli.common import (
    DbOpt,
    JsonOpt,
    PipeSafeConsole,
    emit_json,
    fail,
    load_context,
    user_errors,
)
from scheduler.records.overrides import clear_override, list_overrides, set_override
from scheduler.store.db import session_scope

obligations_app = typer.Typer(
    help="任务约束对象的管理员调整：某单位适用/不适用某项任务（记入审计日志）。",
    no_args_is_help=True,
)
console = PipeSafeConsole()

UnitArg = Annotated[str, typer.Argument(help="单位，如 区法院 / 司法局")]
ObligationArg = Annotated[str, typer.Argument(help="任务，如 i2-study / 学法")]
ByOpt = Annotated[str, typer.Option("--by", help="操作人（记入审计日志）")]


def register(app: typer.Typer) -> None:
    app.add_typer(obligations_app, name="obligations")


@obligations_app.command("override")
def override(
    unit: UnitArg,
    obligation: ObligationArg,
    applies: Annotated[
        bool | None,
        typer.Option(
            "--applies/--not-applies",
            help="--applies：该任务适用于该单位；--not-applies：不适用",
            show_default=False,
        ),
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="理由（必填）")] = "",
    by: ByOpt = "cli",
    database_url: DbOpt = None,
) -> None:
    """设定某单位适用或不适用某项任务（覆盖规则的判断）。"""
    if applies is None:
        fail("请指明 --applies（适用）或 --not-applies（不适用）。")
    with user_errors():
        ctx = load_context(database_url)
        with session_scope(ctx.engine) as s:
            change = set_override(
                s, ctx.plan, ctx.directory(s), unit, obligation, bool(applies), reason, by
            )
    console.print(change_text(change), highlight=False)


@obligations_app.command("clear")
def clear(
    unit: UnitArg, obligation: ObligationArg, by: ByOpt = "cli", database_url: DbOpt = None
) -> None:
    """清除某单位某项任务的调整，恢复按规则判断。"""
    with user_errors():
        ctx = load_context(database_url)
        with session_scope(ctx.engine) as s:
            change = clear_override(s, ctx.plan, ctx.directory(s), unit, obligation, by)
    console.print(change_text(change), highlight=False)


@obligations_app.command("overrides")
def overrides(as_json: JsonOpt = False, database_url: DbOpt = None) -> None:
    """列出全部管理员调整。"""
    with user_errors():
        ctx = load_context(database_url)
        with session_scope(ctx.engine) as s:
            rows = list_overrides(s, ctx.plan)
    if as_json:
        data = [
            {
                "unit": o.unit,
                "obligation": o.obligation,
                "applies": o.applies,
                "reason": o.reason,
                "by": o.by,
                "at": o.at,
                "plan": o.plan,
            }
            for o in rows
        ]
        emit_json(data)
        return
    if not rows:
        console.print("没有管理员调整：各项任务均按规则判断约束对象。")
        return
    table = Table(title=f"管理员调整（{len(rows)} 项）")
    for col in ("单位", "任务", "调整", "理由", "操作人", "时间"):
        table.add_column(col, overflow="fold")
    for o in rows:
        ob = ctx.plan.obligation(o.obligation)
        label = f"{o.obligation}（{ob.action}）" if ob else o.obligation
        table.add_row(o.unit, label, o.label, o.reason, o.by, o.at.replace("T", " ")[:16])
    console.print(table)
