"""Turning data into replies: texts, buttons and lists of the chat core.

All document text goes through :class:`~bot.chat.replies.Doc`, which escapes it for Telegram HTML
once; nothing here builds HTML by hand from document text.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from bot.chat.replies import TELEGRAM_LIMIT, Button, Doc, Reply
from knowledge.plan.model import CATEGORY_LABELS, Item, Obligation, UnitCategory, WorkPlan
from knowledge.plan.units import UnitDirectory
from knowledge.qa.result.answer import Answer
from knowledge.text.normalize import cn_to_int, norm
from scheduler.delivery.outbox import enqueue
from scheduler.records import access, unit_registry
from scheduler.store.models import Chat, ChatStatus, UnitRow

NOT_ADMIN = "抱歉，该功能仅限管理员（区委依法治区办、区司法局）使用。"
EMPTY_QUESTION = "请直接输入问题，例如：“第十四条 我单位要做什么”“每季度要学法几次”。"
FLOOD = "提问太频繁了，请稍等一分钟再问。"
NEED_UNIT = (
    "本聊天还没有登记单位。请发送 /unit 单位名称（如 /unit 区司法局）申请登记，管理员审核后生效。"
)
BROADCAST_USAGE = (
    "用法：/broadcast [对象] 通知内容\n"
    "对象可省略（默认全部单位），或写：全部、镇/街道/园区/区直部门（类别）、第N条（该条责任单位）、单位名称。\n"
    "例如：/broadcast 第14条 请于本周五前报送行政执法统计年报。\n"
    "需要回执：/broadcast 需回执 截止7月3日 [对象] 内容（各单位点“收到”即回执）。"
)
NOT_LIAISON = (
    "只有“{unit}”登记的联络员可以在本群确认任务、提交材料或更改登记。"
    "如需成为联络员，请在私聊中发送 /unit {unit} 申请，由管理员审核。"
)
PAGE_SIZE = 10
STATUS_LABELS = {
    ChatStatus.PENDING: "待审核",
    ChatStatus.ACTIVE: "已登记",
    ChatStatus.BLOCKED: "已屏蔽机器人",
    ChatStatus.REMOVED: "已移除",
    ChatStatus.UNREACHABLE: "聊天不存在或无法访问",
}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)  # type: ignore[call-overload]


# -- start, help, items ------------------------------------------------------------------------


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


USER_HELP = [
    ("/items", "全部条目（点按钮查看）"),
    ("/item N", "查看第 N 条"),
    ("/unit [单位]", "查看或申请登记本聊天的单位"),
    ("/mytasks", "本单位的周期性任务、下次期限和完成状态"),
    ("/done", "确认本期已完成某项任务"),
    ("/undo 任务 [期间]", "撤销误点的完成确认"),
    ("/calendar", "本单位期限日历（.ics 文件）"),
    ("/annual_report", "报送法治政府建设年度报告（或直接发送报告文件）"),
    ("/published 链接", "年度报告向社会公开后登记公开链接"),
]
ADMIN_HELP = [
    ("/pending", "待审核的登记申请"),
    ("/units", "单位和登记情况"),
    (
        "/broadcast [需回执 截止日期] [对象] 内容",
        "向全部、某类、某条责任单位或某单位发通知，可要求回执",
    ),
    ("/report [期间]", "完成情况（附 Excel 和图）"),
    ("/evidence [年份] [单位]", "导出各单位证明材料档案（zip）"),
    ("/override 单位 任务 适用|不适用 理由", "调整某项任务是否约束某单位（/override 查看全部）"),
    ("/liaison 单位 用户ID", "指定单位联络员（在单位群里回复成员的消息也可；/liaison 查看全部）"),
]


def help_text(admin: bool) -> Reply:
    doc = Doc().line(("命令", "b"))
    for cmd, desc in USER_HELP:
        doc.line(f"{cmd} — {desc}")
    if admin:
        doc.blank().line(("管理员命令", "b"))
        for cmd, desc in ADMIN_HELP:
            doc.line(f"{cmd} — {desc}")
        doc.line("也可以直接问：“本季度哪些单位还没学法”“第3号通知哪些单位还没回执”。")
    doc.blank().line(("提问示例", "b"))
    for q in (
        "第十四条 我单位要做什么",
        "司法局有哪些任务",
        "行政复议改革谁负责",
        "专题会议多久开一次",
    ):
        doc.line(f"· {q}")
    doc.line("私聊直接输入问题即可；在群里请 @我 或回复我的消息。")
    return Reply.of(doc)


def items_page(plan: WorkPlan, page: int, edit: bool = False) -> Reply:
    pages = max(1, (len(plan.items) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    chunk = plan.items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    doc = Doc().line((f"{plan.meta.title or '工作要点'}（第 {page + 1}/{pages} 页）", "b"))
    for it in chunk:
        doc.line(f"{it.number}. {it.title}")
    rows = [
        [
            Button(f"{it.number}. {_short(it.title, 14)}", f"item:{it.number}")
            for it in chunk[i : i + 2]
        ]
        for i in range(0, len(chunk), 2)
    ]
    nav = []
    if page > 0:
        nav.append(Button("◀ 上一页", f"items:{page - 1}"))
    if page < pages - 1:
        nav.append(Button("下一页 ▶", f"items:{page + 1}"))
    if nav:
        rows.append(nav)
    return Reply.of(doc, rows, edit=edit)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def item_reply(item: Item, plan: WorkPlan, bindings: dict[str, Any] | None = None) -> Reply:
    """One item; ``bindings`` (obligation key → knowledge.plan.binding.ObligationBinding) add, per
    obligation, whom it binds and why."""
    from bot.chat.binding_text import binding_lines

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


# -- answers ------------------------------------------------------------------------------------


PAGE_LINES = 15  # a long answer shows this many lines, then a 显示更多 button
MORE_BUTTON = Button("显示更多", "more:")


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
        [Button(f"查看第{n}条", f"item:{n}") for n in numbers[i : i + 3]]
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


# -- units and registration -------------------------------------------------------------------


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
            f"没有找到与“{query}”相符的单位。请写单位全称或常用简称（如 区司法局、市监局）；"
            "如果单位不在名录中，请联系管理员添加。"
        )
    if exact and len(rows) == 1:
        text = f"要把本聊天登记为“{rows[0].name}”吗？"
    else:
        text = f"与“{query}”相近的单位如下，请选择："
    buttons = [[Button(r.name, f"reg:{r.id}")] for r in rows]
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
                [
                    {"text": "✅ 通过", "data": f"apr:{chat.id}"},
                    {"text": "❌ 拒绝", "data": f"rej:{chat.id}"},
                ]
            ],
        )


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
    for chat, unit in rows[:30]:
        who = chat.title or chat.user_name or chat.chat_id
        kind = "群聊" if chat.is_group else "私聊"
        out.append(
            Reply.of(
                f"{who}（{kind} {chat.chat_id}）→ {unit.name if unit else '?'}",
                [[Button("✅ 通过", f"apr:{chat.id}"), Button("❌ 拒绝", f"rej:{chat.id}")]],
            )
        )
    if len(rows) > 30:
        out.append(Reply.of(f"……还有 {len(rows) - 30} 条，处理完后再发送 /pending。"))
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
    page_size = 25
    pages = max(1, (len(units) + page_size - 1) // page_size)
    page = min(max(page, 0), pages - 1)
    doc = Doc().line((f"单位 {len(units)} 个（第 {page + 1}/{pages} 页）", "b"))
    for u in units[page * page_size : (page + 1) * page_size]:
        cs = by_unit.get(u.id or -1, [])
        active = sum(1 for c in cs if c.status == ChatStatus.ACTIVE)
        pending = sum(1 for c in cs if c.status == ChatStatus.PENDING)
        cat = CATEGORY_LABELS.get(UnitCategory(u.category), u.category)
        doc.line(
            f"· {u.name}（{cat}）已登记聊天 {active}" + (f"，待审核 {pending}" if pending else "")
        )
    nav = []
    if page > 0:
        nav.append(Button("◀ 上一页", f"pg:units:{page - 1}"))
    if page < pages - 1:
        nav.append(Button("下一页 ▶", f"pg:units:{page + 1}"))
    return Reply.of(doc, [nav] if nav else None, edit=edit)


# -- tasks and completions ---------------------------------------------------------------------


def unit_statuses(sched: Any, s: Session, unit: str, now: datetime) -> list[Any]:
    from scheduler.records.completions import status_for_unit

    directory = sched.directory(s)
    return status_for_unit(s, sched.plan, directory, unit, sched.rules, sched.calendar(s), now=now)


def mytasks(unit: str, statuses: list[Any], duties: Answer) -> Reply:
    doc = Doc().line((f"{unit} 的周期性任务", "b"))
    if not statuses:
        doc.line("本工作要点没有要求本单位按周期完成的任务。")
    for st in statuses:
        ob = st.obligation
        extra = (
            f"，下次提醒 {st.next_reminder.isoformat()}"
            if st.next_reminder and st.state != "done"
            else ""
        )
        doc.line(
            f"· [{st.state_label}] {ob.action}（第{ob.item}条，{st.period.label}，截止 {st.due.isoformat()}{extra}）"
        )
    items = [d.item for d in duties.duties if d.kind in ("named", "group")]
    if items:
        doc.blank().line(("本单位负责的条目：", "b"), "、".join(f"第{n}条" for n in items))
    pending = [st for st in statuses if st.state != "done"]
    buttons = [
        [
            Button(
                f"✅ 已完成：{_short(st.obligation.action, 12)}",
                f"done:{st.obligation.key}:{st.period.key}",
            )
        ]
        for st in pending[:6]
    ]
    return Reply.of(doc, buttons)


def done_menu(unit: str, statuses: list[Any]) -> Reply:
    pending = [st for st in statuses if st.state != "done"]
    if not pending:
        return Reply.of(f"“{unit}”本期的任务都已确认完成。")
    buttons = [
        [
            Button(
                f"{_short(st.obligation.action, 14)}（{st.period.label}）",
                f"done:{st.obligation.key}:{st.period.key}",
            )
        ]
        for st in pending[:8]
    ]
    return Reply.of("请选择本期已完成的任务（也可发送 /done 任务编号 期间 备注）：", buttons)


# anything that starts like a period (a year) is read as one — and refused when it is not a
# valid one — rather than silently becoming a note on the current period
_PERIOD = re.compile(r"^\d{4}(?:$|[-_年QqHhMm第上下])")


def looks_like_period(text: str) -> bool:
    return bool(_PERIOD.match(text.strip()))


def unknown_obligation(key: str, plan: WorkPlan) -> Reply:
    doc = Doc().line(f"没有找到任务“{key}”。可确认的任务：")
    for ob in plan.obligations:
        doc.line(f"· {ob.key}：{ob.action}（第{ob.item}条，{ob.cadence_label}）")
    return Reply.of(doc)


def undo_button(ob: Obligation, period: str) -> list[list[Button]]:
    return [[Button("↩ 撤销", f"undo:{ob.key}:{period}")]]


def confirmed(unit: str, ob: Obligation, completion: Any, new: bool) -> Reply:
    if not new:
        return Reply.of(
            f"“{unit}”的“{ob.action}”（{completion.period}）此前已确认，无需重复。",
            undo_button(ob, completion.period),
        )
    return Reply.of(
        f"已记录：“{unit}”完成“{ob.action}”（第{ob.item}条，{completion.period}）。本期不再提醒。\n"
        "如需留存证明，可直接发送照片或文件（会附在这条记录上）。误点了可以撤销。",
        undo_button(ob, completion.period),
    )


def undone(unit: str, ob: Obligation, period: str) -> Reply:
    return Reply.of(
        f"已撤销：“{unit}”的“{ob.action}”（第{ob.item}条，{period}）恢复为未完成，"
        "撤销已记入审计日志。",
        edit=True,
    )


# -- broadcasts --------------------------------------------------------------------------------

_CATEGORY_WORDS = {
    "镇": [UnitCategory.TOWN],
    "街道": [UnitCategory.SUBDISTRICT],
    "园区": [UnitCategory.PARK],
    "镇街": [UnitCategory.TOWN, UnitCategory.SUBDISTRICT, UnitCategory.PARK],
    "各镇": [UnitCategory.TOWN, UnitCategory.SUBDISTRICT, UnitCategory.PARK],
    "区直": [
        UnitCategory.DEPARTMENT,
        UnitCategory.PARTY_ORGAN,
        UnitCategory.DISCIPLINE,
        UnitCategory.JUDICIAL,
        UnitCategory.PEOPLES_ORG,
    ],
    "区直部门": [UnitCategory.DEPARTMENT],
    "区直单位": [
        UnitCategory.DEPARTMENT,
        UnitCategory.PARTY_ORGAN,
        UnitCategory.DISCIPLINE,
        UnitCategory.JUDICIAL,
        UnitCategory.PEOPLES_ORG,
    ],
}


class AudienceError(ValueError):
    """A broadcast target that names nothing known; the message asks back (Chinese)."""


# the last character(s) of a name that is meant as a target (a unit, a kind of unit, an item)
_TARGET_ENDING = re.compile(
    r"(局|委|办|院|所|镇|街道|街|部|会|中心|站|队|园区|单位|部门|处|科|庭|室|组|条|项|乡|村|社区)$"
)
_ITEM_TARGET = re.compile(r"第?([0-9０-９一二三四五六七八九十百零〇两]+)[条项]")
MAX_TARGET_CHARS = 20


def _asks_back(head: str, directory: UnitDirectory) -> AudienceError | None:
    """None when ``head`` reads as the start of the notice; else the question to ask back."""
    if not head or len(head) > MAX_TARGET_CHARS:
        return None
    res = directory.resolve(head)
    names = [c.name for c in res.candidates if c.score >= 60][:5]
    outside = directory.outside_category(head) is not None
    if not (names or outside or _TARGET_ENDING.search(head)):
        return None
    if outside and not names:
        hint = f"“{head}”不在单位名录中（可先用 fazhi units add 添加并登记聊天）"
    elif names:
        hint = f"没有找到通知对象“{head}”，您是否要发给：{'、'.join(names)}"
    else:
        hint = f"没有找到通知对象“{head}”"
    return AudienceError(
        f"{hint}。请写准确的对象后重发；发给全部单位请写：/broadcast 全部 通知内容。"
    )


def parse_audience(
    args: str, plan: WorkPlan, directory: UnitDirectory
) -> tuple[dict[str, Any], str, str]:
    """'/broadcast [对象] 内容' → (audience, label, body).

    A first word that is meant as a target but names nothing known (an unknown unit, a
    misspelt one, an item the plan does not have) raises :class:`AudienceError` with the
    candidates instead of silently becoming "all units"; a notice without a target goes to all
    units and its label says so."""
    head, _, rest = args.strip().partition(" ")
    h = norm(head)
    if h in ("全部", "所有", "all", "全体"):
        return {"all": True}, "全部已登记单位", rest
    if h in _CATEGORY_WORDS:
        cats = _CATEGORY_WORDS[h]
        return (
            {"categories": [c.value for c in cats]},
            "、".join(CATEGORY_LABELS[c] for c in cats),
            rest,
        )
    m = _ITEM_TARGET.fullmatch(h)
    if m:
        n = cn_to_int(m.group(1))
        item = plan.item(n) if n else None
        if item is None:
            total = len(plan.items)
            raise AudienceError(
                f"没有{head}：本工作要点共 {total} 条（第1条–第{total}条）。请写正确的条目编号后重发；"
                "发给全部单位请写：/broadcast 全部 通知内容。"
            )
        units = sorted(
            u.name
            for u in directory.units.values()
            if directory.responsibility(u.name, item).responsible
        )
        return {"units": units}, f"第{n}条的责任单位（{len(units)} 个）", rest
    unit = directory.get(head)
    if unit is not None and head and unit.name in directory.units:
        return {"units": [unit.name]}, unit.name, rest
    if unit is not None and unit.name in directory.groups:
        group = directory.groups[unit.name]
        return (
            {"categories": sorted(c.value for c in group.categories)},
            unit.name,
            rest,
        )
    question = _asks_back(head.strip(), directory)
    if question is not None:
        raise question
    return {"all": True}, "全部已登记单位（未写对象，默认全部）", args.strip()


def notice_length(body: str) -> int:
    """The notice's length as Telegram counts it (UTF-16 code units of the visible text)."""
    return len(("【通知】" + body).encode("utf-16-le")) // 2


