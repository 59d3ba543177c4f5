"""Supervision (督办) in chat: the office chases one unit or every overdue unit (/remind, or 📣
under /report), a unit answers its chase (/reply, the 已在办 button under the chase, a text
that begins 已在办 / 回复催办, or any text sent as a reply to the chase message), and admins
get the ledger (/ledger, or 📒 under /report) as an .xlsx file.

The records are :mod:`scheduler.records.chases` and :mod:`scheduler.records.ledger`; the
messages are queued by :mod:`scheduler.delivery.chasing`. Nothing here ranks people: the
texts list units and their obligations' states, in the order of units' names.
"""

from __future__ import annotations

import re

from bot.chat.buttons import ChaseAnswer, ExportLedger, RemindOverdue
from bot.chat.incoming import ChatContext
from bot.chat.render.common import short
from bot.chat.render.replies import Attachment, Doc, Reply
from bot.chat.router import Feature
from bot.chat.state import ChatState
from knowledge.plan.model import Obligation
from knowledge.plan.years import NoPlanForYear
from scheduler.records import unit_registry
from scheduler.records.audit_log import audit
from scheduler.timing.periods import Period, PeriodError

feature = Feature("supervision")

ALL_OVERDUE = ("全部逾期", "全部", "所有逾期", "所有", "all")
REMIND_USAGE = (
    "用法：/remind 单位 [任务] [期间]，或 /remind 全部逾期 [任务] [期间]。"
    "例如：/remind 区司法局、/remind 全部逾期 学法 2026Q3"
)
REPLY_USAGE = "用法：/reply 回复内容，例如：/reply 已在办，预计12月20日前完成"
_PERIODISH = re.compile(r"^\d{4}")
CHASE_HEAD = "【催办】"  # how a chase message begins (scheduler.delivery.chasing.body)
_REPLY_TEXT = re.compile(r"^(?:回复催办|催办回复)\s*[:：,，]?\s*(.+)$|^(已在办.*)$", re.S)


@feature.command(
    "remind",
    admin=True,
    help=("/remind 单位|全部逾期 [任务] [期间]", "催办：提醒未完成的单位并记录回复"),
    menu="催办未完成的单位",
)
def remind(state: ChatState, ctx: ChatContext, args: str) -> list[Reply]:
    words = args.split()
    if not words:
        return [Reply.of(REMIND_USAGE)]
    unit_word, rest = words[0], words[1:]
    year = state.clock().year
    period: Period | None = None
    obligation: Obligation | None = None
    plan = state.plan
    for word in rest:
        try:
            period = Period.parse(word)
            year = period.year
            continue
        except PeriodError as exc:
            if _PERIODISH.match(word):  # 2026Q9: a period written wrong, not a task
                return [Reply.of(f"{exc}。期间写法如 2026、2026Q3。")]
        from scheduler.records.completions import UnknownObligationError, resolve_obligation

        try:
            obligation = resolve_obligation(plan, word)
        except UnknownObligationError as exc:
            return [Reply.of(f"{exc}。{REMIND_USAGE}")]
    return _chase(state, ctx, unit_word, year, obligation, period)


@feature.button(RemindOverdue, admin=True)
def remind_button(state: ChatState, ctx: ChatContext, button: RemindOverdue) -> list[Reply]:
    """📣 under /report: every overdue unit of the year."""
    return _chase(state, ctx, ALL_OVERDUE[0], button.year, None, None)


def _chase(
    state: ChatState,
    ctx: ChatContext,
    unit_word: str,
    year: int,
    obligation: Obligation | None,
    period: Period | None,
) -> list[Reply]:
    from scheduler.delivery.chasing import chase
    from scheduler.records.chases import chase_targets

    try:
        plan = state.sched.plan_at(year)
    except NoPlanForYear as exc:
        return [Reply.of(str(exc))]
    if obligation is not None:  # the same obligation in the plan of the period's year
        obligation = plan.obligation(obligation.key) or obligation
    everyone = unit_word in ALL_OVERDUE
    with state.session() as s:
        directory = state.sched.directory(s)
        try:
            unit = None if everyone else unit_registry.resolve_unit(directory, unit_word)
        except unit_registry.RegistryError as exc:
            return [Reply.of(f"{exc}。{REMIND_USAGE}")]
        targets = chase_targets(
            s,
            plan,
            directory,
            year,
            unit=unit,
            obligation=obligation,
            period=period,
            now=state.clock(),
        )
        if not targets:
            who = "各单位" if everyone else f"“{unit}”"
            return [Reply.of(f"{who}没有需要催办的逾期任务（已完成、豁免或延期的不催办）。")]
        result = chase(s, targets, ctx.user_name or ctx.user_id, ctx.user_id, now=state.clock())
    doc = Doc().line((f"已催办 {len(result.units)} 个单位、{result.items} 项任务", "b"))
    for u in result.units:
        items = [f"{t.obligation.action}（{t.period.key}）" for t in targets if t.unit == u]
        doc.line(f"· {u}：{short('、'.join(items), 120)}")
    if result.messages == 0 and result.new_items == 0:
        doc.line("今天已经催办过这些任务，未重复发送。")
    else:
        doc.line(f"已发送催办消息 {result.messages} 条。各单位的回复会显示在 /report 和台账中。")
    if result.no_chat:
        doc.line(f"以下单位没有已登记的聊天，未能送达：{'、'.join(result.no_chat)}")
    return [Reply.of(doc)]


