"""Yes/no questions a relation's own words do not mark: a cadence asked without a count
(学法要不要每季度搞), a count of an item's units (第五条是不是有5个责任单位)."""

from __future__ import annotations

import re

from knowledge.qa.query.analysis import Analysis
from knowledge.qa.query.form import Query
from knowledge.qa.question.cues import CADENCE_RE, strip_cues
from knowledge.qa.question.kinds import AMOUNT_CADENCE, ASKED_CADENCE, DATE_RE
from knowledge.text.normalize import cn_to_int

COUNT_ASKED = re.compile(
    r"(是不是|是否|有没有|就|只有|只|共|一共|总共|是)?(\d{1,2}|[一两二三四五六七八九十]{1,3})\s*(个|家)?"
    r"\s*(责任)?(单位|部门)?"
)
_YES_NO = re.compile(r"吗|是不是|是否|有没有|对不对|对吗")
LISTING = re.compile(r"哪|条目|几条|多少条|(做|管|负责|干|办)(什么|啥)")
"""A question that asks for a list of items (哪几条, 不需要做什么), not a yes/no."""
MODAL_TAIL = re.compile(r"(必须|一定|需要|应该|应当|是否|只需|只要|都要|得|要|该)+$")


def cadence_asked(a: Analysis, text: str, base: Query) -> Query | None:
    """The cadence verdict query (count 0: any count) when the question ends in a cadence
    word and names no unit and no date; None otherwise."""
    asked = ASKED_CADENCE.search(text.rstrip("？?"))
    if not asked or base.units or a.asked_self or DATE_RE.search(text):
        return None
    topic = strip_cues(a.e.strip_question_words(text[: asked.start()]), CADENCE_RE)
    topic = MODAL_TAIL.sub("", topic.strip("，"))
    return base.with_(
        topics=(topic,) if len(re.findall(r"[\u4e00-\u9fff]", topic)) >= 2 else (),
        ask="verdict",
        verdict="cadence",
        amount=(AMOUNT_CADENCE[asked.group(1)], 0),
    )


def count_asked(a: Analysis, text: str, base: Query) -> Query | None:
    """第五条是不是有5个责任单位: the count of the item's units, asked as a yes/no."""
    m = next((m for m in COUNT_ASKED.finditer(text) if m.group(3) or m.group(5)), None)
    if not (a.q.refs and m and _YES_NO.search(text)):
        return None
    of_units = m.group(4) or m.group(5) or m.group(3) == "家"
    if not (of_units or re.search(r"单位|部门", text[: m.start()])):
        return None
    if re.search(r"几|多少|哪", text):
        return None
    return base.with_(ask="verdict", verdict="count", amount=("units", cn_to_int(m.group(2)) or 0))


EXTREME_ASKED = re.compile(
    r"(单位|部门)[^，。？?]{0,6}?(最多|最少)|(最多|最少)[^，。？?]{0,4}(单位|部门)"
)


def extreme_asked(a: Analysis, text: str, base: Query) -> Query | None:
    """第四条是不是责任单位最多的一条: whether the item lists the most (fewest) units."""
    m = EXTREME_ASKED.search(text)
    # 最多的一条 is "the one item with the most", not item 1
    raw = a.q.raw
    refs = list(a.q.refs)
    if len(refs) > 1 and "的一条" in raw and refs.count(1) == 1:
        refs.remove(1)
    if not (len(refs) == 1 and m and _YES_NO.search(text)):
        return None
    most = "最多" in (m.group(2) or m.group(3) or "")
    amount = ("most" if most else "fewest", 0)
    return base.with_(ask="verdict", verdict="extreme", amount=amount, items=tuple(refs))


EVERY = re.compile(r"每一?条都|所有条目?都|全部条目?都|条条都|每条工作都|每项都")


def every_asked(a: Analysis, text: str, base: Query) -> Query | None:
    """区司法局是不是每条都有: whether the unit is responsible for every item."""
    if not ((base.units or a.asked_self) and EVERY.search(text) and _YES_NO.search(text)):
        return None
    if a.q.refs:
        return None
    return base.with_(ask="verdict", verdict="every")


def structure_verdict(a: Analysis, text: str, base: Query) -> Query | None:
    """A yes/no about the unit lists: an item's count, whether it is the longest, whether a
    unit stands in every item."""
    return count_asked(a, text, base) or extreme_asked(a, text, base) or every_asked(a, text, base)
