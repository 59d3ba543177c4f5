"""Questions and the plan's items: free text answered in the chat's conversation (显示更多 for a
long answer), /items with its pages, /item N and the 查看第N条 buttons."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.chat.buttons import ItemsPage, MorePages, ShowItem
from bot.chat.incoming import ChatContext
from bot.chat.render.common import short
from bot.chat.render.replies import Button, Doc, Reply
from bot.chat.router import Feature
from bot.chat.state import ChatState
from knowledge.plan.model import Item, Obligation, WorkPlan
from knowledge.qa.result.answer import Answer
from knowledge.text.normalize import cn_to_int
from scheduler.records.answer_records import DbRecords

feature = Feature("questions")

PAGE_SIZE = 10  # items per page of /items
PAGE_LINES = 15  # a long answer shows this many lines, then a 显示更多 button
MORE_BUTTON = Button("显示更多", MorePages())


@feature.text(fallback=True)
def ask(state: ChatState, ctx: ChatContext, text: str) -> list[Reply]:
    """A question in the chat's conversation: follow-ups use the chat's previous turn; a
    long answer shows its first page with a 显示更多 button."""
    unit = state.unit_name(ctx)
    records = DbRecords(
        state.session, state.plan, state.sched.directory, lambda: state.is_admin(ctx)
    )
    with state.conversations.lock(ctx.chat_id):
        turn = state.conversations.get(ctx.chat_id)
        answer, turn = state.current_qa().converse(
            text, unit=unit, today=state.clock().date(), turn=turn, records=records
        )
        first, rest = paginate(answer.text)
        if rest:
            turn = replace(turn, pages=rest)
        state.conversations.put(ctx.chat_id, turn)
    return [answer_reply(answer, first, more=bool(rest))]


@feature.button(MorePages)
def show_more(state: ChatState, ctx: ChatContext, _button: MorePages) -> list[Reply]:
    """The next page of the chat's last long answer."""
    with state.conversations.lock(ctx.chat_id):
        turn = state.conversations.get(ctx.chat_id)
        if turn is None or not turn.pages:
            return [Reply.of("没有更多内容了。")]
        page, rest = turn.pages[0], turn.pages[1:]
        state.conversations.put(ctx.chat_id, replace(turn, pages=rest))
    return [more_reply(page, more=bool(rest))]


@feature.command("items", help=("/items", "全部条目（点按钮查看）"), menu="全部条目")
def items(state: ChatState, _ctx: ChatContext, _args: str) -> list[Reply]:
    return [items_page(state.plan, 0)]


@feature.button(ItemsPage)
def items_button(state: ChatState, _ctx: ChatContext, button: ItemsPage) -> list[Reply]:
    return [items_page(state.plan, button.page, edit=True)]


@feature.command("item", help=("/item N", "查看第 N 条"), menu="查看某一条，如 /item 14")
def item(state: ChatState, _ctx: ChatContext, args: str) -> list[Reply]:
    n = cn_to_int(args.strip().lstrip("第").rstrip("条项")) if args.strip() else None
    if n is None:
        return [Reply.of(f"请写条目编号，例如 /item 14（共 {len(state.plan.items)} 条）。")]
    return show_item(state, n)


@feature.button(ShowItem)
def item_button(state: ChatState, _ctx: ChatContext, button: ShowItem) -> list[Reply]:
    return show_item(state, button.number)


def show_item(state: ChatState, number: int) -> list[Reply]:
    plan = state.plan
    found = plan.item(number)
    if found is None:
        return [Reply.of(f"没有第{number}条：本工作要点共 {len(plan.items)} 条。")]
    from knowledge.plan.binding import bind

    with state.session() as s:
        directory = state.sched.directory(s)
    bindings = {ob.key: bind(plan, ob, directory) for ob in found.obligations}
    return [item_reply(found, bindings)]


# -- texts --------------------------------------------------------------------------------------
def items_page(plan: WorkPlan, page: int, edit: bool = False) -> Reply:
    pages = max(1, (len(plan.items) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    chunk = plan.items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    doc = Doc().line((f"{plan.meta.title or '工作要点'}（第 {page + 1}/{pages} 页）", "b"))
    for it in chunk:
        doc.line(f"{it.number}. {it.title}")
    rows = [
        [
            Button(f"{it.number}. {short(it.title, 14)}", ShowItem(it.number))
            for it in chunk[i : i + 2]
        ]
        for i in range(0, len(chunk), 2)
    ]
    nav = []
    if page > 0:
        nav.append(Button("◀ 上一页", ItemsPage(page - 1)))
    if page < pages - 1:
        nav.append(Button("下一页 ▶", ItemsPage(page + 1)))
    if nav:
        rows.append(nav)
    return Reply.of(doc, rows, edit=edit)


def item_reply(item: Item, bindings: dict[str, Any] | None = None) -> Reply:
    """One item; ``bindings`` (obligation key → knowledge.plan.binding.ObligationBinding) add, per
    obligation, whom it binds and why."""
    from bot.chat.render.binding_text import binding_lines

    doc = Doc().line((f"第{item.number}条　{item.title}", "b"))
    doc.line(item.text)
    if item.obligations:
        doc.blank().line(("周期性任务", "b"))
        for ob in item.obligations:
            doc.line(obligation_line(ob))
            if bindings and ob.key in bindings:
                for line in binding_lines(bindings[ob.key]):
                    doc.line(f"　{line}")
    units = "、".join(item.unit_names) + ("等（未穷尽）" if item.partial else "")
    doc.blank().line(("责任单位：", "b"), units)
    return Reply.of(doc)


def obligation_line(ob: Obligation) -> str:
    who = f"（{ob.subject}）" if ob.subject else ""
    if ob.deadline:
        return f"· {ob.action}{who}：{ob.deadline.description}（依据{ob.source}）"
    return f"· {ob.cadence_label}至少{ob.min_count}次：{ob.action}{who}"


def paginate(text: str, size: int = PAGE_LINES) -> tuple[str, tuple[str, ...]]:
    """The first page of ``text`` and the rest in pages of ``size`` lines (answers lead with
    their one-line summary, so the first page always holds it)."""
    lines = text.split("\n")
    if len(lines) <= size + 3:  # a page and a few lines more is shown whole
        return text, ()
    pages = ["\n".join(lines[i : i + size]) for i in range(0, len(lines), size)]
    return pages[0], tuple(pages[1:])


def answer_reply(answer: Answer, text: str | None = None, more: bool = False) -> Reply:
    """A QA answer (or its first page ``text``): plain text escaped, first line bold; buttons
    for the items it names, and 显示更多 when further pages follow."""
    lines = (answer.text if text is None else text).split("\n")
    doc = Doc()
    for k, line in enumerate(lines):
        doc.line((line, "b") if k == 0 and len(lines) > 1 else line)
    numbers = list(dict.fromkeys([*answer.items, *answer.suggestions]))[:6]
    rows = [
        [Button(f"查看第{n}条", ShowItem(n)) for n in numbers[i : i + 3]]
        for i in range(0, len(numbers), 3)
    ]
    if more:
        rows.insert(0, [MORE_BUTTON])
    return Reply.of(doc, rows)


def more_reply(page: str, more: bool) -> Reply:
    """A further page of a long answer."""
    doc = Doc()
    for line in page.split("\n"):
        doc.line(line)
    return Reply.of(doc, [[MORE_BUTTON]] if more else None)
