"""Task tables flattened to paragraphs, two shapes that lose the table's cell separators:

* one cell per paragraph: the column headers one per line (序号 / 工作任务 / 进展 / 责任单位),
  then the cells row by row, with a row number opening each row or without one (rows are
  then counted off by the number of columns, and a row whose unit cell is not a unit list
  ends the table);
* cells glued together: the header on one line with no separator (序号工作任务责任单位) and
  each row one line ("1推进严格规范公正文明执法。区司法局、区财政局"): the number opens it
  (when there is a 序号 column), the unit list closes it (a deadline after it when the table
  has that column).

Columns the parser has no use for (进展, 备注) are read past, never taken for units.
"""

from __future__ import annotations

import re
from functools import lru_cache

from knowledge.plan.model import Role
from knowledge.reading.layout_words import layout_words
from knowledge.reading.tables import Table, TableRow, cell_kind, fill_cell, find_tables, split_cells
from knowledge.reading.unit_names import is_unit_shaped, list_names

_NUMBER_LINE = re.compile(r"^([0-9０-９]{1,4})[、.．]?$")
_HEADER_WORD = re.compile(r"^[\u4e00-\u9fff]{1,8}$")
_EXTRA_HEADERS = ("进展", "进展情况", "完成情况", "备注", "工作进度", "推进情况", "类别")
_GLUED_WORDS = (
    "序号", "编号", "工作任务", "重点任务", "主要任务", "具体任务", "工作内容", "任务内容",
    "工作措施", "具体措施", "主要内容", "工作事项", "任务", *_EXTRA_HEADERS,
)  # fmt: skip
_GLUED_ROW = re.compile(r"^([0-9０-９]{1,4})(?![0-9０-９.．])[、.．]?\s*(\S.*)$")
_DEADLINE_TAIL = re.compile(
    r"(?:\d{4}年)?(?:\d{1,2}月(?:底|中旬|上旬|下旬)?前?|年底前|长期坚持|持续推进|全年)$"
)
_UNIT_START = re.compile(r"^(?:各|全|有关|相关|市级|县级|区级|[区县市镇乡省])")

Kinds = list[tuple[str, Role | None]]


def _header_run(lines: list[str], i: int) -> tuple[Kinds, int] | None:
    """Column headers one per line starting at ``i``: their kinds and the index after them."""
    run: list[str] = []
    j = i
    note = layout_words().first_lead_re
    while (
        j < len(lines) and lines[j] and _HEADER_WORD.match(note.sub("", lines[j])) and len(run) < 8
    ):
        if cell_kind(lines[j])[0] == "other" and lines[j] not in _EXTRA_HEADERS:
            break
        run.append(lines[j])
        j += 1
    kinds = [cell_kind(c) for c in run]
    names = [k for k, _ in kinds]
    if len(run) >= 2 and "unit" in names and ("task" in names or "number" in names):
        return kinds, j
    return None


def _unit_list(text: str) -> bool:
    names = list_names(text.rstrip("等"))
    return bool(names) and all(is_unit_shaped(n) for n in names)


def _row(index: int, number: str, cells: list[str], kinds: Kinds) -> TableRow:
    """Cells in column order. A cell of several paragraphs: the cells are matched to the
    columns from both ends, and the extra paragraphs belong to the task cell, except unit
    lists right before a unit column that follows the task (区司法局 / 区直各执法单位: one
    unit cell of two paragraphs)."""
    cols = [k for k in kinds if k[0] != "number"]
    row = TableRow(line=index, number=None, label="", task="")
    if number:
        fill_cell(row, "number", None, number)
    if len(cells) > len(cols):
        t = next((k for k, (kind, _r) in enumerate(cols) if kind == "task"), 0)
        n_right = len(cols) - t - 1
        middle = cells[t : len(cells) - n_right]
        right = cells[len(cells) - n_right :]
        if right and cols[t + 1][0] == "unit":
            while len(middle) > 1 and _unit_list(middle[-1]):
                right[0] = middle.pop().rstrip("、，,") + "、" + right[0]
        cells = [*cells[:t], "".join(middle), *right]
    for cell, (kind, role) in zip(cells, cols, strict=False):
        fill_cell(row, kind, role, cell)
    return row


