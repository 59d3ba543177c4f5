"""The query: what a question asks (:mod:`.form`), read from the question's words
(:mod:`.parse`) and completed from the chat's previous turn (:mod:`.conversation`), then run
over a plan: the analysis of who and what the question is about over the plan's indexes
(:mod:`.answerer`, :mod:`.plan_index`, :mod:`.bm25`, all built once in :mod:`.context`) and
the families that need more (:mod:`.execute`). Reads ``question/``; writes ``result/`` with
``text/``."""
