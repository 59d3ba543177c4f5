"""The work-plan domain model: plain, immutable data with no I/O.

A *work plan* (工作要点) is one parsed document: its metadata, preamble and numbered items.
Each item names its responsible units (责任单位) and may carry *obligations*: tasks with a
cadence (quarterly, annual, once in the plan year) or a deadline. Everything here is
channel-neutral; ``scheduler`` and ``bot`` read it, nothing here imports them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """How a unit is named for an item."""

    RESPONSIBLE = "responsible"  # 责任单位
    LEAD = "lead"  # 牵头单位
    SUPPORTING = "supporting"  # 配合单位


class Cadence(StrEnum):
    """How often an obligation recurs."""

    MONTHLY = "monthly"
    BIMONTHLY = "bimonthly"  # 每两个月
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    ANNUAL = "annual"
    ONCE = "once"  # once within the plan's year
    ONGOING = "ongoing"  # 常态化: no fixed period, nothing to count per period

    @property
    def per_year(self) -> int:
        """How many periods of this cadence a year has (0: no fixed period)."""
        return PERIODS_PER_YEAR[self]


CADENCE_LABELS: dict[Cadence, str] = {
    Cadence.MONTHLY: "每月",
    Cadence.BIMONTHLY: "每两个月",
    Cadence.QUARTERLY: "每季度",
    Cadence.HALF_YEARLY: "每半年",
    Cadence.ANNUAL: "每年",
    Cadence.ONCE: "年度内",
    Cadence.ONGOING: "常态化（无固定周期）",
}

PERIODS_PER_YEAR: dict[Cadence, int] = {
    Cadence.MONTHLY: 12,
    Cadence.BIMONTHLY: 6,
    Cadence.QUARTERLY: 4,
    Cadence.HALF_YEARLY: 2,
    Cadence.ANNUAL: 1,
    Cadence.ONCE: 1,
    Cadence.ONGOING: 0,
}


class UnitCategory(StrEnum):
    """The kind of a unit; group names (区直各单位, 各镇(街、区)) are sets of categories."""

    GOVERNMENT = "government"  # 本级人民政府 itself (区政府), not one of its departments
    DEPARTMENT = "department"  # 区政府工作部门、直属机构 (…局, …办)
    PARTY_ORGAN = "party_organ"  # 区委及其工作机关 (区委办, 区委政法委, 区委编办…)
    DISCIPLINE = "discipline"  # 区纪委监委 (纪检监察机关)
    JUDICIAL = "judicial"  # 区法院, 区检察院
    PEOPLES_ORG = "peoples_org"  # 人大、政协、群团等
    TOWN = "town"  # 镇
    SUBDISTRICT = "subdistrict"  # 街道
    PARK = "park"  # 园区、开发区、管委会
    OTHER = "other"


CATEGORY_LABELS: dict[UnitCategory, str] = {
    UnitCategory.GOVERNMENT: "本级人民政府",
    UnitCategory.DEPARTMENT: "区直部门",
    UnitCategory.PARTY_ORGAN: "党委机构",
    UnitCategory.DISCIPLINE: "纪检监察机关",
    UnitCategory.JUDICIAL: "法院/检察院",
    UnitCategory.PEOPLES_ORG: "人大政协群团",
    UnitCategory.TOWN: "镇",
    UnitCategory.SUBDISTRICT: "街道",
    UnitCategory.PARK: "园区",
    UnitCategory.OTHER: "其他",
}


@dataclass(frozen=True)
class Unit:
    """A concrete unit of the directory (never a group)."""

    name: str  # canonical, e.g. 区司法局
    category: UnitCategory
    aliases: tuple[str, ...] = ()  # other spellings and short names: 司法局, 区司法局
    source: str = "document"  # "document", "aliases data", "admin"


@dataclass(frozen=True)
class Group:
    """A group name standing for every unit of some categories, or for an unnamed part of them."""

    name: str  # canonical, e.g. 区直各单位, 各镇(街、区), 区直有关单位
    categories: frozenset[UnitCategory]
    partial: bool = False  # 区直有关单位, …等部门: only some of them, not everyone
    aliases: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class UnitRef:
    """One entry of an item's unit list as the document writes it."""

    name: str  # canonical name of a Unit or a Group
    raw: str  # the spelling in the document
    role: Role = Role.RESPONSIBLE
    is_group: bool = False
    partial: bool = False  # a partial group (区直有关单位) or a trailing "等部门"


