"""The cadence grammar: how often an obligation recurs and how many times, read from a phrase.

    cadence := 每(N)(个)月 | 每季度 | 每半年 | 每年 | 每两个月 | 一年N次 | 年内 | 常态化 | …
    count   := (至少 | 不少于 | 不低于 | …) N (次 | 期 | 场 | …)  |  cadence … N 次

The phrases are data (``knowledge/data/cadences.toml``, with their sources); this module only
applies them. A text with a count but no cadence phrase means once within the plan's year
(旁听庭审不少于1次); 常态化 has no fixed period and says so (:attr:`Cadence.ONGOING`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from knowledge.plan.model import Cadence
from knowledge.text.normalize import cn_to_int, fold_width

NUMERAL = r"[0-9]+|[一二两三四五六七八九十]+"


@dataclass(frozen=True)
class Phrase:
    pattern: re.Pattern[str]
    cadence: str  # a Cadence value, or "months" (每N个月: N chooses)
    count: int | None = None


@dataclass(frozen=True)
class Grammar:
    phrases: tuple[Phrase, ...]
    months: dict[int, Cadence]
    minimum: tuple[str, ...]
    units: tuple[str, ...]

    @property
    def any_phrase(self) -> str:
        """Every phrase as one alternation without named groups (to embed in other patterns)."""
        return "|".join(re.sub(r"\(\?P<\w+>", "(?:", p.pattern.pattern) for p in self.phrases)


@dataclass(frozen=True)
class CadenceMatch:
    """A cadence phrase found in a text: the cadence, the count it states, where it stands."""

    cadence: Cadence
    count: int | None
    phrase: str
    start: int
    end: int


@dataclass(frozen=True)
class CadenceSpec:
    """What a text says: the cadence and the count per period (1 when it states none)."""

    cadence: Cadence
    count: int
    phrase: str = ""  # the cadence phrase as written ("" when none: once in the plan's year)


@lru_cache(maxsize=1)
def grammar() -> Grammar:
    text = resources.files("knowledge.data").joinpath("cadences.toml").read_text("utf-8")
    data = tomllib.loads(text)
    phrases = tuple(
        Phrase(re.compile(p["pattern"]), p["cadence"], p.get("count")) for p in data["phrase"]
    )
    for p in phrases:
        if p.cadence != "months":
            Cadence(p.cadence)  # a wrong value fails here, not on some document later
    months = {int(k): Cadence(v) for k, v in data["months"].items()}
    count = data["count"]
    return Grammar(phrases, months, tuple(count["minimum"]), tuple(count["units"]))


def _resolve(phrase: Phrase, m: re.Match[str]) -> tuple[Cadence, int | None] | None:
    count = phrase.count
    if "count" in m.re.groupindex and m.group("count"):
        count = cn_to_int(m.group("count"))
    if phrase.cadence != "months":
        return Cadence(phrase.cadence), count
    n = cn_to_int(m.group("n")) if m.group("n") else 1
    cadence = grammar().months.get(n or 0)
    return (cadence, count) if cadence else None


def find_cadence(text: str, start: int = 0) -> CadenceMatch | None:
    """The leftmost cadence phrase in ``text`` (the first listed phrase at equal positions)."""
    s = fold_width(text)
    best: CadenceMatch | None = None
    for phrase in grammar().phrases:
        for m in phrase.pattern.finditer(s, start):
            if best is not None and m.start() >= best.start:
                break
            got = _resolve(phrase, m)
            if got is None:
                continue
            best = CadenceMatch(got[0], got[1], text[m.start() : m.end()], m.start(), m.end())
            break
    return best


def cadence_of(phrase: str) -> Cadence:
    """The cadence a phrase names as a whole; once within the plan's year when it names none."""
    found = find_cadence(phrase)
    return found.cadence if found else Cadence.ONCE


@lru_cache(maxsize=1)
def _count_re() -> re.Pattern[str]:
    g = grammar()
    pre = "|".join(sorted(g.minimum, key=len, reverse=True))
    units = "|".join(g.units)
    return re.compile(rf"(?:{pre})\s*[\u4e00-\u9fff]{{0,6}}?\s*(?P<n>{NUMERAL})\s*(?:{units})")


def find_count(text: str) -> int | None:
    """The minimum count a text states (至少2次, 不少于两期), None when it states none."""
    m = _count_re().search(fold_width(text))
    return cn_to_int(m.group("n")) if m else None


def read_cadence(text: str) -> CadenceSpec | None:
    """Cadence and count of an obligation's phrase; None when it has neither a cadence phrase
    nor a count. 每两个月至少学法1次 → (bimonthly, 1); 每季度至少学法2次 → (quarterly, 2);
    一年两次 → (annual, 2); 旁听庭审不少于1次 → (once, 1); 常态化开展 → (ongoing, 1)."""
    found = find_cadence(text)
    count = find_count(text)
    if found is None and count is None:
        return None
    if found is None:
        return CadenceSpec(Cadence.ONCE, count or 1)
    if count is None:
        count = found.count
        if count is None:
            m = re.compile(rf"[\u4e00-\u9fff]{{0,24}}?(?P<n>{NUMERAL})\s*(?:次|期|场|回|轮|批)")
            after = m.match(fold_width(text), found.end)
            count = cn_to_int(after.group("n")) if after else None
    return CadenceSpec(found.cadence, max(count or 1, 1), found.phrase)
