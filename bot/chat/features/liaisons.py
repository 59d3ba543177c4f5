"""Liaisons, the admin command ``/liaison``: who may act for a unit in its group, in chat.

A group registered before liaisons existed (or whose requester has left) has none, so only
admins could confirm its tasks. ``/liaison 单位 用户ID [姓名]`` names one, ``/liaison 移除 单位
用户ID`` removes one, ``/liaison`` or ``/liaison 列表 [单位]`` lists them. In a registered group,
``/liaison`` sent as a reply to a member's message names that member for the group's unit
(``/liaison 移除`` as a reply removes them). Parsing and texts live here; the work is
:func:`scheduler.records.access.add_liaison` / :func:`~scheduler.records.access.remove_liaison` (audited).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat.incoming import ChatContext
from bot.chat.render.replies import Reply
from bot.chat.router import Feature
from bot.chat.state import ChatState
from knowledge.text.normalize import norm
from scheduler.records import access, unit_registry
from scheduler.store.models import Liaison, UnitRow

feature = Feature("liaisons")

USAGE = (
    "用法：/liaison 单位 用户ID [姓名]　指定单位联络员（可在单位群里确认任务、提交材料、申请改登记）\n"
    "　　　/liaison 移除 单位 用户ID　取消联络员\n"
    "　　　/liaison 列表 [单位]　查看联络员\n"
    "在已登记的单位群里，回复某位成员的消息发送 /liaison，即指定该成员为本群单位的联络员"
    "（回复并发送 /liaison 移除 即取消）。用户ID 是 Telegram 数字 ID。变更记入审计日志。"
)

_REMOVE = {"移除", "删除", "取消", "撤销", "remove", "rm", "del"}
_LIST = {"列表", "list", "全部", "查看"}


@dataclass(frozen=True)
class LiaisonCommand:
    action: str  # "add", "remove", "list", "usage"
    unit: str = ""  # empty: the group's own unit (a reply in a registered group)
    user_id: str = ""  # empty: the replied-to member
    name: str = ""
    problem: str = ""  # a Chinese sentence when the command is malformed


@feature.command(
    "liaison",
    admin=True,
    help=(
        "/liaison 单位 用户ID",
        "指定单位联络员（在单位群里回复成员的消息也可；/liaison 查看全部）",
    ),
    menu="指定或查看单位联络员",
)
def liaison(state: ChatState, ctx: ChatContext, args: str) -> list[Reply]:
    """Name, remove or list the people who may act for a unit."""
    replying = bool(ctx.replied_user_id) and ctx.is_group
    cmd = parse(args, replying=replying)
    if cmd.action == "usage":
        return [Reply.of(f"{cmd.problem}\n\n{USAGE}" if cmd.problem else USAGE)]
    actor = ctx.user_id  # audit rows name people by id: display names change and repeat
    with state.session() as s:
        try:
            if cmd.unit:
                unit = unit_registry.active_unit(s, state.sched.directory(s), cmd.unit)
            elif cmd.action == "list":
                unit = None
            else:  # a reply in a group: the group's unit
                unit = state.chat_unit(s, ctx)
                if unit is None:
                    return [Reply.of("本群还没有登记单位：请写明单位，如 /liaison 司法局 用户ID。")]
            if cmd.action == "list":
                rows = access.list_liaisons(s, unit.id if unit else None)
                return [Reply.of(liaisons_text(rows, unit.name if unit else ""))]
            assert unit is not None and unit.id is not None
            user_id = cmd.user_id or ctx.replied_user_id
            if cmd.action == "remove":
                row = access.remove_liaison(s, unit.id, user_id, actor)
                return [Reply.of(removed_text(unit.name, user_id, row.name))]
            name = cmd.name or (ctx.replied_user_name if not cmd.user_id else "")
            access.add_liaison(s, unit.id, user_id, name, actor)
            return [Reply.of(added_text(unit.name, user_id, name))]
        except unit_registry.RegistryError as exc:
            return [Reply.of(f"{exc}。\n\n{USAGE}")]


def parse(args: str, replying: bool = False) -> LiaisonCommand:
    """``replying``: the command answers a member's message (that member is meant)."""
    words = args.split()
    head = norm(words[0]) if words else ""
    if head in ("help", "帮助", "用法", "?", "？"):
        return LiaisonCommand("usage")
    if head in _LIST:
        return LiaisonCommand("list", unit=" ".join(words[1:]))
    remove = head in _REMOVE
    if remove:
        words = words[1:]
    if replying and len(words) <= 1:  # "/liaison" or "/liaison 移除" answering a member
        return LiaisonCommand("remove" if remove else "add", unit=" ".join(words))
    if not words and not remove:
        return LiaisonCommand("list")
    if len(words) < 2:
        return LiaisonCommand("usage", problem="请写明单位和联络员的 Telegram 用户ID。")
    unit, user_id = words[0], words[1]
    if not user_id.isdigit() or len(user_id) > 20:
        return LiaisonCommand(
            "usage", problem=f"“{user_id[:30]}”不是 Telegram 用户ID（应为数字）。"
        )
    name = "" if remove else " ".join(words[2:])[:200]
    return LiaisonCommand("remove" if remove else "add", unit, user_id, name)


def liaisons_text(rows: list[tuple[Liaison, UnitRow]], unit: str = "") -> str:
    if not rows:
        where = f"“{unit}”" if unit else "各单位"
        return f"{where}还没有联络员。\n\n{USAGE}"
    lines = [f"单位联络员（{len(rows)} 人）："]
    for liaison, row in rows:
        who = f"{liaison.name}（{liaison.user_id}）" if liaison.name else liaison.user_id
        lines.append(f"· {row.name}：{who}")
    return "\n".join(lines)


def added_text(unit: str, user_id: str, name: str) -> str:
    who = f"{name}（{user_id}）" if name else f"用户 {user_id}"
    return f"已指定{who}为“{unit}”的联络员：可在本单位的群里确认任务、提交材料和申请改登记。"


def removed_text(unit: str, user_id: str, name: str) -> str:
    who = f"{name}（{user_id}）" if name else f"用户 {user_id}"
    return f"{who}不再是“{unit}”的联络员。"
