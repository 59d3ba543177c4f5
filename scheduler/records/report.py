"""The compliance matrix as rows and as an .xlsx workbook (CLI `fazhi report`, bot /report)."""

from __future__ import annotations

import io

from scheduler.records.completions import Matrix

FILLS = {"已完成": "C6EFCE", "已逾期": "FFC7CE", "待完成": "FFEB9C"}


def matrix_rows(m: Matrix) -> tuple[list[str], list[list[str]]]:
    """Header and one row per unit, cells as Chinese state labels."""
    header = ["单位", *[f"{c.obligation.action}（{c.period.label}）" for c in m.columns]]
    rows = [[u, *[m.cell_label(u, c) for c in m.columns]] for u in m.units]
    return header, rows


def matrix_xlsx(m: Matrix, title: str | None = None) -> bytes:
    """The matrix as an .xlsx workbook: title row, bold header, coloured states."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    header, rows = matrix_rows(m)
    wb = Workbook()
    ws = wb.active
    ws.title = "完成情况"
    ws.append([title or f"{m.period.label}完成情况"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append(r)
        for cell in ws[ws.max_row][1:]:
            state = str(cell.value).split(" ")[0]  # "待完成 1/2"
            if state in FILLS:
                cell.fill = PatternFill("solid", fgColor=FILLS[state])
    ws.freeze_panes = "B3"
    ws.column_dimensions["A"].width = 18
    if m.overrides:
        labels = {c.obligation.key: c.obligation.action for c in m.columns}
        adj = wb.create_sheet("管理员调整")
        adj.append(["单位", "任务", "调整", "理由", "操作人", "时间"])
        for cell in adj[1]:
            cell.font = Font(bold=True)
        for ov in m.overrides:
            name = labels.get(ov.obligation, ov.obligation)
            adj.append([ov.unit, name, ov.label, ov.reason, ov.by, ov.at])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def override_lines(m: Matrix) -> list[str]:
    """The admins' overrides behind a report, one Chinese line each."""
    labels = {c.obligation.key: c.obligation.action for c in m.columns}
    return [
        f"{ov.unit} · “{labels.get(ov.obligation, ov.obligation)}”{ov.label}："
        f"{ov.reason}（{ov.by}，{ov.at.replace('T', ' ')[:16]}）"
        for ov in m.overrides
    ]
