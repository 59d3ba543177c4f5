"""Task tables of the document family (任务分工表): a Word table, or a table flattened to
text — pipe- or tab-separated rows, or column headers (序号 / 工作任务 / 牵头单位 / 责任单位 /
完成时限) on one line or one per line, then the rows. Roles come from the columns; one cell may
hold several units separated by 、 or spaces. A row without a number continues the row above
(a cell wrapped over two rows); a row whose cells all say the same thing is a section title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from knowledge.plan.model import Role
from knowledge.reading.layout_words import layout_words
from knowledge.reading.unit_names import is_unit_shaped
from knowledge.text.normalize import cn_to_int

_TASK_WORDS = re.compile(r"任务|内容|措施|事项|要点|举措|项目|目标|工作要求|具体工作")
_DATE_LIKE = re.compile(r"年|月|底|前|日|季度|长期|持续|全年|常态|年内|上半年|下半年")


@dataclass
class TableRow:
    line: int  # index into the parser's lines
    number: int | None
    label: str
    task: str
    units: list[tuple[Role, str]] = field(default_factory=list)
    leaders: list[str] = field(default_factory=list)
    deadline: str = ""
    section: str = ""


@dataclass
class Table:
    start: int
    stop: int
    rows: list[TableRow]


@lru_cache(maxsize=1)
def _label_prefix() -> re.Pattern[str]:
    words = layout_words()
    labels = sorted(
        [*words.role_labels, *words.leader_labels, *words.deadline_labels], key=len, reverse=True
    )
    return re.compile("|".join(re.escape(w) for w in labels))


def cell_kind(cell: str) -> tuple[str, Role | None]:
    c = re.sub(r"\s+", "", cell)
    c = layout_words().first_lead_re.sub("", c) or c  # 责任单位（排在首位的为牵头单位）
    if c in ("序号", "编号", "序", "项目编号"):
        return "number", None
    words = layout_words()
    m = _label_prefix().match(c)
    if m:
        return words.label_kind(m.group(0))
    if _TASK_WORDS.search(c) and len(c) <= 12:
        return "task", None
    return "other", None


def _header(cells: list[str]) -> list[tuple[str, Role | None]] | None:
    kinds = [cell_kind(c) for c in cells]
    names = [k for k, _ in kinds]
    if "unit" in names and ("number" in names or "task" in names) and len(cells) >= 2:
        return kinds
    return None


def split_cells(line: str) -> list[str] | None:
    if line.count("|") >= 2 or "｜" in line:
        cells = re.split(r"[|｜]", line)
        if cells and not cells[0].strip():
            cells = cells[1:]
        if cells and not cells[-1].strip():
            cells = cells[:-1]
        return [c.strip() for c in cells]
    if "\t" in line:
        return [c.strip() for c in line.split("\t")]
    return None


def _number(cell: str) -> int | None:
    c = cell.strip().strip("、.．,，)）(（ ")
    return cn_to_int(c) if c and len(c) <= 4 else None


def _row(
    index: int, cells: list[str], kinds: list[tuple[str, Role | None]], section: str
) -> TableRow:
    row = TableRow(line=index, number=None, label="", task="", section=section)
    for cell, (kind, role) in zip(cells, kinds, strict=False):
        fill_cell(row, kind, role, cell)
    return row


def fill_cell(row: TableRow, kind: str, role: Role | None, cell: str) -> None:
    if kind == "number":
        row.number = _number(cell)
        row.label = cell.strip()
    elif kind == "task":
        row.task += (
            re.sub(r"\s+", "", cell)
            if re.search(r"[\u4e00-\u9fff]\s+[\u4e00-\u9fff]", cell) and not row.task
            else cell.strip()
        )
    elif kind == "unit" and role is not None:
        if cell.strip():
            row.units.append((role, cell))
    elif kind == "leader":
        if cell.strip():
            row.leaders.append(cell.strip())
    elif kind == "deadline":
        row.deadline = (row.deadline + cell.strip()).strip()


def _merge(prev: TableRow, cells: list[str], kinds: list[tuple[str, Role | None]]) -> None:
    """A continuation row: each cell goes on from the cell above."""
    for cell, (kind, role) in zip(cells, kinds, strict=False):
        if not cell.strip():
            continue
        if kind == "unit" and role is not None:
            for k, (r, content) in enumerate(prev.units):
                if r is role:
                    prev.units[k] = (r, content + " " + cell)
                    break
            else:
                prev.units.append((role, cell))
        elif kind == "task":
            prev.task += cell.strip()
        else:
            fill_cell(prev, kind, role, cell)


def _section_row(cells: list[str]) -> str | None:
    filled = [c for c in cells if c.strip()]
    if filled and len(set(filled)) == 1 and (len(filled) > 1 or len(cells) > 2):
        return filled[0]
    return None


def _section_then_row(lines: list[str], k: int) -> bool:
    """Line ``k`` is a short title and the next non-blank line is a table row."""
    if len(lines[k]) > 40:
        return False
    m = k + 1
    while m < len(lines) and not lines[m]:
        m += 1
    return m < len(lines) and split_cells(lines[m]) is not None


def _cell_tables(lines: list[str]) -> list[Table]:
    tables: list[Table] = []
    i = 0
    n = len(lines)
    while i < n:
        cells = split_cells(lines[i]) if lines[i] else None
        kinds = _header(cells) if cells else None
        if not kinds:
            i += 1
            continue
        start = i
        rows: list[TableRow] = []
        section = ""
        j = i + 1
        while j < n:
            line = lines[j]
            if not line:
                k = j
                while k < n and not lines[k]:
                    k += 1
                if k < n and (split_cells(lines[k]) or _section_then_row(lines, k)):
                    j = k
                    continue
                break
            row_cells = split_cells(line)
            if row_cells is None:
                # a section title between rows (一、深化依法行政), when the table goes on
                k = j + 1
                while k < n and not lines[k]:
                    k += 1
                if len(line) <= 40 and k < n and split_cells(lines[k]):
                    section = line
                    j += 1
                    continue
                break
            if _header(row_cells):  # a header repeated on a new page
                j += 1
                continue
            title = _section_row(row_cells)
            if title is not None:
                section = title
                j += 1
                continue
            if set(re.sub(r"[-:：\s]", "", c) for c in row_cells) <= {""}:
                j += 1  # a markdown rule |---|---|
                continue
            numbered = any(k == "number" for k, _ in kinds)
            first = next(
                (c for c, (k, _) in zip(row_cells, kinds, strict=False) if k == "number"), ""
            )
            if rows and numbered and not first.strip():
                _merge(rows[-1], row_cells, kinds)
            else:
                rows.append(_row(j, row_cells, kinds, section))
            j += 1
        if rows:
            tables.append(Table(start, j, rows))
        i = max(j, i + 1)
    return tables


def _word_header(line: str) -> list[tuple[str, Role | None]] | None:
    words = line.split()
    if len(words) < 3:
        return None
    kinds = [cell_kind(w) for w in words]
    if any(k == "other" for k, _ in kinds):
        return None
    return _header(words)


def _assign_tokens(
    index: int, parts: list[str], kinds: list[tuple[str, Role | None]], section: str
) -> TableRow:
    """Cells of a row whose separator is white space: number first, deadline last when it
    reads like a date, units from the right, the task is the rest."""
    row = TableRow(line=index, number=None, label="", task="", section=section)
    rest = list(parts)
    cols = list(kinds)
    if cols and cols[0][0] == "number" and rest:
        fill_cell(row, "number", None, rest.pop(0))
        cols.pop(0)
    if cols and cols[-1][0] == "deadline" and rest and _DATE_LIKE.search(rest[-1]):
        row.deadline = rest.pop()
        cols.pop()
    unit_cols = [r for k, r in cols if k == "unit" and r is not None]
    units: list[str] = []
    while rest and is_unit_shaped(rest[-1]) and len(rest) > 1:
        units.insert(0, rest.pop())
    if unit_cols and units:
        if len(unit_cols) == 1:
            row.units.append((unit_cols[0], " ".join(units)))
        else:
            row.units.append((unit_cols[0], units[0]))
            if units[1:]:
                row.units.append((unit_cols[1], " ".join(units[1:])))
    row.task = "".join(rest)
    return row


def _line_tables(lines: list[str]) -> list[Table]:
    """Headers on one line separated by spaces, or one header per line."""
    tables: list[Table] = []
    n = len(lines)
    i = 0
    while i < n:
        kinds = _word_header(lines[i]) if lines[i] else None
        per_line = False
        if kinds is None and lines[i] and cell_kind(lines[i])[0] != "other":
            j = i
            run: list[str] = []
            while j < n and lines[j] and cell_kind(lines[j])[0] != "other" and len(lines[j]) <= 12:
                run.append(lines[j])
                j += 1
            kinds = _header(run) if len(run) >= 3 else None
            per_line = kinds is not None
            header_end = j
        if not kinds:
            i += 1
            continue
        start = i
        j = header_end if per_line else i + 1
        rows: list[TableRow] = []
        expected = 1
        if per_line:
            while j < n:
                if not lines[j]:
                    j += 1
                    continue
                if _number(lines[j]) != expected or not re.fullmatch(
                    r"[0-9０-９]{1,3}[、.．]?", lines[j]
                ):
                    break
                k = j + 1
                cells: list[str] = []
                while k < n and not (
                    lines[k]
                    and re.fullmatch(r"[0-9０-９]{1,3}[、.．]?", lines[k])
                    and _number(lines[k]) == expected + 1
                ):
                    if lines[k]:
                        if k > j + 1 and (re.match(r"^(抄送|附件)", lines[k])):
                            break
                        cells.append(lines[k])
                    k += 1
                rows.append(_assign_lines(j, lines[j], cells, kinds))
                expected += 1
                j = k
        else:
            while j < n:
                line = lines[j]
                if not line:
                    j += 1
                    continue
                parts = line.split()
                num = _number(parts[0]) if parts else None
                if num is None:
                    if rows and not re.search(r"[。]$", rows[-1].task[-1:] or "。"):
                        rows[-1].task += line
                        j += 1
                        continue
                    break
                rows.append(_assign_tokens(j, parts, kinds, ""))
                j += 1
        if rows:
            tables.append(Table(start, j, rows))
        i = max(j, i + 1)
    return tables


def _assign_lines(
    index: int, number: str, cells: list[str], kinds: list[tuple[str, Role | None]]
) -> TableRow:
    cols = [k for k in kinds if k[0] != "number"]
    if len(cells) == len(cols):
        row = TableRow(line=index, number=None, label="", task="")
        fill_cell(row, "number", None, number)
        for cell, (kind, role) in zip(cells, cols, strict=True):
            fill_cell(row, kind, role, cell)
        return row
    return _assign_tokens(index, [number, *cells], kinds, "")


def find_tables(lines: list[str]) -> list[Table]:
    tables = _cell_tables(lines)
    taken = {i for t in tables for i in range(t.start, t.stop)}
    for t in _line_tables(lines):
        if not any(i in taken for i in range(t.start, t.stop)):
            tables.append(t)
    tables.sort(key=lambda t: t.start)
    return tables
