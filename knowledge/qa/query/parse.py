"""Question → :class:`~knowledge.qa.query.form.Query`: the words of the question (its item
references, the units it names, the cue words of :mod:`knowledge.qa.question.words`) read as
a small logical form. The analysis of units and topic words is
:meth:`~knowledge.qa.query.analysis.Analysis.analyse`; this module says what is asked and
how the pieces relate."""

from __future__ import annotations

import re

from knowledge.qa.query.analysis import Analysis
from knowledge.qa.query.asked_verdicts import LISTING, cadence_asked, structure_verdict
from knowledge.qa.query.form import Query
from knowledge.qa.query.structure import UNIT_COUNT_RE, structure
from knowledge.qa.question.cues import (
    CADENCE_RE,
    DUTY_RE,
    ITEM_CUE_RE,
    STRONG_DUTY_RE,
    WHO_RE,
    strip_cues,
)
from knowledge.qa.question.kinds import (
    AMOUNT_CADENCE,
    DATE_RE,
    bare,
    find_amount,
    obligation_kind,
    period_kind,
    smalltalk_kind,
)
from knowledge.qa.question.words import QuestionWords
from knowledge.text.normalize import cn_to_int

_YEAR = re.compile(r"(20\d\d)\s*年")
_DOC_YEAR = re.compile(
    r"(?:这|该|此|本)(?:个|份|一)?\s*(?:文件|要点|工作要点|文)?\s*是?\s*(20\d\d)\s*年"
    r"|(?:文件|要点)\s*是?\s*(?:不是)?\s*(20\d\d)\s*年"
)
_DISTRICT = re.compile(
    r"([\u4e00-\u9fff]{2})(区|县|市)(?=的|法治|工作|有|今年|去年|要|是|呢|吗|[0-9]|$|，)"
)


def _base_ask(a: Analysis, words: QuestionWords) -> str:
    """The legacy families, from the cue words alone ("" when none is asked)."""
    c = a.q.cues
    if c.cadence and not (c.who and a.target is None):
        return "cadence"
    if c.who:
        return "who"
    if STRONG_DUTY_RE.search(a.q.text) or words.detail.search(a.q.text):
        return "duty"
    if c.item:
        return "text"
    if c.overview:
        return "overview"
    if c.duty:
        return "duty"
    return ""


def parse(a: Analysis, words: QuestionWords, spaced: str) -> Query:
    """The query of the question analysed by ``a`` (``spaced``: its normalised text)."""
    q = a.q
    text = q.text
    units = tuple(dict.fromkeys(m.name for m in a.unit_mentions))
    if not units and getattr(a, "outside_token", None):
        units = (a.outside_token,)
    if a.target is not None and a.target.kind == "category" and not units:
        units = (a.target.name,)
    amount = find_amount(text)
    base = Query(
        amount=(AMOUNT_CADENCE[amount.group(1)], cn_to_int(amount.group(2)) or 0)
        if amount
        else None,
        items=tuple(q.refs),
        units=units,
        self_unit=a.asked_self,
        topics=(q.topic,) if a.has_topic else (),
        period=period_kind(text, words),
    )
    kind = smalltalk_kind(q.raw, words)
    if kind:
        return base.with_(ask="smalltalk", smalltalk=kind)
    core = bare(text)
    if core in words.more or words.more_re.fullmatch(core) or (core + "呢") in words.more:
        return base.with_(ask="more")
    asked_year = _DOC_YEAR.search(spaced)
    if asked_year and not q.refs and not units and re.search(r"吗|是不是|对吗|是否", text):
        # 这个文件是2021年的吗: a question about the document's year, not about the year's plan
        return base.with_(
            ask="document", document="year", year=int(asked_year.group(1) or asked_year.group(2))
        )
    uncovered = _uncovered(a, spaced)
    if uncovered is not None:
        return base.with_(ask="not_covered", **uncovered)
    if not q.refs and not units:
        for doc_kind, pattern in words.document:
            if pattern.search(text) and not (doc_kind == "issued" and obligation_kind(text, words)):
                return base.with_(ask="document", document=doc_kind)
    status = _status(a, words, text, base)
    if status is not None:
        return status
    member = _member(a, text, base)
    if member is not None:
        return member
    role = "lead" if "牵头" in text else "supporting" if re.search("配合|协助|协办", text) else ""
    base = base.with_(role=role)
    shaped = structure_verdict(a, text, base) or structure(a, words, text, base)
    if shaped is not None:
        return shaped
    verdict = _verdict(a, words, text, base)
    if verdict is not None:
        return verdict
    relation = _relation(a, words, text, base)
    if relation is not None:
        return relation
    each = _each(a, words, text, base)
    if each is not None:
        return each
    ask = _base_ask(a, words)
    if q.refs and UNIT_COUNT_RE.search(text):
        return base.with_(ask="who", op="count")
    if (
        ask == "duty"
        and words.count.search(re.sub(r"哪(几|些)", "", text))
        and (units or a.asked_self)
    ):
        return base.with_(ask="count", relation="responsible", op="count")
    if not ask and a.has_topic:
        ask = "topic"
    return base.with_(ask=ask)


