"""Follow-ups: a question that leaves out what the previous turn said ("它的牵头单位呢",
"那第十二条呢", "换成区财政局呢", "多久一次", "其中哪些…") takes it from the chat's
:class:`~knowledge.qa.query.conversation.Turn`; a question that reads as a new topic stays as
it is.

The discourse state is the last turn's query and answer (items, unit, role, obligation, year
through its plan) plus the items and units of earlier turns (``Turn.history``,
``Turn.units_history``). Resolution order, first that applies:

1. small talk, the document, an uncovered year, "more": answered as they stand;
2. shapes of their own: the item before / after, 其中…, the same sufficiency question with
   another amount, 具体是哪几条 after a count;
3. an unrelated question (no entity, no word pointing back, no operator, words not the
   document's) starts afresh — and leaves the state as it was for the next question;
4. several referents at once: 这两条 / 它们 (the last list, else the leading items of the last
   turns), 两个都… (the units of the last two unit turns), 这三条里哪条有X (within them);
5. a leftover verb (参与, 配合) is not a new topic when a unit or role is asked: the turn's items;
6. after a status question, the same records question for another period or obligation;
7. a new topic with 那…/…呢: the same ask about it;
8. otherwise the missing pieces (items, unit, ask) are filled from the last turn; the
   question's own role, unit and items always win.
"""

from __future__ import annotations

import re

from knowledge.qa.query.analysis import Analysis
from knowledge.qa.query.conversation import Turn
from knowledge.qa.query.form import Query
from knowledge.qa.question.kinds import DATE_RE
from knowledge.qa.question.words import QuestionWords

# …呢 / …呢呀 / …呢啊？: "and what about"; a courtesy opening does not hide 那 / 再看看
_ENDS_NE = re.compile(r"呢[啊呀吧哦嘛]*[？?。!！\s]*$")
_COURTESY = re.compile(
    r"^(?:请问一下|请问|麻烦问一下|麻烦问下|麻烦|想问一下|想问下|问一下|问下|打扰一下|你好|您好)[，,]*"
)


def _opening(text: str) -> str:
    return _COURTESY.sub("", text)


def _short(text: str) -> bool:
    return len(re.findall(r"[\u4e00-\u9fff]", text)) <= 10


