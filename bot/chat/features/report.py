"""/report [期间]: the compliance of every unit with every obligation of a period, as a summary,
an .xlsx file and a picture (:mod:`bot.chat.render.compliance`)."""

from __future__ import annotations

from bot.chat.incoming import ChatContext
from bot.chat.render.replies import Reply
from bot.chat.router import Feature
from bot.chat.state import ChatState

feature = Feature("report")


@feature.command(
    "report", admin=True, help=("/report [期间]", "完成情况（附 Excel 和图）"), menu="完成情况报表"
)
def report(state: ChatState, _ctx: ChatContext, args: str) -> list[Reply]:
    from bot.chat.render.compliance import compliance_reply

    with state.session() as s:
        return compliance_reply(state.sched, s, args.strip() or None, state.clock())
