"""/help (and the answer to an unknown command): the commands the router offers, by what each
declared when it was registered (see :meth:`bot.chat.router.Router.help_lines`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.chat.render.replies import Doc, Reply


@dataclass(frozen=True)
class HelpLine:
    usage: str  # "/item N"
    text: str  # what it does
    admin: bool = False


EXAMPLES = (
    "第十四条 我单位要做什么",
    "司法局有哪些任务",
    "行政复议改革谁负责",
    "专题会议多久开一次",
)


def help_reply(lines: Iterable[HelpLine], admin: bool, head: str | None = None) -> Reply:
    lines = list(lines)
    doc = Doc()
    if head:
        doc.line(head).blank()
    doc.line(("命令", "b"))
    for line in lines:
        if not line.admin:
            doc.line(f"{line.usage} — {line.text}")
    if admin:
        doc.blank().line(("管理员命令", "b"))
        for line in lines:
            if line.admin:
                doc.line(f"{line.usage} — {line.text}")
        doc.line("也可以直接问：“本季度哪些单位还没学法”“第3号通知哪些单位还没回执”。")
    doc.blank().line(("提问示例", "b"))
    for q in EXAMPLES:
        doc.line(f"· {q}")
    doc.line("私聊直接输入问题即可；在群里请 @我 或回复我的消息。")
    return Reply.of(doc)
