"""Position words → item references: 倒数第三条, 最后一条, 前五条, 后三条 become the item
numbers of the plan at hand, so the reference parser (:mod:`.refs`) reads them like 第18条."""

from __future__ import annotations

import re

from knowledge.qa.question.words import QuestionWords
from knowledge.text.normalize import cn_to_int

_NUM = r"(\d{1,3}|[一二两三四五六七八九十]{1,3})"
_UNIT_SUFFIX = r"(?:条|项|点|款)"
_FROM_END = re.compile(rf"倒数第{_NUM}{_UNIT_SUFFIX}?")
_HEAD = re.compile(
    rf"(?<![\u4e00-\u9fff])前{_NUM}{_UNIT_SUFFIX}|(?<=[看问查列给说讲出的是])前{_NUM}{_UNIT_SUFFIX}"
)
_TAIL = re.compile(
    rf"(?:最后|(?<![\u4e00-\u9fff])后|(?<=[看问查列给说讲出的是])后){_NUM}{_UNIT_SUFFIX}"
)


def resolve_positions(text: str, numbers: list[int], words: QuestionWords) -> str:
    """Position words → item references the reference parser reads: 倒数第三条 → 第18条,
    最后一条 → 第20条, 前五条 → 第1至5条, 后三条 → 第18至20条 (for a 20-item plan)."""
    if not numbers:
        return text
    n = len(numbers)

    def ref(a: int, b: int | None = None) -> str:
        if b is None or b == a:
            return f"第{numbers[a]}条"
        return f"第{numbers[a]}至{numbers[b]}条"

    def from_end(m: re.Match[str]) -> str:
        k = cn_to_int(m.group(1)) or 0
        return ref(n - k) if 1 <= k <= n else m.group(0)

    text = _FROM_END.sub(from_end, text)
    text = words.last.sub(lambda m: ref(n - 1), text)
    text = words.first.sub(lambda m: ref(0), text)

    def head(m: re.Match[str]) -> str:
        k = cn_to_int(m.group(1) or m.group(2)) or 0
        return ref(0, k - 1) if 2 <= k <= n else m.group(0)

    def tail(m: re.Match[str]) -> str:
        k = cn_to_int(m.group(1)) or 0
        return ref(n - k, n - 1) if 2 <= k <= n else m.group(0)

    text = _HEAD.sub(head, text)
    return _TAIL.sub(tail, text)
