"""Reading the subject of an obligation's sentence: which kinds of unit it names.

The grammar is data (``knowledge/data/subjects.toml``): patterns of unit kinds (政府部门,
各地政府, 各级党政, 纪委监委 …) with the unit categories they cover, and patterns of roles inside
a unit (主要负责人, 领导班子成员, 会议) that narrow nothing. :func:`read_subject` splits a
subject into conjuncts, matches the phrases, and says which categories (or named units) the
subject covers and why; :mod:`knowledge.plan.binding` intersects that with an item's units.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from knowledge.plan.model import CATEGORY_LABELS, UnitCategory
from knowledge.plan.units import UnitDirectory
from knowledge.text.normalize import norm

DATA_FILE = "subjects.toml"
ALL = "*"
ALL_CATEGORIES: frozenset[UnitCategory] = frozenset(UnitCategory)


@dataclass(frozen=True)
class Phrase:
    """One rule of the grammar: a pattern and what it means."""

    pattern: re.Pattern[str]
    categories: frozenset[UnitCategory]  # empty for a role
    means: str
    role: bool = False


@dataclass(frozen=True)
class Match:
    """Words of the subject a phrase (or a directory name) recognised."""

    words: str  # as matched in the normalised subject
    means: str
    categories: frozenset[UnitCategory]
    units: frozenset[str] = frozenset()  # a unit named directly
    role: bool = False


@dataclass(frozen=True)
class Conjunct:
    """One part of a subject between 、/和/及: its matches and what it covers."""

    text: str
    matches: tuple[Match, ...]
    categories: frozenset[UnitCategory] | None  # None: no kind recognised
    units: frozenset[str] = frozenset()

    @property
    def known(self) -> bool:
        return self.categories is not None or bool(self.units)


@dataclass(frozen=True)
class SubjectReading:
    """What a subject covers. ``narrows`` is False when the subject says nothing narrower than
    the item's units (empty, unknown words, or 各单位)."""

    subject: str
    conjuncts: tuple[Conjunct, ...]
    categories: frozenset[UnitCategory]
    units: frozenset[str]
    narrows: bool

    def covers(self, name: str, category: UnitCategory) -> bool:
        return not self.narrows or name in self.units or category in self.categories

    @property
    def reason(self) -> str:
        """The subject words quoted, with what they mean: 「各地政府」→ 各地（各级）政府…"""
        if not self.subject.strip():
            return "原文未指明更具体的主体"
        if not self.narrows:
            return f"「{self.subject}」未限定单位类别"
        parts: list[str] = []
        for c in self.conjuncts:
            kinds = [m for m in c.matches if not m.role]
            narrowing = [m for m in kinds if m.units or m.categories != ALL_CATEGORIES]
            kinds = narrowing or kinds
            what = "；".join(dict.fromkeys(m.means for m in kinds)) or "（未识别）"
            parts.append(f"「{c.text}」→ {what}")
        return "；".join(parts)

    @property
    def category_labels(self) -> list[str]:
        return [CATEGORY_LABELS[c] for c in UnitCategory if c in self.categories]


@lru_cache(maxsize=4)
def load_grammar(text: str | None = None) -> tuple[Phrase, ...]:
    if text is None:
        text = resources.files("knowledge.data").joinpath(DATA_FILE).read_text("utf-8")
    data = tomllib.loads(text)
    out: list[Phrase] = []
    for entry in data.get("kind", []):
        cats = entry["categories"]
        categories = ALL_CATEGORIES if ALL in cats else frozenset(UnitCategory(c) for c in cats)
        out.append(Phrase(re.compile(entry["pattern"]), categories, entry.get("means", "")))
    for entry in data.get("role", []):
        out.append(
            Phrase(re.compile(entry["pattern"]), frozenset(), entry.get("means", ""), role=True)
        )
    return tuple(out)


_TITLE = re.compile(r"《[^》]*》|“[^”]*”")
_CONJ = re.compile(r"、|,|以及|及|和|与")


