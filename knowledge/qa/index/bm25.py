"""A BM25 index over character n-grams (or jieba words), built once per set of documents.

Why character bigrams (plus down-weighted unigrams): questions are short and colloquial, with
typos and abbreviations; a typo destroys at most two bigrams instead of a whole word, and no
word segmenter has to agree with the document's compounds (营商环境, 放管服, 枫桥经验).
``bench/bench_qa.py`` measures this against jieba words.

Scores are computed with precomputed per-posting BM25 weights (compact ``array`` postings),
so a query costs one pass over each query term's postings. Plain Python, not numpy: the
plans are small, and importing numpy cost about as much as the rest of ``fazhi ask``'s start.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.text.simplified import to_simplified, traditional_chars

_RUNS = re.compile(r"[\u3400-\u9fffa-z0-9]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_SPACE = re.compile(r"\s+")


def fast_norm(text: str) -> str:
    """:func:`knowledge.text.normalize.norm` for long document text: the (slow) script conversion
    runs only when the text holds a character that has a simplified form."""
    text = unicodedata.normalize("NFKC", text)
    trad = traditional_chars()
    if any(ch in trad for ch in text):
        text = to_simplified(text)
    return _SPACE.sub("", text).lower()


def char_terms(text: str, unigrams: bool = True) -> list[str]:
    """Characters and bigrams of each run of CJK / ASCII alphanumerics (normalised text)."""
    out: list[str] = []
    for run in _RUNS.findall(text):
        if unigrams or len(run) == 1:
            out.extend(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def jieba_terms(text: str) -> list[str]:
    import jieba  # imported lazily: only the measured alternative needs it

    return [t for t in jieba.lcut_for_search(text) if _RUNS.fullmatch(t)]


@dataclass(frozen=True)
class Hit:
    doc: int
    score: float


class BM25Index:
    """BM25 with a boosted title field. Documents are (title, body) pairs of raw text."""

    def __init__(
        self,
        docs: Sequence[tuple[str, str]],
        analyzer: str = "char",
        k1: float = 1.2,
        b: float = 0.6,
        title_boost: float = 3.0,
        unigram_weight: float = 0.25,
    ) -> None:
        self.analyzer = analyzer
        self.unigram_weight = unigram_weight
        self.n_docs = len(docs)
        self.k1, self.b, self.title_boost = k1, b, title_boost
        texts = [(fast_norm(t), fast_norm(body)) for t, body in docs]
        counts = [self._count(title, body) for title, body in texts]
        lengths = [sum(tf.values()) for tf in counts]
        avgdl = max(sum(lengths) / self.n_docs if self.n_docs else 1.0, 1e-9)
        # postings in document order: term → (doc ids, term frequencies), then BM25 weights
        docs_of: dict[str, array[int]] = {}
        tfs_of: dict[str, list[float]] = {}
        for doc, tf in enumerate(counts):
            for term, freq in tf.items():
                ids = docs_of.get(term)
                if ids is None:
                    docs_of[term] = ids = array("i")
                    tfs_of[term] = []
                ids.append(doc)
                tfs_of[term].append(freq)
        norm_len = [k1 * (1.0 - b + b * n / avgdl) for n in lengths]
        self.idf: dict[str, float] = {}
        self._postings: dict[str, tuple[array[int], array[float]]] = {}
        for term, ids in docs_of.items():
            df = len(ids)
            idf = math.log1p((self.n_docs - df + 0.5) / (df + 0.5))
            self.idf[term] = idf
            weights = array(
                "f",
                [
                    idf * tf * (k1 + 1.0) / (tf + norm_len[d])
                    for d, tf in zip(ids, tfs_of[term], strict=True)
                ],
            )
            self._postings[term] = (ids, weights)
        self.max_idf = math.log(1.0 + (self.n_docs + 0.5) / 0.5)
        self.texts = [t + "。" + body for t, body in texts]
        self._doc_terms_cache: dict[int, frozenset[str]] = {}
        # For typo repair: which characters follow / precede a character in some bigram.
        self._next: dict[str, set[str]] = {}
        self._prev: dict[str, set[str]] = {}
        for t in self._postings:
            if len(t) == 2 and _CJK.match(t[0]) and _CJK.match(t[1]):
                self._next.setdefault(t[0], set()).add(t[1])
                self._prev.setdefault(t[1], set()).add(t[0])

    def _count(self, title: str, body: str) -> Counter[str]:
        """Term frequencies of one document, title terms counted ``title_boost`` times."""
        tf: Counter[str] = Counter(self.terms(body))
        for t, c in Counter(self.terms(title)).items():
            tf[t] += c * self.title_boost
        return tf

    def doc_terms(self, doc: int) -> frozenset[str]:
        found = self._doc_terms_cache.get(doc)
        if found is None:
            title_body = self.texts[doc]
            found = frozenset(self.terms(title_body))
            if len(self._doc_terms_cache) < 4096:
                self._doc_terms_cache[doc] = found
        return found

    # -- analysis ----------------------------------------------------------------------------
    def terms(self, text: str) -> list[str]:
        return jieba_terms(text) if self.analyzer == "jieba" else char_terms(text)

    def term_weight(self, term: str) -> float:
        """Query-side weight: unigrams count for less than bigrams."""
        return self.unigram_weight if len(term) == 1 and _CJK.match(term) else 1.0

    def postings(self, term: str) -> Sequence[int]:
        """The ids of the documents holding ``term``, ascending."""
        posting = self._postings.get(term)
        return posting[0] if posting is not None else ()

    def known(self, term: str) -> bool:
        return term in self._postings

    def repair(self, text: str) -> str:
        """Fix one-character typos inside CJK runs: a character whose bigrams with both
        neighbours are unknown, where exactly one replacement makes both known (枫乔经验 →
        枫桥经验). Returns the repaired text (unchanged when nothing is repaired)."""
        if self.analyzer != "char" or len(text) < 3:
            return text
        chars = list(text)
        for i in range(1, len(chars) - 1):
            a, c, z = chars[i - 1], chars[i], chars[i + 1]
            if not (_CJK.match(a) and _CJK.match(c) and _CJK.match(z)):
                continue
            if (a + c) in self._postings or (c + z) in self._postings:
                continue
            options = self._next.get(a, set()) & self._prev.get(z, set())
            if not options:
                continue
            best = max(
                options,
                key=lambda o: (
                    min(len(self._postings[a + o][0]), len(self._postings[o + z][0])),
                    o,
                ),
            )
            chars[i] = best
        return "".join(chars)

    # -- search ------------------------------------------------------------------------------
    def scores(self, terms: Sequence[str]) -> list[float]:
        scores = [0.0] * self.n_docs
        for t, q in Counter(terms).items():
            posting = self._postings.get(t)
            if posting is None:
                continue
            ids, weights = posting
            qw = q * self.term_weight(t)
            for d, w in zip(ids, weights, strict=True):
                scores[d] += w * qw
        return scores

    def search(self, terms: Sequence[str], k: int = 5) -> list[Hit]:
        if not self.n_docs or not terms:
            return []
        scores = self.scores(terms)
        top = heapq.nsmallest(k, range(self.n_docs), key=lambda i: (-scores[i], i))
        return [Hit(i, scores[i]) for i in top if scores[i] > 0]

    def coverage(self, terms: Sequence[str], doc: int) -> float:
        """The idf-weighted share of the query's terms that the document contains (0..1);
        unknown terms weigh as the rarest. Used to tell "not covered" from a weak match."""
        total = 0.0
        found = 0.0
        dterms = self.doc_terms(doc)
        for t in set(terms):
            w = self.idf.get(t, self.max_idf) * self.term_weight(t)
            total += w
            if t in dterms:
                found += w
        return found / total if total else 0.0
