"""Text normalisation for matching: width, script and punctuation folded, originals kept elsewhere.

Documents and officials mix full- and half-width punctuation (各镇(街、区) vs 各镇（街、区）),
traditional and simplified characters, and stray spaces ("学法 1 次"). Everything that is
*compared* goes through :func:`norm`; everything that is *shown* stays as written.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from knowledge.text import simplified

_SPACES = re.compile(r"\s+")
_DIGIT_VALUES = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_POWERS = {"十": 10, "百": 100, "千": 1000}
_CN_DIGITS = "".join(_DIGIT_VALUES) + "".join(_POWERS)


@lru_cache(maxsize=16384)
def to_simplified(text: str) -> str:
    """Traditional characters to simplified (:mod:`knowledge.text.simplified`), cached."""
    return simplified.to_simplified(text)


def fold_width(text: str) -> str:
    """NFKC folds full-width ASCII and punctuation (（ → (, ： → :, １ → 1); CJK is untouched."""
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=16384)  # bounded: recent questions and unit names (a registry of thousands)
def norm(text: str) -> str:
    """The matching form: NFKC, simplified, lower-case, no white space."""
    return _SPACES.sub("", to_simplified(fold_width(text))).lower()


def cn_to_int(numeral: str) -> int | None:
    """A Chinese or Arabic numeral (十四, 二十, 一百零五, 两百五, 二〇二一, 14, １４, 〇) to int;
    None if it is not one. Chinese numerals up to 千 (items, counts and years are smaller)."""
    s = fold_width(numeral).strip()
    if not s:
        return None
    if s.isdigit():
        return int(s)
    if any(ch not in _CN_DIGITS for ch in s):
        return None
    if all(ch in _DIGIT_VALUES for ch in s):  # digit by digit: 二〇二一, 一二
        return int("".join(str(_DIGIT_VALUES[ch]) for ch in s))
    return _positional(s)


def _positional(s: str) -> int | None:
    """十四, 一百零五, 三千零二十, 两百五 (= 250); None when the powers are out of order."""
    total, digit, last_power, zero_seen = 0, None, 10_000, False
    for ch in s:
        if ch in _DIGIT_VALUES:
            if digit is not None and digit != 0:
                return None  # 三四十: two digits in a row
            digit = _DIGIT_VALUES[ch]
            zero_seen = zero_seen or digit == 0
            continue
        power = _POWERS[ch]
        if power >= last_power:
            return None  # 一百一千
        if digit is None:
            if total or power != 10:
                return None  # 百, 千 alone
            digit = 1  # 十四
        total += digit * power
        digit, last_power = None, power
    if digit:
        # 两百五 = 250: a last digit right after 百/千 counts in the next lower power
        abbreviated = not zero_seen and last_power >= 100 and s[-2] in _POWERS
        total += digit * (last_power // 10 if abbreviated else 1)
    return total


_CN_DIGIT_NAMES = "零一二三四五六七八九"


def _below_10000(n: int) -> str:
    out, pending_zero = "", False
    for power, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // power % 10
        if d == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out += "零"
            pending_zero = False
        out += _CN_DIGIT_NAMES[d] + name
    return out


def int_to_cn(number: int) -> str:
    """14 → 十四, 110 → 一百一十, 2021 → 二千零二十一, 10001 → 一万零一 (below 10⁸)."""
    if number < 0:
        return "负" + int_to_cn(-number)
    if number == 0:
        return "零"
    if number >= 100_000_000:
        raise ValueError(f"number too large for a Chinese numeral here: {number}")
    high, low = divmod(number, 10_000)
    text = _below_10000(high) + "万" if high else ""
    if low:
        text += ("零" if high and low < 1000 else "") + _below_10000(low)
    return text[1:] if text.startswith("一十") else text  # 十四, not 一十四


SENTENCE_END = "。！？；!?;"


_OPENS, _CLOSES = "（(《〔【“‘", "）)》〕】”’"


@lru_cache(maxsize=8)
def _sentence_marks(ends: str) -> re.Pattern[str]:
    return re.compile("[" + re.escape(_OPENS + _CLOSES + ends) + "]")


def split_sentences(text: str, ends: str = "。！？!?") -> list[str]:
    """Split on sentence ends, keeping each sentence's end mark; brackets are respected so a
    《…》 title or a （…） aside containing 。 is not cut. Only the marks are visited (one
    regex scan), not every character."""
    out: list[str] = []
    depth = 0
    start = 0
    for m in _sentence_marks(ends).finditer(text):
        ch = m.group()
        if ch in _OPENS:
            depth += 1
        elif ch in _CLOSES:
            depth = max(0, depth - 1)
        elif depth == 0:
            i = m.start()
            piece = text[start : i + 1].strip()
            if piece:
                out.append(piece)
            start = i + 1
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out
