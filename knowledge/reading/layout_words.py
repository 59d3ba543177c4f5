"""The structural words of the document family (labels, role verbs, unit name shapes), loaded
from ``knowledge/data/layout.toml`` and compiled once."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from knowledge.plan.model import Role


@dataclass(frozen=True)
class LayoutWords:
    role_labels: dict[str, Role]
    leader_labels: frozenset[str]
    deadline_labels: frozenset[str]
    role_verbs: tuple[tuple[str, Role | None], ...]  # longest first; None = the list's role
    first_leads: tuple[str, ...]
    suffixes: tuple[str, ...]  # longest first
    sentence_words: tuple[str, ...]
    label_re: re.Pattern[str]  # any label followed by a colon (or by spaces at a line start)
    header_re: re.Pattern[str]  # a bare label (table column header)
    first_lead_re: re.Pattern[str]
    role_verb_tail: re.Pattern[str]
    sentence_re: re.Pattern[str]
    chrome_re: re.Pattern[str]  # a line of a web page's chrome (文章来源：…, 打印本页)
    chrome_max: int

    def label_kind(self, label: str) -> tuple[str, Role | None]:
        """("unit", role) | ("leader", None) | ("deadline", None)."""
        if label in self.role_labels:
            return "unit", self.role_labels[label]
        if label in self.leader_labels:
            return "leader", None
        return "deadline", None

    def is_chrome(self, line: str) -> bool:
        """A web page's chrome line (文章来源：… 责任编辑：…), never a numbered heading."""
        return len(line) <= self.chrome_max and bool(self.chrome_re.search(line))


def _alt(words: list[str] | tuple[str, ...] | frozenset[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def layout_words() -> LayoutWords:
    data = tomllib.loads(
        resources.files("knowledge.data").joinpath("layout.toml").read_text("utf-8")
    )
    roles: dict[str, Role] = {}
    for role_name, words in data["roles"].items():
        for w in words:
            roles[w] = Role(role_name)
    leaders = frozenset(data["labels"]["leaders"])
    deadlines = frozenset(data["labels"]["deadlines"])
    verbs: list[tuple[str, Role | None]] = []
    for role_name, words in data["role_verbs"].items():
        role = None if role_name == "responsible" else Role(role_name)
        verbs += [(w, role) for w in words]
    verbs.sort(key=lambda v: len(v[0]), reverse=True)
    labels = [*roles, *leaders, *deadlines]
    label_alt = _alt(labels)
    return LayoutWords(
        role_labels=roles,
        leader_labels=leaders,
        deadline_labels=deadlines,
        role_verbs=tuple(verbs),
        first_leads=tuple(data["notes"]["first_leads"]),
        suffixes=tuple(sorted(data["shape"]["suffixes"], key=len, reverse=True)),
        sentence_words=tuple(data["shape"]["sentence_words"]),
        label_re=re.compile(rf"({label_alt})\s*[:：]\s*"),
        header_re=re.compile(rf"^(?:{label_alt}|{_alt(['序号', '编号'])})$"),
        first_lead_re=re.compile(
            rf"[（(]?\s*(?:注\s*[:：])?\s*(?:{_alt(data['notes']['first_leads'])})[^，。；;,）)]*"
            r"(?:\s*[，,；;]?\s*(?:下同|余同|以下同|后同))?\s*[）)]?"
        ),
        role_verb_tail=re.compile(rf"({_alt([v for v, _ in verbs])})$"),
        sentence_re=re.compile(_alt(data["shape"]["sentence_words"])),
        chrome_re=re.compile("|".join(f"(?:{p})" for p in data["chrome"]["patterns"])),
        chrome_max=int(data["chrome"]["max_length"]),
    )
