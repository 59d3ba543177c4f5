"""Units' heads (负责人) in chat, the admin command ``/head``: escalation
(``scheduler/data/escalation.toml``) tells a unit's head when an obligation stays undone past
the liaison's stage, so the office registers who that is and which chat reaches them.

``/head 单位`` shows it, ``/head 单位 姓名 聊天ID`` sets it, ``/head 单位 姓名`` sent as a reply to
the head's own message takes their ID from it, ``/head 单位 清除`` clears it. The work is
:func:`scheduler.records.unit_heads.set_head` / :func:`~scheduler.records.unit_heads.clear_head`
(audited), as for ``fazhi units head``."""

from __future__ import annotations

import re

from bot.chat.incoming import ChatContext
from bot.chat.render.common import short
from bot.chat.render.replies import Reply
from bot.chat.router import Feature
from bot.chat.state import ChatState
from scheduler.records import unit_registry

feature = Feature("heads")

USAGE = (
    "用法：/head 单位 姓名 聊天ID　登记单位负责人（逾期任务的督办会发给负责人）\n"
    "　　　/head 单位 姓名　回复负责人本人的消息发送，即用其ID登记\n"
    "　　　/head 单位　查看；/head 单位 清除　清除\n"
    "聊天ID 是 Telegram 数字用户ID 或钉钉ID（dt: 开头）。变更记入审计日志。"
)
_CLEAR = {"清除", "删除", "移除", "取消", "clear", "rm"}
_CHATISH = re.compile(r"^(-?\d+|dt:\S*)$")  # looks meant as an ID (checked by set_head)


@feature.command(
    "head",
    admin=True,
    help=("/head 单位 [姓名 聊天ID|清除]", "登记或查看单位负责人（督办升级时提醒）"),
    menu="登记单位负责人",
)
def head(state: ChatState, ctx: ChatContext, args: str) -> list[Reply]:
    from scheduler.records.unit_heads import clear_head, set_head

    words = args.split()
    if not words:
        return [Reply.of(USAGE)]
    unit_word, rest = words[0], words[1:]
    actor = ctx.user_id
    with state.session() as s:
        directory = state.sched.directory(s)
        try:
            if not rest:
                row = unit_registry.active_unit(s, directory, unit_word)
                if row.head_chat_id:
                    return [
                        Reply.of(f"“{row.name}”的负责人：{row.head_name}（{row.head_chat_id}）。")
                    ]
                return [
                    Reply.of(
                        f"“{row.name}”还没有登记负责人。发送 /head {row.name} 姓名 聊天ID 登记。"
                    )
                ]
            if len(rest) == 1 and rest[0] in _CLEAR:
                row = clear_head(s, directory, unit_word, actor)
                return [Reply.of(f"已清除“{row.name}”的负责人。")]
            if len(rest) > 1 and _CHATISH.match(rest[-1]):
                name, chat = " ".join(rest[:-1]), rest[-1]
            elif ctx.replied_user_id:
                name, chat = " ".join(rest), ctx.replied_user_id
            else:
                return [Reply.of(f"请写负责人的聊天ID，或回复负责人本人的消息发送。\n\n{USAGE}")]
            row = set_head(s, directory, unit_word, name, chat, actor)
        except unit_registry.RegistryError as exc:
            return [Reply.of(f"{short(str(exc).rstrip('。'), 200)}。")]
        return [Reply.of(f"已登记“{row.name}”的负责人：{row.head_name}（{row.head_chat_id}）。")]
