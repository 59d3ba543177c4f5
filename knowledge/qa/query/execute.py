"""Query → Answer: runs a :class:`~knowledge.qa.query.Query` over one plan (and the
records, for status questions). The families the engine answered before (an item, a unit's
duties, who, how often, a topic) run through the engine's answerer with the query's items and
unit filled in; the rest are here."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from knowledge.plan.binding import bind
from knowledge.plan.model import CATEGORY_LABELS, ETC_NAME
from knowledge.qa.query.answerer import Answerer
from knowledge.qa.query.conversation import Turn
from knowledge.qa.query.form import Query
from knowledge.qa.query.parse import DATE_RE, obligation_kind
from knowledge.qa.query.plan_index import Target
from knowledge.qa.result.answer import Answer, Intent, ItemDuty, Quote
from knowledge.qa.result.records import Records, RecordsForbidden
from knowledge.qa.text import render as R
from knowledge.text.normalize import cn_to_int, norm

_PER_YEAR = {"annual": 1, "once": 1, "half_yearly": 2, "quarterly": 4, "monthly": 12}
_CADENCE_CN = {
    "annual": "每年",
    "once": "年度内",
    "half_yearly": "每半年",
    "quarterly": "每季度",
    "monthly": "每月",
}
_ASK_INTENT = {
    "who": Intent.WHO,
    "cadence": Intent.CADENCE,
    "text": Intent.ITEM,
    "topic": Intent.TOPIC,
    "overview": Intent.OVERVIEW,
}
SMALLTALK = {
    "greeting": "你好！我是法治政府建设工作要点助手。",
    "thanks": "不客气！还有问题随时问我。",
    "identity": "我是法治政府建设工作要点助手。",
    "bye": "再见！有问题随时找我。",
}
CAPABILITIES = (
    "我可以：回答工作要点的内容和责任单位（如“第十四条讲什么”“行政复议改革谁负责”）、"
    "本单位的任务（如“我单位有哪些任务”“第十一条算不算我们的事”）、"
    "学法、专题会议、年度报告等的次数和截止日期（如“每季度要学法几次”），"
    "并按时提醒各单位。"
)


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
        answer = _deadline_first(answer)
    return replace(answer, query=query.to_dict())


def _dangling(a: Answerer, query: Query, turn: Turn | None) -> bool:
    """它的牵头单位呢 with no previous turn: "it" refers to nothing."""
    if turn is not None or query.items or query.topics or query.units or query.self_unit:
        return False
    return bool(a.e.words.refer.match(a.q.text) or re.match(r"^(那|它|其)", a.q.text))


# -- the families answered before ------------------------------------------------------------
def _fill(a: Answerer, query: Query) -> None:
    """Put the query's items, unit and topic into the answerer (a follow-up's filled fields)."""
    if "items" in query.from_context or query.items != tuple(a.q.refs):
        a.in_range = [n for n in query.items if n in a.p.position]
        a.out_of_range = [n for n in query.items if n not in a.p.position]
        a.q.refs = tuple(query.items)
    if "units" in query.from_context and query.units:
        a.target = target_of(a, query.units[0])
        a.unit_source = "context"
        a.needs_unit = False
    if "topics" in query.from_context and query.topics:
        set_topic(a, query.topics[0])


def legacy(a: Answerer, query: Query) -> Answer:
    if query.op == "count" and query.ask == "who" and a.in_range:
        return a.respond(Intent.WHO)
    if not query.from_context:
        return a.respond(a.intent())
    _fill(a, query)
    ask = query.ask
    if ask == "duty" or (not ask and a.target is not None):
        if a.target is None and not a.needs_unit:
            if a.chat_unit:
                a.target = a.e.target_for("unit", a.chat_unit)
                a.unit_source = "chat"
            else:
                return a.respond(Intent.ITEM if a.in_range else Intent.TOPIC)
        intent = (
            Intent.UNIT_ITEM if (a.in_range or a.has_topic or query.topics) else Intent.UNIT_DUTIES
        )
        return a.respond(intent)
    intent = _ASK_INTENT.get(ask) or (Intent.ITEM if a.in_range else Intent.TOPIC)
    return a.respond(intent)


def set_topic(a: Answerer, topic: str) -> None:
    a.q.topic = topic
    a.q.terms = a.e.search_terms(a.p, topic)
    a.hits = a.p.index.search(a.q.terms, k=10) if a.q.terms else []
    a.top_cov = a.p.index.coverage(a.q.terms, a.hits[0].doc) if a.hits else 0.0
    a.has_topic = bool(a.topic_items())


def target_of(a: Answerer, name: str) -> Target:
    d = a.e.directory
    if name in d.groups:
        return a.e.target_for("group", name)
    if name in d.units or a.e.category_of_unlisted(name) is not None:
        return a.e.target_for("unit", name)
    try:
        return a.e.target_for("category", name)
    except ValueError:
        return a.e.target_for("unit", name)


_DEADLINE = re.compile(
    r"最晚|截止|什么时候|啥时候|何时|哪天|几月|几号|期限|时限|之前|以前|前要|下次|下一次"
)


def _deadline_first(answer: Answer) -> Answer:
    """A when-question leads with the next due date."""
    due = [o for o in answer.obligations if o.next_due is not None]
    if not due:
        return answer
    first = min(due, key=lambda o: o.next_due)
    head = f"最晚{_cn_date(first.next_due.isoformat())}前：{first.action}（{first.due_rule}）。"
    return replace(answer, text=head + "\n" + answer.text)


def _unit_count_first(a: Answerer, answer: Answer) -> Answer:
    """第七条有几个责任单位: the count first (and that a partial list has more)."""
    heads = []
    for n in answer.items[:3]:
        refs = a.p.items[a.p.position[n]].units
        listed = [r for r in refs if not r.partial and r.name != ETC_NAME]
        groups = [r for r in listed if r.is_group]
        more = any(r.partial or r.name == ETC_NAME for r in refs)
        head = f"{R.item_label(n)}列了{len(listed)}个责任单位"
        if groups:
            head += f"（其中“{'、'.join(g.name for g in groups)}”是单位类别，涵盖多个单位）"
        if more:
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


# -- small talk, the document, what is not covered --------------------------------------------
def smalltalk(a: Answerer, query: Query, turn: Turn | None) -> Answer:
    head = SMALLTALK.get(query.smalltalk, SMALLTALK["greeting"])
    text = head if query.smalltalk in ("thanks", "bye") else f"{head}{CAPABILITIES}"
    if query.smalltalk in ("thanks", "bye"):
        text += "例如可以问：“我单位有哪些任务”“年度报告什么时候报”。"
    a.needs_unit = False
    return a.build_answer(Intent.SMALLTALK, [], text)


def document(a: Answerer, query: Query, turn: Turn | None) -> Answer:
    meta = a.p.plan.meta
    title = meta.title or a.p.plan.plan_id
    facts = {
        "doc_number": (meta.doc_number, f"文号是{meta.doc_number}。"),
        "issuer": (meta.issuer, f"由{meta.issuer}印发。"),
        "issued": (meta.issued_date, f"印发（成文）日期：{_cn_date(meta.issued_date)}。"),
        "title": (title, f"文件名称：《{title}》。"),
        "recipients": (
            "、".join(meta.recipients),
            f"主送：{'、'.join(meta.recipients)}。",
        ),
        "cc": ("、".join(meta.cc), f"抄送：{'、'.join(meta.cc)}。"),
    }
    value, sentence = facts[query.document]
    if not value:
        head = "文件中没有写明这一项。"
    else:
        head = f"《{title}》{sentence}" if query.document != "title" else sentence
    details = [
        f"{label}：{v}"
        for label, v in (
            ("文号", meta.doc_number),
            ("印发机关", meta.issuer),
            ("成文日期", _cn_date(meta.issued_date)),
            ("年度", f"{meta.plan_year}年" if meta.plan_year else ""),
        )
        if v
    ]
    return a.build_answer(Intent.DOCUMENT, [], "\n".join([head, "；".join(details)]))


def _cn_date(iso: str) -> str:
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{d.year}年{d.month}月{d.day}日"


def covered_label(a: Answerer) -> str:
    out = []
    for p in a.e.plans.values():
        m = p.plan.meta
        out.append(f"{m.district or ''}{m.plan_year or ''}年度" if m.plan_year else p.plan.plan_id)
    return "、".join(out)


def not_covered(a: Answerer, query: Query, turn: Turn | None) -> Answer:
    what = f"{query.year}年" if query.year else query.district
    text = (
        f"已载入的工作要点只有：{covered_label(a)}，没有{what}的工作要点，无法回答，"
        f"也不会用其他年份或地区的内容代替。"
    )
    a.needs_unit = False
    return a.build_answer(Intent.OUT_OF_SCOPE, [], text)


def more(a: Answerer, query: Query, turn: Turn | None) -> Answer:
    if turn is not None and turn.pages:
        ans = a.build_answer(Intent(turn.intent or "overview"), list(turn.items), turn.pages[0])
        return replace(ans, more=turn.pages[1:])
    if turn is not None and turn.rest:
        nums = list(turn.rest[:5])
        text = "\n\n".join(a.full_text(n) for n in nums if n in a.p.position)
        if len(turn.rest) > 5:
            text += f"\n（还有{len(turn.rest) - 5}条，发送“还有呢”继续。）"
        return a.build_answer(Intent(turn.intent or "topic"), nums, "其他相关条目：\n" + text)
    a.needs_unit = False
    return a.build_answer(
        Intent.OUT_OF_SCOPE, [], "没有更多内容了。可以换个问题，例如“第十四条讲什么”。"
    )


# -- yes / no ---------------------------------------------------------------------------------
def _asked_target(a: Answerer, query: Query) -> Target | None:
    if query.units:
        return target_of(a, query.units[0]) if "units" in query.from_context else a.target
    if query.self_unit:
        return a.target  # the chat's unit (or 我们镇); None when the chat has no unit
    return None


def verdict(a: Answerer, query: Query, turn: Turn | None) -> Answer:
    _fill(a, query)
    if query.verdict == "sufficient":
        return sufficient(a, query)
    if query.verdict == "only":
        return only(a, query)
    if query.verdict == "cadence":
        return cadence_check(a, query)
    if query.verdict == "role":
        return role_check(a, query)
    if query.verdict == "deadline":
        return deadline_check(a, query)
    if query.verdict == "mentions":
        return mentions(a, query)
    target = _asked_target(a, query)
    if target is None and a.chat_unit and not query.units:
        target = a.e.target_for("unit", a.chat_unit)
    nums = list(a.in_range) or a.topic_items()[:1]
    if target is None:
        if a.needs_unit or query.self_unit:
            a.needs_unit = True
            return a.build_answer(Intent.UNIT_ITEM, nums, "无法判断：不知道你所在的单位。")
        return legacy(a, query.with_(ask=""))
    a.target = target
    if not nums:
        return a.respond(Intent.UNIT_DUTIES)
    duties = [a.p.duty(target, a.p.position[n]) for n in nums[:5]]
    kinds = {
        ("yes" if d.kind in ("named", "group") else "no" if d.kind == "none" else "unsure")
        for d in duties
    }
    word = kinds.pop() if len(kinds) == 1 else "mixed"
    unbound = _not_bound(a, target, nums[:5]) if word == "yes" else None
    if unbound is not None:
        return replace(
            a.build_answer(Intent.UNIT_ITEM, nums[:5], unbound, duties=tuple(duties)), verdict="no"
        )
    head = {
        "yes": "是。",
        "no": "不是。",
        "unsure": "不确定。",
        "mixed": "部分是。",
    }[word]
    lines = [head + "".join(R.duty_phrase(d, target.name, _wording(a, d)) for d in duties)]
    if word == "unsure":
        lines.append("文件没有逐一列明这些单位，不能据此认定不需要落实，建议向区委依法治区办确认。")
    obligations = []
    for n, d in zip(nums, duties, strict=False):
        it = a.item_at(n)
        lines.append(R.item_heading(it))
        if d.kind != "none":
            lines.append("本条任务：\n" + R.tasks_list(it))
            obligations.extend(a.obligations_due([n]))
        lines.append(R.units_line(a.p.units_lines[a.p.position[n]]))
    if obligations:
        lines.append(R.obligations_block(obligations))
    ans = a.build_answer(
        Intent.UNIT_ITEM,
        nums[:5],
        "\n".join(lines),
        duties=tuple(duties),
        obligations=tuple(obligations),
        quotes=a.quotes_of(nums[:5]),
    )
    return replace(ans, verdict={"yes": "yes", "no": "no"}.get(word))


def _not_bound(a: Answerer, target: Target, nums: list[int]) -> str | None:
    """区法院要学法吗: the unit is responsible for the item, but the obligation the question
    names binds others (knowledge.plan.binding): the answer is no, with the subject words."""
    kind = obligation_kind(a.q.text, a.e.words)
    if not kind or target.name not in a.p.directory.units:
        return None
    obs = [o for n in nums for o in a.item_at(n).obligations if o.kind == kind]
    if not obs:
        return None
    bindings = [bind(a.p.plan, o, a.p.directory) for o in obs]
    if any(target.name in b.bound for b in bindings):
        return None
    b = bindings[0]
    return (
        f"不是。{target.name}是{R.item_label(b.obligation.item)}的责任单位，"
        f"但“{b.obligation.action}”（{b.obligation.cadence_label}）的主体是"
        f"「{b.subject}」，不包括{target.name}。\n依据：{b.reason}\n"
        f"原文：“{b.obligation.text}”"
    )


def _wording(a: Answerer, d: ItemDuty) -> str:
    """The partial wording as the document has it (…等部门, 区卫健局、区应急局等有关单位)."""
    if d.kind != "partial" or d.via != ETC_NAME:
        return ""
    lines = a.p.units_lines[a.p.position[d.item]]
    raw = [u.raw or u.name for u in lines if u.name == ETC_NAME]
    return raw[0] if raw else ""


def only(a: Answerer, query: Query) -> Answer:
    """只有它一家吗 / 是不是只有这几个部门 / 只有区金融办负责吗: is the unit list complete and
    (when units are named) exactly those units."""
    nums = list(a.in_range) or a.topic_items()[:1]
    if not nums:
        return legacy(a, query.with_(ask="who"))
    n = nums[0]
    pos = a.p.position[n]
    refs = a.p.items[pos].units
    partial = any(r.partial or r.name == ETC_NAME for r in refs)
    groups = [r for r in refs if r.is_group and not r.partial and r.name != ETC_NAME]
    named = [u for u in query.units if "units" not in query.from_context]
    listed = [r.name for r in refs if not r.partial and r.name != ETC_NAME]
    if partial:
        word, why = "no", "责任单位写有“等”“有关”字样，文件没有逐一列明，不止所列单位。"
    elif named:
        same = set(named) == set(listed)
        word = "yes" if same else "no"
        why = "责任单位只有所问单位。" if same else "责任单位与所问不完全相同。"
    elif groups:
        word, why = "no", f"责任单位包括“{groups[0].name}”，涵盖多个单位。"
    elif len(listed) == 1 or not re.search(r"一个|一家|一位|它", a.q.text):
        word = "yes" if len(listed) == 1 or not re.search(r"一个|一家|它", a.q.text) else "no"
        why = "所列责任单位即全部责任单位。"
    else:
        word, why = "no", f"本条列了{len(listed)}个责任单位。"
    head = ("是。" if word == "yes" else "不是。") + why
    it = a.item_at(n)
    text = "\n".join([head, R.item_heading(it), R.units_line(a.p.units_lines[pos])])
    ans = a.build_answer(Intent.WHO, [n], text, quotes=a.quotes_of([n])[:1])
    return replace(ans, verdict=word)


def role_check(a: Answerer, query: Query) -> Answer:
    """司法局是不是第三条的牵头单位: the unit's role where the item gives roles; where it
    does not, the document does not say (no verdict)."""
    target = _asked_target(a, query) or a.target
    nums = list(a.in_range)
    if target is None or not nums:
        return legacy(a, query.with_(ask="who", verdict=""))
    n = nums[0]
    pos = a.p.position[n]
    lines = a.p.units_lines[pos]
    d = a.p.duty(target, pos)
    roles = {u.role for u in lines}
    if roles <= {"responsible"}:
        verdict = None
        head = f"文件没有区分{R.item_label(n)}的牵头和配合单位。" + R.duty_phrase(
            d, target.name, _wording(a, d)
        )
    else:
        verdict = "yes" if d.kind != "none" and d.role == query.role else "no"
        head = (
            "是。" if verdict == "yes" else "不是。"
        ) + f"{R.item_label(n)}的{R.units_line(lines)}。"
    text = "\n".join([head, R.item_heading(a.item_at(n)), R.units_line(lines)])
    ans = a.build_answer(Intent.WHO, [n], text, duties=(d,))
    return replace(ans, verdict=verdict)


def cadence_check(a: Answerer, query: Query) -> Answer:
    """学法是每年一次吗: the asked cadence and count against the document's."""
    if query.topics:
        set_topic(a, query.topics[0])
    base = a.respond(Intent.CADENCE)
    if not base.obligations or query.amount is None:
        return base
    asked_cad, n = query.amount
    o = base.obligations[0]
    cad = o.cadence if o.cadence in _PER_YEAR else "annual"
    same = _PER_YEAR[cad] == _PER_YEAR[asked_cad] and (o.min_count or 1) == n
    head = (
        f"是。文件要求{o.cadence_label}至少{o.min_count or 1}次{o.action}。"
        if same
        else f"不是。文件要求{o.cadence_label}至少{o.min_count or 1}次{o.action}。"
    )
    return replace(base, text=head + "\n" + base.text, verdict="yes" if same else "no")


