"""Homophone slips of the pinyin input method: 责任担位 → 责任单位, 付责 → 负责, 检查院 → 检察院.

Officials type with pinyin; the commonest slip is the right syllable with the wrong character.
A character is replaced by one with the same toneless reading when the replacement joins its
neighbours into words the vocabulary knows and the typed character does not. The vocabulary is
the document's own text, the unit names and the question words (so a new year's document
brings its words along); the readings are a table of the GB 2312 characters
(``knowledge/data/pinyin.tsv``). Nothing is replaced that already reads as known words.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

_CJK = re.compile(r"[\u4e00-\u9fff]+")
# numerals and the item / count words stay as typed (第十四条, 几个, 一条)
_KEEP = frozenset("零〇一二两三四五六七八九十百千第条项个次")


@lru_cache(maxsize=1)
def _sounds() -> dict[str, str]:
    """Syllable → the characters read so (413 short strings: the table as it is stored)."""
    raw = resources.files("knowledge.data").joinpath("pinyin.tsv").read_text("utf-8")
    return dict(line.split("\t") for line in raw.splitlines() if line and not line.startswith("#"))


@lru_cache(maxsize=8192)  # bounded: at most the 6,763 characters of the table
def reading(ch: str) -> str:
    """The usual toneless pinyin reading of ``ch`` ("" when the table lacks it)."""
    return next((syllable for syllable, chars in _sounds().items() if ch in chars), "")


@lru_cache(maxsize=1)
def _common_codes() -> array:
    """Common two-character words (``knowledge/data/common_words.txt``), each one integer of
    its two code points, sorted in a compact array (≈ 100 KB, not the 3 MB of a set)."""
    raw = resources.files("knowledge.data").joinpath("common_words.txt").read_text("utf-8")
    codes = array("Q")
    for line in raw.splitlines():  # line by line: no transient set of 23,000 objects
        if not line.startswith("#"):
            codes.extend(_code(w) for w in line.split())
    return codes  # the file is sorted (tests/test_qa_homophones.py checks it)


def _code(pair: str) -> int:
    return (ord(pair[0]) << 21) | ord(pair[1]) if len(pair) == 2 else -1


@lru_cache(maxsize=8192)  # bounded: the pairs of recent questions
def is_common(pair: str) -> bool:
    """Is ``pair`` a common two-character word (审计, 一期, 一共)?"""
    code, codes = _code(pair), _common_codes()
    i = bisect_left(codes, code)
    return i < len(codes) and codes[i] == code


class HomophoneRepair:
    """Built once from the vocabulary: ``words`` (unit names, question words: whole words, so
    each pair of adjacent characters in them is a strong sign) and ``texts`` (the documents:
    a pair there may straddle two words, a weaker sign)."""

    def __init__(self, words: Iterable[str], texts: Iterable[str]) -> None:
        words = list(words)
        _common_codes()  # loaded with the engine, not inside the first question's time
        self.strong = _pairs(words)
        # two-character words standing alone in the vocabulary (几条, 单位, 负责)
        self.words2 = frozenset(r for w in words for r in _CJK.findall(w) if len(r) == 2)
        self.pairs = self.strong | _pairs(texts)
        by_sound: dict[str, set[str]] = {}
        for ch in {ch for p in self.pairs for ch in p}:
            if ch not in _KEEP and (syllable := reading(ch)):
                by_sound.setdefault(syllable, set()).add(ch)
        self._by_sound = {k: "".join(sorted(v)) for k, v in by_sound.items()}

    def _alike(self, ch: str) -> str:
        """The vocabulary's characters read like ``ch`` (not ``ch`` itself)."""
        if ch in _KEEP or not ("\u4e00" <= ch <= "\u9fff"):
            return ""
        return self._by_sound.get(reading(ch), "").replace(ch, "")

    def _fit(self, left: str, ch: str, right: str) -> tuple[int, int]:
        """(known pairs, strong pairs) ``ch`` makes with its neighbours."""
        a, b = left + ch, ch + right
        return (a in self.pairs) + (b in self.pairs), (a in self.strong) + (b in self.strong)

    def _best(self, chars: list[str], i: int) -> tuple[int, str] | None:
        """The gain and the homophone at ``i``: the one character that makes both pairs known,
        or one strong pair where the typed character makes no known pair and no common word
        (审计局 is not a slip for 审急局, though 应急局 is a unit)."""
        alike = self._alike(chars[i])
        if not alike:
            return None
        left = chars[i - 1] if i else ""
        right = chars[i + 1] if i + 1 < len(chars) else ""
        have, have_strong = self._fit(left, chars[i], right)
        if have == 2:
            return None
        fits = {h: self._fit(left, h, right) for h in alike}
        top = max(fits.values())
        best = [h for h, f in fits.items() if f == top]
        known, strong = top
        if len(best) != 1:
            return None
        if known <= have and have:
            return None  # nothing to gain (and no word of its own where none was)
        typed_word = is_common(left + chars[i]) or is_common(chars[i] + right)
        clear = have == 0 and self._clear(left, chars[i], right, best[0])
        if not clear and (known <= have or not (known == 2 or (strong and not typed_word))):
            return None
        if (have_strong or typed_word) and strong < 2 and not clear:
            return None  # 公安 (除了公安负责的) is a word already: only two strong pairs beat it
        return max(known - have, 1), best[0]

    def _clear(self, left: str, typed: str, right: str, h: str) -> bool:
        """有机条 is 有几条: the homophone makes a word of its own (几条) on the side where the
        typed character makes nothing (机条), though it makes a word on the other (有机)."""
        for mine, theirs in ((left + h, left + typed), (h + right, typed + right)):
            if mine in self.words2 and theirs not in self.pairs and not is_common(theirs):
                return True
        return False

    def repair(self, text: str) -> str:
        """``text`` with its slips replaced, the surest first (a replacement changes what its
        neighbours fit with: 执发部门 is 执法部门, not 制发部门)."""
        chars = list(text)
        done: set[int] = set()
        while True:
            found = [
                (b, i) for i in range(len(chars)) if i not in done and (b := self._best(chars, i))
            ]
            if not found:
                break
            (gain, h), i = max(found, key=lambda f: (f[0][0], -f[1]))
            chars[i] = h
            done.add(i)
        out = "".join(chars)
        if _BARE_THAT.search(out) and not _ASKING.search(_BARE_THAT.sub("", out)):
            # 那些工作每季度要做 / 工作要点是那年的: with no other question word, 那 is 哪
            out = _BARE_THAT.sub(lambda m: "哪" + m.group(1), out, count=1)
        return out


def _pairs(texts: Iterable[str]) -> frozenset[str]:
    pairs: set[str] = set()
    for text in texts:
        for run in _CJK.findall(text):
            pairs.update(run[i : i + 2] for i in range(len(run) - 1))
    return frozenset(pairs)


_BARE_THAT = re.compile(r"那(些|几|个|一(?=条|项|年|个)|年|条|项)")
_ASKING = re.compile(r"哪|谁|什么|啥|几|多少|吗|呢|么|怎|如何|是否|是不是|有没有|能否|为何")
