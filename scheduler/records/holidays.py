"""Admin-imported holiday data: a year's statutory holidays and make-up workdays.

The State Council announces each year's arrangement in the autumn of the year before; until a
chinese-calendar release includes it, an admin loads it from a small file::

    # TOML (JSON has the same keys)
    year = 2027
    source = "国务院办公厅关于2027年部分节假日安排的通知"
    [[holiday]]
    name = "元旦"
    start = "2027-01-01"
    end = "2027-01-03"          # optional; a single day may use `date`
    [[workday]]
    name = "春节调休"
    date = "2027-02-07"

or CSV with a header ``date,type,name`` where type is ``holiday``/``休`` or ``workday``/``班``.

Every date must lie in the file's year (``year``; a CSV file, or a file without ``year``, takes
the one year all its dates share, else ``--year`` must say it). The one exception is the New
Year holiday, which can start — or need a make-up workday — in the last days of December of the
year before (e.g. 2011-12-31 for 2012). Importing merges day by day: a day in the file is added
or changed, every other day imported before stays (``replace=True`` drops the year's other
imported days first). :func:`holiday_changes` tells beforehand what an import adds, changes and
leaves, and which days it would set against chinese-calendar's own data. The file may be UTF-8
or GBK/GB18030; a binary file is refused.
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
from sqlalchemy import delete, extract
from sqlmodel import Session, select

from knowledge.reading.decode import DocumentError, decode_document
from scheduler.records.audit_log import audit
from scheduler.store.models import HolidayDay
from scheduler.timing.workdays import WorkCalendar


class HolidayFileError(ValueError):
    """The file cannot be read; the message is Chinese."""


@dataclass(frozen=True)
class HolidayEntry:
    day: date
    workday: bool
    name: str = ""


def _day(value: object, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise HolidayFileError(f"{where}：日期格式应为 YYYY-MM-DD，实际为 {value!r}") from None


def _expand(entry: dict, workday: bool, where: str) -> list[HolidayEntry]:
    name = str(entry.get("name", ""))
    if "date" in entry:
        return [HolidayEntry(_day(entry["date"], where), workday, name)]
    if "start" not in entry:
        raise HolidayFileError(f"{where}：需要 date，或 start 与 end")
    start = _day(entry["start"], where)
    end = _day(entry.get("end", entry["start"]), where)
    if end < start or (end - start).days > 31:
        raise HolidayFileError(f"{where}：日期范围不正确（{start} 至 {end}）")
    return [
        HolidayEntry(start + timedelta(days=i), workday, name)
        for i in range((end - start).days + 1)
    ]


SPILLOVER_FROM_DAY = 20  # December 20–31 of the year before may belong to the New Year holiday
MIN_YEAR, MAX_YEAR = 2000, 2100


def _declared_year(value: object) -> int:
    try:
        year = int(str(value).strip())
    except ValueError:
        raise HolidayFileError(f"year 应为四位年份，实际为 {value!r}") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise HolidayFileError(f"year {year} 超出范围：应在 {MIN_YEAR}–{MAX_YEAR} 之间")
    return year


def check_year(entries: list[HolidayEntry], year: int | None) -> int:
    """The file's year; :class:`HolidayFileError` when a date lies outside it."""
    years = sorted({e.day.year for e in entries})
    if year is None:
        if len(years) != 1:
            raise HolidayFileError(
                f"文件中的日期跨 {years[0]}–{years[-1]} 年，无法确定是哪一年的安排："
                "请在文件中写 year = 年份（CSV 用 --year 年份）"
            )
        year = years[0]
    year = _declared_year(year)
    outside = [
        e.day
        for e in entries
        if e.day.year != year
        and not (e.day.year == year - 1 and e.day.month == 12 and e.day.day >= SPILLOVER_FROM_DAY)
    ]
    if outside:
        shown = "、".join(d.isoformat() for d in sorted(outside)[:3])
        more = f" 等 {len(outside)} 个" if len(outside) > 3 else ""
        raise HolidayFileError(
            f"文件是 {year} 年的安排，却含有 {shown}{more} 不属于 {year} 年的日期"
            f"（只允许上一年 12 月 {SPILLOVER_FROM_DAY} 日以后的元旦假期或调休）：请检查 year 和日期"
        )
    return year


