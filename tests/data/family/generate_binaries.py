"""Regenerate the encoded and binary fixtures of this folder (not run by the tests).

The fixtures are committed; this script only documents how they were made and lets them be
rebuilt. It writes:

- fz07_qingya_2023_gbk.txt       the text below, encoded GB18030 (GBK subset)
- fz08_jinshui_2024_utf16.txt    the text below, encoded UTF-16 with a BOM
- fz11_anping_2024_table.docx    notice paragraphs followed by a real Word table
- fz12_songlin_2022.pdf          a PDF with a text layer (reportlab CID font STSong-Light),
                                 lines wrapped at a fixed width the way a PDF page wraps them
- edge_scanned.pdf               an image-only PDF (no text layer), like a scan
- edge_malformed.txt             UTF-8 text with bytes that are valid in no Chinese encoding

Dependencies (install into a scratch virtualenv outside the repository):
    python-docx, reportlab, pdfplumber, pillow
Run: ``/tmp/gen/bin/python tests/data/family/generate_binaries.py``. It checks with
pdfplumber that every line of the text PDF extracts exactly as written.
"""

from __future__ import annotations

import io
from pathlib import Path

HERE = Path(__file__).resolve().parent

QINGYA_GBK = """青崖市人民政府办公室
关于印发青崖市2023年法治政府建设工作要点的通知
青政办发[2023]12号

各县(市、区)人民政府,市政府各部门:
    经市政府同意,现将《青崖市2023年法治政府建设工作要点》印发给你们,请结合实际认真贯彻落实.

青崖市2023年法治政府建设工作要点

一、加强法治政府建设统筹推进
(一)召开法治政府建设专题会议.市政府每年召开专题会议研究部署法治政府建设工作不少于1次.(责任单位:市政府办公室,市司法局)
(二)开展法治政府建设示范创建.积极争创全省法治政府建设示范市,指导各县(市、区)开展示范创建活动.(牵头单位:市司法局;协办单位:各县(市、区)人民政府)
二、提高行政执法质量
(三)推进行政执法规范化建设.统一执法文书格式,推行行政执法全过程记录,完善执法音像记录管理制度.(牵头单位:市司法局;协办单位:市公安局、市交通运输局、市城市管理局)
(四)加强重点领域执法.加大食品药品、生态环境、安全生产等领域执法力度,依法严惩违法行为.(责任单位:市市场监督管理局、市生态环境局、市应急管理局、各县(市、区)人民政府)
(五)规范罚款设定与实施.清理不合理罚款事项,防止以罚代管、逐利执法.(牵头单位:市司法局;协办单位:市财政局)
三、完善公共法律服务体系
(六)建设现代公共法律服务体系.推进市、县、乡、村四级公共法律服务平台建设,实现法律援助应援尽援.(责任单位:市司法局、各县(市、区)人民政府)

青崖市人民政府办公室
2023年2月27日
"""

JINSHUI_UTF16 = """金水区2024年法治政府建设工作要点

一、持续推进政府治理体系建设
（一）健全政府机构职能体系
（1）推进机构职能优化。落实机构改革方案，理顺部门职责关系。【牵头单位：区委编办】【配合单位：区直各部门】
（2）推行权责清单动态管理。根据法律法规立改废释情况及时调整权责清单。【牵头单位：区委编办】【配合单位：区司法局、区政务服务和大数据管理局】
（二）深化政务服务改革
（1）推进“高效办成一件事”。梳理重点事项清单，推动跨部门业务协同办理。【牵头单位：区政务服务和大数据管理局】【配合单位：区人力资源和社会保障局、区医疗保障局】
（2）提升12345热线服务质效。热线诉求按时办结率达到98%以上。【牵头单位：区政务服务和大数据管理局】
二、强化法治保障
（一）加强法治队伍建设
（1）配齐配强法治工作力量。各镇（街道）设立法治工作机构或明确专门人员。【牵头单位：区司法局】【配合单位：区委组织部、区委编办、各镇（街道）】
（2）加强法律顾问队伍管理。建立法律顾问履职评价机制。【牵头单位：区司法局】
（二）加强督察考核
（1）开展法治政府建设督察。对各镇（街道）和区直部门开展年度督察，发现问题限期整改。【牵头单位：区委依法治区办】【配合单位：区司法局】完成时限：2024年11月底前
"""

