"""A BM25 index over character n-grams (or jieba words), built once per set of documents.

Why character bigrams (plus down-weighted unigrams): questions are short and colloquial, with
typos and abbreviations; a typo destroys at most two bigrams instead of a whole word, and no
word segmenter has to agree with the document's compounds (营商环境, 放管服, 枫桥经验).
``bench/bench_qa.py`` measures this against jieba words.

Scores are computed with precomputed per-posting BM25 weights and numpy, so a query costs
one vector add per query term: well under a millisecond at 10,000 documents.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from knowledge.text import load_zhconv

_RUNS = re.compile(r"[\u3400-\u9fffa-z0-9]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_EMPTY = np.zeros(0, dtype=np.int32)
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    return frozenset(
        k for k, v in load_zhconv().zhconv.getdict("zh-cn").items() if len(k) == 1 and k != v
    )


def fast_norm(text: str) -> str:
    """:func:`knowledge.text.norm` for long document text: the (slow) script conversion
    runs only when the text holds a character that has a simplified form."""
    text = unicodedata.normalize("NFKC", text)
    trad = _traditional_chars()
    if any(ch in trad for ch in text):
        text = load_zhconv().convert(text, "zh-cn")
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
        if analyzer == "char":
            term_of, doc_ids, tfs = self._count_chars(texts)
        else:
            term_of, doc_ids, tfs = self._count_words(texts)
        # BM25 weights per posting, vectorised
        lengths = np.bincount(doc_ids, weights=tfs, minlength=self.n_docs)
        avgdl = float(lengths.mean()) if self.n_docs else 1.0
        n_terms = len(term_of)
        term_ids = self._term_ids
        df = np.bincount(term_ids, minlength=n_terms)
        idf = np.log1p((self.n_docs - df + 0.5) / (df + 0.5))
        norm_len = k1 * (1.0 - b + b * lengths / max(avgdl, 1e-9))
        weights = idf[term_ids] * tfs * (k1 + 1.0) / (tfs + norm_len[doc_ids])
        order = np.argsort(term_ids, kind="stable")
        sorted_terms = term_ids[order]
        self._doc_ids = doc_ids[order].astype(np.int32)
        self._weights = weights[order].astype(np.float32)
        bounds = np.searchsorted(sorted_terms, np.arange(n_terms + 1))
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {
            t: (self._doc_ids[bounds[i] : bounds[i + 1]], self._weights[bounds[i] : bounds[i + 1]])
            for i, t in enumerate(term_of)
        }
        self.idf: dict[str, float] = dict(zip(term_of, idf.tolist(), strict=True))
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

    def _count_chars(
        self, texts: Sequence[tuple[str, str]]
    ) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Count unigrams and bigrams of the whole corpus at once on code-point arrays."""
        codes: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        docs: list[np.ndarray] = []
        for i, (title, body) in enumerate(texts):
            for text, w in ((title, self.title_boost), (body, 1.0)):
                if not text:
                    continue
                cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
                codes.append(np.append(cp, 0))  # 0 separates fields and documents
                weights.append(np.full(len(cp) + 1, w))
                docs.append(np.full(len(cp) + 1, i, dtype=np.int64))
        if not codes:
            self._term_ids = np.zeros(0, dtype=np.int64)
            return [], np.zeros(0, dtype=np.int64), np.zeros(0)
        cp = np.concatenate(codes)
        w = np.concatenate(weights)
        doc = np.concatenate(docs)
        ok = (
            ((cp >= 0x3400) & (cp <= 0x9FFF))
            | ((cp >= 0x61) & (cp <= 0x7A))
            | ((cp >= 0x30) & (cp <= 0x39))
        )
        uni = np.flatnonzero(ok)
        bi = np.flatnonzero(ok[:-1] & ok[1:])
        term_code = np.concatenate([cp[uni], (cp[bi] << 21) | cp[bi + 1]])
        term_doc = np.concatenate([doc[uni], doc[bi]])
        term_w = np.concatenate([w[uni], w[bi]])
        pair = term_code * (self.n_docs + 1) + term_doc
        uniq_pair, inverse = np.unique(pair, return_inverse=True)
        tfs = np.bincount(inverse, weights=term_w)
        pair_code = uniq_pair // (self.n_docs + 1)
        pair_doc = uniq_pair % (self.n_docs + 1)
        uniq_code, term_ids = np.unique(pair_code, return_inverse=True)
        self._term_ids = term_ids
        term_of = [
            chr(c) if c < (1 << 21) else chr(c >> 21) + chr(c & ((1 << 21) - 1))
            for c in uniq_code.tolist()
        ]
        return term_of, pair_doc, tfs

    def _count_words(
        self, texts: Sequence[tuple[str, str]]
    ) -> tuple[list[str], np.ndarray, np.ndarray]:
        vocab: dict[str, int] = {}
        doc_ids: list[int] = []
        term_ids: list[int] = []
        tfs: list[float] = []
        for i, (title, body) in enumerate(texts):
            tf = Counter(self.terms(body))
            for t, c in Counter(self.terms(title)).items():
                tf[t] += c * self.title_boost
            for t, c in tf.items():
                doc_ids.append(i)
                term_ids.append(vocab.setdefault(t, len(vocab)))
                tfs.append(c)
        self._term_ids = np.asarray(term_ids, dtype=np.int64)
        return list(vocab), np.asarray(doc_ids, dtype=np.int64), np.asarray(tfs, dtype=float)

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

    def postings(self, term: str) -> np.ndarray:
        posting = self._postings.get(term)
        return posting[0] if posting is not None else _EMPTY

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
    def scores(self, terms: Sequence[str]) -> np.ndarray:
        scores = np.zeros(self.n_docs, dtype=np.float32)
        for t, q in Counter(terms).items():
            posting = self._postings.get(t)
            if posting is None:
                continue
            ids, w = posting
            scores[ids] += w * (q * self.term_weight(t))
        return scores

    def search(self, terms: Sequence[str], k: int = 5) -> list[Hit]:
        if not self.n_docs or not terms:
            return []
        scores = self.scores(terms)
        k = min(k, self.n_docs)
        top = np.argpartition(-scores, k - 1)[:k] if k < self.n_docs else np.arange(self.n_docs)
        ranked = sorted(top.tolist(), key=lambda i: (-float(scores[i]), i))
        return [Hit(i, float(scores[i])) for i in ranked if scores[i] > 0]

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
