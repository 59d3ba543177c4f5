"""Registering a chat to its unit: /unit (status, or the units that match a name) and the
button that asks for one; the admins hear of each request (approval: :mod:`.admin`)."""

from __future__ import annotations

import html

from sqlmodel import Session

from bot.chat.buttons import Approve, Register, Reject
from bot.chat.incoming import ChatContext
from bot.chat.render.common import NEED_UNIT, NOT_LIAISON, short, status_label
from bot.chat.render.replies import Button, Reply
from bot.chat.router import Feature
from bot.chat.state import ChatState
from scheduler.delivery.buttons import keyboard_row
from scheduler.delivery.outbox import enqueue
from scheduler.records import access, chat_registry, unit_registry
from scheduler.store.models import Chat, ChatStatus, UnitRow

feature = Feature("registration")


@feature.command(
    "unit", help=("/unit [单位]", "查看或申请登记本聊天的单位"), menu="查看或申请登记本聊天的单位"
)
def unit(state: ChatState, ctx: ChatContext, args: str) -> list[Reply]:
    with state.session() as s:
        chat = chat_registry.get_chat(s, ctx.chat_id)
        current = s.get(UnitRow, chat.unit_id) if chat and chat.unit_id else None
        if not args:
            status = unit_status(chat, current)
            if chat is not None and chat.requested_unit_id is not None:
                asked = chat_registry.requested_unit(s, chat)
                note = f"已申请更改为“{asked.name if asked else '?'}”，等待管理员审核。"
                status = Reply.of(status.plain + "\n" + note)
            return [status]
        directory = state.sched.directory(s)
        res = directory.resolve(args)
        names = [res.match.name] if res.match else [c.name for c in res.candidates]
        rows = [unit_registry.get_unit(s, n) for n in names if n in directory.units]
        rows = [r for r in rows if r is not None][:8]
        return [unit_choices(args, rows, exact=res.match is not None)]


@feature.button(Register)
def register(state: ChatState, ctx: ChatContext, button: Register) -> list[Reply]:
    admin = state.is_admin(ctx)
    with state.session() as s:
        unit = s.get(UnitRow, button.unit_id)
        if unit is None:
            return [Reply.of("找不到该单位，请重新发送 /unit 单位名称。")]
        current = chat_registry.get_chat(s, ctx.chat_id)
        if (
            current is not None
            and current.status == ChatStatus.ACTIVE
            and current.unit_id is not None
            and current.unit_id != unit.id
        ):
            active = s.get(UnitRow, current.unit_id)
            if active is not None and not state.may_act(s, ctx, active):
                return [Reply.of(NOT_LIAISON.format(unit=active.name))]
        state.forget_chat(ctx.chat_id)
        chat = chat_registry.register_chat(
            s,
            ctx.chat_id,
            unit.name,
            title=ctx.chat_title,
            user_name=ctx.user_name,
            is_group=ctx.is_group,
            requested_by=ctx.user_id,
        )
        if chat.status == ChatStatus.ACTIVE and chat.requested_unit_id is None:
            return [Reply.of(f"本聊天已登记为“{unit.name}”。")]
        if admin:
            chat_registry.approve(s, ctx.chat_id, actor=ctx.user_id)
            state.plan_soon = True
            return [
                Reply.of(f"已登记为“{unit.name}”（管理员直接生效）。发送 /mytasks 查看本单位任务。")
            ]
        notify_admins_of_request(s, chat, unit)
        if chat.status == ChatStatus.ACTIVE:  # a change of unit: the current one stays
            return [
                Reply.of(
                    f"已提交更改登记申请：本聊天 → “{unit.name}”。管理员审核前，"
                    "本聊天仍按原单位接收提醒。"
                )
            ]
        return [
            Reply.of(
                f"已提交登记申请：本聊天 → “{unit.name}”。管理员审核通过后，"
                "本聊天将收到该单位的提醒。"
            )
        ]


# -- texts --------------------------------------------------------------------------------------
def unit_status(chat: Chat | None, unit: UnitRow | None) -> Reply:
    if chat is None or unit is None:
        return Reply.of(NEED_UNIT)
    if chat.status == ChatStatus.ACTIVE:
        return Reply.of(f"本聊天已登记为“{unit.name}”。如需更换，发送 /unit 新单位名称。")
    if chat.status == ChatStatus.PENDING:
        return Reply.of(f"本聊天申请登记为“{unit.name}”，正在等待管理员审核。")
    return Reply.of(
        f"本聊天的登记状态：{status_label(chat.status)}（{unit.name}）。发送 /unit 单位名称 重新申请。"
    )


def unit_choices(query: str, rows: list[UnitRow], exact: bool) -> Reply:
    if not rows:
        return Reply.of(
            f"没有找到与“{short(query, 30)}”相符的单位。请写单位全称或常用简称（如 区司法局、市监局）；"
            "如果单位不在名录中，请联系管理员添加。"
        )
    if exact and len(rows) == 1:
        text = f"要把本聊天登记为“{rows[0].name}”吗？"
    else:
        text = f"与“{short(query, 30)}”相近的单位如下，请选择："
    buttons = [[Button(r.name, Register(r.id))] for r in rows]  # type: ignore[arg-type]
    return Reply.of(text, buttons)


def notify_admins_of_request(s: Session, chat: Chat, unit: UnitRow) -> None:
    who = chat.title or chat.user_name or chat.chat_id
    body = html.escape(f"【登记申请】{who}（聊天 {chat.chat_id}）申请登记为“{unit.name}”。")
    for admin_chat in access.admin_chat_ids(s):
        enqueue(
            s,
            key=f"regreq:{chat.id}:{chat.requested_at:%Y%m%d%H%M%S}:{admin_chat}",
            chat_id=admin_chat,
            body=body,
            kind="notice",
            buttons=[
                keyboard_row(("✅ 通过", Approve(chat.id)), ("❌ 拒绝", Reject(chat.id)))  # type: ignore[arg-type]
            ],
        )