_MEMBER = re.compile(r"属于|算不算|算是|算|包括|包含|含不含|含|在不在|之列|之内|范围|是不是|一员")


def _member(a: Analysis, text: str, base: Query) -> Query | None:
    """区发改局算不算区直各单位 / 各镇(街、区)包括区委编办吗: is the unit one the group stands for."""
    groups = {m.name for m in a.unit_mentions if m.kind == "group"}
    units = {m.name for m in a.unit_mentions if m.kind == "unit"}
    if a.q.refs or len(groups) != 1 or len(units) != 1 or not _MEMBER.search(text):
        return None
    if not re.search(r"吗|么|不算|不在|不是|是否|有没有|[？?]$", text + a.q.raw[-1:]):
        return None
    return base.with_(ask="verdict", verdict="member", units=(*units, *groups), topics=())


def _uncovered(a: Analysis, spaced: str) -> dict | None:
    """A year or district that none of the loaded plans covers."""
    plans = [p.plan for p in a.e.plans.values()]
    years = {p.meta.plan_year for p in plans if p.meta.plan_year}
    for m in _YEAR.finditer(spaced):
        y = int(m.group(1))
        if years and y not in years:
            after = spaced[m.end() : m.end() + 12]
            if y + 1 in years and re.match(
                r"度?(的)?(法治政府建设)?(年度)?(工作)?报告|度?(法治政府建设)?情况", after
            ):
                continue  # 2020年度报告: reported under the 2021 plan
            return {"year": y}
    districts = {p.meta.district for p in plans if p.meta.district}
    own = "".join(p.meta.issuer + p.meta.title + p.meta.district for p in plans)
    for m in _DISTRICT.finditer(a.q.text):
        token = m.group(0)
        if any(x.start < m.end() and m.start() < x.end for x in a.q.mentions):
            continue  # 我们园区: the asker's own unit, not a district named 们园区
        if m.group(1) in a.e.words.not_place or token in districts or token in own:
            continue
        if a.e.directory_spells(token) or a.p.contains(token):
            continue
        return {"district": token}
    return None


def _status(a: Analysis, words: QuestionWords, text: str, base: Query) -> Query | None:
    """A record question: who has not done an obligation, or has this unit done it."""
    kind = obligation_kind(text, words)
    if not kind and not a.q.refs and words.status_any.search(text):
        # 我们还有哪些没完成 / 有逾期的吗: all of the unit's (the chat's) obligations
        own = a.asked_self or (a.chat_unit and not a.unit_mentions)
        if own or a.unit_mentions:
            return base.with_(ask="status", obligation="", scope="unit", topics=())
    if not kind or a.q.refs:
        return None
    if re.search(r"几次|多少次|多久|频次|什么时候|何时|哪天|截止|最晚|期限|怎么|如何|要求", text):
        return None
    missing = words.missing.search(text)
    if words.status_who.search(text) and missing:
        return base.with_(ask="status", obligation=kind, scope="missing", topics=())
    if (a.asked_self or a.unit_mentions) and re.search(
        r"(了没有|了吗|了没|了么|没有|完成没|过没有|过吗|过了吗|没)[？?。!！]*$", text
    ):
        return base.with_(ask="status", obligation=kind, scope="unit", topics=())
    return None