def follow_up(query: Query, turn: Turn | None, a: Analysis, words: QuestionWords) -> Query:
    """``query`` with what it leaves out taken from the previous ``turn`` (when it reads as a
    follow-up). ``a`` is the engine's analysis of the question (topic found, mentions)."""
    if turn is None or query.ask in ("smalltalk", "document", "not_covered", "more"):
        return query
    text = a.q.text
    prev = turn.query
    cue = bool(
        words.refer.search(text) or words.lead.match(_opening(text)) or _ENDS_NE.search(a.q.raw)
    )
    special = _special(query, turn, a, words, cue)
    if special is not None:
        return special
    if off_topic(query, a, words):
        return query  # small talk or a subject the document lacks: starts afresh
    query = referents(query, turn, a, words)
    if query.ask == "status":
        return query
    if not cue and not _short(_opening(text)):
        return query
    if query.op == "each":
        return query
    if query.amount and query.ask == "verdict":
        weak = not query.topics or len(re.findall(r"[\u4e00-\u9fff]", query.topics[0])) < 2
        if weak and not query.items and (turn.items or prev.topics):
            if turn.items:
                return query.with_(items=turn.items[:1], topics=(), from_context=("items",))
            return query.with_(topics=prev.topics, from_context=("topics",))
        return query
    if (
        prev.ask == "status"
        and not query.items
        and query.ask in ("", "topic", "cadence", "status")
        and not _WHEN.search(text)
    ):
        # (a when / how-often question after a status one asks the document: 年度报告什么时候报)
        kind = next((k for k, p in words.obligation_kinds if p.search(text)), "")
        if kind or (query.period and not query.topics) or query.ask == "":
            return query.with_(
                ask="status",
                obligation=kind or prev.obligation,
                scope=prev.scope,
                period=query.period or ("" if kind else prev.period),
                units=query.units or prev.units,
                self_unit=query.self_unit or prev.self_unit,
                topics=(),
                from_context=("ask", "obligation"),
            )
    if (
        query.topics
        and turn.items
        and not query.items
        and (query.units or query.role or query.self_unit)
        and _weak(query.topics, a)
    ):
        # 区法院要参与吗 / 配合的呢: a verb is not a new topic; the items stay the turn's
        query = query.with_(topics=(), ask="" if query.ask == "topic" else query.ask)
    if query.topics:
        # 那公开呢 (after 年度报告什么时候报): the same question about another topic
        lead = words.lead.match(_opening(text)) or _ENDS_NE.search(a.q.raw)
        if (
            lead
            and query.ask in ("", "topic")
            and prev.ask in ("cadence", "who", "duty", "verdict")
        ):
            changes = {"ask": prev.ask, "verdict": prev.verdict}
            if prev.ask in ("duty", "verdict") and turn.unit and not query.units:
                changes["units"] = (turn.unit,)
            return query.with_(**changes, from_context=("ask",))
        return query
    if (
        query.items
        and not query.units
        and query.ask == "text"
        and words.lead.match(_opening(text))
        and prev.ask in ("who", "cadence", "duty", "verdict")
    ):
        # 再看看第十三条 / 那第十三条 (after 第十二条谁负责): the same question about it
        return query.with_(**_same_question(prev), from_context=("ask",))
    filled: list[str] = []
    changes: dict = {}
    has_items = bool(query.items)
    has_unit = bool(query.units) or query.self_unit
    if not has_items and not has_unit:
        # 它的牵头单位呢 / 多久一次 / 具体要做什么 / 截止日期呢: about the same items
        if turn.items and query.ask not in ("items", "count"):
            changes["items"] = turn.items[:1] if prev.ask in ("topic", "who") else turn.items
            filled.append("items")
        elif prev.topics and query.ask not in ("items", "count"):
            changes["topics"] = prev.topics
            filled.append("topics")
        if turn.unit and (
            query.ask in ("duty", "verdict", "", "items", "count") or prev.units or prev.self_unit
        ):
            changes["units"] = (turn.unit,)
            filled.append("units")
        if not query.ask:
            if not filled and not cue:
                return query
            changes.update(_same_question(prev))
            filled.append("ask")
        if prev.ask == "status" and query.ask in ("", "status"):
            changes.update(obligation=prev.obligation, scope=prev.scope, ask="status")
            changes["period"] = query.period or prev.period
            changes.pop("items", None)
    elif not query.ask or query.ask == "verdict":
        # 那第十二条呢 / 换成区财政局呢 / 镇里要做吗: the same question about something else
        if not cue and query.ask != "verdict":
            return query
        if not query.ask:
            changes.update(_same_question(prev))
            filled.append("ask")
        unit_centric = prev.ask in ("duty", "verdict", "count", "items", "status")
        if has_items and not has_unit and turn.unit and unit_centric:
            changes["units"] = (turn.unit,)
            filled.append("units")
        if has_unit and not has_items:
            if prev.ask in ("items", "count"):
                pass  # 区司法局呢 after 哪几条点了…: the same relation for the new unit
            elif prev.items or (turn.items and prev.ask not in ("duty", "")):
                # the new unit in the same items; after a unit's whole list, its whole list
                changes["items"] = prev.items or turn.items[:1]
                filled.append("items")
            elif prev.topics:
                changes["topics"] = prev.topics
                filled.append("topics")
        if prev.ask == "status":
            changes.update(obligation=prev.obligation, scope=prev.scope)
            changes["period"] = query.period or prev.period
            filled.append("obligation")
    elif query.ask in ("items", "count") and not has_unit and turn.unit:
        changes["units"] = (turn.unit,)
        filled.append("units")
    if not filled:
        return query
    if query.role:
        changes["role"] = query.role  # 配合的呢: the role asked now, not the last one
    return query.with_(**changes, from_context=tuple(dict.fromkeys(filled)))


