"""Overrides, the admin command ``/override``: whether an obligation applies to a unit, in chat.

``/override 区法院 i2-study 不适用 理由…`` sets, ``/override 区法院 i2-study 清除`` clears,
``/override`` or ``/override 列表`` lists. Parsing and texts live here; the work is
:mod:`scheduler.records.overrides` (audited, re-plans at once); what a change did is said by
:func:`bot.chat.render.overrides.change_text`, which the CLI shares.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat.incoming import ChatContext
from bot.chat.render.overrides import change_text
from bot.chat.render.replies import Reply
from bot.chat.router import Feature
from bot.chat.state import ChatState
from knowledge.plan.binding import Override
from knowledge.plan.model import WorkPlan
from knowledge.text.normalize import norm
from scheduler.records import unit_registry

feature = Feature("overrides")

USAGE = (
    "用法：/override 单位 任务 适用|不适用 理由\n"
    "例如：/override 区法院 i2-study 不适用 院党组会议已另行安排学法\n"
    "　　　/override 区政府办 i2-training 适用 代区政府组织培训班\n"
    "清除调整（恢复按规则判断）：/override 单位 任务 清除\n"
    "查看全部调整：/override 列表\n"
    "任务可写编号（i2-study）或名称（学法）；单位可写简称（司法局）。调整记入审计日志，"
    "尚未发送的提醒随即撤回或恢复。"
)

_APPLIES = {"适用", "applies", "apply", "是", "约束", "需要", "yes"}
_NOT_APPLIES = {"不适用", "not-applies", "notapplies", "否", "不约束", "不需要", "免除", "no"}
_CLEAR = {"清除", "取消", "恢复", "撤销", "clear", "reset"}
_LIST = {"列表", "list", "全部", "查看"}


@dataclass(frozen=True)
class OverrideCommand:
    action: str  # "set", "clear", "list", "usage"
    unit: str = ""
    obligation: str = ""
    applies: bool = False
    reason: str = ""
    problem: str = ""  # a Chinese sentence when the command is malformed


@feature.command(
    "override",
    admin=True,
    help=(
        "/override 单位 任务 适用|不适用 理由",
        "调整某项任务是否约束某单位（/override 查看全部）",
    ),
    menu="调整某项任务是否约束某单位",
)
def override(state: ChatState, ctx: ChatContext, args: str) -> list[Reply]:
    """Whether an obligation applies to a unit: set, clear or list."""
    from scheduler.records.overrides import clear_override, list_overrides, set_override

    cmd = parse(args)
    if cmd.action == "usage":
        return [Reply.of(f"{cmd.problem}\n\n{USAGE}" if cmd.problem else USAGE)]
    plan = state.plan
    with state.session() as s:
        if cmd.action == "list":
            return [Reply.of(overrides_text(list_overrides(s, plan), plan))]
        directory = state.sched.directory(s)
        actor = ctx.user_name or ctx.user_id
        try:
            if cmd.action == "clear":
                change = clear_override(s, plan, directory, cmd.unit, cmd.obligation, actor)
            else:
                change = set_override(
                    s, plan, directory, cmd.unit, cmd.obligation, cmd.applies, cmd.reason, actor
                )
        except unit_registry.RegistryError as exc:
            return [Reply.of(f"{exc}\n\n{USAGE}")]
    state.plan_soon = True  # a unit newly bound gets what is due now
    return [Reply.of(change_text(change))]


def parse(args: str) -> OverrideCommand:
    words = args.split()
    if not words or norm(words[0]) in _LIST:
        return OverrideCommand("list")
    if norm(words[0]) in ("help", "帮助", "用法", "?", "？"):
        return OverrideCommand("usage")
    if norm(words[0]) in _CLEAR and len(words) >= 3:  # /override 清除 区法院 i2-study
        words = [words[1], words[2], words[0], *words[3:]]
    if len(words) < 3:
        return OverrideCommand("usage", problem="请写明单位、任务和“适用/不适用”。")
    unit, obligation, verdict = words[0], words[1], norm(words[2])
    reason = " ".join(words[3:]).strip()
    if verdict in _CLEAR:
        return OverrideCommand("clear", unit, obligation)
    if verdict in _APPLIES or verdict in _NOT_APPLIES:
        if not reason:
            return OverrideCommand(
                "usage", problem="请在“适用/不适用”之后写明理由，调整会记入审计日志。"
            )
        return OverrideCommand("set", unit, obligation, verdict in _APPLIES, reason)
    return OverrideCommand("usage", problem=f"“{words[2]}”不是“适用”“不适用”或“清除”。")


def overrides_text(rows: list[Override], plan: WorkPlan) -> str:
    if not rows:
        return "目前没有管理员调整：各项任务均按规则判断约束对象。\n\n" + USAGE
    lines = [f"管理员调整（{len(rows)} 项）："]
    for o in rows:
        ob = plan.obligation(o.obligation)
        what = f"{o.obligation}（{ob.action}）" if ob else o.obligation
        when = o.at.replace("T", " ")[:16]
        lines.append(f"· {o.unit} · {what}：{o.label}。理由：{o.reason}（{o.by}，{when}）")
    return "\n".join(lines)
