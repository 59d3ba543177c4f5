"""Every .xlsx export shares one layout: columns fitted to their Chinese headers and contents
(a Chinese character counts two), header cells wrapped, header rows frozen. Checked by opening
the files with openpyxl: the compliance report here, the evidence index in
tests/test_evidence_export.py."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook, load_workbook
from scheduler_fixtures import *  # noqa: F403
from scheduler_fixtures import BUREAU

from knowledge.reading.loader import default_directory, default_plan
from knowledge.text.display import width
from scheduler.records.completions import compliance_matrix, confirm
from scheduler.records.report import matrix_xlsx
from scheduler.records.unit_registry import sync_units
from scheduler.records.xlsx_layout import HEADER_WIDTH, MAX_WIDTH, lay_out
from scheduler.store.db import session_scope
from scheduler.timing.clock import TZ

NOW = datetime(2026, 8, 3, 10, 0, tzinfo=TZ)


def test_the_report_workbook_fits_its_chinese_headers_and_contents(engine) -> None:  # noqa: ANN001
    plan, directory = default_plan(), default_directory()
    with session_scope(engine) as s:
        sync_units(s, directory)
        confirm(s, BUREAU, plan.obligation("i2-study"), "2026Q3", by="李四", now=NOW)
        m = compliance_matrix(s, plan, directory, "2026", now=NOW)
    ws = load_workbook(io.BytesIO(matrix_xlsx(m))).active
    assert ws.freeze_panes == "B3"  # the title and header rows, and the units' column
    header = list(ws[2])
    assert all(c.alignment.wrap_text and c.font.b for c in header)
    assert header[1].value == "报送上一年度法治政府建设情况报告（2026年）"
    units = [ws.cell(row=r, column=1).value for r in range(3, ws.max_row + 1)]
    longest_unit = max(width(u) for u in units)
    assert ws.column_dimensions["A"].width >= longest_unit  # no unit name cut
    for cell in header[1:]:
        w = ws.column_dimensions[cell.column_letter].width
        # a long header wraps inside a column at least HEADER_WIDTH wide, not at Excel's 8.43
        assert min(width(cell.value), HEADER_WIDTH) <= w <= MAX_WIDTH
    lines = -(-width(header[1].value) // (ws.column_dimensions["B"].width - 2))
    assert ws.row_dimensions[2].height >= 15 * lines  # the wrapped header shows every line
    assert "2026Q" not in "".join(c.value for c in header)  # periods in Chinese


def test_long_and_multi_line_cells_wrap_and_widths_stop_at_the_maximum() -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["标题"])
    ws.append(["单位", "备注", "No"])
    ws.append(["区司法局", "很长的备注" * 20, "a\nb"])
    lay_out(ws, header_row=2)
    assert ws.column_dimensions["A"].width == width("区司法局") + 2  # 4 characters: 8 columns
    assert ws.column_dimensions["B"].width == MAX_WIDTH
    assert ws.column_dimensions["C"].width == 6  # never narrower than a short header needs
    assert ws["B3"].alignment.wrap_text and ws["C3"].alignment.wrap_text
    assert not ws["A3"].alignment.wrap_text
    assert ws.freeze_panes == "A3"