ETC_NAME = "等有关单位"
"""Canonical name of a trailing "…等部门 / 等有关单位 / 等单位": the list is not exhaustive."""


def _is_etc(ref: UnitRef) -> bool:
    return ref.name == ETC_NAME


@dataclass(frozen=True)
class DeadlineRule:
    """A fixed yearly deadline, e.g. 1 March for the previous year's report."""

    month: int
    day: int
    refers_to: str = "current"  # "current" or "previous" year the work is about
    description: str = ""


@dataclass(frozen=True)
class Obligation:
    """A task with a cadence or a deadline: what the scheduler reminds units of."""

    key: str  # stable id within a plan, e.g. "i2-study"
    item: int
    kind: str  # study, training, court_hearing, meeting, annual_report, report_publish, task
    action: str  # short Chinese label, e.g. 学法, 举办领导干部法治专题培训班
    subject: str  # who the sentence names, e.g. 各地政府领导班子成员; "" = the item's units
    cadence: Cadence
    min_count: int  # completions needed in each period (至少2次 per quarter: 2)
    text: str  # the source sentence, verbatim
    deadline: DeadlineRule | None = None
    source: str = "document"  # the document, or the regulation a data file cites
    unit_names: tuple[str, ...] = ()  # the item's unit refs (canonical), in document order

    @property
    def cadence_label(self) -> str:
        return CADENCE_LABELS[self.cadence]

    @property
    def need(self) -> int:
        """Completions a period needs (at least 1: an old plan without a count means once)."""
        return max(self.min_count or 1, 1)

    @property
    def count_label(self) -> str:
        """Cadence with the count: 每季度至少2次; 常态化（无固定周期）至少1次."""
        return f"{self.cadence_label}至少{self.need}次"


@dataclass(frozen=True)
class SubItem:
    label: str  # "1." or "（1）"
    text: str
    units: tuple[UnitRef, ...] = ()


@dataclass(frozen=True)
class Item:
    number: int
    label: str  # the numbering as written: 十四、 / （十四） / 14.
    title: str  # the first sentence, without its closing 。
    text: str  # the whole item text after the label, line breaks of page breaks removed
    tasks: tuple[str, ...]  # the sentences after the title (closing 。 removed)
    units: tuple[UnitRef, ...]
    obligations: tuple[Obligation, ...] = ()
    subitems: tuple[SubItem, ...] = ()
    section: str = ""  # the heading above the item, in documents that group items
    line: int = 0  # 1-based line of the item's label in the source
    deadline: str = ""  # 完成时限 as written ("2024年6月底前"), "" when the item gives none
    leaders: tuple[str, ...] = ()  # the lead person(s) (牵头领导：…): people, never units

    @property
    def unit_names(self) -> tuple[str, ...]:
        """Canonical names of the named units and groups, in document order; a trailing
        "…等部门" is not a name (see :attr:`partial`)."""
        return tuple(u.name for u in self.units if not _is_etc(u))

    @property
    def partial(self) -> bool:
        """True when the unit list says it is not exhaustive (…等部门, 区直有关单位)."""
        return any(u.partial for u in self.units)


@dataclass(frozen=True)
class PlanMeta:
    issuer: str = ""  # 襄阳市襄州区人民政府办公室
    doc_number: str = ""  # 襄州政办函〔2021〕15号
    title: str = ""  # 2021年度襄州区法治政府建设工作要点
    notice_title: str = ""  # 关于印发…的通知
    plan_year: int | None = None
    issued_date: str = ""  # ISO date of 成文/印发
    printed_date: str = ""
    recipients: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()  # 抄送
    district: str = ""  # 襄州区


@dataclass(frozen=True)
class WorkPlan:
    plan_id: str  # e.g. xiangzhou-2021
    meta: PlanMeta
    preamble: str
    items: tuple[Item, ...]
    source_name: str = ""
    warnings: tuple[str, ...] = field(default=())

    def item(self, number: int) -> Item | None:
        for it in self.items:
            if it.number == number:
                return it
        return None

    @property
    def obligations(self) -> tuple[Obligation, ...]:
        return tuple(o for it in self.items for o in it.obligations)

    def obligation(self, key: str) -> Obligation | None:
        for o in self.obligations:
            if o.key == key:
                return o
        return None