def deadline_check(a: Answerer, query: Query) -> Answer:
    """年度报告要在3月1日前报吗: the asked date against the obligations' deadlines."""
    m = DATE_RE.search(a.q.text)
    base = a.respond(Intent.CADENCE)
    dated = [o for o in a.p.obligations if o.deadline is not None and o.item in base.items]
    if not m or not dated:
        return base
    month, day = cn_to_int(m.group(1)), cn_to_int(m.group(2))
    hit = [o for o in dated if (o.deadline.month, o.deadline.day) == (month, day)]
    first = (hit or dated)[0]
    head = ("是。" if hit else "不是。") + f"{first.deadline.description}（依据{first.source}）。"
    if not hit:
        head = "不是。文件规定：" + "；".join(o.deadline.description for o in dated) + "。"
    return replace(base, text=head + "\n" + base.text, verdict="yes" if hit else "no")


def mentions(a: Answerer, query: Query) -> Answer:
    """第十四条有没有提到三项制度: whether the item's text has the words (or the document's
    term for them)."""
    nums = list(a.in_range)
    topic = (query.topics or ("",))[0].strip("，,")
    if not nums or len(re.findall(r"[\u4e00-\u9fff]", topic)) < 2:
        return legacy(a, query.with_(ask="text", verdict=""))
    n = nums[0]
    it = a.item_at(n)
    body = norm(it.title + "".join(it.tasks))
    want = norm(topic)
    expansion = a.e.lexicon.expand(want)
    found = want in body or bool(expansion and expansion in body)
    where = ""
    if found:
        key = want if want in body else expansion
        where = next((s for s in [it.title, *it.tasks] if key in norm(s)), it.title)
    head = (
        f"是。{R.item_label(n)}提到了“{topic}”：“{where}。”"
        if found
        else f"没有。{R.item_label(n)}没有提到“{topic}”。"
    )
    ans = a.build_answer(
        Intent.ITEM, [n], head + "\n\n" + a.full_text(n), quotes=a.quotes_of([n])[:1]
    )
    return replace(ans, verdict="yes" if found else "no")


