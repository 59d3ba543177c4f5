"""Periods of a cadence (month, two months, quarter, half-year, year) and their keys: ``2026``,
``2026H1``, ``2026Q3``, ``2026B3`` (May–June), ``2026-05``. A completion is recorded against a
period key. An obligation with no fixed period (常态化) is counted per year."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from knowledge.plan.model import Cadence

_KIND_BY_CADENCE = {
    Cadence.MONTHLY: "M",
    Cadence.BIMONTHLY: "B",
    Cadence.QUARTERLY: "Q",
    Cadence.HALF_YEARLY: "H",
    Cadence.ANNUAL: "Y",
    Cadence.ONCE: "Y",  # once within the plan's year: one per year the plan is in force
    Cadence.ONGOING: "Y",  # 常态化: no fixed period; what is done is counted per year
}
_MONTHS_PER = {"M": 1, "B": 2, "Q": 3, "H": 6, "Y": 12}
_COUNT = {"M": 12, "B": 6, "Q": 4, "H": 2, "Y": 1}
_CN_Q = {1: "一", 2: "二", 3: "三", 4: "四"}

_PATTERNS = (
    (re.compile(r"^(\d{4})$"), "Y"),
    (re.compile(r"^(\d{4})[-_ ]?[Qq]([1-4])$"), "Q"),
    (re.compile(r"^(\d{4})[-_ ]?[Hh]([12])$"), "H"),
    (re.compile(r"^(\d{4})[-_ ]?[Bb]([1-6])$"), "B"),
    (re.compile(r"^(\d{4})[-_ ]?[Mm]?-?(0?[1-9]|1[0-2])$"), "M"),
    (re.compile(r"^(\d{4})年$"), "Y"),
    (re.compile(r"^(\d{4})年?第?([1-4一二三四])季度?$"), "Q"),
    (re.compile(r"^(\d{4})年?(上|下)半年$"), "H"),
    (re.compile(r"^(\d{4})年(0?[1-9]|1[0-2])月$"), "M"),
)
_TWO_MONTHS = re.compile(r"^(\d{4})年(\d{1,2})[—–~～-](\d{1,2})月$")
# a period without its year (第四季度, 上半年, 5月, 本季度): the year of ``today``
_CN_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUM |= {"十": 10, "十一": 11, "十二": 12}
_YEARLESS = (
    (re.compile(r"^第?([1-4一二三四])季度$"), "Q"),
    (re.compile(r"^[Qq]([1-4])$"), "Q"),
    (re.compile(r"^(上|下)半年$"), "H"),
    (re.compile(r"^([1-9]|1[0-2]|十[一二]?|[一二三四五六七八九])月份?$"), "M"),
)
_THIS = {"本季度": "Q", "本月": "M", "本半年": "H", "今年": "Y", "本年": "Y", "本年度": "Y"}


# a recognisable period whose number does not exist (2026Q5, 2026H3, 2026-13)
_OUT_OF_RANGE = re.compile(r"^(\d{4})[-_ ]?([QqHhBbMm]?)-?(\d{1,3})$")


class PeriodError(ValueError):
    """A period key that cannot be parsed; the message is Chinese."""


# the forms :meth:`Period.parse` reads, as every refusal lists them
ALLOWED_FORMS = (
    "可写成：2026年第三季度、2026年上半年、2026年5月、2026年（全年），"
    "本年的也可只写第三季度、上半年、5月或本季度"
)
# years a plan of this system can be about; anything else is a typo, refused as such
YEARS = range(2000, 2100)
ECHO = 20  # characters of a refused text said back


def _echo(text: str) -> str:
    s = text.strip()
    return s if len(s) <= ECHO else s[: ECHO - 1] + "…"


@dataclass(frozen=True, order=True)
class Period:
    year: int
    kind: str  # "Y", "H", "Q", "B" (two months), "M"
    index: int = 1  # 1-based within the year

    @classmethod
    def parse(cls, text: str, today: date | None = None) -> Period:
        """A period from its key (2026Q4) or its Chinese name (2026年第四季度); with ``today``
        also without the year (第四季度, 上半年, 5月) or relative (本季度, 本月, 今年)."""
        s = text.strip()
        if today is not None:
            found = _parse_yearless(s, today)
            if found is not None:
                return found
        two = _TWO_MONTHS.match(s)  # 2026年5—6月, as Period.label writes it
        if two and int(two.group(3)) == int(two.group(2)) + 1 and int(two.group(2)) % 2:
            s = f"{two.group(1)}B{(int(two.group(2)) + 1) // 2}"
        for pattern, kind in _PATTERNS:
            m = pattern.match(s)
            if not m:
                continue
            year = int(m.group(1))
            if year not in YEARS:
                raise PeriodError(
                    f"期间“{_echo(text)}”的年份 {year} 不在 {YEARS[0]}–{YEARS[-1]} 之内。{ALLOWED_FORMS}"
                )
            if kind == "Y":
                return cls(year, "Y", 1)
            raw = m.group(2)
            index = {"上": 1, "下": 2}.get(raw) or {"一": 1, "二": 2, "三": 3, "四": 4}.get(raw)
            return cls(year, kind, index or int(raw))
        bad = _OUT_OF_RANGE.match(s)
        if bad:
            year, letter, number = bad.groups()
            kind = {"q": "Q", "h": "H", "b": "B"}.get(letter.lower(), "M")
            name = {"Q": "季度", "H": "半年", "B": "两个月期", "M": "月份"}[kind]
            first, last = Period(int(year), kind, 1), Period(int(year), kind, _COUNT[kind])
            raise PeriodError(
                f"“{_echo(text)}”不是有效的期间：{name}只有 {first.label} 到 "
                f"{last.label}，第 {int(number)} 个不存在"
            )
        raise PeriodError(f"无法识别的期间：“{_echo(text)}”。{ALLOWED_FORMS}")

    @classmethod
    def containing(cls, cadence: Cadence, day: date) -> Period:
        kind = _KIND_BY_CADENCE[cadence]
        return cls(day.year, kind, (day.month - 1) // _MONTHS_PER[kind] + 1)

    @classmethod
    def of_year(cls, cadence: Cadence, year: int) -> list[Period]:
        kind = _KIND_BY_CADENCE[cadence]
        return [cls(year, kind, i) for i in range(1, _COUNT[kind] + 1)]

    @property
    def key(self) -> str:
        if self.kind == "Y":
            return f"{self.year}"
        if self.kind == "M":
            return f"{self.year}-{self.index:02d}"
        return f"{self.year}{self.kind}{self.index}"

    @property
    def start(self) -> date:
        return date(self.year, (self.index - 1) * _MONTHS_PER[self.kind] + 1, 1)

    @property
    def end(self) -> date:
        """The last day of the period."""
        months = _MONTHS_PER[self.kind]
        first_next = self.index * months + 1
        if first_next > 12:
            return date(self.year, 12, 31)
        return date(self.year, first_next, 1) - timedelta(days=1)

    @property
    def label(self) -> str:
        if self.kind == "Y":
            return f"{self.year}年"
        if self.kind == "Q":
            return f"{self.year}年第{_CN_Q[self.index]}季度"
        if self.kind == "H":
            return f"{self.year}年{'上' if self.index == 1 else '下'}半年"
        if self.kind == "B":
            return f"{self.year}年{self.start.month}—{self.end.month}月"
        return f"{self.year}年{self.index}月"

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def subperiods(self, cadence: Cadence) -> list[Period]:
        """The periods of ``cadence`` that lie within this one (or the one containing it)."""
        kind = _KIND_BY_CADENCE[cadence]
        if _MONTHS_PER[kind] >= _MONTHS_PER[self.kind]:
            return [Period.containing(cadence, self.start)]
        return [p for p in Period.of_year(cadence, self.year) if self.contains(p.start)]

    def __str__(self) -> str:
        return self.key


def _parse_yearless(s: str, today: date) -> Period | None:
    if s in _THIS:
        kind = _THIS[s]
        return Period(today.year, kind, (today.month - 1) // _MONTHS_PER[kind] + 1)
    for pattern, kind in _YEARLESS:
        m = pattern.match(s)
        if m:
            raw = m.group(1)
            index = {"上": 1, "下": 2}.get(raw) or _CN_NUM.get(raw) or int(raw)
            return Period(today.year, kind, index)
    return None


def period_label(key: str) -> str:
    """The Chinese name of a period key (2026Q4 → 2026年第四季度); an unreadable key as it is.
    What a chat shows an official: never the key itself."""
    try:
        return Period.parse(key).label
    except PeriodError:
        return key