ANPING_NOTICE = [
    "安平县人民政府办公室文件",
    "安政办发〔2024〕5号",
    "安平县人民政府办公室关于印发安平县2024年法治政府建设工作要点的通知",
    "各乡镇人民政府，县政府各部门，县直各单位：",
    "《安平县2024年法治政府建设工作要点》已经县政府同意，现印发给你们，并提出以下要求：",
    "一、各牵头单位要细化工作措施，明确时间节点，确保各项任务按期完成。",
    "二、各单位于每季度末将工作进展报县司法局，县司法局汇总后报县委依法治县办。",
    "安平县人民政府办公室",
    "2024年3月5日",
    "安平县2024年法治政府建设工作要点",
    "为深入推进依法行政，加快建设法治政府，现将2024年全县法治政府建设重点工作任务分解如下。",
]

# Rows: (序号, 工作任务, 牵头单位, 责任单位, 完成时限); a one-element tuple is a section row whose
# cells are merged across the table. A "\n" inside a cell makes two paragraphs in that cell.
ANPING_ROWS: list[tuple[str, ...]] = [
    ("一、全面履行政府职能",),
    (
        "1",
        "健全依法决策机制，严格执行重大行政决策程序",
        "县政府办公室",
        "县司法局 县发展和改革局",
        "2024年6月底前",
    ),
    ("2", "开展行政规范性文件清理", "县司法局", "县直各部门 各乡镇人民政府", "2024年9月底前"),
    ("二、严格规范公正文明执法",),
    (
        "3",
        "推进乡镇综合行政执法规范化建设",
        "县司法局",
        "县委编办 各乡镇人民政府",
        "2024年12月底前",
    ),
    (
        "4",
        "开展行政执法质量提升专项行动",
        "县司法局",
        "县公安局 县自然资源局 县农业农村局 县市场监督管理局",
        "2024年11月底前",
    ),
    (
        "5",
        "落实包容审慎监管，推行轻微违法行为免罚清单",
        "县市场监督管理局",
        "县直各行政执法部门",
        "2024年8月底前",
    ),
    ("三、强化行政权力制约监督",),
    (
        "6",
        "规范政务公开，提升政府信息公开质量",
        "县政府办公室",
        "县直各部门\n各乡镇人民政府",
        "2024年12月底前",
    ),
    (
        "7",
        "加强行政复议应诉工作，提高行政机关负责人出庭应诉率",
        "县司法局",
        "县人民法院 县直各部门",
        "2024年12月底前",
    ),
]

SONGLIN_PARAGRAPHS = [
    "松林区人民政府办公室",
    "关于印发松林区2022年度法治政府建设工作要点的通知",
    "各镇人民政府、街道办事处，区直各单位：",
    "《松林区2022年度法治政府建设工作要点》已经区政府同意，现印发给你们，请认真贯彻执行。",
    "松林区人民政府办公室",
    "2022年4月6日",
    "松林区2022年度法治政府建设工作要点",
    "一、加强法治政府建设组织领导。健全党委统一领导、政府组织落实、部门各负其责的工作机制，"
    "将法治政府建设纳入全区经济社会发展总体规划和年度工作计划，与经济社会发展同部署、同推进、"
    "同督促、同考核。〔责任单位：区委依法治区办、区司法局、区直各单位、各镇（街道）〕",
    "二、推进领导干部带头学法。区政府常务会议每季度至少学法1次，各部门领导班子每年集体学法不少于"
    "4次，区政府每年至少举办1期领导干部法治专题培训班。〔责任单位：区政府办公室、区司法局、"
    "区委组织部〕",
    "三、完善行政决策合法性审查机制。把合法性审查作为重大行政决策的必经程序，充分发挥政府法律顾问"
    "和公职律师作用，合法性审查意见书面出具率达到100%。〔责任单位：区司法局、区直各单位〕",
    "四、加强行政执法协调监督。开展行政执法案卷评查和执法人员资格清理，建立行政执法监督与12345"
    "政务服务便民热线的信息共享机制。〔责任单位：区司法局、区政务服务和大数据管理局、"
    "区直各行政执法单位〕",
    "五、深化营商环境法治保障。推进涉企政策文件公平竞争审查全覆盖，开展涉企违规收费专项整治，依法"
    "保护民营企业产权和企业家权益。〔责任单位：区市场监督管理局、区发展和改革局、区工业和信息化局、"
    "区财政局等部门〕",
    "六、提升基层依法治理水平。深化民主法治示范村（社区）创建，推进“法律明白人”培养工程，每个村"
    "（社区）至少培养3名“法律明白人”。〔责任单位：区司法局、区民政局、各镇（街道）〕",
]