def sufficient(a: Answerer, query: Query) -> Answer:
    """一年开一次专题会议够不够: the asked amount against the obligation's minimum."""
    if query.topics:
        set_topic(a, query.topics[0])
    base = a.respond(Intent.CADENCE)
    if not base.obligations or query.amount is None:
        return base
    asked_cad, n = query.amount
    o = base.obligations[0]
    need_cad = o.cadence if o.cadence in _PER_YEAR else "annual"
    need = o.min_count or 1
    asked_year, need_year = n * _PER_YEAR[asked_cad], need * _PER_YEAR[need_cad]
    rule = f"文件要求{o.cadence_label}至少{need}次{o.action}"
    if asked_year < need_year:
        word, head = "no", f"不够。{rule}"
        if _PER_YEAR[need_cad] > 1:
            head += f"，一年至少{need_year}次"
        head += "。"
    elif _PER_YEAR[asked_cad] >= _PER_YEAR[need_cad]:
        word, head = "yes", f"够。{rule}，{_CADENCE_CN.get(asked_cad, '')}{n}次达到要求。"
    else:
        word, head = (
            None,
            f"不一定。{rule}，须{o.cadence_label}各至少{need}次，不能集中在一个{_period_word(need_cad)}完成。",
        )
    return replace(base, text=head + "\n" + base.text, verdict=word)