def _conjuncts(subject: str, protected: list[tuple[int, int]]) -> list[str]:
    """Split on 、 , 和 及 与 outside brackets and outside ``protected`` spans (phrases such as
    各级党委和政府 or 区自然资源和规划局 that contain a conjunction)."""
    out: list[str] = []
    depth = 0
    buf = ""
    i = 0
    while i < len(subject):
        ch = subject[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        if depth == 0 and not any(a < i < b for a, b in protected):
            m = _CONJ.match(subject, i)
            if m:
                if buf:
                    out.append(buf)
                buf = ""
                i = m.end()
                continue
        buf += ch
        i += 1
    if buf:
        out.append(buf)
    return out


def _spans(
    text: str, grammar: tuple[Phrase, ...], directory: UnitDirectory | None
) -> list[tuple[int, int, int, Match]]:
    """Every phrase and directory name found in ``text``: (start, end, priority, match)."""
    spans: list[tuple[int, int, int, Match]] = []
    for dm in _directory_matches(text, directory):
        for m in re.finditer(re.escape(dm.words), text):
            spans.append((m.start(), m.end(), 0, dm))
    for ph in grammar:
        for m in ph.pattern.finditer(text):
            if m.end() > m.start():
                match = Match(m.group(0), ph.means, ph.categories, role=ph.role)
                spans.append((m.start(), m.end(), 2 if ph.role else 1, match))
    return spans


def _directory_matches(text: str, directory: UnitDirectory | None) -> list[Match]:
    if directory is None:
        return []
    found: list[Match] = []
    for name, owner in directory._spellings():  # noqa: SLF001 - the directory's own spellings
        key = norm(name)
        if len(key) < 2:
            continue
        start = text.find(key)
        if start < 0:
            continue
        if owner in directory.groups:
            g = directory.groups[owner]
            found.append(Match(key, f"{owner}（单位组）", frozenset(g.categories)))
        else:
            found.append(Match(key, owner, frozenset(), units=frozenset({owner})))
    return found


def _read_conjunct(
    text: str, grammar: tuple[Phrase, ...], directory: UnitDirectory | None
) -> Conjunct:
    spans = _spans(text, grammar, directory)
    # longest match at the earliest start wins (the directory's own names, then kinds, then
    # roles on a tie); later matches must not overlap it
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0]), s[2]))
    chosen: list[Match] = []
    end = 0
    for start, stop, _prio, match in spans:
        if start < end:
            continue
        chosen.append(match)
        end = stop
    kinds = [m for m in chosen if not m.role]
    units = frozenset(u for m in kinds for u in m.units)
    category_sets = [m.categories for m in kinds if not m.units]
    categories: frozenset[UnitCategory] | None = None
    if category_sets:
        categories = frozenset.intersection(*category_sets)
        if not categories:  # contradictory qualifiers: take them all rather than nothing
            categories = frozenset.union(*category_sets)
    return Conjunct(text, tuple(chosen), categories, units)


def read_subject(
    subject: str, directory: UnitDirectory | None = None, grammar: tuple[Phrase, ...] | None = None
) -> SubjectReading:
    """Which categories (and named units) ``subject`` covers, and why."""
    grammar = grammar if grammar is not None else load_grammar()
    text = _TITLE.sub("", norm(subject)).strip(",，:：")
    protected = [(a, b) for a, b, _p, _m in _spans(text, grammar, directory)]
    conjuncts = tuple(
        _read_conjunct(c, grammar, directory) for c in _conjuncts(text, protected) if c
    )
    if not conjuncts or not all(c.known for c in conjuncts):
        return SubjectReading(subject, conjuncts, ALL_CATEGORIES, frozenset(), narrows=False)
    categories = frozenset().union(*(c.categories or frozenset() for c in conjuncts))
    units = frozenset().union(*(c.units for c in conjuncts))
    narrows = not (categories >= ALL_CATEGORIES)
    return SubjectReading(subject, conjuncts, categories, units, narrows=narrows)
