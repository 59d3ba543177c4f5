"""Query-side data: synonyms, category words and the English keyword table.

Loaded once from ``knowledge/data/synonyms.toml`` and ``synonyms_en.toml`` (data with its
source, not code). All keys are stored in their :func:`knowledge.text.normalize.norm` form.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from knowledge.plan.model import UnitCategory
from knowledge.text.normalize import norm


@dataclass(frozen=True)
class Lexicon:
    synonyms: tuple[tuple[str, str], ...]  # (variant, term), longest variant first
    category_words: dict[str, UnitCategory]  # 镇 → town, 街道 → subdistrict …
    english: tuple[tuple[str, str], ...]  # (phrase, Chinese), longest phrase first

    def expand(self, text: str) -> str:
        """The document's terms for the colloquial variants found in ``text`` (normalised)."""
        extra = [term for variant, term in self.synonyms if variant in text and term not in text]
        return "".join(dict.fromkeys(extra))

    def translate(self, text: str) -> str:
        """Replace known English phrases by their Chinese wording (input lower-cased)."""
        if not re.search(r"[a-z]{2}", text):
            return text
        yes_no = _AUXILIARY.match(text)
        if yes_no:  # Is 区司法局 responsible for item 5? → 区司法局 负责 item 5 吗
            text = text[yes_no.end() :].rstrip(" ?？") + " 吗"
        text = re.sub(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])", r"\1月\2日", text)  # 3/20
        for pattern, chinese in _english_patterns(self.english):
            text = pattern.sub(f" {chinese} ", text)
        return text


# an English yes/no question opens with an auxiliary verb (not "is there", a question of its own)
_AUXILIARY = re.compile(
    r"\s*(?:is|are|does|do|did|must|should|can|will|has|have)\s+(?!there\b|it\b(?! true))"
)


@lru_cache(maxsize=4)
def _english_patterns(
    english: tuple[tuple[str, str], ...],
) -> tuple[tuple[re.Pattern[str], str], ...]:
    """One pattern per English phrase, compiled when a question first holds English (about
    170 patterns: compiling them at every start cost more than most questions)."""
    return tuple(
        (re.compile(r"(?<![a-z])" + re.escape(phrase) + r"(?![a-z])"), chinese)
        for phrase, chinese in english
    )


def _read(name: str) -> dict:
    return tomllib.loads(resources.files("knowledge.data").joinpath(name).read_text("utf-8"))


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    data = _read("synonyms.toml")
    pairs = [(norm(v), norm(s["term"])) for s in data.get("synonym", []) for v in s["variants"]]
    pairs.sort(key=lambda p: -len(p[0]))
    cats = {
        norm(w): UnitCategory(c["category"])
        for c in data.get("category_word", [])
        for w in c["words"]
    }
    en = _read("synonyms_en.toml").get("phrases", {})
    english = tuple((k.lower(), v) for k, v in sorted(en.items(), key=lambda kv: -len(kv[0])))
    return Lexicon(tuple(pairs), cats, english)
