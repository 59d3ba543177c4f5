"""Plans in chat: an admin sends a work-points document (Word, PDF, text, web page) in a private
chat, sees its preview and 启用 / 取消 it; anyone may ask what changed since last year's plan.
A channel downloads the file (:func:`is_plan_upload` says whether to) and hands its bytes to
:func:`preview_upload`."""

from __future__ import annotations

from bot.chat.buttons import ActivatePlan, DiscardPlan
from bot.chat.incoming import ChatContext
from bot.chat.render.plan_preview import plan_preview_lines
from bot.chat.render.replies import Button, Reply
from bot.chat.router import Feature
from bot.chat.state import ChatState
from knowledge.plan.diff import diff_plans, diff_text, is_diff_question, plan_label

feature = Feature("plans")

PLAN_SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".htm", ".xlsx")


def is_plan_upload(state: ChatState, ctx: ChatContext, file_name: str) -> bool:
    """An admin's document file in a private chat is a new plan, not evidence."""
    return not ctx.is_group and file_name.lower().endswith(PLAN_SUFFIXES) and state.is_admin(ctx)


def preview_upload(state: ChatState, ctx: ChatContext, data: bytes, file_name: str) -> list[Reply]:
    """Store the document (inactive) and show its preview with 启用 / 取消."""
    from knowledge.reading.decode import DocumentError
    from scheduler.records import plans as store

    with state.session() as s:
        try:
            imported = store.import_bytes(s, data, file_name, actor=ctx.user_id, year=None)
        except DocumentError as exc:
            problems = exc.problems[:8]
            lines = [f"第{ln}行：{m}" if ln else m for ln, m in problems]
            more = f"\n……共 {len(exc.problems)} 个问题。" if len(exc.problems) > 8 else ""
            return [Reply.of(f"“{file_name}”无法作为工作要点导入：\n" + "\n".join(lines) + more)]
        except store.PlanError as exc:
            return [Reply.of(str(exc))]
        row = imported.row
        if imported.created:
            head = f"已收到“{file_name}”，预览如下（尚未启用）："
        else:
            head = f"这个文件已经导入过（编号 {row.slug}）。"
        body = "\n".join(plan_preview_lines(imported.plan, imported.result.warnings))
        if row.active:
            return [Reply.of(f"{head}\n{body}\n它已是 {row.year} 年度的现行要点。")]
        current = store.active_row(s, row.year)
        note = (
            f"\n启用后将替换 {row.year} 年度现行的“{current.slug}”。" if current is not None else ""
        )
        buttons = [[Button("✅ 启用", ActivatePlan(row.id)), Button("取消", DiscardPlan(row.id))]]  # type: ignore[arg-type]
        return [Reply.of(f"{head}\n{body}{note}", buttons)]


@feature.button(DiscardPlan, admin=True)
def discard(state: ChatState, ctx: ChatContext, button: DiscardPlan) -> list[Reply]:
    from scheduler.records import plans as store
    from scheduler.store.models import PlanRow

    with state.session() as s:
        row = s.get(PlanRow, button.plan_row_id)
        if row is None:
            return [Reply.of(GONE)]
        if row.active:
            return [Reply.of(f"“{row.slug}”已经启用，未做改动。")]
        slug = row.slug
        store.remove(s, row, actor=ctx.user_id)
    return [Reply.of(f"已取消导入“{slug}”。")]


@feature.button(ActivatePlan, admin=True)
def activate(state: ChatState, ctx: ChatContext, button: ActivatePlan) -> list[Reply]:
    from scheduler.records import plans as store
    from scheduler.store.models import PlanRow

    with state.session() as s:
        row = s.get(PlanRow, button.plan_row_id)
        if row is None:
            return [Reply.of(GONE)]
        if row.active:
            return [Reply.of(f"“{row.slug}”已经是 {row.year} 年度的现行要点。")]
        before = store.active_plans(s)
        old_plan = store.covering(before, row.year)
        replaced = store.activate(s, row, actor=ctx.user_id)
        after = store.active_plans(s)
        new_plan = store.covering(after, row.year)
        change = store.reminder_change(s, old_plan, new_plan, state.sched.directory_for(s, after))
        slug, year = row.slug, row.year
    state.reload_plans()
    state.plan_soon = True  # new obligations get their reminders now
    replaced_text = f"（替换“{replaced.slug}”）" if replaced is not None else ""
    return [
        Reply.of(
            f"已启用“{slug}”为 {year} 年度的工作要点{replaced_text}。"
            f"问答、/items、/mytasks、提醒和报表已改用它。\n提醒的变化：\n{change.text()}",
        )
    ]


GONE = "这份工作要点已不存在（可能已被取消或删除）。"


@feature.text()
def plan_diff(state: ChatState, _ctx: ChatContext, text: str) -> list[Reply] | None:
    """ "今年的要点和去年比有什么变化": this year's plan against the latest earlier one."""
    if not is_diff_question(text):
        return None
    state.current_qa()  # picks up plans activated by another process
    current = state.plan
    year = current.meta.plan_year or state.clock().year
    earlier = [p for p in state.sched.plans if (p.meta.plan_year or 0) < year]
    if not earlier:
        return [
            Reply.of(
                f"目前只有一份现行工作要点（《{plan_label(current)}》），"
                "没有可以比较的上一年度要点。管理员导入上一年度的文件后即可比较。"
            )
        ]
    return [Reply.of(diff_text(diff_plans(earlier[-1], current)))]