def too_long(body: str) -> Reply | None:
    """A notice longer than one Telegram message is refused before any preview."""
    n = notice_length(body)
    if n <= TELEGRAM_LIMIT:
        return None
    limit = TELEGRAM_LIMIT - notice_length("")
    return Reply.of(
        f"通知太长：共 {n - notice_length('')} 字，一条 Telegram 消息最多 {limit} 字"
        f"（另加“【通知】”）。请删减 {n - TELEGRAM_LIMIT} 字以上，或分成几条通知分别发送。"
    )


def no_recipients(label: str) -> Reply:
    return Reply.of(
        f"“{label}”目前没有已登记（审核通过）的聊天，通知无处可发，未创建。"
        "请先让该单位在聊天中发送 /unit 登记，或用 /units 查看登记情况。"
    )


def audience_label(audience: dict[str, Any]) -> str:
    """A stored audience in words (the preview shown again after a change)."""
    if audience.get("all"):
        return "全部已登记单位"
    parts = [CATEGORY_LABELS.get(UnitCategory(c), c) for c in audience.get("categories", ())]
    units = list(audience.get("units", ()))
    if len(units) > 3:
        parts.append(f"{'、'.join(units[:3])}等 {len(units)} 个单位")
    else:
        parts += units
    return "、".join(parts) or "全部已登记单位"


