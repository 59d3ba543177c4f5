"""The logical form of a question: what it is about and what it asks for.

:mod:`knowledge.qa.query.parse` builds a :class:`Query` from a question (completed from the
conversation so far by :mod:`knowledge.qa.query.follow_up`); :mod:`knowledge.qa.answer.execute`
runs it over the plan and the records; the answer carries it as ``Answer.query`` (JSON) so a
reader can see how the question was understood.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

# What a question asks for.
ASKS = (
    "text",  # 第十四条讲什么
    "duty",  # 我单位要做什么 / 司法局有哪些任务
    "who",  # 谁负责
    "cadence",  # 多久一次 / 截止日期
    "topic",  # 营商环境
    "overview",  # 一共几条
    "items",  # items by a relation: 哪几条点了区财政局的名
    "count",  # how many items
    "verdict",  # yes / no
    "status",  # records: 哪些单位还没学法
    "document",  # 文号 / 哪年印发 / 谁印发
    "smalltalk",  # 你好 / 谢谢 / 你是谁
    "more",  # 还有呢
    "not_covered",  # a year or district the loaded plans do not cover
)


@dataclass(frozen=True)
class Query:
    """One question as a query. Empty fields are "not said"; a follow-up fills them from the
    previous turn and lists them in ``from_context``."""

    ask: str = ""  # one of ASKS; "" when the question only names something (那第十二条呢)
    items: tuple[int, ...] = ()  # item numbers named (positions resolved)
    units: tuple[str, ...] = ()  # units / groups / categories named, canonical names
    self_unit: bool = False  # 我们 / 我单位 / 本局
    topics: tuple[str, ...] = ()  # topic words (searched in the index)
    relation: str = ""  # responsible | named | not_shared | lacks | unlisted | no_group | only
    role: str = ""  # lead | supporting (牵头 / 配合)
    op: str = ""  # and | or | count | each
    verdict: str = ""  # concern | sufficient | only | "" (yes/no questions only)
    amount: tuple[str, int] | None = None  # (cadence, count) asked about: 一年开一次
    obligation: str = ""  # obligation kind for status questions (study, meeting …)
    scope: str = ""  # status: "missing" (which units) or "unit" (one unit's record)
    period: str = ""  # current_quarter | previous_quarter | current_year | previous_year …
    document: str = ""  # doc_number | issuer | issued | title
    smalltalk: str = ""  # greeting | thanks | identity | bye
    year: int | None = None  # a year the question names
    district: str = ""  # a district the question names
    within: tuple[int, ...] = ()  # 其中…: the previous turn's items the question narrows
    from_context: tuple[str, ...] = field(default=())  # fields filled from the previous turn

    def with_(self, **changes: Any) -> Query:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Only the fields that say something (JSON-ready)."""
        out: dict[str, Any] = {}
        for k, v in asdict(self).items():
            if v in ("", (), None, False, []):
                continue
            out[k] = list(v) if isinstance(v, tuple) else v
        return out