def _period_word(cadence: str) -> str:
    return {"quarterly": "季度", "monthly": "月", "half_yearly": "半年"}.get(cadence, "年度")


# -- items by a relation ----------------------------------------------------------------------
def relation(a: Answerer, query: Query, turn: Turn | None) -> Answer:
    _fill(a, query)
    p = a.p
    targets: list[Target] = []
    if query.units and query.relation != "no_group":
        targets = [
            target_of(a, u) if i or "units" in query.from_context else (a.target or target_of(a, u))
            for i, u in enumerate(query.units)
        ]
    elif query.self_unit or query.relation in ("named", "not_shared", "responsible"):
        if query.self_unit and not query.units:
            a.target = a.e.target_for("unit", a.chat_unit) if a.chat_unit else None
        if a.target is None and a.chat_unit and not query.self_unit:
            a.target = a.e.target_for("unit", a.chat_unit)
        if a.target is None:
            a.needs_unit = query.self_unit or a.needs_unit
            text = "" if a.needs_unit else "请说明是哪个单位，例如“哪几条点了区财政局的名”。"
            return a.build_answer(Intent.UNIT_DUTIES, [], text)
        targets = [a.target]
    rel = query.relation or "responsible"
    scope = set(query.within or query.items)
    if query.op == "each" and len(targets) > 1:
        return _each_unit(a, query, targets)
    nums: list[int] = []
    duties: list[ItemDuty] = []
    # each target's duties once (cached per target): the loop below is dictionary lookups
    kinds = [{d.item: d for d in p.duties(t)} for t in targets]
    sure = [{n for n, d in k.items() if d.kind in ("named", "group")} for k in kinds]
    for pos, it in enumerate(p.items):
        refs = it.units
        if scope and it.number not in scope:
            continue
        if rel == "no_group":
            ok = bool(refs) and not any(r.is_group or r.partial or r.name == ETC_NAME for r in refs)
        elif rel == "only":
            real = [r for r in refs if not r.is_group and not r.partial and r.name != ETC_NAME]
            ok = len(refs) == 1 and len(real) == 1
        elif rel in ("lacks", "unlisted"):
            t = targets[0]
            literal = t.kind == "group" and rel == "unlisted"
            ok = not _named(p, t, pos) if literal else it.number not in kinds[0]
        elif rel in ("named", "not_shared"):
            flags = [_named(p, t, pos) for t in targets]
            ok = all(flags) if query.op != "or" else any(flags)
        else:
            flags = [it.number in x for x in sure]
            ok = all(flags) if query.op != "or" else any(flags)
        if ok:
            nums.append(it.number)
            if targets and rel not in ("lacks", "unlisted"):
                d = kinds[0].get(it.number)
                duties.append(d or ItemDuty(it.number, it.title, "none"))
    who = ("或" if query.op == "or" else "和").join(
        t.name if t.kind != "category" else _cat_name(t) for t in targets
    )
    phrase = {
        "no_group": "责任单位只列具体单位、没有写单位类别（如区直各单位、各镇(街、区)）的条目",
        "only": "只有一个责任单位的条目",
        "lacks": f"{who}不在责任单位之列的条目",
        "unlisted": f"责任单位中没有写“{who}”的条目",
        "named": f"{'都' if len(targets) > 1 else ''}列名{who}的条目",
        "not_shared": f"{who}除“区直各单位”等共性条目外、被单独列名的条目",
        "responsible": f"{who}{'都' if len(targets) > 1 and query.op != 'or' else ''}负责的条目（含通过区直各单位等类别负责的）",
    }[rel]
    head = f"没有{phrase}。" if not nums else f"{phrase}共{len(nums)}条：{R.numbers(nums)}。"
    lines = [head]
    if query.ask == "count" or len(nums) > 12:
        lines.extend(f"{R.item_heading(a.item_at(n))}" for n in nums[: R.MAX_LISTED])
    else:
        for n in nums:
            lines.append(
                f"{R.item_heading(a.item_at(n))}\n  {R.units_line(p.units_lines[p.position[n]])}"
            )
    if scope:
        lines[0] = f"在{R.numbers(sorted(scope))}中，" + lines[0]
    if rel == "named" and len(targets) > 1 and query.op != "or":
        listed = set(nums)
        shared = sorted(set.intersection(*sure) - listed, key=p.position.__getitem__)
        if shared:
            lines.append(f"另外，通过区直各单位等单位类别，两者都负责：{R.numbers(shared)}。")
    intent = Intent.UNIT_DUTIES if targets and rel not in ("lacks", "unlisted") else Intent.ITEMS
    return a.build_answer(
        intent,
        nums,
        "\n".join(lines),
        duties=tuple(duties),
        quotes=tuple(Quote(n, a.item_at(n).title + "。") for n in nums[: R.MAX_LISTED]),
    )


