"""Document files to text: .txt (any encoding, ``knowledge.reading.decode``), .docx, .pdf, .html,
.xlsx. Anything else (an image, an archive, a slide deck, an old .doc) is refused in one sentence
that names what the file is and the formats that can be read.

Libraries, chosen for being well kept and light:

* python-docx: paragraphs and tables of a Word file in body order; a table becomes pipe rows
  ("| 序号 | 工作任务 | 牵头单位 |"), which the parser reads like any flattened table; a cell
  holding several paragraphs keeps them apart with a space.
* pypdf: the text layer of a PDF, pure Python with no native dependency (pdfplumber adds
  pdfminer and a native renderer for layout analysis the parser does not need). A PDF without
  a text layer (a scan) is told so in one sentence.
* openpyxl: an Excel sheet of work points (序号 / 工作任务 / 责任单位 …) read like a Word table,
  one pipe row per sheet row, sheet after sheet.
* Beautiful Soup (with Python's own html.parser): a saved web page without its scripts,
  navigation, headers and footers; block elements and <br> become line breaks.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from knowledge.reading.decode import Decoded, DocumentError, decode_document

FORMATS = {
    ".txt": "text",
    ".text": "text",
    ".docx": "docx",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".xlsx": "xlsx",
}
READABLE = "可读取的格式：.txt、.docx、.pdf、.html、.xlsx"
IMAGES = {
    b"\x89PNG": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF8": "GIF",
    b"BM": "BMP",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
    b"RIFF": "WebP",
}


def sniff(data: bytes, name: str = "") -> str:
    """The format of a file from its bytes first, then its name."""
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    for magic, _kind in IMAGES.items():
        if data.startswith(magic):
            return "image"
    head = data[:2048].lower()
    if b"<html" in head or b"<!doctype html" in head or b"<body" in head:
        return "html"
    return FORMATS.get(Path(name).suffix.lower(), "text")


def _zip_kind(data: bytes) -> str:
    """A zip file is a Word or Excel file by its parts, else an archive of something else."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return "docx"  # a damaged Office file: said so by the Word reader
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if any(n.startswith("ppt/") for n in names):
        return "pptx"
    return "zip"


def _refuse(message: str, name: str) -> DocumentError:
    return DocumentError([(0, f"{message}；{READABLE}。")], name)


def extract_text(data: bytes, name: str = "") -> Decoded:
    """Text of a document file; :class:`DocumentError` with one sentence when it has none."""
    kind = sniff(data, name)
    if kind == "docx":
        return Decoded(_docx_text(data, name), "docx")
    if kind == "xlsx":
        return Decoded(_xlsx_text(data, name), "xlsx")
    if kind == "image":
        what = next(k for m, k in IMAGES.items() if data.startswith(m))
        raise _refuse(f"这是一张图片（{what}），没有可读取的文字", name)
    if kind == "pptx":
        raise _refuse("这是 PowerPoint 演示文稿，不是工作要点文件", name)
    if kind == "zip":
        raise _refuse("这是压缩包（.zip），请先解压，再导入其中的文档", name)
    if kind == "pdf":
        return Decoded(_pdf_text(data, name), "pdf")
    if kind == "html":
        decoded = decode_document(data, name)
        return Decoded(_html_text(decoded.text), f"html/{decoded.encoding}")
    if Path(name).suffix.lower() == ".doc" or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DocumentError(
            [(0, "这是旧版 Word（.doc）文件，请在 Word 中另存为 .docx 或 .txt 后再导入。")], name
        )
    return decode_document(data, name)


def _docx_text(data: bytes, name: str) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError):
        raise DocumentError(
            [
                (
                    0,
                    "无法打开这个 Word 文件，文件可能已损坏；请在 Word 中打开并另存为 .docx 后再导入。",
                )
            ],
            name,
        ) from None
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines.append("")
            for row in block.rows:
                cells = [
                    " ".join(p.text.strip() for p in c.paragraphs if p.text.strip())
                    for c in row.cells
                ]
                lines.append("| " + " | ".join(c.replace("|", "｜") for c in cells) + " |")
            lines.append("")
    return "\n".join(lines)


