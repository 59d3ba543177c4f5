"""Text normalisation for matching: width, script and punctuation folded, originals kept elsewhere.

Documents and officials mix full- and half-width punctuation (各镇(街、区) vs 各镇（街、区）),
traditional and simplified characters, and stray spaces ("学法 1 次"). Everything that is
*compared* goes through :func:`norm`; everything that is *shown* stays as written.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import cn2an
import zhconv

_SPACES = re.compile(r"\s+")
_CN_DIGITS = "零〇一二两三四五六七八九十百千"


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    return zhconv.convert(text, "zh-cn")


def fold_width(text: str) -> str:
    """NFKC folds full-width ASCII and punctuation (（ → (, ： → :, １ → 1); CJK is untouched."""
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=65536)
def norm(text: str) -> str:
    """The matching form: NFKC, simplified, lower-case, no white space."""
    return _SPACES.sub("", to_simplified(fold_width(text))).lower()


def cn_to_int(numeral: str) -> int | None:
    """A Chinese or Arabic numeral (十四, 二十, 14, １４, 〇) to int; None if it is not one."""
    s = fold_width(numeral).strip()
    if not s:
        return None
    if s.isdigit():
        return int(s)
    if any(ch not in _CN_DIGITS for ch in s):
        return None
    try:
        value = cn2an.cn2an(s.replace("〇", "零"), "smart")
    except (ValueError, KeyError, IndexError):
        return None
    return int(value)


def int_to_cn(number: int) -> str:
    return str(cn2an.an2cn(number))


SENTENCE_END = "。！？；!?;"


def split_sentences(text: str, ends: str = "。！？!?") -> list[str]:
    """Split on sentence ends, keeping each sentence's end mark; brackets are respected so a
    《…》 title or a （…） aside containing 。 is not cut."""
    out: list[str] = []
    depth = 0
    start = 0
    opens, closes = "（(《〔【“‘", "）)》〕】”’"
    for i, ch in enumerate(text):
        if ch in opens:
            depth += 1
        elif ch in closes:
            depth = max(0, depth - 1)
        elif ch in ends and depth == 0:
            piece = text[start : i + 1].strip()
            if piece:
                out.append(piece)
            start = i + 1
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out