def parse_holidays(text: str, fmt: str, year: int | None = None) -> tuple[list[HolidayEntry], str]:
    """Entries and the declared source of a holiday file in format toml, json or csv; ``year``
    (e.g. from ``--year``) must agree with the file's own."""
    fmt = fmt.lower().lstrip(".")
    entries: list[HolidayEntry] = []
    source = ""
    declared: object = None
    if fmt in ("toml", "json"):
        try:
            data = tomllib.loads(text) if fmt == "toml" else json.loads(text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            raise HolidayFileError(f"文件无法解析：{exc}") from None
        if not isinstance(data, dict):
            raise HolidayFileError("文件顶层应为对象（包含 holiday 和 workday 列表）")
        source = str(data.get("source", ""))
        declared = data.get("year")
        for kind, workday in (("holiday", False), ("workday", True)):
            for i, entry in enumerate(data.get(kind, []) or []):
                if not isinstance(entry, dict):
                    raise HolidayFileError(f"{kind}[{i}] 应为对象")
                entries.extend(_expand(entry, workday, f"{kind}[{i}]"))
    elif fmt == "csv":
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        for n, row in enumerate(reader, start=2):
            kind = (row.get("type") or "").strip().lower()
            if kind in ("holiday", "休", "假", "off"):
                workday = False
            elif kind in ("workday", "班", "work", "调休上班"):
                workday = True
            else:
                raise HolidayFileError(
                    f"第{n}行：type 应为 holiday/休 或 workday/班，实际为 {kind!r}"
                )
            entries.append(
                HolidayEntry(_day(row.get("date"), f"第{n}行"), workday, row.get("name") or "")
            )
    else:
        raise HolidayFileError(f"不支持的文件格式 {fmt!r}：请用 .toml、.json 或 .csv")
    if not entries:
        raise HolidayFileError("文件中没有任何节假日或调休上班日")
    seen: dict[date, bool] = {}
    for e in entries:
        if seen.setdefault(e.day, e.workday) != e.workday:
            raise HolidayFileError(f"{e.day} 同时被标为放假和上班")
    if declared is not None and year is not None and _declared_year(declared) != year:
        raise HolidayFileError(f"文件写的是 {declared} 年，与指定的 --year {year} 不一致")
    check_year(entries, year if year is not None else declared)  # type: ignore[arg-type]
    return entries, source


def read_holiday_file(path: Path, year: int | None = None) -> tuple[list[HolidayEntry], str]:
    """Read and check a holiday file (UTF-8 or GBK; binary refused)."""
    if path.is_dir():
        raise HolidayFileError(f"“{path}”是文件夹：请给出节假日文件（.toml、.json 或 .csv）的路径")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise HolidayFileError(f"找不到节假日文件“{path}”：请检查路径") from None
    except OSError as exc:
        raise HolidayFileError(f"无法读取文件“{path}”：{exc.strerror or exc}") from None
    try:
        text = decode_document(data).text
    except DocumentError:
        raise HolidayFileError(
            f"“{path}”不是文本文件（可能是二进制文件或无法识别的编码）："
            "节假日文件应为 UTF-8 或 GBK 编码的 .toml、.json 或 .csv 文本"
        ) from None
    entries, source = parse_holidays(text, path.suffix or "toml", year)
    return entries, source or path.name


@dataclass(frozen=True)
class HolidayChanges:
    """What importing a file would do, day by day."""

    added: list[HolidayEntry]
    changed: list[tuple[HolidayEntry, HolidayEntry]]  # (before, after)
    unchanged: list[HolidayEntry]
    kept: list[HolidayEntry]  # imported before, not in the file: stay (dropped with replace)
    against_official: list[tuple[HolidayEntry, bool]]  # (entry, chinese-calendar's is_workday)


def _official(day: date) -> bool | None:
    """chinese-calendar's answer for ``day``, or None for a year it does not know."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def holiday_changes(session: Session, entries: list[HolidayEntry]) -> HolidayChanges:
    """Compare ``entries`` with the days imported before in their years and with
    chinese-calendar (for the years it knows)."""
    years = sorted({e.day.year for e in entries})
    before = {
        r.day: HolidayEntry(r.day, r.workday, r.name)
        for r in session.exec(
            select(HolidayDay).where(extract("year", HolidayDay.day).in_(years))  # type: ignore[attr-defined]
        )
    }
    wanted = {e.day: e for e in entries}
    added, changed, unchanged, against = [], [], [], []
    for day, entry in sorted(wanted.items()):
        old = before.get(day)
        if old is None:
            added.append(entry)
        elif old.workday != entry.workday or old.name != entry.name:
            changed.append((old, entry))
        else:
            unchanged.append(entry)
        official = _official(day)
        if (
            official is not None
            and official != entry.workday
            and (old is None or old.workday != entry.workday)
        ):
            against.append((entry, official))
    kept = [e for d, e in sorted(before.items()) if d not in wanted]
    return HolidayChanges(added, changed, unchanged, kept, against)


def import_holidays(
    session: Session,
    entries: list[HolidayEntry],
    source: str,
    actor: str = "cli",
    *,
    replace: bool = False,
) -> dict[int, int]:
    """Merge the file's days into the imported days, day by day (``replace``: first drop the
    other imported days of the file's year — the latest year of its dates; an earlier one holds
    only New Year days); returns the file's days per year."""
    years = sorted({e.day.year for e in entries})
    if replace:
        session.exec(delete(HolidayDay).where(extract("year", HolidayDay.day) == years[-1]))
    days = sorted({e.day: e for e in entries}.values(), key=lambda e: e.day)
    session.exec(delete(HolidayDay).where(HolidayDay.day.in_([e.day for e in days])))  # type: ignore[attr-defined]
    for e in days:
        session.add(HolidayDay(day=e.day, workday=e.workday, name=e.name, source=source))
    counts = {y: sum(1 for e in entries if e.day.year == y) for y in years}
    audit(
        session,
        actor,
        "import_holidays",
        ",".join(map(str, years)),
        source=source,
        days=counts,
        replace=replace,
    )
    session.flush()
    return counts


def imported_days(session: Session, year: int) -> list[HolidayDay]:
    """The days imported for ``year``, in date order."""
    return list(
        session.exec(
            select(HolidayDay)
            .where(extract("year", HolidayDay.day) == year)
            .order_by(HolidayDay.day)  # type: ignore[arg-type]
        )
    )


def calendar_from_db(session: Session) -> WorkCalendar:
    """The working-day calendar with the imported days of the database."""
    rows = session.exec(select(HolidayDay)).all()
    return WorkCalendar({r.day: r.workday for r in rows})