def _xlsx_text(data: bytes, name: str) -> str:
    from openpyxl import load_workbook

    try:
        # not read-only: a read-only sheet does not know its merged cells
        book = load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise DocumentError(
            [(0, "无法打开这个 Excel 文件，文件可能已损坏；请在 Excel 中另存为 .xlsx 后再导入。")],
            name,
        ) from None
    lines: list[str] = []
    for sheet in book.worksheets:
        lines.append("")
        merged: dict[tuple[int, int], Any] = {}  # a merged cell's value in every cell it covers
        for rng in sheet.merged_cells.ranges:
            value = sheet.cell(rng.min_row, rng.min_col).value
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    merged[(r, c)] = value
        for row in sheet.iter_rows():
            values = [merged.get((c.row, c.column), c.value) for c in row]
            cells = ["" if v is None else str(v).strip().replace("\n", " ") for v in values]
            while cells and not cells[-1]:
                cells.pop()
            if any(cells):
                lines.append("| " + " | ".join(c.replace("|", "｜") for c in cells) + " |")
    book.close()
    return "\n".join(lines)


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs what it repairs ("EOF marker not found") to stderr; the user gets one
    sentence of ours instead."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def _pdf_text(data: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        with _quiet_pypdf():
            reader = PdfReader(io.BytesIO(data))
            pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError):
        raise DocumentError(
            [
                (
                    0,
                    "无法读取这个 PDF 文件，文件可能已损坏或加密；请提供完好的 PDF、Word 或文本文件。",
                )
            ],
            name,
        ) from None
    text = "\n".join(pages)
    if len(re.sub(r"\s+", "", text)) < 20:
        raise DocumentError(
            [
                (
                    0,
                    "这个 PDF 没有文字层（可能是扫描件），无法读取文字；请提供带文字的 PDF、Word 或文本文件。",
                )
            ],
            name,
        )
    return text


_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "button",
    "select",
)
_NOISE = re.compile(
    r"nav|menu|breadcrumb|footer|header|share|print|sidebar|crumb|copyright|banner|toolbar|position|location",
    re.I,
)
_BLOCKS = (
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "section",
    "article",
    "td",
    "th",
)


def _span(cell: Any, attr: str) -> int:
    try:
        return max(1, min(int(str(cell.get(attr) or 1).strip()), 500))
    except ValueError:
        return 1


def _cell_text(cell: Any) -> str:
    """A cell's pieces (split by <br>, <p>) joined by a space, which separates units in a
    cell, except after a punctuation mark (a sentence wrapped by <br> stays one sentence)."""
    text = ""
    for piece in cell.stripped_strings:
        piece = re.sub(r"\s+", " ", piece)
        text += piece if not text or text[-1] in "，。；、：,;:（(" else " " + piece
    return text.replace("|", "｜")


def _html_grid(table: Any) -> list[str] | None:
    """A data table of a page as pipe rows (as a Word table is read), a cell merged over
    rows (rowspan) or columns (colspan) repeated in every row and column it covers; None for
    a layout table (nested tables, one column, or cells holding whole articles)."""
    if table.find("table") is not None:
        return None
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    cells_of = [tr.find_all(["td", "th"], recursive=False) for tr in rows]
    if len(rows) < 2 or max((len(c) for c in cells_of), default=0) < 2:
        return None
    if any(len(c.find_all(["p", "div", "li"])) > 3 for cs in cells_of for c in cs):
        return None
    spans: dict[int, list[Any]] = {}  # column → [text, rows still to cover]
    out: list[str] = []
    for cells in cells_of:
        row: list[str] = []
        todo = iter(cells)
        cell = next(todo, None)
        col = 0
        while cell is not None or any(k >= col for k in spans):
            if col in spans:
                row.append(spans[col][0])
                spans[col][1] -= 1
                if spans[col][1] <= 0:
                    del spans[col]
            elif cell is None:
                row.append("")
            else:
                text = _cell_text(cell)
                down = _span(cell, "rowspan")
                for _ in range(_span(cell, "colspan")):
                    row.append(text)
                    if down > 1:
                        spans[col] = [text, down - 1]
                    col += 1
                cell = next(todo, None)
                continue
            col += 1
        out.append("| " + " | ".join(row) + " |")
    return out


def _html_text(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(list(_DROP_TAGS)):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed:
            continue
        ident = " ".join([tag.get("id") or "", *(tag.get("class") or [])])
        if ident and _NOISE.search(ident):
            tag.decompose()
    body = soup.find(id=re.compile("content|article|zoom|text", re.I)) or soup.body or soup
    for table in reversed(body.find_all("table")):  # inner tables first
        grid = _html_grid(table)
        if grid is not None:
            table.replace_with("\n\n" + "\n".join(grid) + "\n\n")
    for br in body.find_all("br"):
        br.replace_with("\n")
    for tag in body.find_all(["td", "th"]):
        tag.insert_after(" | ")
    for tag in body.find_all(list(_BLOCKS)):
        tag.insert_before("\n")
        tag.insert_after("\n")
    text = body.get_text()
    lines = [re.sub(r"[ \t\u00a0]+", " ", ln).strip(" |") for ln in text.split("\n")]
    out: list[str] = []
    for ln in lines:
        if ln or (out and out[-1]):
            out.append(ln)
    return "\n".join(out)
