"""Yes / no questions: does an item concern a unit (and does the obligation named bind it), is
the unit list complete, is a unit the lead, is the asked cadence, amount or deadline the
document's, does an item mention some words."""

from __future__ import annotations

import re
from dataclasses import replace

from knowledge.plan.binding import bind
from knowledge.plan.model import ETC_NAME, Cadence
from knowledge.qa.answer.answerer import Answerer
from knowledge.qa.answer.claim import claim
from knowledge.qa.answer.count_check import count_check, extreme_check
from knowledge.qa.answer.families import fill, legacy, target_of
from knowledge.qa.answer.member import member
from knowledge.qa.answer.shape import complete
from knowledge.qa.index.evidence import covered_chars
from knowledge.qa.index.plan_index import Target
from knowledge.qa.query.conversation import Turn
from knowledge.qa.query.form import Query
from knowledge.qa.question.kinds import DATE_RE, obligation_kind
from knowledge.qa.result.answer import Answer, Intent, ItemDuty
from knowledge.qa.text import render as R
from knowledge.text.normalize import cn_to_int, norm

_CADENCE_CN = {
    "annual": "每年",
    "once": "年度内",
    "half_yearly": "每半年",
    "quarterly": "每季度",
    "bimonthly": "每两个月",
    "monthly": "每月",
}


def _per_year(cadence: str) -> int:
    """Periods a year of ``cadence``, from the plan model (one source for every cadence the
    grammar reads; a cadence without a fixed period counts as one a year)."""
    try:
        return Cadence(cadence).per_year or 1
    except ValueError:
        return 1


def _asked_target(a: Answerer, query: Query) -> Target | None:
    if query.units:
        return target_of(a, query.units[0]) if "units" in query.from_context else a.target
    if query.self_unit:
        return a.target  # the chat's unit (or 我们镇); None when the chat has no unit
    return None


_LITERAL = re.compile(r"写了|写有|写没写|有没有写|列了|列有|列没列|点名|点了|提到|责任单位里")


def verdict(a: Answerer, query: Query, turn: Turn | None) -> Answer:
    fill(a, query)
    if query.verdict == "sufficient":
        return sufficient(a, query)
    if query.verdict == "only":
        return only(a, query)
    if query.verdict == "cadence":
        return cadence_check(a, query)
    if query.verdict == "role":
        return role_check(a, query)
    if query.verdict in ("count", "extreme"):
        return (count_check if query.verdict == "count" else extreme_check)(a, query)
    if query.verdict == "deadline":
        return deadline_check(a, query)
    if query.verdict == "mentions":
        return mentions(a, query)
    if query.verdict == "member":
        return member(a, query)
    if query.verdict == "complete":
        return complete(a, query)
    if query.verdict == "claim":
        return claim(a, query)
    target = _asked_target(a, query)
    if target is None and a.chat_unit and not query.units:
        target = a.e.target_for("unit", a.chat_unit)
    if query.verdict == "every" and target is not None:
        return _every(a, target)
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
    if word == "unsure" and target.kind == "group" and _LITERAL.search(a.q.text):
        word = "no"  # 第十条是不是写了区直各单位: the phrase itself does not stand there
    if word == "mixed" and a.e.words.all.search(a.q.text):
        word = "not_all"  # 这两条都有区财政局吗: one of them has not
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
        "not_all": "不全是。",
    }[word]
    lines = [head + "".join(R.duty_phrase(d, target.name, _wording(a, d)) for d in duties)]
    if word == "unsure":
        lines.append("文件没有逐一列明这些单位，不能据此认定不需要落实，建议向区委依法治区办确认。")
    obligations = []
    for n, d in zip(nums, duties, strict=False):
        it = a.p.item_at(n)
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
        quotes=a.p.quotes(nums[:5]),
    )
    verdicts = {"yes": "yes", "no": "no", "not_all": "no", "unsure": "unsure", "mixed": "partial"}
    return replace(ans, verdict=verdicts[word])


def _not_bound(a: Answerer, target: Target, nums: list[int]) -> str | None:
    """区法院要学法吗: the unit is responsible for the item, but the obligation the question
    names binds others (knowledge.plan.binding): the answer is no, with the subject words."""
    kind = obligation_kind(a.q.text, a.e.words)
    if not kind or target.name not in a.p.directory.units:
        return None
    obs = [o for n in nums for o in a.p.item_at(n).obligations if o.kind == kind]
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
    it = a.p.item_at(n)
    text = "\n".join([head, R.item_heading(it), R.units_line(a.p.units_lines[pos])])
    ans = a.build_answer(Intent.WHO, [n], text, quotes=a.p.quotes([n])[:1])
    return replace(ans, verdict=word)