def _each_unit(a: Answerer, query: Query, targets: list[Target]) -> Answer:
    """区法院和区检察院各负责几条: each unit's items, one line each."""
    lines, nums = [], []
    for t in targets:
        mine = [d for d in a.p.duties(t) if d.kind in ("named", "group")]
        named = [d.item for d in mine if d.kind == "named"]
        head = f"{t.name}负责{len(mine)}条（列名{len(named)}条）：{R.numbers([d.item for d in mine])}。"
        lines.append(head)
        nums.extend(d.item for d in mine if d.item not in nums)
    return a.build_answer(Intent.UNIT_DUTIES, nums, "\n".join(lines))


def _cat_name(t: Target) -> str:
    cat = next(iter(t.categories))
    return CATEGORY_LABELS.get(cat, t.name) if t.name == cat.value else t.name


def _named(p, t: Target, pos: int) -> bool:  # noqa: ANN001 - PlanIndex
    return any(ref.name == t.name for ref in p.items[pos].units)


# -- several topics at once -------------------------------------------------------------------
def each(a: Answerer, query: Query) -> Answer:
    parts: list[str] = []
    nums: list[int] = []
    quotes: list[Quote] = []
    obligations = []
    for topic in query.topics:
        mentions = [m for m in a.e.mentions.find(topic) if m.kind == "unit"]
        if mentions and len(mentions[0].spelling) >= len(topic) - 1:
            found = _unit_items(a, mentions[0].name)[:1]
        else:
            set_topic(a, topic)
            found = a.topic_items()[:1] or _unit_items(a, topic)[:1]
        if not found:
            parts.append(f"{topic}：工作要点中没有相关内容。")
            continue
        n = found[0]
        nums.append(n)
        pos = a.p.position[n]
        it = a.item_at(n)
        if query.ask == "cadence":
            obs = a.obligations_due([n])
            lines = [f"{topic}：{R.item_heading(it)}"]
            lines += [R.obligation_line(o) for o in obs] or ["  文件对此没有规定次数或期限。"]
            obligations.extend(obs)
            parts.append("\n".join(lines))
        else:
            parts.append(f"{topic}：{R.item_heading(it)}\n  {R.units_line(a.p.units_lines[pos])}")
        quotes.append(Quote(n, a.p.best_sentence(pos, a.q.terms) + "。"))
    intent = Intent.CADENCE if query.ask == "cadence" else Intent.WHO
    if not nums:
        return a.out_of_scope()
    return a.build_answer(
        intent, nums, "\n".join(parts), quotes=tuple(quotes), obligations=tuple(obligations)
    )


