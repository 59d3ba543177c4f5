"""Units named in a question: exact spellings (longest first), one-character typos,
"my unit" (我单位, 我们, 本局…), and category words (镇, 街道, 园区).

A spelling that sits inside a phrase of the document itself (旁听*法院*庭审, 支持配合*检察机关*)
is topic text, not a unit the question is about.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from knowledge.model import UnitCategory
from knowledge.text import norm
from knowledge.units import UnitDirectory

SELF_RE = re.compile(
    r"我们单位|我单位|本单位|我们部门|我部门|本部门|咱们单位|咱单位|我们局|我局|本局|我办|本办"
    r"|我委|本委|我院|本院|我镇|本镇|我街道|本街道|我们镇|我们街道|我们这里|我们这|咱们|我们"
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
        # one-substitution keys: 市场监?局 → spelling (ambiguous keys dropped)
        fuzzy: dict[str, str | None] = {}
        for s in self.spellings:
            if len(s) < 3 or not re.fullmatch(r"[\u4e00-\u9fff]+", s):
                continue
            for j in range(len(s)):
                key = s[:j] + "?" + s[j + 1 :]
                fuzzy[key] = None if key in fuzzy and fuzzy[key] != s else s
        self.fuzzy = {k: v for k, v in fuzzy.items() if v is not None}
        self.fuzzy_lengths = sorted({len(k) for k in self.fuzzy}, reverse=True)

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
        if not any(m.kind in ("unit", "group", "category") for m in found):
            found.extend(self._fuzzy(text, taken))
        found.sort(key=lambda m: m.start)
        return found

    @staticmethod
    def _single_ok(text: str, start: int) -> bool:
        """A one-character spelling (镇) only as the question's subject: 镇有哪些任务."""
        before_ok = start == 0 or text[start - 1] in "，,里中"
        return before_ok and len(text) > start + 1 and text[start + 1] in "要有的需应该负承具里们呢"

    def _fuzzy(self, text: str, taken: list[bool]) -> list[Mention]:
        out: list[Mention] = []
        for length in self.fuzzy_lengths:
            for start in range(0, len(text) - length + 1):
                end = start + length
                if any(taken[start:end]):
                    continue
                window = text[start:end]
                if window in self.spellings:
                    continue
                if self.directory.outside_category(window) is not None:
                    continue  # 审计局 is a real unit the directory lacks, not a misspelt 审批局
                for j in range(length):
                    if j == length - 1 and window[j] in UNIT_SUFFIXES:
                        continue  # 司法厅, 司法所: another kind of unit, not a typo of 司法局
                    s = self.fuzzy.get(window[:j] + "?" + window[j + 1 :])
                    if s is not None:
                        if self.in_corpus(window):
                            break
                        kind, name = self.spellings[s]
                        out.append(Mention(kind, name, window, start, end, fuzzy=True))
                        for i in range(start, end):
                            taken[i] = True
                        break
        return out