def _cell_rows(lines: list[str], j: int, kinds: Kinds) -> tuple[list[TableRow], int]:
    numbered = kinds[0][0] == "number"
    width = len([k for k in kinds if k[0] != "number"])
    unit_col = next(k for k, (kind, _r) in enumerate(kinds) if kind == "unit") - numbered
    rows: list[TableRow] = []
    n = len(lines)
    while j < n:
        while j < n and not lines[j]:
            j += 1
        if j >= n:
            break
        if numbered:
            m = _NUMBER_LINE.match(lines[j])
            if not m or int(m.group(1).translate(_FOLD)) != len(rows) + 1:
                break
            k = j + 1
            cells: list[str] = []
            while k < n and len(cells) < width * 3:
                nm = _NUMBER_LINE.match(lines[k]) if lines[k] else None
                if nm and cells and int(nm.group(1).translate(_FOLD)) == len(rows) + 2:
                    break
                if not lines[k] and len(cells) >= width:
                    break
                if lines[k]:
                    cells.append(lines[k])
                k += 1
            if len(cells) < width - 1:
                break
            rows.append(_row(j, lines[j], cells, kinds))
            j = k
        else:
            cells, k = [], j
            while k < n and len(cells) < width:
                if lines[k]:
                    cells.append(lines[k])
                k += 1
            if len(cells) < width or not _unit_list(cells[unit_col]):
                break
            rows.append(_row(j, "", cells, kinds))
            j = k
    return rows, j


_FOLD = str.maketrans("０１２３４５６７８９", "0123456789")


@lru_cache(maxsize=1)
def _glued_vocab() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The header words, longest first: one of them, and a line made only of them."""
    words = layout_words()
    vocab = sorted(
        [*_GLUED_WORDS, *words.role_labels, *words.leader_labels, *words.deadline_labels],
        key=len,
        reverse=True,
    )
    alt = "|".join(re.escape(w) for w in vocab)
    return re.compile(alt), re.compile(f"(?:{alt})+")


def _glued_header(line: str) -> Kinds | None:
    """序号工作任务进展责任单位 → the kinds of its words, when it is made only of them."""
    word, whole = _glued_vocab()
    if not whole.fullmatch(line):
        return None
    parts = [m.group(0) for m in word.finditer(line)]
    if "".join(parts) != line:
        return None
    kinds = [cell_kind(p) for p in parts]
    names = [k for k, _ in kinds]
    ok = "unit" in names and (
        (len(parts) >= 3 and names[0] == "number") or (len(parts) >= 2 and "task" in names)
    )
    return kinds if ok else None


def _split_glued(text: str, between: bool = False) -> tuple[str, str]:
    """(task, unit list) of a row's text after its number: the unit list is the longest
    tail made of unit names that opens like one (区…, 各…), after the task's last sentence
    mark if there is one. ``between``: a column sits between them (进展): its short text is
    dropped."""
    last = max(text.rfind("。"), text.rfind("；"), text.rfind(";"))
    for p in range(last + 1, len(text) - 1):
        if _UNIT_START.match(text[p:]) and _unit_list(text[p:]):
            gap = p - (last + 1)
            if between and last >= 0 and 0 < gap <= 8:
                return text[: last + 1], text[p:]
            return text[:p], text[p:]
    if last >= 0 and _unit_list(text[last + 1 :]):
        return text[: last + 1], text[last + 1 :]
    return text, ""


def _glued_at(token: str) -> int:
    """Where two names glued without a separator meet (镇司法所镇党政办 → 4), else 0: the left
    ends like a unit, the right opens like one (区…, 各…) and is one."""
    for p in range(2, len(token) - 1):
        left, right = token[:p], token[p:]
        if (
            _UNIT_START.match(right)
            and left.endswith(layout_words().suffixes)
            and is_unit_shaped(left)
            and _unit_list(right)
        ):
            return p
    return 0


def _unit_columns(units: str, n_cols: int) -> list[str]:
    """The unit text of a glued row with ``n_cols`` unit columns (牵头单位 / 配合单位) cut
    where a name runs into the next column's first name; [units] when there is no such place."""
    cuts: list[int] = []
    pos = 0
    for piece in re.split(r"([、，,；;\s]+)", units):
        at = _glued_at(piece) if piece.strip() and len(cuts) < n_cols - 1 else 0
        if at:
            cuts.append(pos + at)
        pos += len(piece)
    bounds = [0, *cuts, len(units)]
    return [units[a:b].strip("、，,；; ") for a, b in zip(bounds, bounds[1:], strict=False)]