def _verdict(a: Analysis, words: QuestionWords, text: str, base: Query) -> Query | None:
    if not words.verdict.search(text) and not words.sufficient.search(text):
        return None
    amount = find_amount(text)
    if amount and words.sufficient.search(text):
        n = cn_to_int(amount.group(2)) or 0
        s, e = amount.span(2)
        rest = a.rest if len(a.rest) == len(text) else text  # the units (我们) blanked
        topic = strip_cues(a.e.strip_question_words(rest[:s] + rest[e + 1 :]), CADENCE_RE)
        topic = topic.strip("，")
        topic = re.sub(r"至少|不少于|最少|起码|最多|不低于", "", topic)
        return base.with_(
            topics=(topic,),
            ask="verdict",
            verdict="sufficient",
            amount=(AMOUNT_CADENCE[amount.group(1)], n),
        )
    if amount and not base.units and not a.asked_self:
        # 学法是每年一次吗: is that what the document requires?
        n = cn_to_int(amount.group(2)) or 0
        s, e = amount.span(2)
        topic = strip_cues(a.e.strip_question_words(text[:s] + text[e + 1 :]), CADENCE_RE)
        topic = re.sub(r"至少|不少于|最少|起码|最多|不低于", "", topic)
        return base.with_(
            topics=(topic,) if len(re.findall(r"[\u4e00-\u9fff]", topic)) >= 2 else (),
            ask="verdict",
            verdict="cadence",
            amount=(AMOUNT_CADENCE[amount.group(1)], n),
        )
    if (asked := cadence_asked(a, text, base)) is not None:
        return asked
    date_asked = DATE_RE.search(text)
    if date_asked and not base.units:
        return base.with_(ask="verdict", verdict="deadline", topics=base.topics)
    if (
        a.q.refs
        and not base.units
        and not a.asked_self
        and re.search(
            r"提到|提及|讲到|说到|写到|涉及|包括|包含|有没有|提没提|讲没讲|写没写|里有|中有|写了|写有",
            text,
        )
    ):
        return base.with_(
            ask="verdict", verdict="mentions", topics=(a.q.topic,) if a.q.topic else ()
        )
    if re.search(r"只有|只是|仅有|仅仅|就只|只由|只归|单独", text) and not words.sufficient.search(
        text
    ):
        return base.with_(ask="verdict", verdict="only")
    concern = words.concern.search(text)
    who_ok = a.asked_self or bool(base.units)
    duty_words = re.search(
        r"责任单位|负责|有份|涉及|有关|相关|关系|的事|任务|职责|管|在列|在内|包括|有没有|列|算|归|属于|要做|要不要|需不需要|需要|得",
        text,
    )
    topical = a.has_topic or (
        bool(a.hits) and a.top_cov >= 0.6 and len(re.findall(r"[\u4e00-\u9fff]", a.q.topic)) >= 2
    )
    if who_ok and base.role and a.q.refs and re.search(r"牵头|配合|协助", text):
        return base.with_(ask="verdict", verdict="role")
    if concern or (who_ok and duty_words and (a.q.refs or topical or words.refer.search(text))):
        return base.with_(ask="verdict", verdict="concern", topics=base.topics or _t(a, topical))
    if (
        who_ok
        and (a.q.refs or topical)
        and re.search(r"吗[？?。!！]*$|要不要|需不需要|是否|是不是|用不用|得不得|该不该", text)
    ):
        # 区金融办要学法吗 / 镇街要开专题会议吗 / 区信访局在第十七条里吗
        return base.with_(ask="verdict", verdict="concern", topics=base.topics or _t(a, topical))
    if who_ok and re.search(
        r"(要做|要干|做|干|负责|在不在|在里面|在内|有份|参加|参与|要管|管|涉及|算)[吗不么]|在不在|有没有份"
        r"|^有没有|里面有|里有没有|在这条|在其中",
        text,
    ):
        # 区财政局要做吗 (about the items of the previous turn)
        return base.with_(ask="verdict", verdict="concern")
    asks_cadence = re.search(r"频次|频率|多久|几次|多少次|周期|多长时间", text)
    if not who_ok and (topical or a.literal) and _CLAIM.search(text) and not asks_cadence:
        # 年度报告也得公开吗: a statement about the document's content
        return base.with_(ask="verdict", verdict="claim", topics=base.topics or (a.q.topic,))
    return None


_CLAIM = re.compile(
    r"吗[？?。!！]*$|是不是|对不对|能不能|可不可以|可以吗|行不行|行吗|要不要|需不需要|是否|得不得|有没有"
)


def _t(a: Analysis, topical: bool) -> tuple[str, ...]:
    return (a.q.topic,) if topical and a.q.topic else ()