@feature.command(
    "reply", help=("/reply 回复内容", "回复办公室的催办（如：已在办，预计…）"), menu="回复催办"
)
def reply_command(state: ChatState, ctx: ChatContext, args: str) -> list[Reply]:
    if not args.strip():
        return [Reply.of(REPLY_USAGE)]
    return answer(state, ctx, args.strip())


@feature.button(ChaseAnswer)
def answer_button(state: ChatState, ctx: ChatContext, button: ChaseAnswer) -> list[Reply]:
    """已在办 under a chase."""
    return answer(state, ctx, "已在办", button.chase_id)


@feature.text()
def answer_text(state: ChatState, ctx: ChatContext, text: str) -> list[Reply] | None:
    """A reply to the chase message, or "已在办，预计…" / "回复催办：…", from a unit's chat that
    was chased; None otherwise (the text is then a question)."""
    m = _REPLY_TEXT.match(text.strip())
    to_chase = ctx.replied_bot_text.startswith(CHASE_HEAD)
    if (m is None and not to_chase) or state.unit_name(ctx) is None:
        return None
    said = (m.group(1) or m.group(2)).strip() if m is not None else text.strip()
    replies = answer(state, ctx, said, quiet=True)
    return replies or None


def answer(
    state: ChatState, ctx: ChatContext, text: str, chase_id: int | None = None, quiet: bool = False
) -> list[Reply]:
    """Record the chat's unit's answer to its chase; ``quiet``: [] when it was not chased."""
    from scheduler.records.chases import NO_CHASE, reply

    with state.session() as s:
        unit = state.acting_unit(s, ctx)
        if isinstance(unit, str):
            return [Reply.of(unit)]
        try:
            chases, new = reply(
                s,
                unit.name,
                text,
                user_id=ctx.user_id,
                user_name=ctx.user_name,
                chat_id=ctx.chat_id,
                chase_id=chase_id,
                now=state.clock(),
            )
        except unit_registry.RegistryError as exc:
            if quiet and str(exc) == NO_CHASE:
                return []
            return [Reply.of(f"{str(exc).rstrip('。')}。")]
    if not new:
        return [Reply.of(f"这条回复已记录过（“{unit.name}”），无需重复。")]
    day = chases[0].day
    return [
        Reply.of(
            f"已记录“{unit.name}”对 {day:%m月%d日} 催办（{len(chases)} 项任务）的回复：{text}"
            "。办理完成后请发送 /done 确认。"
        )
    ]


@feature.button(ExportLedger, admin=True)
def ledger_button(state: ChatState, ctx: ChatContext, button: ExportLedger) -> list[Reply]:
    """📒 under /report: the year's ledger."""
    return ledger(state, ctx, str(button.year))


@feature.command(
    "ledger", admin=True, help=("/ledger [年份]", "督办台账（Excel）"), menu="督办台账（Excel）"
)
def ledger(state: ChatState, ctx: ChatContext, args: str) -> list[Reply]:
    from scheduler.records.ledger import build_ledger
    from scheduler.records.ledger_xlsx import ledger_xlsx

    year = state.clock().year
    word = args.strip().removesuffix("年")
    if word:
        if not word.isdigit() or not 2000 <= int(word) <= 2100:
            return [Reply.of(f"年份“{short(args.strip(), 20)}”不对，请写四位年份，如 /ledger 2026")]
        year = int(word)
    try:
        plan = state.sched.plan_at(year)
    except NoPlanForYear as exc:
        return [Reply.of(str(exc))]
    with state.session() as s:
        book = build_ledger(s, plan, state.sched.directory(s), year, now=state.clock())
        audit(
            s, ctx.user_id, "ledger_export", str(year), units=len(book.units), rows=len(book.rows)
        )
    data = ledger_xlsx(book)
    return [
        Reply.of(
            f"{year}年督办台账：{len(book.units)} 个单位，{len(book.rows)} 条记录"
            "（每个单位一页，另有汇总页）。",
            attachment=Attachment(f"fazhi-ledger-{year}.xlsx", data, f"{year}年督办台账"),
        )
    ]