def _every(a: Answerer, target: Target) -> Answer:
    """区司法局是不是每条都有: yes only when every item names the unit or a whole group of it."""
    duties = [(it.number, a.p.duty(target, a.p.position[it.number])) for it in a.p.items]
    missing = [n for n, d in duties if d.kind not in ("named", "group")]
    has = [n for n, d in duties if d.kind in ("named", "group")]
    if not missing:
        head = f"是。{target.name}是全部{len(duties)}条的责任单位。"
    else:
        labels = "、".join(R.item_label(n) for n in missing)
        head = f"不是。{target.name}负责{len(has)}条，{labels}没有{target.name}。"
    a.target = target
    ans = a.build_answer(Intent.UNIT_ITEM, has, head)
    return replace(ans, verdict="no" if missing else "yes")


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
    text = "\n".join([head, R.item_heading(a.p.item_at(n)), R.units_line(lines)])
    ans = a.build_answer(Intent.WHO, [n], text, duties=(d,))
    return replace(ans, verdict=verdict)


def cadence_check(a: Answerer, query: Query) -> Answer:
    """学法是每年一次吗: the asked cadence and count against the document's."""
    if query.topics:
        a.set_topic(query.topics[0])
    base = a.respond(Intent.CADENCE)
    if not base.obligations or query.amount is None:
        return base
    asked_cad, n = query.amount
    topic = norm(query.topics[0] if query.topics else a.q.topic)
    o = max(base.obligations, key=lambda d: covered_chars(topic, norm(d.action + d.text)))
    same = _per_year(o.cadence) == _per_year(asked_cad) and n in (0, o.min_count or 1)
    head = (
        f"是。文件要求{o.cadence_label}至少{o.min_count or 1}次{o.action}。"
        if same
        else f"不是。文件要求{o.cadence_label}至少{o.min_count or 1}次{o.action}。"
    )
    return replace(base, text=head + "\n" + base.text, verdict="yes" if same else "no")


_IN_TIME = re.compile(r"来得及|赶得上|赶得及|没超期|没有超期|没过期|没有过期")
_LATE = re.compile(r"过期|超期|逾期|晚了|迟了|超时|算晚|误期|过了截止|算不算晚|晚不晚|晚吗")


_TIMELY_WORDS = re.compile(
    r"要是|如果|假如|今天|现在|已经|是不是|是否|才|还|就|算|了|吗|嘛|呢|[，,？?]"
)


