"""The layout every .xlsx export shares: columns as wide as their Chinese headers and contents
(a Chinese character counts two), header cells wrapped, header rows frozen.

Call :func:`lay_out` once a sheet's rows are written. Excel measures a column in widths of the
digit "0" of the default font; a Chinese character takes about two of them, which is what
:func:`knowledge.text.display.width` counts.
"""

from __future__ import annotations

import math
from typing import Any

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from knowledge.text.display import width

MIN_WIDTH = 6  # columns: 单位, 条目 stay readable
MAX_WIDTH = 50  # longer contents wrap inside the cell
HEADER_WIDTH = 24  # a header longer than this wraps onto more lines rather than widen its column
PADDING = 2
LINE_HEIGHT = 15  # points per line of the default 11-point font


def text_width(value: Any) -> int:  # noqa: ANN401 - a cell holds any value
    """The widest line of a cell's value as it shows (dates as Excel shows them)."""
    if value is None:
        return 0
    if hasattr(value, "strftime"):
        return 16
    return max((width(line) for line in str(value).split("\n")), default=0)


def lay_out(ws: Any, header_row: int = 1, freeze_columns: int = 0) -> None:  # noqa: ANN401
    """Fit the column widths of ``ws`` (rows from ``header_row`` on; a title above it is left
    out), wrap and bold the header cells, size the header row for its wrapped lines, wrap cells
    that hold several lines or more than a column's width, and freeze the rows down to the
    header (and ``freeze_columns`` columns at the left)."""
    widths: dict[int, int] = {}
    for row in ws.iter_rows(min_row=header_row):
        for cell in row:
            w = text_width(cell.value)
            if cell.row == header_row:
                w = min(w, HEADER_WIDTH)
            widths[cell.column] = max(widths.get(cell.column, 0), w)
    header_lines = 1
    for column, w in widths.items():
        fitted = min(max(w + PADDING, MIN_WIDTH), MAX_WIDTH)
        ws.column_dimensions[get_column_letter(column)].width = fitted
        head = ws.cell(row=header_row, column=column)
        head.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        head.font = Font(bold=True)
        header_lines = max(header_lines, math.ceil(text_width(head.value) / (fitted - PADDING)))
    ws.row_dimensions[header_row].height = LINE_HEIGHT * header_lines + 3
    for row in ws.iter_rows(min_row=header_row + 1):
        for cell in row:
            value = cell.value
            limit = ws.column_dimensions[get_column_letter(cell.column)].width - PADDING
            if isinstance(value, str) and ("\n" in value or width(value) > limit):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = ws.cell(row=header_row + 1, column=freeze_columns + 1).coordinate
