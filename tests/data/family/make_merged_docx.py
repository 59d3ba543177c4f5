"""Rebuild fz18_linshui_2025_merged.docx: a covering notice, then a task table whose cells are
merged vertically (vMerge) the way Word merges them when one unit leads several rows, one
deadline covers several rows, or a 类别 cell spans its section.

Needs only python-docx (a dependency of fazhi). Run from the repository root:
``python tests/data/family/make_merged_docx.py``. Not run by the tests; the .docx is committed.
"""

from __future__ import annotations

from pathlib import Path

import docx

HERE = Path(__file__).resolve().parent
OUT = HERE / "fz18_linshui_2025_merged.docx"

HEAD = [
    "临水县人民政府办公室",
    "临政办〔2025〕4号",
    "临水县人民政府办公室关于印发临水县2025年法治政府建设工作要点的通知",
    "各乡镇人民政府，县直各单位：",
    "现将《临水县2025年法治政府建设工作要点》印发给你们，请抓好落实。",
    "临水县人民政府办公室",
    "2025年2月18日",
    "临水县2025年法治政府建设工作要点",
    "今年全县法治政府建设重点任务如下表。",
]
HEADER = ["类别", "序号", "工作任务", "牵头单位", "配合单位", "完成时限"]
# None: this cell continues the merge of the cell above it
ROWS: list[list[str | None]] = [
    [
        "制度建设",
        "1",
        "清理县政府规章以外的规范性文件，公布继续有效目录。",
        "县司法局",
        "县直各单位",
        "2025年6月底前",
    ],
    [None, "2", "建立规范性文件备案审查衔接联动机制。", None, "县人大常委会法工委", None],
    [None, "3", "推行重大行政决策事项年度目录公开。", "县政府办公室", "县司法局", "2025年3月底前"],
    [
        "执法监督",
        "4",
        "开展行政执法案卷评查，每半年评查一次。",
        "县司法局",
        "县直各行政执法单位",
        "2025年12月底前",
    ],
    [None, "5", "推行涉企行政检查“扫码入企”。", "县市场监督管理局", None, None],
    [
        None,
        "6",
        "落实行政执法人员持证上岗和资格管理制度。",
        "县司法局",
        "各乡镇人民政府",
        "长期坚持",
    ],
]


def build() -> None:
    doc = docx.Document()
    for text in HEAD:
        doc.add_paragraph(text)
    table = doc.add_table(rows=1 + len(ROWS), cols=len(HEADER))
    for c, text in enumerate(HEADER):
        table.cell(0, c).text = text
    for r, row in enumerate(ROWS, start=1):
        for c, text in enumerate(row):
            if text is not None:
                table.cell(r, c).text = text
    for c in range(len(HEADER)):  # merge each None into the nearest filled cell above it
        r = 1
        while r <= len(ROWS):
            stop = r + 1
            while stop <= len(ROWS) and ROWS[stop - 1][c] is None:
                stop += 1
            if stop - 1 > r:
                table.cell(r, c).merge(table.cell(stop - 1, c))  # writes w:vMerge
            r = stop
    doc.add_paragraph("抄送：县委办公室，县人大常委会办公室。")
    doc.save(str(OUT))


if __name__ == "__main__":
    build()