def deadline_check(a: Answerer, query: Query) -> Answer:
    """年度报告要在3月1日前报吗: the asked date against the obligations' deadlines. A date
    asked with 来得及 / 过期 is compared with the deadline of the obligation the question names
    (before or after it), not read as a claim that the deadline is that date."""
    m = DATE_RE.search(a.q.text)
    if m:  # 2月20日才报送…赶得上吗: the task without the date and the timeliness words
        topic = DATE_RE.sub("", query.topics[0] if query.topics else a.q.text)
        topic = _TIMELY_WORDS.sub("", _LATE.sub("", _IN_TIME.sub("", topic)))
        if len(topic) >= 2 and topic != a.q.topic:
            a.set_topic(topic)
    base = a.respond(Intent.CADENCE)
    dated = [o for o in a.p.obligations if o.deadline is not None and o.item in base.items]
    if not m or not dated:
        return base
    month, day = cn_to_int(m.group(1)), cn_to_int(m.group(2))
    said = a.q.text + " " + norm(a.q.raw)
    late, in_time = _LATE.search(said), _IN_TIME.search(said)
    before, after = a.q.text[: m.start()], a.q.text[m.end() :]
    beyond = re.match(r"\s*(之后|以后|后|过后)", after) or re.search(
        r"(超过|过了|晚于|迟于)$", before
    )
    unmet = re.match(r"\s*(之前|以前|前)", after) and re.search(r"没|未", after)
    rule = late and (beyond or unmet)  # 过了3月1日就逾期吗 / 3月1日前没报就过期吗: the rule
    if (late or in_time) and not rule:
        topic = norm(query.topics[0] if query.topics else a.q.topic or a.q.text)
        o = max(dated, key=lambda d: covered_chars(topic, norm(d.action + d.deadline.description)))
        on_time = (month, day) <= (o.deadline.month, o.deadline.day)
        yes = on_time if in_time else not on_time  # 没过期 asks whether it is in time
        state = "在截止日期之前" if on_time else "已过截止日期"
        head = f"{'是' if yes else '不是'}。{month}月{day}日{state}：{o.deadline.description}。"
        return replace(base, text=head + "\n" + base.text, verdict="yes" if yes else "no")
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
    asked = _asked_phrase(a.q.raw, a.q.text)
    topic = asked or (query.topics or ("",))[0].strip("，,")
    if not nums or len(re.findall(r"[\u4e00-\u9fff]", topic)) < 2:
        return legacy(a, query.with_(ask="text", verdict=""))
    n = nums[0]
    it = a.p.item_at(n)
    body = norm(it.title + it.text)
    want = norm(topic)
    expansion = a.e.lexicon.expand(want)
    other = norm((query.topics or ("",))[0].strip("，,"))
    found = want in body or bool(expansion and expansion in body)
    if not found and asked and len(other) >= 2 and other in body:
        found, want, topic = True, other, other  # the words without the form (写, 提到)
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
        Intent.ITEM, [n], head + "\n\n" + a.full_text(n), quotes=a.p.quotes([n])[:1]
    )
    return replace(ans, verdict="yes" if found else "no")


_QUOTED = re.compile(r"[“\"「『‘'](.{2,}?)[”\"」』’']")
_ASK_FORM = re.compile(
    r"^[，,\s]*(?:里面|里|中|当中|内)?(?:有没有|有无|是否|是不是)?"
    r"(?:提到|提及|讲到|说到|写到|写了|写有|写|涉及|包括|包含|讲|说|提|有)?(?:过)?"
)
_ASK_END = re.compile(r"(?:了|过)?(?:吗|没有|没|么|呢|嘛)?[啊呀吧哦]*[？?。!！\s]*$")


def _asked_phrase(raw: str, text: str) -> str:
    """The words asked about in 第N条有没有写X / 第N条里有“X”吗: a quoted phrase as typed, else
    what follows the item reference without the question's form."""
    quoted = _QUOTED.search(raw)
    if quoted:
        return quoted.group(1)
    cut = max(text.rfind("，"), text.rfind(","))  # where the item reference stood
    after = text[cut + 1 :] if cut >= 0 else ""
    return _ASK_END.sub("", _ASK_FORM.sub("", after))


def sufficient(a: Answerer, query: Query) -> Answer:
    """一年开一次专题会议够不够: the asked amount against the obligation's minimum."""
    if query.topics:
        a.set_topic(query.topics[0])
    base = a.respond(Intent.CADENCE)
    if not base.obligations or query.amount is None:
        return base
    asked_cad, n = query.amount
    topic = norm(query.topics[0] if query.topics else a.q.topic)
    o = max(base.obligations, key=lambda d: covered_chars(topic, norm(d.action + d.text)))
    need_cad = o.cadence
    need = o.min_count or 1
    asked_year, need_year = n * _per_year(asked_cad), need * _per_year(need_cad)
    rule = f"文件要求{o.cadence_label}至少{need}次{o.action}"
    if asked_year < need_year:
        word, head = "no", f"不够。{rule}"
        if _per_year(need_cad) > 1:
            head += f"，一年至少{need_year}次"
        head += "。"
    elif _per_year(asked_cad) >= _per_year(need_cad):
        word, head = "yes", f"够。{rule}，{_CADENCE_CN.get(asked_cad, '')}{n}次达到要求。"
    else:
        word, head = (
            None,
            f"不一定。{rule}，须{o.cadence_label}各至少{need}次，不能集中在一个{_period_word(need_cad)}完成。",
        )
    items = (o.item, *(n for n in base.items if n != o.item))  # the rule judged first
    return replace(base, text=head + "\n" + base.text, verdict=word, items=items)


def _period_word(cadence: str) -> str:
    words = {"quarterly": "季度", "monthly": "月", "bimonthly": "两个月", "half_yearly": "半年"}
    return words.get(cadence, "年度")