def _relation(a: Analysis, words: QuestionWords, text: str, base: Query) -> Query | None:
    """Items by who is responsible and how: named, all of several units, not through the
    shared groups, items lacking a group, items with one responsible unit; counted or listed."""
    count = bool(words.count.search(re.sub(r"哪(几|些)", "", text))) and not re.search(
        r"几次|多少次", text
    )
    ask = "count" if count else "items"
    op = "count" if count else ""
    own = tuple(u for u in base.units if u not in a.e.directory.groups)
    if base.role and (own or a.asked_self) and re.search(r"哪|几条|多少条", text):
        # 区司法局牵头的有哪几条: the items where the unit has that role
        return base.with_(ask=ask, relation="responsible", op=op, units=own)
    if (words.only.search(text) or ONE_UNIT_RE.search(text)) and not (own or a.asked_self):
        return base.with_(ask=ask, relation="only", op=op, topics=())
    if words.no_group.search(text):
        return base.with_(ask=ask, relation="no_group", op=op, topics=())
    if (words.not_shared.search(text) or words.only.search(text)) and (own or a.asked_self):
        return base.with_(ask=ask, relation="not_shared", op=op, units=own)
    lacks = words.lacks.search(text)
    if lacks and a.asked_self and not a.unit_mentions and LISTING.search(text):
        # 我们不用管哪些: the complement of the chat's own unit
        return base.with_(ask=ask, relation="lacks", op=op, topics=())
    if lacks and a.unit_mentions and LISTING.search(text):
        # 哪些条目没有写各镇 / 哪些条与镇街无关 / 不是区直各单位负责的条目
        near = min(
            a.unit_mentions,
            key=lambda m: min(abs(m.start - lacks.end()), abs(lacks.start() - m.end)),
        )
        literal = re.fullmatch(r"没有?列|没有?写|不含|不包括|不包含|未列|没有包括", lacks.group(0))
        return base.with_(
            ask=ask,
            relation="unlisted" if literal else "lacks",
            units=(near.name,),
            op=op,
            topics=(),
        )
    if not base.units and not a.asked_self:
        if a.literal:
            return None  # 公职律师在哪条: a phrase of the document, not a unit's list
        total = re.search(r"一共|总共|共计|总计|合计|全文|整个", text)  # the whole document
        if words.named.search(text) and re.search(r"哪|几|多少|的呢|呢$", text) and not total:
            return base.with_(ask=ask, relation="named", op=op)  # the unit from the conversation
        if words.not_shared.search(text) and re.search(r"哪|几|多少|呢", text):
            return base.with_(ask=ask, relation="not_shared", op=op)
        return None
    if words.not_shared.search(text):
        own = tuple(u for u in base.units if u not in a.e.directory.groups)
        return base.with_(ask=ask, relation="not_shared", op=op, units=own)
    where = re.search(r"在哪(几|些|一)?条", text) and any(
        u in a.e.directory.units for u in base.units
    )
    if words.named.search(text) or where:
        # 区委政法委在哪几条: where a unit stands is where it is listed by name
        either = re.search(r"或者|或是|或|还是|任一|任何一个|之一", text)
        op = op or (("or" if either else "and") if len(base.units) > 1 else "")
        return base.with_(ask=ask, relation="named", op=op)
    if len(base.units) > 1 and (words.all.search(text) or re.search(r"和|与|或|跟|及|、", text)):
        if a.q.refs or a.q.cues.who:
            return None
        if words.each.search(a.rest):
            return base.with_(ask=ask, relation="responsible", op="each")
        either = re.search(r"或者|或是|或|还是|任一|任何一个|之一", text)
        own = tuple(u for u in base.units if u not in a.e.directory.groups)
        if len(own) > 1:
            base = base.with_(units=own)
        # two units "together": the items that list both (区直各单位 items, shared by every
        # district unit, are said in the text, not counted), unless groups are asked for
        with_groups = re.search(r"包括|含|通过|算上|类别", text)
        rel = "responsible" if (either or with_groups) else "named"
        return base.with_(ask=ask, relation=rel, op=op or ("or" if either else "and"))
    if count and not a.q.refs:
        return base.with_(ask="count", relation="responsible", op="count")
    return None


# 单独一个单位负责 / 就一家单位 / 只由1个部门: one unit alone, however it is said
ONE_UNIT_RE = re.compile(
    r"(?:只|仅|就|单独|唯一)(?:有|由|列了?|写了?|是)?(?:一|1)(?:个|家)(?:责任)?(?:单位|部门)"
    r"|(?:一|1)(?:个|家)(?:单位|部门)单独"
)


def _each(a: Analysis, words: QuestionWords, text: str, base: Query) -> Query | None:
    """Two topics (or units) asked at once: 普法和信访各由谁负责 / 学法和培训分别多久一次."""
    # the groups named are blanked first: 各镇(街、区) holds neither 各 (each) nor 、 (and)
    blank = a.q.text
    for m in a.unit_mentions:
        if m.kind == "group":
            blank = blank[: m.start] + "，" * (m.end - m.start) + blank[m.end :]
    if not (words.each.search(blank) or (a.q.cues.who or a.q.cues.cadence)):
        return None
    if a.q.refs and len(a.q.refs) > 1:
        return None
    if re.search(r"和|与|及|跟|、|同", a.literal_text):
        return None  # 改革和重点领域: one phrase of the document, not two topics
    rest = words.each.sub("，", blank)
    pieces = [p for p in re.split(r"和|与|及|跟|以及|、|还有|同", rest) if p.strip("，")]
    if len(pieces) < 2:
        return None
    topics = []
    for p in pieces:
        t = strip_cues(p, WHO_RE, CADENCE_RE, DUTY_RE, ITEM_CUE_RE)
        t = a.e.strip_question_words(t)
        if len(re.findall(r"[\u4e00-\u9fff]", t)) >= 2:
            topics.append(t)
    if len(topics) < 2:
        return None
    ask = "cadence" if a.q.cues.cadence else "who"
    return base.with_(ask=ask, op="each", topics=tuple(topics))