# pointing back at several items or units at once: 这两条 / 它们 / 这三条 / 两个都 / 都有的
_MANY_ITEMS = re.compile(r"(?:这|那|上面|前面|刚才|以上)?(两|二|俩|三|几)(?:条|项)|它们|两者|二者")
_BOTH_UNITS = re.compile(
    r"两个(?:单位)?都|两家都|两边都|二者都|两者都|这两个单位|这两家|^都(?:有|点|列|是)"
)
_COUNT = {"两": 2, "二": 2, "俩": 2, "三": 3}


def referents(query: Query, turn: Turn, a: Analysis, words: QuestionWords) -> Query:
    """Several earlier referents at once: 这两条 (the items of the last turns, or the first
    two of the last list), 两个都有的 (the units of the last two unit questions, both)."""
    text = a.q.text
    m = _MANY_ITEMS.search(text)
    if m and not query.items:
        n = _COUNT.get(m.group(1) or "", 0)
        items = _recent_items(turn, n)
        if items and query.units and re.search(r"哪(一|几)?条|哪个|哪些", text):
            # 这三条里哪条有区金融办: the items among these that list the unit
            named = not re.search(r"负责|涉及|要做|有关", text) or words.named.search(text)
            lacks = words.lacks.search(text)
            relation = ("unlisted" if named else "lacks") if lacks else ("named" if named else "")
            return query.with_(
                ask="items",
                relation=relation or "responsible",
                within=items,
                items=(),
                from_context=("within",),
            )
        if items:
            query = query.with_(items=items, from_context=("items",))
            yes_no = words.verdict.search(text) or re.search(r"吗[？?。!！]*$", text)
            if (query.units or query.self_unit) and query.ask in ("", "duty") and yes_no:
                query = query.with_(ask="verdict", verdict="concern")  # 这两条都有区财政局吗
            return query
    if not query.items and not query.units and _BOTH_UNITS.search(text):
        units = turn.units_history[:2]
        if len(units) == 2 and turn.query.ask in ("duty", "items", "count", "verdict", ""):
            named = turn.query.relation == "named" or words.named.search(text)
            return query.with_(
                ask="count" if query.ask == "count" else "items",
                units=units[::-1],
                relation="named" if named else "responsible",
                op="and",
                from_context=("units",),
            )
    return query


def _weak(topics: tuple[str, ...], a: Analysis) -> bool:
    """Topic words too few to name a subject (two characters at most, no literal phrase)."""
    content = [
        re.sub(r"单位|部门|[要得也能会需该应可以吗呢了的是还就都去来]", "", t) for t in topics
    ]
    return not a.literal and all(len(re.findall(r"[\u4e00-\u9fff]", t)) <= 2 for t in content)


def _recent_items(turn: Turn, n: int) -> tuple[int, ...]:
    """``n`` items pointed back at (0: as many as the last list holds): the last answer's
    first ``n`` when it had that many, else the leading item of each earlier turn."""
    last = turn.history[0] if turn.history else turn.items
    if n == 0:
        return tuple(last) if len(last) > 1 else ()
    if len(last) >= n and turn.query.ask not in ("who", "topic", "text"):
        return tuple(last[:n])
    if len(turn.query.items) >= n:
        return tuple(turn.query.items[:n])
    out: list[int] = []
    for items in turn.history:
        if items and items[0] not in out:
            out.append(items[0])
        if len(out) == n:
            return tuple(sorted(out))
    return ()


_WHEN = re.compile(r"几次|多少次|多久|频次|什么时候|啥时候|何时|哪天|截止|最晚|期限|几号|几月")

# words that operate on what the conversation is about (both, only, each, which item…)
_OPERATORS = re.compile(
    r"都|只|各|分别|两|三|共同|同时|不用|不必|没有|哪条|几条|这条|那条|一样|相同|比(?!较)"
)