MALFORMED_TEXT = """南岭区2023年法治政府建设工作要点

一、加强行政规范性文件管理。严格落实合法性审核制度。〔责任单位：区司法局〕
二、推进严格规范公正文明执法。全面落实行政执法“三项制度”。〔责任单位：区司法局、区直各单位〕
三、加强行政复议工作。提高行政复议案件办理质量。〔责任单位：区司法局〕
"""


def write_encoded() -> None:
    (HERE / "fz07_qingya_2023_gbk.txt").write_bytes(QINGYA_GBK.encode("gb18030"))
    # Python's "utf-16" codec writes a BOM (little-endian on this platform).
    (HERE / "fz08_jinshui_2024_utf16.txt").write_bytes(JINSHUI_UTF16.encode("utf-16"))


def write_malformed() -> None:
    """Break the second item mid-character with bytes no UTF-8/GB18030/UTF-16 reading accepts."""
    raw = MALFORMED_TEXT.encode("utf-8")
    cut = raw.index("推进严格".encode()) + 1  # inside the 3-byte sequence of 推
    broken = raw[:cut] + b"\xff\xfe\x80\xff" + raw[cut:]
    if len(broken) % 2 == 0:  # odd length: not a UTF-16 byte stream either
        broken += b"\xff"
    (HERE / "edge_malformed.txt").write_bytes(broken)


def write_docx() -> None:
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    for text in ANPING_NOTICE:
        doc.add_paragraph(text)
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, head in zip(
        table.rows[0].cells, ("序号", "工作任务", "牵头单位", "责任单位", "完成时限"), strict=True
    ):
        cell.text = head
    for row in ANPING_ROWS:
        cells = table.add_row().cells
        if len(row) == 1:
            merged = cells[0].merge(cells[4])
            merged.text = row[0]
            continue
        for cell, value in zip(cells, row, strict=True):
            parts = value.split("\n")
            cell.text = parts[0]
            for extra in parts[1:]:
                cell.add_paragraph(extra)
    doc.add_paragraph("安平县人民政府办公室2024年3月5日印发").runs[0].font.size = Pt(10)
    doc.save(HERE / "fz11_anping_2024_table.docx")


def _wrap(paragraph: str, width: int) -> list[str]:
    return [paragraph[i : i + width] for i in range(0, len(paragraph), width)]


def write_text_pdf() -> list[str]:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    lines: list[str] = []
    for paragraph in SONGLIN_PARAGRAPHS:
        lines.extend(_wrap(paragraph, 28))
    per_page = 22
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)]
    path = HERE / "fz12_songlin_2022.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setTitle("松林区2022年度法治政府建设工作要点")
    width, height = A4
    for number, page in enumerate(pages, start=1):
        pdf.setFont("STSong-Light", 14)
        y = height - 80
        for line in page:
            pdf.drawString(70, y, line)
            y -= 30
        pdf.setFont("STSong-Light", 12)
        pdf.drawCentredString(width / 2, 40, f"- {number} -")
        pdf.showPage()
    pdf.save()
    return [line for page in pages for line in page]


def check_text_pdf(expected_lines: list[str]) -> None:
    import pdfplumber

    got: list[str] = []
    with pdfplumber.open(HERE / "fz12_songlin_2022.pdf") as pdf:
        for page in pdf.pages:
            got.extend((page.extract_text() or "").splitlines())
    body = [line for line in got if not (line.startswith("- ") and line.endswith(" -"))]
    if body != expected_lines:
        for want, have in zip(expected_lines, body, strict=False):
            if want != have:
                raise SystemExit(f"PDF text differs: want {want!r}, got {have!r}")
        raise SystemExit(f"PDF line count differs: want {len(expected_lines)}, got {len(body)}")


def write_scanned_pdf() -> None:
    """One page holding only a raster image of ruled lines: no text layer at all."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = Image.new("L", (620, 880), color=245)
    draw = ImageDraw.Draw(image)
    for y in range(80, 840, 36):
        draw.rectangle((60, y, 560 - (y * 7) % 120, y + 14), fill=40)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    pdf = canvas.Canvas(str(HERE / "edge_scanned.pdf"), pagesize=A4)
    width, height = A4
    pdf.drawImage(ImageReader(buffer), 0, 0, width=width, height=height)
    pdf.showPage()
    pdf.save()


def main() -> None:
    write_encoded()
    write_malformed()
    write_docx()
    check_text_pdf(write_text_pdf())
    write_scanned_pdf()
    print("fixtures written to", HERE)


if __name__ == "__main__":
    main()
