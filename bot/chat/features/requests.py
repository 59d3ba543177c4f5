"""Exemptions (豁免) and extensions (延期): a unit's liaison asks with /exempt or /extend, the
admins hear of it with 批准 / 驳回 buttons (or /grant, /deny) and see the list with /requests;
the requesting chat is told of the decision. The work is :mod:`scheduler.records.requests`
(audited); an approval withdraws the period's queued reminders."""

from __future__ import annotations

from bot.chat.buttons import DenyRequest, GrantRequest
from bot.chat.features.tasks import looks_like_period
from bot.chat.incoming import ChatContext
from bot.chat.render.replies import Button, Doc, Reply
from bot.chat.render.requests import (
    admin_notice,
    asked_text,
    decided_text,
    parse_day,
    request_line,
)
from bot.chat.router import Feature
from bot.chat.state import ChatState
from scheduler.jobs.request_decisions import notify_admins, settle
from scheduler.records.requests import EXEMPT, EXTEND, PENDING, decide, request
from scheduler.records.unit_registry import RegistryError
from scheduler.timing.periods import PeriodError

feature = Feature("requests")

EXEMPT_USAGE = (
    "用法：/exempt 任务 [期间] 理由\n例如：/exempt 执法检查 2026Q3 本季度无执法任务\n"
    "任务可写编号（i2-study）或名称（学法）；期间不写即本期。管理员批准后，本期计为“不适用（豁免）”。"
)
EXTEND_USAGE = (
    "用法：/extend 任务 [期间] 新截止日期 理由\n例如：/extend 学法 2026Q3 2026-10-15 会议改期\n"
    "日期可写 2026-10-15 或 10月15日；管理员批准后，截止日改为新日期，此前不计逾期。"
)
LIST_SHOWN = 20  # pending requests /requests lists at once


@feature.command(
    "exempt",
    help=("/exempt 任务 [期间] 理由", "申请本期豁免某项任务（如本季度无执法任务）"),
    menu="申请豁免某项任务",
)
def exempt(state: ChatState, ctx: ChatContext, args: str) -> list[Reply]:
    words = args.split()
    if len(words) < 2:
        return [Reply.of(EXEMPT_USAGE)]
    period = words[1] if looks_like_period(words[1], state.clock().date()) else None
    reason = " ".join(words[2:] if period else words[1:])
    return ask(state, ctx, EXEMPT, words[0], period, reason, None, EXEMPT_USAGE)


@feature.command(
    "extend",
    help=("/extend 任务 [期间] 新日期 理由", "申请延期完成某项任务"),
    menu="申请延期完成某项任务",
)
def extend(state: ChatState, ctx: ChatContext, args: str) -> list[Reply]:
    words = args.split()
    year = state.clock().year
    if len(words) < 3:
        return [Reply.of(EXTEND_USAGE)]
    period = None
    rest = words[1:]
    if parse_day(rest[0], year) is None and looks_like_period(rest[0], state.clock().date()):
        period, rest = rest[0], rest[1:]
    day = parse_day(rest[0], year) if rest else None
    if day is None:
        shown = rest[0][:20] if rest else ""
        return [Reply.of(f"“{shown}”不是日期。\n\n{EXTEND_USAGE}")]
    return ask(state, ctx, EXTEND, words[0], period, " ".join(rest[1:]), day, EXTEND_USAGE)


def ask(
    state: ChatState,
    ctx: ChatContext,
    kind: str,
    obligation: str,
    period: str | None,
    reason: str,
    day: object,
    usage: str,
) -> list[Reply]:
    with state.session() as s:
        unit = state.acting_unit(s, ctx)
        if isinstance(unit, str):
            return [Reply.of(unit)]
        try:
            view, new = request(
                s,
                state.plan,
                state.sched.directory(s),
                kind,
                unit.name,
                obligation,
                period,
                reason,
                new_due=day,  # type: ignore[arg-type]
                by=ctx.user_name or ctx.user_id,
                by_id=ctx.user_id,
                chat_id=ctx.chat_id,
                now=state.clock(),
            )
        except (RegistryError, PeriodError) as exc:
            return [Reply.of(f"{exc}。\n\n{usage}")]
        if new:
            notify_admins(s, view, admin_notice(view))
    return [Reply.of(asked_text(view, new))]


@feature.command(
    "requests", admin=True, help=("/requests", "待审批的豁免、延期申请"), menu="审批豁免和延期申请"
)
def requests(state: ChatState, _ctx: ChatContext, _args: str) -> list[Reply]:
    from scheduler.records.requests import list_requests

    with state.session() as s:
        pending = list_requests(s, state.plan, PENDING)
    if not pending:
        return [Reply.of("目前没有待审批的豁免、延期申请。")]
    doc = Doc().line((f"待审批的申请（{len(pending)} 项）", "b"))
    buttons = []
    for v in pending[:LIST_SHOWN]:
        doc.line(f"· {request_line(v)}")
        buttons.append(
            [
                Button(f"✅ 批准 #{v.id}", GrantRequest(v.id)),
                Button(f"❌ 驳回 #{v.id}", DenyRequest(v.id)),
            ]
        )
    return [Reply.of(doc, buttons)]


@feature.command(
    "grant",
    admin=True,
    help=("/grant 编号 [说明]", "批准豁免或延期申请"),
    menu="批准豁免或延期申请",
)
def grant(state: ChatState, ctx: ChatContext, args: str) -> list[Reply]:
    return decide_command(state, ctx, args, approve=True)


@feature.command(
    "deny", admin=True, help=("/deny 编号 理由", "驳回豁免或延期申请"), menu="驳回豁免或延期申请"
)
def deny(state: ChatState, ctx: ChatContext, args: str) -> list[Reply]:
    return decide_command(state, ctx, args, approve=False)


def decide_command(state: ChatState, ctx: ChatContext, args: str, approve: bool) -> list[Reply]:
    number, _, note = args.strip().lstrip("#").partition(" ")
    if not number.isdigit() or len(number) > 9:
        verb = "grant" if approve else "deny"
        return [Reply.of(f"请写申请编号，例如 /{verb} 3（/requests 查看待审批的申请）。")]
    return decided(state, ctx, int(number), approve, note)


@feature.button(GrantRequest, admin=True)
def grant_button(state: ChatState, ctx: ChatContext, button: GrantRequest) -> list[Reply]:
    return decided(state, ctx, button.request_id, True, "", edit=True)


@feature.button(DenyRequest, admin=True)
def deny_button(state: ChatState, ctx: ChatContext, button: DenyRequest) -> list[Reply]:
    return decided(state, ctx, button.request_id, False, "", edit=True)


def decided(
    state: ChatState,
    ctx: ChatContext,
    request_id: int,
    approve: bool,
    note: str,
    edit: bool = False,
) -> list[Reply]:
    with state.session() as s:
        try:
            view = decide(
                s,
                state.plan,
                request_id,
                approve,
                by=ctx.user_name or ctx.user_id,
                by_id=ctx.user_id,
                note=note,
                now=state.clock(),
            )
        except RegistryError as exc:
            return [Reply.of(f"{exc}。")]
        text = decided_text(view)
        settle(s, view, text, decided_in=ctx.chat_id)
    return [Reply.of(text, edit=edit)]
