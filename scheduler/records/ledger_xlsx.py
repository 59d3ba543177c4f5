"""The ledger (:mod:`scheduler.records.ledger`) as files: an .xlsx workbook laid out as offices
keep such ledgers, and CSV.

The workbook has a summary sheet (汇总: per unit how many obligations are done, pending,
overdue, not applicable, chased and answered; in the order of units' names, no ranking) and a
sheet per unit. Every sheet has a title row and a wrapped, bold header that stays frozen while
scrolling and is printed at the top of every page; its columns are as wide as their Chinese
text needs (a CJK character counts two), and its print area is the table, landscape, one page
wide.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata

from scheduler.records.ledger import HEADERS, Ledger

SUMMARY_HEADERS = (
    "单位",
    "任务（期）数",
    "已完成",
    "待完成",
    "已逾期",
    "不适用",
    "催办次数",
    "已回复",
)
MAX_WIDTH = 40  # characters' width a column grows to; longer text wraps
STATE_FILLS = {"已完成": "C6EFCE", "已逾期": "FFC7CE", "待完成": "FFEB9C", "不适用": "D9D9D9"}
HEAD, BODY = "台账表头", "台账正文"
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def text_width(text: str) -> int:
    """Display width of the longest line: a wide (CJK) character counts two."""
    return max(
        (
            sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in line)
            for line in str(text).splitlines() or [""]
        ),
        default=0,
    )


def sheet_title(name: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (≤31 characters, no []:*?/\\), unique in the workbook."""
    base = _SHEET_BAD.sub("_", name).strip("'") or "单位"
    title, n = base[:31], 2
    while title in taken:
        suffix = f"({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


def _summary(book: Ledger) -> list[list[object]]:
    out: list[list[object]] = []
    by_unit = book.by_unit()
    for unit in book.units:
        rows = by_unit[unit]
        states = [r.state.split(" ")[0] for r in rows]
        out.append(
            [
                unit,
                len(rows),
                states.count("已完成"),
                states.count("待完成"),
                states.count("已逾期"),
                sum(s.startswith("不适用") for s in states),
                sum(len(r.chases) for r in rows),
                sum(1 for r in rows if r.replies),
            ]
        )
    return out


def _styles(wb) -> None:  # noqa: ANN001
    """The named styles of the cells, registered once: a cell then takes a style by its name,
    which costs far less than styling every cell with new objects."""
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb.add_named_style(
        NamedStyle(
            HEAD,
            font=Font(bold=True),
            alignment=Alignment(wrap_text=True, horizontal="center", vertical="center"),
            fill=PatternFill("solid", fgColor="DDEBF7"),
            border=border,
        )
    )
    body = Alignment(wrap_text=True, vertical="top")
    wb.add_named_style(NamedStyle(BODY, alignment=body, border=border))
    for state, colour in STATE_FILLS.items():
        fill = PatternFill("solid", fgColor=colour)
        wb.add_named_style(NamedStyle(BODY + state, alignment=body, border=border, fill=fill))


def _sheet(ws, title: str, header: tuple[str, ...], rows: list[list[object]]) -> None:  # noqa: ANN001
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    last = get_column_letter(len(header))
    ws.append([title])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.append(list(header))
    for cell in ws[2]:
        cell.style = HEAD
    state_col = header.index("状态") if "状态" in header else -1
    for row in rows:
        ws.append(row)
        for i, cell in enumerate(ws[ws.max_row]):
            style = BODY
            if i == state_col:
                state = str(cell.value).split(" ")[0].split("（")[0]
                style += state if state in STATE_FILLS else ""
            cell.style = style
    for i, name in enumerate(header, start=1):
        values = [name, *(r[i - 1] for r in rows)]
        width = max(text_width(str(v)) for v in values if v is not None)
        ws.column_dimensions[get_column_letter(i)].width = min(width, MAX_WIDTH) + 2
    ws.freeze_panes = "B3"  # the header rows and the first column stay in view
    ws.print_title_rows = "1:2"
    ws.print_area = f"A1:{last}{max(ws.max_row, 2)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def ledger_xlsx(book: Ledger) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    _styles(wb)
    summary = wb.active
    summary.title = "汇总"
    made = f"{book.made_at:%Y-%m-%d %H:%M}"
    _sheet(summary, f"{book.year}年督办台账汇总（{made}）", SUMMARY_HEADERS, _summary(book))
    taken = {"汇总"}
    by_unit = book.by_unit()
    for unit in book.units:
        ws = wb.create_sheet(sheet_title(unit, taken))
        rows = [r.cells()[1:] for r in by_unit[unit]]  # the sheet names the unit
        _sheet(ws, f"{book.year}年督办台账：{unit}", HEADERS[1:], rows)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def ledger_csv(book: Ledger) -> bytes:
    """One table, a row per unit, obligation and period; UTF-8 with a BOM (Excel reads it)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADERS)
    for row in book.rows:
        w.writerow(row.cells())
    return buf.getvalue().encode("utf-8-sig")
