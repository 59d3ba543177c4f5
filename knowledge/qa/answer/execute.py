"""Query → Answer: runs a :class:`~knowledge.qa.query.form.Query` over one plan (and the
records, for status questions): dispatches to the family of what is asked, then puts what a
question leads with first (the count of units, the role asked, the next deadline)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from knowledge.plan.model import ETC_NAME
from knowledge.qa.answer.agree import agree
from knowledge.qa.answer.answerer import Answerer
from knowledge.qa.answer.families import legacy
from knowledge.qa.answer.relation import each, relation
from knowledge.qa.answer.status import status
from knowledge.qa.answer.talk import document, more, not_covered, smalltalk
from knowledge.qa.answer.verdict import verdict
from knowledge.qa.index.evidence import covered_chars
from knowledge.qa.query.conversation import Turn
from knowledge.qa.query.form import Query
from knowledge.qa.result.answer import Answer, Intent
from knowledge.qa.result.records import Records
from knowledge.qa.text import render as R
from knowledge.text.normalize import norm


def execute(a: Answerer, query: Query, turn: Turn | None, records: Records | None) -> Answer:
    """The answer of ``query`` (already completed from the conversation)."""
    handler = {
        "smalltalk": smalltalk,
        "document": document,
        "not_covered": not_covered,
        "more": more,
        "verdict": verdict,
        "items": relation,
        "count": relation,
    }.get(query.ask)
    if query.ask == "status":
        answer = status(a, query, records)
    elif handler is not None:
        answer = handler(a, query, turn)
    elif query.op == "each" and len(query.topics) > 1:
        answer = each(a, query)
    elif _dangling(a, query, turn):
        a.needs_unit = False
        answer = a.build_answer(
            Intent.OUT_OF_SCOPE,
            [],
            "请说明是哪一条或哪项工作，例如“第十四条谁负责”“行政复议改革谁负责”。"
            "（上一个问题已超过30分钟或还没有提问，无法接着回答。）",
        )
    else:
        answer = legacy(a, query)
    if query.role and answer.intent == Intent.WHO:
        answer = _with_role(a, answer, query.role)
    if query.op == "count" and query.ask == "who" and answer.items:
        answer = _unit_count_first(a, answer)
    if answer.intent == Intent.CADENCE and _DEADLINE.search(a.q.text):
        answer = _deadline_first(answer, a.q.text, a.today)
    units = tuple(dict.fromkeys([*([answer.unit] if answer.unit else []), *query.units]))
    if answer.intent == Intent.WHO and answer.items and not units:
        units = _listed_units(a, answer.items, query.role)
    return agree(replace(answer, query=query.to_dict(), units=units), a.p.position)


def _dangling(a: Answerer, query: Query, turn: Turn | None) -> bool:
    """它的牵头单位呢 with no previous turn: "it" refers to nothing."""
    if turn is not None or query.items or query.topics or query.units or query.self_unit:
        return False
    return bool(a.e.words.refer.match(a.q.text) or re.match(r"^(那|它|其)", a.q.text))


_DEADLINE = re.compile(
    r"最晚|截止|什么时候|啥时候|何时|哪天|几月|几号|期限|时限|之前|以前|前要|下次|下一次"
)


def _deadline_first(answer: Answer, asked: str, today: date) -> Answer:
    """A when-question leads with the due date of the obligation it names best (年度报告…公开:
    the publishing deadline, not the reporting one), the earliest among equals."""
    due = [o for o in answer.obligations if o.next_due is not None]
    if not due:
        return answer
    q = norm(asked)
    cover = {o.key: covered_chars(q, norm(o.action + o.due_rule)) for o in due}
    first = min(due, key=lambda o: (-cover[o.key], o.next_due))
    # an item whose dated obligations the question names clearly less (年度 of 年度重点工作
    # in 年度报告什么时候交) is not part of the answer
    weak = {o.item for o in due if cover[o.key] + 2 <= cover[first.key]}
    weak -= {o.item for o in due if cover[o.key] + 2 > cover[first.key]}
    if weak:
        keep = tuple(n for n in answer.items if n not in weak)
        obligations = tuple(o for o in answer.obligations if o.item not in weak)
        answer = replace(answer, items=keep, obligations=obligations, text=_drop(answer, weak))
    head = f"最晚{R.cn_date(first.next_due.isoformat())}前：{first.action}（{first.due_rule}）。"
    if re.search(r"几天|多少天|还有多久|还剩", asked):  # 还有几天截止
        head += f"距今还有{(first.next_due - today).days}天。"
    return replace(answer, text=head + "\n" + answer.text)


def _drop(answer: Answer, items: set[int]) -> str:
    """The answer's text without the obligation blocks (第四条：… up to the next one) of
    ``items``, so that the text says what ``items`` says."""
    heads = {n: f"{R.item_label(n)}：" for n in answer.items}
    out, skip = [], False
    for line in answer.text.split("\n"):
        starts = next((n for n, h in heads.items() if line.startswith(h)), None)
        if starts is not None:
            skip = starts in items
        if not skip:
            out.append(line)
    return "\n".join(out)


def _unit_count_first(a: Answerer, answer: Answer) -> Answer:
    """第七条有几个责任单位: the count first (and that a partial list has more)."""
    heads = []
    for n in answer.items[:3]:
        refs = a.p.items[a.p.position[n]].units
        listed = [r for r in refs if not r.partial and r.name != ETC_NAME]
        groups = [r for r in listed if r.is_group]
        unlisted = any(r.partial or r.name == ETC_NAME for r in refs)
        head = f"{R.item_label(n)}列了{len(listed)}个责任单位"
        if groups:
            head += f"（其中“{'、'.join(g.name for g in groups)}”是单位类别，涵盖多个单位）"
        if unlisted:
            head += "，另有“等”“有关”单位未逐一列明"
        heads.append(head + "。")
    return replace(answer, text="\n".join(heads) + "\n" + answer.text)


def _with_role(a: Answerer, answer: Answer, role: str) -> Answer:
    lines = []
    for n in answer.items[:3]:
        units = a.p.units_lines[a.p.position[n]]
        same = [u for u in units if u.role == role]
        if same:
            lines.append(f"{R.item_label(n)}的{R.units_line(same)}。")
        else:
            lines.append(
                f"{R.item_label(n)}没有区分牵头和配合单位，所列单位都是责任单位（{R.units_line(units)}）。"
            )
    if not lines:
        return answer
    return replace(answer, text="\n".join(lines) + "\n\n" + answer.text)


def _listed_units(a: Answerer, items: tuple[int, ...], role: str) -> tuple[str, ...]:
    """The units a who-answer names: the items' lists (only the role asked, when the
    document distinguishes roles), in the document's order."""
    out: list[str] = []
    for n in items[:3] if a.in_range else items[:1]:
        lines = a.p.units_lines[a.p.position[n]]
        same = [u for u in lines if u.role == role] if role else []
        out.extend(u.name for u in (same or lines) if u.name != ETC_NAME)
    return tuple(dict.fromkeys(out))
