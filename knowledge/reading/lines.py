"""Reading, stage one: the document's text as lines. Line ends unified, no-break and
ideographic spaces made plain, traditional characters converted (when the text is mostly
traditional), page numbers blanked, and a numbered heading written mid-line after a sentence
end put on a line of its own (with a warning). Every line keeps its 1-based source number."""

from __future__ import annotations

import re

from knowledge.reading.headings import INLINE_HEADING
from knowledge.reading.layout_words import layout_words
from knowledge.reading.one_line import LONG_LINE, TITLE_AT_START, split_run_on
from knowledge.text.simplified import to_simplified

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－]+\s*[0-9０-９]{1,3}\s*[-—–－]+|第\s*[0-9０-９]{1,3}\s*页(?:\s*[,，/]?\s*共\s*[0-9０-９]{1,3}\s*页)?"
    r"|共\s*[0-9０-９]{1,3}\s*页\s*第\s*[0-9０-９]{1,3}\s*页|[0-9０-９]{1,3}\s*/\s*[0-9０-９]{1,3})\s*$"
)
_BARE_NUMBER = re.compile(r"^[0-9０-９]{1,3}$")
_TRAD_PROBE = 4000


def _is_traditional(text: str) -> bool:
    probe = text[:_TRAD_PROBE]
    if not probe:
        return False
    changed = sum(1 for a, b in zip(probe, to_simplified(probe), strict=False) if a != b)
    return changed >= 5 and changed / max(1, len(probe)) > 0.005


PAGE_NUMBER = "页码"
CHROME = "网页栏目"


def prepare_lines(
    text: str,
) -> tuple[list[str], list[int], list[tuple[int, str]], dict[int, str]]:
    """Lines to parse, the 1-based source line of each, warnings, and the lines set aside
    (index → why: 页码, 网页栏目). Set-aside lines become blank; a heading written mid-line
    after a sentence end starts a line of its own; a document saved as one line is cut at
    its item markers (:mod:`.one_line`)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = text.replace("\u00a0", " ").replace("\u3000", " ").replace("\ufeff", "")
    if _is_traditional(text):
        text = to_simplified(text)
    lines: list[str] = []
    numbers: list[int] = []
    warnings: list[tuple[int, str]] = []
    aside: dict[int, str] = {}
    words = layout_words()
    for no, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if _PAGE_NUMBER.match(line) or (line and words.is_chrome(line)):
            title = _title_before_chrome(line)
            if title:  # "某区2025年…工作要点 发布时间：… 责任编辑：…": the title stays
                line = title
            else:
                aside[len(lines)] = PAGE_NUMBER if _PAGE_NUMBER.match(line) else CHROME
                line = ""
        pieces = split_run_on(line) if len(line) >= LONG_LINE else [line]
        if len(pieces) > 1:
            warnings.append(
                (no, f"这一行很长、没有换行（{len(line)}字），已按编号标题拆成{len(pieces)}段。")
            )
            lines += pieces
            numbers += [no] * len(pieces)
            continue
        if line and INLINE_HEADING.search(line):
            parts = INLINE_HEADING.split(line)
            for k, part in enumerate(parts):
                if k and part.strip():
                    warnings.append(
                        (
                            no,
                            f"上一段吞并了下一个编号标题“{part.strip()[:4]}…”（缺少换行），已按新的一段处理。",
                        )
                    )
                lines.append(part.strip())
                numbers.append(no)
            continue
        lines.append(line)
        numbers.append(no)
    return lines, numbers, warnings, aside


def _title_before_chrome(line: str) -> str:
    """The document's title when a chrome line opens with it, else ""."""
    m = layout_words().chrome_re.search(line)
    head = line[: m.start()].strip() if m else ""
    return head if head and TITLE_AT_START.fullmatch(head) and re.search(r"\d{4}", head) else ""


def blank_page_numbers(lines: list[str], keep: set[int], aside: dict[int, str]) -> list[str]:
    """A bare number on a line of its own (outside the lines in ``keep``, a table's) is a page
    number: blanked, and noted in ``aside``."""
    out = list(lines)
    for i, ln in enumerate(lines):
        if i not in keep and _BARE_NUMBER.match(ln):
            out[i] = ""
            aside[i] = PAGE_NUMBER
    return out
