"""Evidence from the document's own sentences: every sentence of a plan indexed (the project's
BM25 over characters and bigrams), and the literal phrases a question shares with the items.

Two uses, both free of word lists (a new year's document brings its own vocabulary):
- :func:`literal_items`: the longest run of the question (at least ``LITERAL_MIN`` characters)
  that stands literally in the items' text; when it stands in few items, those items are what
  the question is about ("X是哪一条", "X谁负责" cite the item holding X first).
- :func:`best_sentences`: when the typed query cannot resolve a question, the best matching
  sentences are quoted under their item numbers instead of refusing; a refusal is left for
  questions that share no content with the document (:func:`shares_content`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.qa.index.bm25 import BM25Index
from knowledge.text.normalize import norm

LITERAL_MIN = 4  # shorter runs (法治, 政府) are everyday words, not a citation
LITERAL_MAX = 24  # longer runs are cut: a quoted sentence is found by its first 24 characters
LITERAL_MAX_ITEMS = 3  # a phrase standing in more items says nothing about which one
RARE_MAX = 200  # documents of a window's rarest bigram read at most (large plans)
EVIDENCE_MIN_CHARS = 4  # characters of the question a sentence must share (in bigrams)
EVIDENCE_MIN_SHARE = (
    0.6  # and this share of the question's characters (calibrated on out-of-document questions)
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_RUN = re.compile(r"[\u4e00-\u9fff0-9a-z]+")


def docs_with(index: BM25Index, window: str, limit: int) -> list[int]:
    """The documents whose text holds ``window``; [] when more than ``limit`` do. Only the
    documents of its rarest bigram are read; a window whose every bigram is common (in more
    than ``RARE_MAX`` documents) is skipped, which keeps a 10,000-item plan fast."""
    grams = {window[i : i + 2] for i in range(len(window) - 1)}
    rarest = min((index.postings(g) for g in grams), key=len, default=())
    if not rarest or len(rarest) > RARE_MAX:
        return []
    found: list[int] = []
    for d in rarest:
        if window in index.texts[d]:
            found.append(d)
            if len(found) > limit:
                return []
    return found


@dataclass(frozen=True)
class Literal:
    """The longest run of the question standing literally in few items."""

    docs: tuple[int, ...]  # item positions holding it
    start: int
    end: int


def literal_match(index: BM25Index, text: str) -> Literal | None:
    """The longest literal run of ``text`` (at least ``LITERAL_MIN`` characters) standing in at
    most ``LITERAL_MAX_ITEMS`` items, or None."""
    best: Literal | None = None
    for run in _RUN.finditer(text):
        body = run.group(0)
        floor = max(LITERAL_MIN, best.end - best.start + 1 if best else 0)
        for length in range(min(len(body), LITERAL_MAX), floor - 1, -1):
            for start in range(len(body) - length + 1):
                window = body[start : start + length]
                if not re.search(r"[\u4e00-\u9fff]{2}", window):
                    continue
                docs = docs_with(index, window, LITERAL_MAX_ITEMS)
                if docs:
                    at = run.start() + start
                    best = Literal(tuple(docs), at, at + length)
                    break
            if best is not None and best.end - best.start == length:
                break
    return best


@dataclass(frozen=True)
class Evidence:
    """One sentence of the document: the item it stands in (position) and its text."""

    pos: int
    sentence: str
    score: float


def best_sentences(
    index: BM25Index, sentences: list[list[str]], topic: str, k: int = 3
) -> list[Evidence]:
    """The best sentences for the question's ``topic`` (normalised text), at most one per
    item: the items the topic's bigrams find, then each item's sentence sharing most of the
    topic. A sentence counts as evidence when the bigrams it shares with the topic cover
    ``EVIDENCE_MIN_CHARS`` characters and ``EVIDENCE_MIN_SHARE`` of them. No index of its
    own: the item index narrows the search, so nothing is built or kept for it."""
    chars = [c for c in topic if _CJK.match(c)]
    grams = [topic[i : i + 2] for i in range(len(topic) - 1)]
    grams = [g for g in grams if _CJK.match(g[0]) and _CJK.match(g[1]) and index.known(g)]
    if not grams:
        return []
    out: list[Evidence] = []
    for hit in index.search(grams, k=k * 4):
        best, best_cov = "", 0
        for s in sentences[hit.doc]:
            cov = covered_chars(topic, norm(s))
            if cov > best_cov:
                best, best_cov = s, cov
        if best_cov >= EVIDENCE_MIN_CHARS and best_cov >= EVIDENCE_MIN_SHARE * len(chars):
            out.append(Evidence(hit.doc, best, hit.score + best_cov))
    out.sort(key=lambda e: -e.score)
    return out[:k]


def covered_chars(topic: str, text: str) -> int:
    """How many characters of ``topic`` lie in a bigram that ``text`` also holds."""
    hit = [False] * len(topic)
    for i in range(len(topic) - 1):
        if _CJK.match(topic[i]) and _CJK.match(topic[i + 1]) and topic[i : i + 2] in text:
            hit[i] = hit[i + 1] = True
    return sum(hit)


def shares_content(index: BM25Index, terms: list[str]) -> bool:
    """Does the question share a content word (a bigram the document holds) with it?"""
    return any(len(t) > 1 and t in index.idf for t in terms)
