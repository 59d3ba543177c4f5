"""Document files to text: .txt (any encoding, ``knowledge.reading.decode``), .docx, .pdf, .html.

Libraries, chosen for being well kept and light:

* python-docx: paragraphs and tables of a Word file in body order; a table becomes pipe rows
  ("| 序号 | 工作任务 | 牵头单位 |"), which the parser reads like any flattened table; a cell
  holding several paragraphs keeps them apart with a space.
* pypdf: the text layer of a PDF, pure Python with no native dependency (pdfplumber adds
  pdfminer and a native renderer for layout analysis the parser does not need). A PDF without
  a text layer (a scan) is told so in one sentence.
* Beautiful Soup (with Python's own html.parser): a saved web page without its scripts,
  navigation, headers and footers; block elements and <br> become line breaks.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from knowledge.reading.decode import Decoded, DocumentError, decode_document

FORMATS = {
    ".txt": "text",
    ".text": "text",
    ".docx": "docx",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
}


def sniff(data: bytes, name: str = "") -> str:
    """The format of a file from its bytes first, then its name."""
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    head = data[:2048].lower()
    if b"<html" in head or b"<!doctype html" in head or b"<body" in head:
        return "html"
    return FORMATS.get(Path(name).suffix.lower(), "text")


def extract_text(data: bytes, name: str = "") -> Decoded:
    """Text of a document file; :class:`DocumentError` with one sentence when it has none."""
    kind = sniff(data, name)
    if kind == "docx":
        return Decoded(_docx_text(data, name), "docx")
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
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(
            [(0, f"无法打开这个 Word 文件（{type(exc).__name__}），文件可能已损坏。")], name
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


def _pdf_text(data: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise DocumentError(
            [(0, f"无法读取这个 PDF 文件（{type(exc).__name__}），文件可能已损坏或加密。")], name
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
