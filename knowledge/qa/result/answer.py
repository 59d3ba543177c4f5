"""The answer to a question: structured data, rendered to plain text by
:mod:`knowledge.qa.text.render`.

``bot/`` renders the structure to Telegram HTML or console text; ``text`` is the plain-text
rendering a channel without formatting can send as is.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class Intent(StrEnum):
    ITEM = "item"  # 第十四条讲什么
    UNIT_ITEM = "unit_item"  # 第十四条 我单位要做什么
    UNIT_DUTIES = "unit_duties"  # 司法局有哪些任务
    WHO = "who"  # 行政复议改革谁负责
    CADENCE = "cadence"  # 每季度要学法几次
    TOPIC = "topic"  # 营商环境
    OVERVIEW = "overview"  # 一共有几条 / 目录
    OUT_OF_SCOPE = "out_of_scope"  # the documents do not cover it
    ITEMS = "items"  # items by how units are listed: 哪些条目只有一个责任单位
    STATUS = "status"  # the completion records: 哪些单位还没学法
    DOCUMENT = "document"  # the document itself: 文号, 印发日期, 印发机关
    SMALLTALK = "smalltalk"  # 你好 / 谢谢 / 你是谁


@dataclass(frozen=True)
class Quote:
    """A sentence of the source document, verbatim."""

    item: int
    text: str


@dataclass(frozen=True)
class ObligationDue:
    """An obligation of an item with its next due date (computed from ``today``)."""

    key: str
    item: int
    kind: str
    action: str
    cadence: str  # knowledge.plan.model.Cadence value
    cadence_label: str  # 每季度 / 每年 / 年度内
    min_count: int
    text: str  # the source sentence
    subject: str
    source: str
    next_due: date | None
    due_rule: str  # how next_due was computed, in Chinese


@dataclass(frozen=True)
class ItemDuty:
    """Whether a unit is responsible for one item, and how."""

    item: int
    title: str
    kind: str  # "named", "group", "partial", "none"
    via: str | None = None  # the group name when kind is "group" / "partial"
    role: str | None = None  # knowledge.plan.model.Role value


@dataclass(frozen=True)
class UnitLine:
    """One entry of an item's unit list, for "who is responsible"."""

    name: str
    raw: str
    role: str
    is_group: bool
    partial: bool
    description: str = ""


@dataclass(frozen=True)
class ItemInfo:
    """What an answer shows of an item."""

    number: int
    title: str
    units: tuple[UnitLine, ...]
    score: float = 0.0


@dataclass(frozen=True)
class Answer:
    question: str
    intent: Intent
    items: tuple[int, ...]  # the items the answer is about, most relevant first
    unit: str | None  # the resolved unit (or group / category pseudo-unit), canonical name
    text: str  # plain-text rendering, Simplified Chinese
    plan_id: str = ""
    unit_source: str = ""  # "question", "chat" (the asking chat's unit) or ""
    unit_kind: str = ""  # "unit", "group", "category" or ""
    item_info: tuple[ItemInfo, ...] = ()
    quotes: tuple[Quote, ...] = ()
    duties: tuple[ItemDuty, ...] = ()  # unit questions: one per item considered
    possible_items: tuple[int, ...] = ()  # partial groups: the unit may be meant
    obligations: tuple[ObligationDue, ...] = ()
    candidates: tuple[str, ...] = ()  # unit names when the question's unit is ambiguous
    suggestions: tuple[int, ...] = ()  # closest items when the question is not covered
    notes: tuple[str, ...] = ()  # out-of-range references, how to register, …
    needs_unit: bool = False  # "my unit" was asked but the chat has no unit registered
    # yes/no questions: "yes" / "no", or "unsure" (等/有关 lists) / "partial" (some of the
    # items); None when the question is not a yes/no one. The text's lead says the same.
    verdict: str | None = None
    query: dict[str, Any] = field(default_factory=dict)  # the parsed question (Query.to_dict)
    year: int | None = None  # the year of the plan the answer comes from
    units: tuple[str, ...] = ()  # the units the answer is about (the resolved one first)
    more: tuple[str, ...] = ()  # further pages of a long answer (shown on request)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def obligation_keys(self) -> tuple[str, ...]:
        return tuple(o.key for o in self.obligations)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO strings, enums as their values."""

        def conv(value: Any) -> Any:
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: conv(v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return [conv(v) for v in value]
            if isinstance(value, StrEnum):
                return value.value
            return value

        return conv(asdict(self))
