"""`fazhi requests …`: units' requests for an exemption (豁免) or an extension (延期) of an
obligation's period, and the office's decisions (approve, reject), all audited.

The same requests are made in chat (/exempt, /extend) and decided there (/grant, /deny, or the
buttons under each request); the texts are shared (:mod:`bot.chat.render.requests`)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from bot.chat.render.requests import asked_text, asked_what, decided_text, parse_day
from bot.cli.common import DbOpt, JsonOpt, console, fail, load_context, user_errors
from scheduler.records.status_overrides import KIND_LABELS, STATE_LABELS
from scheduler.store.db import session_scope
from scheduler.timing.clock import local, now

requests_app = typer.Typer(
    help="豁免、延期申请：单位申请某项任务本期豁免（不适用）或延期，管理员批准或驳回（记入审计日志）。",
    no_args_is_help=True,
)

UnitArg = Annotated[str, typer.Argument(help="单位，如 区司法局 / 司法局")]
ObligationArg = Annotated[str, typer.Argument(help="任务，如 i2-study / 学法")]
PeriodArg = Annotated[
    str | None, typer.Argument(help="期间，如 2026Q3 / 2026（不写即本期）", show_default=False)
]
ReasonOpt = Annotated[str, typer.Option("--reason", help="理由（必填），如 本季度无执法任务")]
ByOpt = Annotated[str, typer.Option("--by", help="操作人（记入审计日志）")]
IdArg = Annotated[int, typer.Argument(help="申请编号（fazhi requests list 可查）", min=1)]


def register(app: typer.Typer) -> None:
    app.add_typer(requests_app, name="requests")


def _ask(
    kind: str,
    unit: str,
    obligation: str,
    period: str | None,
    reason: str,
    by: str,
    database_url: str | None,
    until: str = "",
) -> None:
    from bot.chat.render.requests import admin_notice
    from scheduler.jobs.request_decisions import notify_admins
    from scheduler.records.requests import request

    day = None
    if kind == "extend":
        day = parse_day(until, now().year)
        if day is None:
            fail(f"“{until[:20]}”不是日期：--until 请写如 2026-10-15。")
    with user_errors():
        ctx = load_context(database_url)
        with session_scope(ctx.engine) as s:
            view, new = request(
                s, ctx.plan, ctx.directory(s), kind, unit, obligation, period, reason,
                new_due=day, by=by, now=now(),
            )  # fmt: skip
            if new:
                notify_admins(s, view, admin_notice(view))
            text = asked_text(view, new).replace("管理员审批后会通知本聊天；", "")
    console.print(text, highlight=False)


@requests_app.command("exempt")
def exempt(
    unit: UnitArg,
    obligation: ObligationArg,
    period: PeriodArg = None,
    reason: ReasonOpt = "",
    by: ByOpt = "cli",
    database_url: DbOpt = None,
) -> None:
    """申请某单位某项任务本期豁免（批准后计为“不适用（豁免）”，不算完成）。"""
    _ask("exempt", unit, obligation, period, reason, by, database_url)


@requests_app.command("extend")
def extend(
    unit: UnitArg,
    obligation: ObligationArg,
    period: PeriodArg = None,
    until: Annotated[str, typer.Option("--until", help="延期后的截止日期，如 2026-10-15")] = "",
    reason: ReasonOpt = "",
    by: ByOpt = "cli",
    database_url: DbOpt = None,
) -> None:
    """申请某单位某项任务本期延期（批准后截止日改为 --until，此前不计逾期）。"""
    _ask("extend", unit, obligation, period, reason, by, database_url, until=until)


def _decide(request_id: int, approve: bool, note: str, by: str, database_url: str | None) -> None:
    from scheduler.jobs.request_decisions import settle
    from scheduler.records.requests import decide

    with user_errors():
        ctx = load_context(database_url)
        with session_scope(ctx.engine) as s:
            view = decide(s, ctx.plan, request_id, approve, by=by, note=note, now=now())
            text = decided_text(view)
            settle(s, view, text)
    console.print(text, highlight=False)


@requests_app.command("approve")
def approve(
    request_id: IdArg,
    note: Annotated[str, typer.Option("--note", help="说明（可选）")] = "",
    by: ByOpt = "cli",
    database_url: DbOpt = None,
) -> None:
    """批准一项申请；申请的聊天会收到通知，该期尚未发出的提醒随即撤回。"""
    _decide(request_id, True, note, by, database_url)


@requests_app.command("reject")
def reject(
    request_id: IdArg,
    reason: Annotated[str, typer.Option("--reason", help="驳回理由")] = "",
    by: ByOpt = "cli",
    database_url: DbOpt = None,
) -> None:
    """驳回一项申请；申请的聊天会收到通知，本期任务照常计算。"""
    _decide(request_id, False, reason, by, database_url)


@requests_app.command("list")
def list_cmd(
    show_all: Annotated[bool, typer.Option("--all", help="也列出已处理的申请")] = False,
    as_json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """列出待审批的申请（--all：全部）。"""
    from scheduler.records.requests import PENDING, list_requests

    with user_errors():
        ctx = load_context(database_url)
        with session_scope(ctx.engine) as s:
            views = list_requests(s, ctx.plan, None if show_all else PENDING)
            rows = [
                {
                    "id": v.id,
                    "kind": v.row.kind,
                    "unit": v.unit,
                    "obligation": v.row.obligation_key,
                    "period": v.row.period,
                    "new_due": v.row.new_due.isoformat() if v.row.new_due else None,
                    "reason": v.row.reason,
                    "state": v.row.state,
                    "requested_by": v.row.requested_by_id or v.row.requested_by,
                    "requested_at": local(v.row.requested_at).isoformat(timespec="seconds"),
                    "decided_by": v.row.decided_by_id or v.row.decided_by,
                    "note": v.row.decision_note,
                    "what": asked_what(v),
                }
                for v in views
            ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        console.print("没有待审批的申请。" if not show_all else "还没有任何申请。")
        return
    table = Table(title=f"豁免、延期申请（{len(rows)} 项）")
    for col in ("编号", "类型", "单位", "任务", "期间", "内容", "状态"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            str(r["id"]),
            KIND_LABELS[r["kind"]],
            r["unit"],
            r["obligation"],
            r["period"],
            r["what"],
            STATE_LABELS.get(r["state"], r["state"]),
        )
    console.print(table)
