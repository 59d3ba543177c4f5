"""The search, built once per engine: the BM25 index over character n-grams (:mod:`.bm25`),
each plan's index of items, sentences, obligations and who is responsible for what
(:mod:`.plan_index`), and the context every question is read against (:mod:`.context`: the
plans' indexes, the unit directory, the word lists). Reads ``question/``, ``result/``,
``text/``."""
