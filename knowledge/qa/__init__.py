"""Question answering over work plans: build a :class:`QAEngine` once, ask it questions.

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
