"""Admins' desk: /pending (the registration requests, 通过 / 拒绝) and /units (every unit and its
chats, in pages). Approving a chat plans its reminders at once."""

from __future__ import annotations

import html

from sqlmodel import Session, select

from bot.chat.buttons import Approve, Reject, UnitsPage
from bot.chat.incoming import ChatContext
from bot.chat.render.common import status_label
from bot.chat.render.replies import Button, Doc, Reply
from bot.chat.router import Feature
from bot.chat.state import ChatState
from knowledge.plan.model import CATEGORY_LABELS, UnitCategory
from knowledge.text.normalize import norm
from scheduler.delivery.outbox import enqueue
from scheduler.records import chat_registry, unit_registry
from scheduler.store.models import Chat, ChatStatus, UnitRow

feature = Feature("admin")

UNITS_PAGE = 25  # units per page of /units
PENDING_SHOWN = 30  # requests listed by /pending at once


@feature.command("pending", admin=True, help=("/pending", "待审核的登记申请"), menu="审核登记申请")
def pending(state: ChatState, _ctx: ChatContext, _args: str) -> list[Reply]:
    with state.session() as s:
        return pending_list(chat_registry.pending_chats(s))


@feature.button(Approve, admin=True)
def approve(state: ChatState, ctx: ChatContext, button: Approve) -> list[Reply]:
    return decide(state, ctx, button.chat_row_id, approve=True)


@feature.button(Reject, admin=True)
def reject(state: ChatState, ctx: ChatContext, button: Reject) -> list[Reply]:
    return decide(state, ctx, button.chat_row_id, approve=False)


def decide(state: ChatState, ctx: ChatContext, chat_row_id: int, approve: bool) -> list[Reply]:
    with state.session() as s:
        chat = s.get(Chat, chat_row_id)
        if chat is None:
            return [Reply.of("该申请不存在。")]
        if not chat_registry.is_waiting(chat):
            return [Reply.of(f"该申请已处理（当前状态：{status_label(chat.status)}）。")]
        unit = chat_registry.requested_unit(s, chat)
        state.forget_chat(chat.chat_id)
        if approve:
            chat_registry.approve(s, chat.chat_id, actor=ctx.user_id)
            state.plan_soon = True
        else:
            chat_registry.reject(s, chat.chat_id, actor=ctx.user_id)
        notify_requester(s, chat, unit, approve)
        verb = "已通过" if approve else "已拒绝"
        who = chat.title or chat.user_name or chat.chat_id
        return [Reply.of(f"{verb}：{who} → {unit.name if unit else '?'}", edit=True)]


@feature.command("units", admin=True, help=("/units", "单位和登记情况"), menu="单位和登记情况")
def units(state: ChatState, _ctx: ChatContext, args: str) -> list[Reply]:
    with state.session() as s:
        return [units_overview(s, args)]


@feature.button(UnitsPage, admin=True)
def units_page(state: ChatState, _ctx: ChatContext, button: UnitsPage) -> list[Reply]:
    with state.session() as s:
        return [units_overview(s, "", page=button.page, edit=True)]


# -- texts --------------------------------------------------------------------------------------
def notify_requester(s: Session, chat: Chat, unit: UnitRow | None, approved: bool) -> None:
    name = unit.name if unit else "该单位"
    text = (
        f"登记已通过：本聊天将收到“{name}”的任务提醒。发送 /mytasks 查看任务。"
        if approved
        else f"登记申请（{name}）未通过。如有疑问请联系区委依法治区办。"
    )
    enqueue(
        s,
        key=f"regdecision:{chat.id}:{chat.decided_at:%Y%m%d%H%M%S}",
        chat_id=chat.chat_id,
        body=html.escape(text),
        kind="notice",
        is_group=chat.is_group,
    )


def pending_list(rows: list[tuple[Chat, UnitRow | None]]) -> list[Reply]:
    if not rows:
        return [Reply.of("没有待审核的登记申请。")]
    out = [Reply.of(f"待审核的登记申请共 {len(rows)} 条：")]
    for chat, unit in rows[:PENDING_SHOWN]:
        who = chat.title or chat.user_name or chat.chat_id
        kind = "群聊" if chat.is_group else "私聊"
        decide_buttons = [Button("✅ 通过", Approve(chat.id)), Button("❌ 拒绝", Reject(chat.id))]  # type: ignore[arg-type]
        out.append(
            Reply.of(
                f"{who}（{kind} {chat.chat_id}）→ {unit.name if unit else '?'}", [decide_buttons]
            )
        )
    if len(rows) > PENDING_SHOWN:
        out.append(Reply.of(f"……还有 {len(rows) - PENDING_SHOWN} 条，处理完后再发送 /pending。"))
    return out


def units_overview(s: Session, query: str, page: int = 0, edit: bool = False) -> Reply:
    units = unit_registry.list_units(s)
    chats = s.exec(select(Chat)).all()
    by_unit: dict[int, list[Chat]] = {}
    for c in chats:
        if c.unit_id is not None:
            by_unit.setdefault(c.unit_id, []).append(c)
    if query:
        q = norm(query)
        units = [
            u
            for u in units
            if q in norm(u.name) or q in norm(CATEGORY_LABELS.get(UnitCategory(u.category), ""))
        ]
    pages = max(1, (len(units) + UNITS_PAGE - 1) // UNITS_PAGE)
    page = min(max(page, 0), pages - 1)
    doc = Doc().line((f"单位 {len(units)} 个（第 {page + 1}/{pages} 页）", "b"))
    for u in units[page * UNITS_PAGE : (page + 1) * UNITS_PAGE]:
        cs = by_unit.get(u.id or -1, [])
        active = sum(1 for c in cs if c.status == ChatStatus.ACTIVE)
        waiting = sum(1 for c in cs if c.status == ChatStatus.PENDING)
        cat = CATEGORY_LABELS.get(UnitCategory(u.category), u.category)
        doc.line(
            f"· {u.name}（{cat}）已登记聊天 {active}" + (f"，待审核 {waiting}" if waiting else "")
        )
    nav = []
    if page > 0:
        nav.append(Button("◀ 上一页", UnitsPage(page - 1)))
    if page < pages - 1:
        nav.append(Button("下一页 ▶", UnitsPage(page + 1)))
    return Reply.of(doc, [nav] if nav else None, edit=edit)