def _glued_rows(lines: list[str], j: int, kinds: Kinds) -> tuple[list[TableRow], int]:
    """Rows of a glued table: each opens with the next row number (when the table has a 序号
    column) and ends with a unit list; the first line that does not ends the table."""
    unit_kinds = [(k, r) for k, r in kinds if k == "unit"]
    has_deadline = any(k == "deadline" for k, _ in kinds)
    numbered = kinds[0][0] == "number"
    names = [k for k, _ in kinds]
    between = "other" in names[names.index("task") + 1 :] if "task" in names else False
    rows: list[TableRow] = []
    while j < len(lines):
        if not lines[j]:
            if not numbered:  # rows without numbers run on consecutive lines
                break
            j += 1
            continue
        row = TableRow(line=j, number=None, label="", task="")
        rest = lines[j].strip()
        if numbered:
            m = _GLUED_ROW.match(lines[j])
            if not m or int(m.group(1).translate(_FOLD)) != len(rows) + 1:
                break
            rest = m.group(2).strip()
            fill_cell(row, "number", None, m.group(1))
        if has_deadline:
            d = _DEADLINE_TAIL.search(rest)
            if d:
                row.deadline, rest = d.group(0), rest[: d.start()]
        task, units = _split_glued(rest, between)
        if not numbered and (not units or not task):
            break
        row.task = task
        parts = _unit_columns(units, len(unit_kinds)) if len(unit_kinds) > 1 else [units]
        if len(parts) == 1:
            parts, cols = [units], unit_kinds[-1:]
        else:
            cols = unit_kinds
        for (_kind, role), part in zip(cols, parts, strict=False):
            if part and unit_kinds:
                row.units.append((role or Role.RESPONSIBLE, part))
        rows.append(row)
        j += 1
    return rows, j


def paragraph_tables(lines: list[str]) -> list[Table]:
    """Tables flattened to paragraphs (one cell each) or glued rows, in document order."""
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line or split_cells(line) is not None:
            i += 1
            continue
        found = _header_run(lines, i)
        if found:
            kinds, j = found
            rows, stop = _cell_rows(lines, j, kinds)
        else:
            glued = _glued_header(line) if len(line) <= 40 else None
            if glued is None:
                i += 1
                continue
            kinds = glued
            rows, stop = _glued_rows(lines, i + 1, kinds)
        if rows:
            tables.append(Table(i, stop, rows))
            i = stop
        else:
            i += 1
    return tables


def all_tables(lines: list[str]) -> list[Table]:
    """Every table of the document: those flattened to paragraphs, then the pipe-, tab- and
    space-separated ones (:func:`.tables.find_tables`) that do not overlap them."""
    tables = paragraph_tables(lines)
    taken = {i for t in tables for i in range(t.start, t.stop)}
    for t in find_tables(lines):
        if not any(i in taken for i in range(t.start, t.stop)):
            tables.append(t)
    return sorted(tables, key=lambda t: t.start)
