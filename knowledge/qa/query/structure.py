"""Questions about the shape of the document's unit lists, read as relations of the query
algebra (:mod:`knowledge.qa.query.form`): the item naming the most / fewest units, lists ending
in 等 or not exhaustive, lists of group phrases only, how many units one item names, whether an
item's list is complete; and two units set against each other (A but not B, each of A and B).
The words are data (``[operators]`` of ``question_words.toml``)."""

from __future__ import annotations

import re

from knowledge.qa.query.analysis import Analysis
from knowledge.qa.query.form import Query
from knowledge.qa.question.words import QuestionWords

# how many units: 几个单位 / 几家 / 多少个责任单位, or the other way round: 责任单位有多少个
UNIT_COUNT_RE = re.compile(
    r"几个(责任)?(单位|部门)|几家|多少个?(责任)?(单位|部门)|单位数|几个责任"
    r"|(单位|部门)(一共|总共|共)?(有|是|列了?)?(几|多少)(个|家)"
)
_UNIT_COUNT = UNIT_COUNT_RE
_NEGATION = re.compile(r"没有|没|不|未|而非|但非")
_EXCEPT = re.compile(r"除了?|除去|去掉")


def structure(a: Analysis, words: QuestionWords, text: str, base: Query) -> Query | None:
    """The structure relation the question asks, or None."""
    w = words.structure
    count = bool(words.count.search(re.sub(r"哪(几|些)", "", text))) and not re.search(
        r"几次|多少次", text
    )
    ask, op = ("count", "count") if count else ("items", "")
    listing = not a.q.refs and not words.refer.search(text) and re.search(r"哪|几条|多少条", text)
    if listing and w["partial"].search(text) and not base.units:
        return base.with_(ask=ask, relation="partial", op=op, topics=())
    if (
        (a.q.refs or words.refer.search(text) or not base.units)
        and w["complete"].search(text)
        and not w["etc"].search(text)
    ):
        return base.with_(ask="verdict", verdict="complete", topics=())
    if a.q.refs and _UNIT_COUNT.search(text):
        return base.with_(ask="who", op="count")  # 第十三条点了几个单位
    if w["groups_only"].search(text) and listing:  # 只写了区直各单位和各镇，没有具体单位
        return base.with_(ask=ask, relation="groups_only", op=op, topics=(), units=())
    if base.units and not a.asked_self and not a.q.refs:
        return _two_units(a, words, text, base, ask, op)
    if a.q.refs:
        return None
    if w["units_word"].search(text) or "条" in text:
        for rel in ("most", "least"):
            if w[rel].search(text) and w["units_word"].search(text):
                return base.with_(ask=ask, relation=rel, op=op, topics=())
    if w["etc"].search(text) or re.search(r"带.?等.?|等.?字", text):
        return base.with_(ask=ask, relation="etc", op=op, topics=())
    if w["partial"].search(text) and w["units_word"].search(text):
        return base.with_(ask=ask, relation="partial", op=op, topics=())
    if w["groups_only"].search(text):
        return base.with_(ask=ask, relation="groups_only", op=op, topics=())
    return None


def _two_units(
    a: Analysis, words: QuestionWords, text: str, base: Query, ask: str, op: str
) -> Query | None:
    """A but not B (the items of the first without the second), each of A and B (their items
    side by side)."""
    mentions = []
    for m in a.unit_mentions:
        if m.name not in [x.name for x in mentions]:
            mentions.append(m)
    if len(mentions) < 2:
        return None
    first, second = mentions[0], mentions[1]
    named = bool(words.named.search(text)) or not re.search(r"负责|涉及|有关|任务|要做", text)
    relation = "named" if named else "responsible"
    if words.each.search(a.rest) and not _NEGATION.search(text[first.end :]):
        return base.with_(ask=ask, relation=relation, op="each", units=(first.name, second.name))
    before = _EXCEPT.search(text[: first.start])
    if before:
        return base.with_(ask=ask, relation=relation, op="minus", units=(second.name, first.name))
    between = text[first.end : second.start]
    after = text[second.end : second.end + 4]
    if (
        _EXCEPT.search(between)
        or _NEGATION.search(between)
        and not _NEGATION.search(text[: first.start])
    ):
        if re.search(r"都|和|与|跟|及|、", between) and not _EXCEPT.search(between):
            return None  # 区法院和区检察院都没有的: not a difference
        return base.with_(ask=ask, relation=relation, op="minus", units=(first.name, second.name))
    if _NEGATION.match(after) or re.match(r"没有|不", after):
        return base.with_(ask=ask, relation=relation, op="minus", units=(first.name, second.name))
    return None
