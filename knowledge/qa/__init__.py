"""Question answering over work plans: build a :class:`QAEngine` once, ask it questions.

A question goes through the rooms in order, each doing one thing:

- ``question/`` reads its words: item references, units named, cue words, kinds (periods,
  dates, amounts, small talk), word lists and synonyms; plain text work, no plan.
- ``index/`` is the search, built once: BM25 over character n-grams, each plan's index
  (items, sentences, obligations, who is responsible for what), the shared context.
- ``query/`` understands the question against a plan: the analysis (who and what it is
  about), the typed ``Query`` it is parsed into, the follow-up completed from the chat's
  previous turn and the per-chat conversation state.
- ``answer/`` executes the query over the plan (and the completion records): one module per
  family of questions.
- ``result/`` holds the answer objects (``Answer``, due dates, the records interface) and
  ``text/`` renders their plain text.

Imports go one way: ``question/`` and ``result/`` import nothing else of ``knowledge.qa``;
``text/`` reads ``result/``; ``index/`` reads those three; ``query/`` reads ``index/`` and
below; ``answer/`` reads every room; ``engine.py`` wires them.

>>> engine = QAEngine(plans, directory)          # doctest: +SKIP
>>> engine.answer("第十四条 我单位要做什么", unit="区司法局", today=date(2021, 8, 1))  # doctest: +SKIP
"""

from knowledge.qa.engine import QAEngine, UnknownUnitError
from knowledge.qa.result.answer import (
    Answer,
    Intent,
    ItemDuty,
    ItemInfo,
    ObligationDue,
    Quote,
    UnitLine,
)

__all__ = [
    "Answer",
    "Intent",
    "ItemDuty",
    "ItemInfo",
    "ObligationDue",
    "QAEngine",
    "Quote",
    "UnitLine",
    "UnknownUnitError",
]
