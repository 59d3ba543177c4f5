"""The annual report draft (:mod:`scheduler.records.annual_draft`) as a .docx document:
the title, the note that it is a draft from the records, the five sections as headings, their
paragraphs (待补充 highlighted), and the list of the records the sentences cite."""

from __future__ import annotations

import io

from scheduler.records.annual_draft import Draft

FONT = "仿宋"  # the body font of Chinese official documents (GB/T 9704)


def draft_docx(draft: Draft) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    title = doc.add_heading(draft.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(
        f"本稿由系统根据{draft.year}年度的完成登记、证明材料、催办和回复记录于"
        f"{draft.made_at:%Y年%m月%d日}生成，章节依照{draft.source_rule}。"
        f"每一句事实后的〔〕注明出处（见文末“记录来源”）；标有“{draft.placeholder}”处须由人工撰写。"
    )
    for section in draft.sections:
        doc.add_heading(section.title, level=1)
        for text in section.paragraphs:
            p = doc.add_paragraph()
            run = p.add_run(text)
            if text.startswith(draft.placeholder):
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    doc.add_heading("附：记录来源", level=1)
    if not draft.sources:
        doc.add_paragraph(f"{draft.year}年度没有完成登记记录。")
    else:
        table = doc.add_table(rows=1, cols=6)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells,
            ("编号", "单位", "任务", "完成日期", "确认人", "证明材料"),
            strict=True,
        ):
            cell.text = text
        for s in draft.sources:
            cells = table.add_row().cells
            for cell, text in zip(
                cells, (s.ref, s.unit, s.what, s.when, s.by, s.evidence), strict=True
            ):
                cell.text = text
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
