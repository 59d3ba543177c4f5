"""The compliance matrix as rows and as an .xlsx workbook (CLI `fazhi report`, bot /report)."""

from __future__ import annotations

import io

from scheduler.records.completions import Matrix
from scheduler.timing.periods import period_label

FILLS = {"已完成": "C6EFCE", "已逾期": "FFC7CE", "待完成": "FFEB9C", "不适用（豁免）": "BDD7EE"}


def matrix_rows(m: Matrix) -> tuple[list[str], list[list[str]]]:
    """Header and one row per unit, cells as Chinese state labels."""
    header = ["单位", *[f"{c.obligation.action}（{c.period.label}）" for c in m.columns]]
    rows = [[u, *[m.cell_label(u, c) for c in m.columns]] for u in m.units]
    return header, rows


def matrix_xlsx(m: Matrix, title: str | None = None) -> bytes:
    """The matrix as an .xlsx workbook: title row, bold wrapped header, coloured states,
    columns fitted to their contents (:mod:`scheduler.records.xlsx_layout`)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from scheduler.records.xlsx_layout import lay_out

    header, rows = matrix_rows(m)
    wb = Workbook()
    ws = wb.active
    ws.title = "完成情况"
    ws.append([title or f"{m.period.label}完成情况"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(header)
    for r in rows:
        ws.append(r)
        for cell in ws[ws.max_row][1:]:
            state = str(cell.value).split(" ")[0]  # "待完成 1/2"
            if state in FILLS:
                cell.fill = PatternFill("solid", fgColor=FILLS[state])
    lay_out(ws, header_row=2, freeze_columns=1)
    if m.overrides:
        labels = {c.obligation.key: c.obligation.action for c in m.columns}
        adj = wb.create_sheet("管理员调整")
        adj.append(["单位", "任务", "调整", "理由", "操作人", "时间"])
        for ov in m.overrides:
            name = labels.get(ov.obligation, ov.obligation)
            adj.append([ov.unit, name, ov.label, ov.reason, ov.by, ov.at])
        lay_out(adj, header_row=1)
    if m.requests:
        req = wb.create_sheet("豁免和延期")
        req.append(["单位", "任务", "期间", "批准事项", "理由", "新截止日", "批准人", "时间"])
        for r in request_rows(m):
            req.append(r)
        lay_out(req, header_row=1)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def request_rows(m: Matrix) -> list[list[str]]:
    """The approved exemptions and extensions behind a report: unit, obligation, period, what,
    reason, new due, by, when."""
    seen = sorted({(r.unit, r.obligation, r.period): r for r in m.requests.values()}.items())
    names = {c.obligation.key: c.obligation.action for c in m.columns}
    return [
        [
            r.unit,
            names.get(r.obligation, r.obligation),
            period_label(r.period),
            "豁免（不适用）" if r.kind == "exempt" else "延期",
            r.reason,
            r.new_due.isoformat() if r.new_due else "",
            r.approved_by,
            r.approved_at.strftime("%Y-%m-%d %H:%M"),
        ]
        for _key, r in seen
    ]


def override_lines(m: Matrix) -> list[str]:
    """The admins' overrides behind a report, one Chinese line each."""
    labels = {c.obligation.key: c.obligation.action for c in m.columns}
    return [
        f"{ov.unit} · “{labels.get(ov.obligation, ov.obligation)}”{ov.label}："
        f"{ov.reason}（{ov.by}，{ov.at.replace('T', ' ')[:16]}）"
        for ov in m.overrides
    ]
