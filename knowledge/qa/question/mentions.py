"""Units named in a question: exact spellings (longest first), one-character typos,
"my unit" (我单位, 我们, 本局…), and category words (镇, 街道, 园区).

A spelling that sits inside a phrase of the document itself (旁听*法院*庭审, 支持配合*检察机关*)
is topic text, not a unit the question is about.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from knowledge.plan.model import UnitCategory
from knowledge.plan.units import UnitDirectory
from knowledge.text.normalize import norm

# The asker's own unit: a first-person word, optionally with the kind of unit it is (我们园区,
# 我们开发区, 本中心, 咱局); in a registered chat it is the chat's unit. 我区/本区 (the district as
# a whole) is not one.
SELF_KINDS = "单位|部门|局|办|委|院|镇|街道|街办|园区|开发区|管委会|中心|所|队|站|科|处|室|机关"
SELF_RE = re.compile(
    rf"(?:我们|咱们|我|本|咱)(?:{SELF_KINDS})|我们这里|我们这|咱们|我们"
    r"|我(?=要|需|该|应|得|有|负责|具体|的任务|的职责)"
)

# A unit-like word the directory may not know: 税务局, 教育局, XX镇 (checked after the directory).
UNKNOWN_UNIT_RE = re.compile(
    r"(?:区|市|县)?[\u4e00-\u9fff]{1,6}?(?:局|办公室|办|委员会|委|院|镇|街道办事处|街道|中心|管委会)"
)


# The last character of a unit name says what kind of unit it is; a different one there is
# another unit (司法所, 公安厅), while any other character there is a typo (司法居).
UNIT_SUFFIXES = frozenset("局办委院镇厅处所室科队站部会府组社馆中心街区")


@dataclass(frozen=True)
class Mention:
    kind: str  # "unit", "group", "category", "self", "unknown"
    name: str  # canonical unit/group name, category value, or the text as written
    spelling: str  # the text in the question
    start: int
    end: int
    fuzzy: bool = False


class MentionFinder:
    """Built once per directory (and corpus); ``find`` is a few dict lookups per character."""

    def __init__(
        self,
        directory: UnitDirectory,
        category_words: dict[str, UnitCategory],
        in_corpus: Callable[[str], bool],
    ) -> None:
        self.directory = directory
        self.in_corpus = in_corpus
        self.spellings: dict[str, tuple[str, str]] = {}  # norm spelling → (kind, name)
        for u in directory.units.values():
            for s in (u.name, *u.aliases):
                self.spellings.setdefault(norm(s), ("unit", u.name))
        for word, cat in category_words.items():
            self.spellings[word] = ("category", cat.value)
        for g in directory.groups.values():
            for s in (g.name, *g.aliases):
                self.spellings.setdefault(norm(s), ("group", g.name))
        self.lengths = sorted({len(s) for s in self.spellings}, reverse=True)
        # One-character typos, found without probing every window: a window one substitution
        # away from a spelling matches it exactly in its first half or in its second half
        # (pigeonhole), so each spelling is indexed by both halves; a scan of the question
        # looks the halves up (a few dict probes per character) and only the windows they
        # point at are compared character by character.
        self.heads: dict[str, list[str]] = {}
        self.tails: dict[str, list[str]] = {}
        for s in self.spellings:
            if len(s) < 3 or not re.fullmatch(r"[\u4e00-\u9fff]+", s):
                continue
            half = len(s) // 2
            self.heads.setdefault(s[:half], []).append(s)
            self.tails.setdefault(s[half:], []).append(s)
        self.head_lengths = sorted({len(k) for k in self.heads})
        self.tail_lengths = sorted({len(k) for k in self.tails})

    def _topic_usage(self, text: str, start: int, end: int) -> bool:
        """The spelling with a character of context on each side occurs in the document."""
        if start == 0 or end >= len(text):
            return False
        window = text[start - 1 : end + 1]
        return bool(re.fullmatch(r"[\u4e00-\u9fff]+", window)) and self.in_corpus(window)

    def find(self, text: str) -> list[Mention]:
        """Mentions in ``text`` (compact normalised form), left to right, non-overlapping."""
        taken = [False] * len(text)
        found: list[Mention] = []
        for m in SELF_RE.finditer(text):
            found.append(Mention("self", "self", m.group(0), m.start(), m.end()))
            for i in range(m.start(), m.end()):
                taken[i] = True
        for length in self.lengths:
            for start in range(0, len(text) - length + 1):
                end = start + length
                if any(taken[start:end]):
                    continue
                entry = self.spellings.get(text[start:end])
                if entry is None:
                    continue
                if length == 1 and not self._single_ok(text, start):
                    continue
                if self._topic_usage(text, start, end):
                    continue
                found.append(Mention(entry[0], entry[1], text[start:end], start, end))
                for i in range(start, end):
                    taken[i] = True
        # a misspelt unit beside a well-spelt one (区发该局…区委编办) is still a unit
        found.extend(self._fuzzy(text, taken))
        found.sort(key=lambda m: m.start)
        return found

    @staticmethod
    def _single_ok(text: str, start: int) -> bool:
        """A one-character spelling (镇) only as the question's subject: 镇有哪些任务."""
        before_ok = start == 0 or text[start - 1] in "，,里中"
        return before_ok and len(text) > start + 1 and text[start + 1] in "要有的需应该负承具里们呢"

    def _typo_candidates(self, text: str) -> dict[tuple[int, int], list[tuple[int, str]]]:
        """(start, end) of each window one substitution away from some spelling → the
        (position of the differing character, spelling) pairs, from the half-spelling index."""
        found: dict[tuple[int, int], set[str]] = {}
        n = len(text)
        for i in range(n):
            for hl in self.head_lengths:
                if i + hl > n:
                    break
                for s in self.heads.get(text[i : i + hl], ()):
                    if i + len(s) <= n:
                        found.setdefault((i, i + len(s)), set()).add(s)
            for tl in self.tail_lengths:
                if i + tl > n:
                    break
                for s in self.tails.get(text[i : i + tl], ()):
                    start = i + tl - len(s)
                    if start >= 0:
                        found.setdefault((start, i + tl), set()).add(s)
        out: dict[tuple[int, int], list[tuple[int, str]]] = {}
        for (start, end), spellings in found.items():
            window = text[start:end]
            pairs = []
            for s in spellings:
                diff = [j for j, (a, b) in enumerate(zip(window, s, strict=True)) if a != b]
                if len(diff) == 1:
                    pairs.append((diff[0], s))
            if pairs:
                out[(start, end)] = sorted(pairs)
        return out

    def _fuzzy(self, text: str, taken: list[bool]) -> list[Mention]:
        """One-character typos of a spelling (区司发局, 市场监菅局), longest first, left to right.
        A typo position that two spellings share is ambiguous and not taken."""
        out: list[Mention] = []
        candidates = self._typo_candidates(text)
        for start, end in sorted(candidates, key=lambda w: (w[0] - w[1], w[0])):
            if any(taken[start:end]):
                continue
            window = text[start:end]
            if window in self.spellings:
                continue
            if self.directory.outside_category_key(window) is not None:
                continue  # 审计局 is a real unit the directory lacks, not a misspelt 审批局
            pairs = candidates[(start, end)]
            for j, s in pairs:
                if j == len(window) - 1 and window[j] in UNIT_SUFFIXES:
                    continue  # 司法厅, 司法所: another kind of unit, not a typo of 司法局
                if sum(1 for k, _ in pairs if k == j) > 1:
                    continue  # two spellings differ from the window at the same place
                if self.in_corpus(window):
                    break
                kind, name = self.spellings[s]
                out.append(Mention(kind, name, window, start, end, fuzzy=True))
                for i in range(start, end):
                    taken[i] = True
                break
        return out
