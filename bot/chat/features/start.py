"""/start and /help: who the assistant is, what it does, and the commands it offers."""

from __future__ import annotations

from bot.chat.incoming import ChatContext
from bot.chat.render.help import help_reply
from bot.chat.render.replies import Doc, Reply
from bot.chat.router import Feature
from bot.chat.state import ChatState
from knowledge.plan.model import WorkPlan

feature = Feature("start")


@feature.command("start", menu="开始使用、登记说明")
def start(state: ChatState, ctx: ChatContext, _args: str) -> list[Reply]:
    return [welcome(state.plan, state.unit_name(ctx), state.is_admin(ctx))]


@feature.command("help", menu="帮助和提问示例")
def help_command(state: ChatState, ctx: ChatContext, _args: str) -> list[Reply]:
    return [help_reply(state.help_lines, state.is_admin(ctx))]


def welcome(plan: WorkPlan, unit: str | None, admin: bool) -> Reply:
    doc = Doc().line(("您好！我是法治政府建设工作要点助手。", "b"))
    doc.line(
        f"依据：{plan.meta.title or plan.plan_id}（{plan.meta.doc_number or '—'}），共 {len(plan.items)} 条。"
    )
    doc.blank().line("我可以：")
    doc.line("· 回答问题，例如“第十四条 我单位要做什么”“司法局有哪些任务”“每季度要学法几次”")
    doc.line("· 按时提醒本单位的学法、专题会议、培训班、年度报告等任务")
    doc.line("· 记录完成情况（/done），导出本单位期限日历（/calendar）")
    doc.blank()
    if unit:
        doc.line(f"本聊天已登记为：{unit}。发送 /mytasks 查看任务。")
    else:
        doc.line("登记单位：发送 /unit 单位名称（如 /unit 区司法局），管理员审核后开始提醒。")
    if admin:
        doc.line("您是管理员：/pending 审核登记，/broadcast 发通知，/report 查看完成情况。")
    doc.line("发送 /help 查看全部命令。")
    return Reply.of(doc)