def _unit_items(a: Answerer, word: str) -> list[int]:
    """信访 → the items naming 区信访局 (a topic that is a unit's field of work)."""
    names = [u for u in a.e.directory.units if word in u]
    return [it.number for it in a.p.items if any(ref.name in names for ref in it.units)]


# -- the records ------------------------------------------------------------------------------
_PERIOD_CN = {
    "current_quarter": "本季度",
    "previous_quarter": "上季度",
    "current_year": "今年",
    "previous_year": "去年",
    "current_month": "本月",
}


def status(a: Answerer, query: Query, records: Records | None) -> Answer:
    obs = [o for o in a.p.obligations if o.kind == query.obligation]
    nums = list(dict.fromkeys(o.item for o in obs))
    if not obs:
        a.needs_unit = False
        return a.build_answer(
            Intent.STATUS, [], "工作要点中没有这一项周期性任务，没有完成记录可查。"
        )
    due = [d for d in a.obligations_due(nums) if d.kind == query.obligation]
    rule = "；".join(
        f"{d.action}：{d.cadence_label}至少{d.min_count}次"
        if not d.due_rule.startswith("每年")
        else f"{d.action}：{d.due_rule}"
        for d in due
    )
    if query.scope == "unit":
        if a.target is None:
            a.needs_unit = True
            return a.build_answer(
                Intent.STATUS, nums, "无法查询：不知道你所在的单位。", obligations=tuple(due)
            )
        unit = a.target.name
    if records is None:
        a.needs_unit = False
        text = (
            "完成情况记录在聊天助手中（各单位点“已完成”或发送 /done 登记），这里查不到。"
            f"\n要求：{rule}。"
        )
        return a.build_answer(Intent.STATUS, nums, text, obligations=tuple(due))
    try:
        if query.scope == "unit":
            lines = records.unit_status(unit, query.obligation, query.period, a.today)
        else:
            lines = records.missing(query.obligation, query.period, a.today)
    except RecordsForbidden:
        a.needs_unit = False
        return a.build_answer(
            Intent.STATUS,
            nums,
            "抱歉，各单位的完成情况仅限管理员（区委依法治区办、区司法局）查询。"
            "可以问“我们本季度学法登记了没有”查询本单位。",
        )
    if not lines:
        return a.build_answer(
            Intent.STATUS,
            nums,
            f"{unit if query.scope == 'unit' else ''}没有需要登记的这项任务。\n要求：{rule}。",
            obligations=tuple(due),
        )
    text_lines: list[str] = []
    word: str | None = None
    if query.scope == "unit":
        done = all(r.state == "done" for r in lines)
        word = "yes" if done else "no"
        head = "已登记。" if done else "还没有登记。"
        text_lines.append(head)
        for r in lines:
            state = {"done": "已完成", "pending": "未完成", "overdue": "已逾期"}.get(
                r.state, r.state
            )
            text_lines.append(
                f"{unit}　{r.action}（{r.period}，截止 {r.due.isoformat()}）：{state}"
            )
        if not done:
            text_lines.append("完成后点提醒上的“已完成”或发送 /done 登记。")
    else:
        total = len({u for r in lines for u in r.units})
        text_lines.append(f"尚未确认的单位共{total}个。" if total else "全部责任单位均已确认。")
        for r in lines:
            text_lines.append(
                f"{r.action}（{R.item_label(r.item)}，{r.period}，截止 {r.due.isoformat()}）"
            )
            text_lines.append(
                f"尚未确认的单位 {len(r.units)} 个（共{r.responsible}个责任单位）："
                + "、".join(r.units)
                if r.units
                else "全部责任单位均已确认。"
            )
    ans = a.build_answer(Intent.STATUS, nums, "\n".join(text_lines), obligations=tuple(due))
    return replace(ans, verdict=word)