def off_topic(query: Query, a: Analysis, words: QuestionWords) -> bool:
    """A question that names nothing of the conversation or the document: no item, unit,
    role, amount or period, no word pointing back, no topic the index finds, no operator on
    the referents; and its own words are (mostly) not the document's. 今天食堂吃啥 after a
    unit question is answered as it stands, not about that unit."""
    if query.items or query.units or query.self_unit or query.role or query.amount:
        return False
    text = a.q.text
    if query.period or words.refer.search(text) or words.within.search(text):
        return False
    if a.has_topic or a.literal or _OPERATORS.search(text) or DATE_RE.search(text):
        return False
    topic = a.q.topic
    chars = re.findall(r"[\u4e00-\u9fff]", topic)
    if len(chars) < 2:
        # 谁负责 / 多久一次 alone go on from before; English words none of the tables know
        # (when does the canteen open) are a subject of their own
        return _foreign(a.q.spaced)
    known = [False] * len(topic)
    for i in range(len(topic) - 1):
        if a.p.index.known(topic[i : i + 2]) and re.fullmatch(
            r"[\u4e00-\u9fff]{2}", topic[i : i + 2]
        ):
            known[i] = known[i + 1] = True
    share = sum(known) / len(chars)
    if a.q.cues.who or a.q.cues.cadence or "谁" in text:
        # 报给谁 / 有完成期限吗 go on from before; 打印机坏了找谁修 is a subject of its own
        return len(chars) >= 4 and share == 0
    return share == 0 or (len(chars) >= 4 and share < 0.5)


_EN_FORM = frozenset(
    re.findall(
        r"\S+",
        "the a an is are was be it its this that what what's which who whom whose when where how"
        " does do did can could will would should must may to of for in on at by with about and"
        " or there their they we our you your i me my item items",
    )
)


def _foreign(spaced: str) -> bool:
    """English content words left untranslated (the keyword table has none of them)."""
    return any(w not in _EN_FORM for w in re.findall(r"[a-z']{3,}", spaced))


def _same_question(prev: Query) -> dict:
    return {
        "ask": prev.ask,
        "verdict": prev.verdict,
        "amount": prev.amount,
        "relation": prev.relation,
        "op": "" if prev.op == "each" else prev.op,
        "role": prev.role,
    }


def _special(
    query: Query, turn: Turn, a: Analysis, words: QuestionWords, cue: bool
) -> Query | None:
    """Follow-ups with a shape of their own: the item before / after, 其中…, the same
    sufficiency question with another amount, 具体是哪几条 after a count."""
    text = a.q.text
    prev = turn.query
    numbers = [it.number for it in a.p.items]
    if turn.items and not query.items:
        step = -1 if words.previous_item.search(text) else 1 if words.next_item.search(text) else 0
        if step:
            i = numbers.index(turn.items[0]) + step if turn.items[0] in numbers else -1
            if 0 <= i < len(numbers):
                ask = query.ask or prev.ask
                return query.with_(items=(numbers[i],), ask=ask, from_context=("items", "ask"))
    if query.relation == "lacks" and turn.unit and words.not_shared.search(text):
        # 除了区直各单位的共性任务呢 (after 我们有几条任务): the unit's own items
        return query.with_(relation="not_shared", units=(turn.unit,), from_context=("units",))
    if turn.items and words.within.search(text) and query.ask in ("items", "count"):
        units = query.units or ((turn.unit,) if turn.unit and not query.self_unit else ())
        return query.with_(within=turn.items, units=units, from_context=("within",))
    if (
        prev.verdict == "sufficient"
        and query.amount
        and query.ask != "verdict"
        and (cue or _short(text))
    ):
        return query.with_(
            ask="verdict",
            verdict="sufficient",
            topics=query.topics or prev.topics,
            from_context=("ask", "topics"),
        )
    if (
        prev.ask in ("count", "items")
        and not query.units
        and re.search(r"哪几条|哪些条|具体是哪|分别是哪|列出来|有哪些", text)
    ):
        return query.with_(
            ask="items",
            relation=prev.relation,
            op="" if prev.op == "count" else prev.op,
            units=prev.units,
            self_unit=prev.self_unit,
            within=prev.within,
            from_context=("ask", "units"),
        )
    return None