def broadcast_html(body: str) -> str:
    return "【通知】" + html.escape(body)


def broadcast_preview(bc_id: int, label: str, body: str, recipients: int) -> Reply:
    doc = Doc().line((f"通知预览 #{bc_id}", "b"))
    doc.line(f"对象：{label}（{recipients} 个聊天）")
    doc.line("内容：", ("【通知】" + body, "q"))
    doc.line("确认后发送；发送后可查看送达报告。")
    return Reply.of(
        doc,
        [[Button("✅ 确认发送", f"bc:ok:{bc_id}"), Button("✖ 取消", f"bc:no:{bc_id}")]],
    )


def broadcast_started(bc_id: int, n: int) -> Reply:
    return Reply.of(
        f"通知 #{bc_id} 已排队发送给 {n} 个聊天。",
        [[Button("📊 送达报告", f"bc:rep:{bc_id}")]],
        edit=True,
    )


def broadcast_report_reply(report: Any) -> Reply:
    buttons = [[Button("🔄 刷新", f"bc:rep:{report.broadcast_id}")]]
    if report.failed or report.unknown:
        buttons.append([Button("↻ 重发失败的", f"bc:re:{report.broadcast_id}")])
    return Reply.of(report.as_text(), buttons)


def plan_preview_lines(plan: WorkPlan, warnings: list[tuple[int, str]]) -> list[str]:
    """Items, units by role, obligations and warnings of a plan about to be stored."""
    from collections import Counter

    roles = {"lead": "牵头", "responsible": "责任", "supporting": "配合"}
    by_role: dict[str, Counter[str]] = {r: Counter() for r in roles}
    for it in plan.items:
        for ref in it.units:
            if ref.name != "等有关单位":
                by_role[ref.role.value][ref.name] += 1
    m = plan.meta
    lines = [
        f"《{m.title or plan.plan_id}》　年度：{m.plan_year or '未识别'}　发文单位：{m.issuer or '未识别'}",
        f"条目 {len(plan.items)} 条，周期性任务 {len(plan.obligations)} 项。",
    ]
    for role, label in roles.items():
        if by_role[role]:
            names = "、".join(f"{n}（{c}）" for n, c in by_role[role].most_common(12))
            more = "…" if len(by_role[role]) > 12 else ""
            lines.append(f"{label}单位 {len(by_role[role])} 个：{names}{more}")
    for ob in plan.obligations[:12]:
        lines.append(f"  · 第{ob.item}条 {ob.action}（{ob.cadence_label}至少{ob.min_count}次）")
    for line, msg in warnings[:10]:
        lines.append(f"提示：第{line}行：{msg}" if line else f"提示：{msg}")
    return lines
