"""Reading, the last stage: where every line of the document went.

Each source line ends in exactly one place: front matter (issuer, title, preamble), a
section heading, an item's text, an item's unit list, a table row, the back matter (date,
抄送), blank, set aside (a page number, a web page's chrome line) or skipped, with a reason.
A skipped line, or one in the front or back matter, that looks like content (a unit label,
units before a role verb, a numbered heading) is a warning: nothing is lost silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.reading.blocks import DASH_HEADING, Block, marker_line
from knowledge.reading.headings import Heading, match_heading
from knowledge.reading.layout_words import layout_words
from knowledge.reading.tables import Table
from knowledge.reading.unit_names import is_unit_shaped, role_verb

FRONT = "front"
HEADING = "heading"
ITEM = "item"
UNITS = "units"
TABLE = "table"
BACK = "back"
BLANK = "blank"
ASIDE = "aside"
SKIPPED = "skipped"

PLACE_LABELS = {
    FRONT: "文件头/引言",
    HEADING: "标题",
    ITEM: "条目正文",
    UNITS: "责任单位",
    TABLE: "表格行",
    BACK: "落款/抄送",
    BLANK: "空行",
    ASIDE: "已略过",
    SKIPPED: "未归入条目",
}


@dataclass(frozen=True)
class LinePlace:
    line: int  # 1-based source line
    place: str  # one of the constants above
    item: str = ""  # the item's label, for item, units and table lines
    reason: str = ""  # for aside and skipped lines: why

    def describe(self) -> str:
        where = PLACE_LABELS[self.place]
        extra = f"“{self.item}”" if self.item else ""
        why = f"（{self.reason}）" if self.reason else ""
        return f"{where}{extra}{why}"


def _names_units(line: str) -> bool:
    """A unit label, or a clause of units before a role verb anywhere in the line (a
    lead-convention note is not)."""
    if marker_line(line):
        return True
    line = layout_words().first_lead_re.sub("", line)
    for clause in re.split(r"[，,；;。（）()〔〕【】]", line):
        name, _role, found = role_verb(clause.strip())
        if found and name and is_unit_shaped(re.split(r"[、\s]+", name)[-1]):
            return True
    return False


def _looks_like_content(line: str, index: int, place: str) -> bool:
    """Content no item took: in the body, units or a numbered heading; before the first item
    or after the last (where a covering notice numbers its own paragraphs), a unit list."""
    if place != SKIPPED:
        return marker_line(line) and not layout_words().first_lead_re.search(line)
    return _names_units(line) or match_heading(line, index) is not None


def account(
    lines: list[str],
    numbers: list[int],
    aside: dict[int, str],
    front_end: int,
    end_line: int,
    headings: list[Heading],
    blocks: list[Block],
    tables: list[Table],
    kept_lines: set[int],
) -> tuple[list[LinePlace], list[tuple[int, str]]]:
    """The place of every parser line (one entry per index) and warnings for content that
    no item took. ``kept_lines`` are the source lines of the items kept in the plan."""
    place: list[tuple[str, str, str] | None] = [None] * len(lines)
    for i, why in aside.items():
        if 0 <= i < len(lines):
            place[i] = (ASIDE, "", why)
    for t in tables:
        for i in range(t.start, min(t.stop, len(lines))):
            if lines[i]:
                place[i] = (TABLE, "", "")
    for h in headings:
        if place[h.index] is None:
            place[h.index] = (HEADING, "", "")
    for i, line in enumerate(lines):  # un-numbered sub-headings: ——在学法用法上
        if line and place[i] is None and DASH_HEADING.match(line) and len(line) <= 40:
            place[i] = (HEADING, "", "")
    for b in blocks:
        label = (b.head.label if b.head else b.table_row.label if b.table_row else "").strip()
        line_no = numbers[b.head.index] if b.head else numbers[b.start]
        dropped = line_no not in kept_lines
        if b.table_row is not None:
            place[b.start] = (TABLE, label, "")
            continue
        assert b.head is not None
        for i in range(b.head.index, max(b.head.index + 1, min(b.stop, end_line))):
            if i == b.head.index or (lines[i] and place[i] in (None, (HEADING, "", ""))):
                kind = UNITS if i != b.head.index and marker_line(lines[i]) else ITEM
                place[i] = (
                    (SKIPPED, label, "没有责任单位的说明段落") if dropped else (kind, label, "")
                )
    out: list[LinePlace] = []
    warnings: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        got = place[i]
        if got is None:
            if not line:
                got = (BLANK, "", "")
            elif i < front_end:
                got = (FRONT, "", "")
            elif i >= end_line:
                got = (BACK, "", "")
            else:
                got = (SKIPPED, "", "不在任何条目之内")
        kind = got[0]
        if line and kind == HEADING and _names_units(line):
            warnings.append(
                (
                    numbers[i],
                    f"标题“{line[:20]}”列出了责任单位，但它不是条目，这些单位没有归入任何条目，请核对。",
                )
            )
        elif (
            line
            and kind in (FRONT, BACK, SKIPPED)
            and not got[1]
            and _looks_like_content(line, i, kind)
        ):
            warnings.append(
                (
                    numbers[i],
                    f"这一行像是条目内容（“{line[:20]}”），却没有归入任何条目"
                    f"（现归为{PLACE_LABELS[kind]}），请核对。",
                )
            )
        out.append(LinePlace(numbers[i], kind, got[1], got[2]))
    return out, warnings
