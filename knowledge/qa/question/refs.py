"""Item references in a question: 第十四条, 第14条, 十四条, 第十四项, 14条, 条目14, item 14, #14,
lists (3、4条, 第3条和第5条, items 3 and 4) and ranges (第3到5条, 3-5条, items 3 to 5).

Works on the matching form of the question (NFKC, simplified, lower-case; single spaces kept so
that "item 14" still parses). A numeral counts as an item reference only with a prefix
(第 / 条目 / item / # / no.) or an item suffix (条 / 项 / 点 / 款): 学法1次, 2021年,
十四五规划, 三项制度 and 第一责任人 are not references.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.qa.question.homophones import is_common
from knowledge.text.normalize import cn_to_int

_NUM = r"(?:\d+|[零〇一二两三四五六七八九十百]+)"
_PRE = r"(?:第|条目|条款|要点|items?|articles?|points?|no\.|no(?=\s*\d)|number|#|№)"
_SUF = r"(?:条|项|点|款)"
_RANGE = r"(?:到|至|~|-|—|–|－|\bto\b|\bthrough\b|\bthru\b)"
_LIST = r"(?:、|,|，|和|与|及|跟|以及|或|/|\band\b|\bor\b|&)"
_MEMBER = rf"(?:(?P<pre>{_PRE})\s*)?(?P<num>{_NUM})(?:\s*(?P<suf>{_SUF}))?"
_MEMBER_RE = re.compile(_MEMBER)
_CHAIN_RE = re.compile(
    rf"(?:{_PRE}\s*)?{_NUM}(?:\s*{_SUF})?(?:\s*(?:{_RANGE}|{_LIST})\s*(?:{_PRE}\s*)?{_NUM}(?:\s*{_SUF})?)*"
)
_CONN_RE = re.compile(rf"\s*({_RANGE}|{_LIST})\s*")
_RANGE_RE = re.compile(rf"^{_RANGE}$")

# 第N followed by these is an ordinal of something else: 第一责任人, 第十四个五年规划, 第一季度…
_ORDINAL_NOT_ITEM = set("个次年季期批名届轮步章节天周月日号位责把人级类种部档层线")
# N条 preceded by these is not a reference: 哪一条, 这一条, 每一条
_NOT_BEFORE = set("哪这那每任某几多上下前后往末头首")
# 那一条, 这两条, 那三条: "that one", "these two"; 那17条 / 那十三条 name an item
_FEW = frozenset({"一", "两", "二", "三", "俩"})
_QUESTION_AFTER = set("讲说是呢吗谁由要写的，。？?!！ ")
_NOT_AFTER = {"条": set("龙件例"), "项": set("制目"), "点": set("钟名"), "款": set("项")}


@dataclass(frozen=True)
class ItemRefs:
    numbers: tuple[int, ...]  # in the order the question names them, ranges expanded
    spans: tuple[tuple[int, int], ...]  # where in the text the references are

    def __bool__(self) -> bool:
        return bool(self.numbers)


def _member_valid(text: str, m: re.Match[str], start: int, end: int, chained: bool) -> bool:
    pre, num, suf = m.group("pre"), m.group("num"), m.group("suf")
    after = text[end : end + 1]
    before = text[start - 1 : start] if start > 0 else ""
    if suf:
        if after and after in _NOT_AFTER.get(suf, set()):
            return False
        if not pre and num in ("两", "俩"):
            return False  # 两条 / 俩条 count items ("these two"); nobody writes 两条 for item 2
        if not pre and before in _NOT_BEFORE and not (before in "那这" and num not in _FEW):
            return False  # (那17条呢 / 那十三条的呢 after an item: what about that item)
        # 三项制度, 一点: a Chinese numeral + 项 needs 第
        if suf in "项点款" and not pre and not chained and not num.isdigit():
            # 十九项 alone or before a question word is an item; 三项制度, 两项任务 are not
            return not after or after in _QUESTION_AFTER
        return True
    if pre:
        if pre != "第" and is_common(num + after):
            return False  # 要点一共几条 / 条目一些: 一共, 一些 are words, not item 1
        return not (pre == "第" and after in _ORDINAL_NOT_ITEM)
    return chained


# financial numerals (大写数字: 第壹拾肆条) read as the plain ones; one character for one,
# so the spans found still point into the caller's text
_FINANCIAL = str.maketrans("壹贰叁肆伍陆柒捌玖拾佰", "一二三四五六七八九十百")


def parse_refs(text: str, max_range: int = 100_000) -> ItemRefs:
    text = text.translate(_FINANCIAL)
    numbers: list[int] = []
    spans: list[tuple[int, int]] = []
    for chain in _CHAIN_RE.finditer(text):
        members = list(_MEMBER_RE.finditer(text, chain.start(), chain.end()))
        parts: list[tuple[re.Match[str], str]] = []  # (member, connector before it)
        pos = chain.start()
        for m in members:
            conn = _CONN_RE.fullmatch(text[pos : m.start()]) if m.start() > pos else None
            parts.append((m, conn.group(1) if conn else ""))
            pos = m.end()
        has_pre = any(m.group("pre") for m, _ in parts)
        has_suf = any(m.group("suf") for m, _ in parts)
        if not (has_pre or has_suf):
            continue
        chained = len(parts) > 1
        values: list[int] = []
        ok = True
        for i, (m, conn) in enumerate(parts):
            value = cn_to_int(m.group("num"))
            if value is None:
                ok = False
                break
            valid_alone = _member_valid(text, m, m.start(), m.end(), chained)
            if not valid_alone and not chained:
                ok = False
                break
            if i and _RANGE_RE.match(conn) and values:
                lo = values[-1]
                if lo < value and value - lo <= max_range:
                    values.extend(range(lo + 1, value + 1))
                    continue
            values.append(value)
        if not ok or not values:
            continue
        # a chain's last member must carry the suffix or some member the prefix
        last = parts[-1][0]
        if not has_pre and not last.group("suf"):
            continue
        if not chained and not _member_valid(text, last, last.start(), last.end(), False):
            continue
        numbers.extend(values)
        spans.append((chain.start(), chain.end()))
    return ItemRefs(tuple(dict.fromkeys(numbers)), tuple(spans))
