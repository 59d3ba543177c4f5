"""Reading, the document's structure: numbered headings (those that start a line after a
closed sentence), their nesting in the order the document uses their styles, the item level
(the style whose blocks carry unit markers), the blocks of the items (a table's rows are
blocks too) with their sections, where the body starts (after the covering notice) and where
it ends (抄送, a date line, the issuing office's name)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.reading.front_matter import TITLE_WORDS
from knowledge.reading.headings import CONVENTIONAL_DEPTH, Heading, match_heading
from knowledge.reading.layout_words import layout_words
from knowledge.reading.tables import TableRow
from knowledge.reading.unit_names import CLOSE, OPEN, is_unit_shaped, list_names, role_verb

_SENTENCE_CLOSED = tuple('。；;！!？?〕】]）)”"：:')
_END_MARKERS = re.compile(r"^(抄送|抄报|附件\s*[:：]?\s*\d*\s*$|主题词|（此件|\(此件|此件)")
_DATE_LINE = re.compile(
    r"^\s*(\d{4}|[二〇零一二三四五六七八九]{4})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(印发|发布)?\s*$"
)
_SIGNOFF = re.compile(
    r"^\S{2,30}(政府|办公室|委员会|办|局|委)\s*(\d{4}|[二〇零一二三四五六七八九]{4})\s*年.{1,6}日\s*(印发|发布)?$"
)
DASH_HEADING = re.compile(r"^[—–－-]{1,2}\s*\S")


def marker_line(line: str) -> bool:
    """Does the line carry unit markers (a label such as 责任单位：, or units before a role verb)?"""
    words = layout_words()
    if words.label_re.search(line):
        return True
    s = line.rstrip(" ）)。；;.〕】")
    if words.first_lead_re.search(s):  # "…负责）（列第一位者为牵头单位，下同）"
        s = words.first_lead_re.sub("", s).rstrip(" ）)。；;.〕】")
    # the last clause, brackets balanced: "…、各镇(街、区)按职责分工负责"
    depth = 0
    k = len(s) - 1
    while k >= 0:
        ch = s[k]
        if ch in CLOSE:
            depth += 1
        elif ch in OPEN:
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and ch in "，,；;。":
            break
        k -= 1
    name, _role, found = role_verb(s[k + 1 :].strip())
    names = list_names(name) if found and name else []
    return bool(names) and is_unit_shaped(names[-1])


def is_short_title(text: str) -> bool:
    t = text.strip()
    return 0 < len(t) <= 40 and not re.search(r"[，,。；;：:]", t)


def find_headings(lines: list[str], skip: set[int]) -> list[Heading]:
    out: list[Heading] = []
    prev_text = ""
    prev_open_heading = True
    for i, line in enumerate(lines):
        if not line or i in skip:
            continue
        closed = (
            not prev_text
            or prev_text.endswith(_SENTENCE_CLOSED)
            or prev_open_heading
            or is_short_title(prev_text)
            or marker_line(prev_text)
        )
        head = match_heading(line, i) if closed else None
        if head is not None:
            out.append(head)
        prev_open_heading = head is not None and (
            not head.rest.strip() or is_short_title(head.rest)
        )
        prev_text = line
    return out


def heading_depths(headings: list[Heading]) -> dict[str, int]:
    """Nesting of styles in the order the document first uses them."""
    stack: list[str] = []
    depth: dict[str, int] = {}
    for h in headings:
        if h.style in stack:
            del stack[stack.index(h.style) + 1 :]
            continue
        # a style seen for the first time nests under the current top, unless convention
        # says it is shallower than something on the stack
        while (
            stack
            and CONVENTIONAL_DEPTH[stack[-1]] > CONVENTIONAL_DEPTH[h.style]
            and (stack[-1] not in depth or depth[stack[-1]] >= len(stack) - 1)
        ):
            stack.pop()
        stack.append(h.style)
        depth.setdefault(h.style, len(stack) - 1)
    return depth


def block_ends(headings: list[Heading], depth: dict[str, int], n_lines: int) -> list[int]:
    """For each heading, the line where its block ends (next heading at the same or a
    shallower depth). Linear with a stack."""
    ends = [n_lines] * len(headings)
    stack: list[int] = []
    for k, h in enumerate(headings):
        d = depth[h.style]
        while stack and depth[headings[stack[-1]].style] >= d:
            ends[stack.pop()] = h.index
        stack.append(k)
    return ends


def choose_item_style(
    headings: list[Heading], depth: dict[str, int], ends: list[int], marker_prefix: list[int]
) -> str | None:
    """The style whose blocks carry the markers: most blocks with markers, weighted by the
    share of its blocks that have them (M²/N)."""
    if not headings:
        return None
    stats: dict[str, list[int]] = {}
    for k, h in enumerate(headings):
        has = marker_prefix[ends[k]] - marker_prefix[h.index] > 0
        s = stats.setdefault(h.style, [0, 0])
        s[0] += 1
        s[1] += int(has)
    # on a tie, the deeper style when every one of its blocks has markers of its own (sections
    # that name a lead unit over numbered items that name theirs), else the shallower
    best = max(
        stats,
        key=lambda st: (
            stats[st][1] ** 2 / stats[st][0],
            depth[st] if stats[st][1] == stats[st][0] else -depth[st],
        ),
    )
    if stats[best][1] == 0:
        # no markers at all: the most frequent style (items outnumber section titles)
        return max(stats, key=lambda st: (stats[st][0], -depth[st]))
    return best


def find_end(lines: list[str], start: int, after_table: bool = False) -> int:
    """The first line after the last item (``start``) that ends the body."""
    seen_units = after_table or (0 <= start < len(lines) and marker_line(lines[start]))
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if not line:
            continue
        if _END_MARKERS.match(line) or _DATE_LINE.match(line) or _SIGNOFF.match(line):
            return i
        if (
            seen_units
            and not lines[i - 1]
            and is_short_title(line)
            and re.search(r"(政府|办公室|委员会|办|局|委)$", line)
        ):
            return i  # the issuing office's name under the last item
        if marker_line(line):
            seen_units = True
    return len(lines)


@dataclass
class Block:
    head: Heading | None
    start: int  # first line index of the body (after the heading line)
    stop: int
    section: str
    table_row: TableRow | None = None


def find_body_start(lines: list[str], first_marker: int) -> int:
    """The document's own title (…工作要点) before the first marker: numbered paragraphs
    above it belong to the covering notice."""
    start = 0
    prev = ""
    for i in range(min(first_marker, len(lines))):
        line = lines[i]
        if (
            line
            and len(line) <= 60
            and TITLE_WORDS.search(line)
            and not re.search(r"[，。；;：:、]", line)
            and not line.startswith("关于")
            and match_heading(line, i) is None
            # not the tail of a paragraph wrapped onto this line ("…区市场\n监督管理局…分工负责）")
            and (not prev or prev.endswith(_SENTENCE_CLOSED) or is_short_title(prev))
            and not marker_line(line)
        ):
            start = i
        if line:
            prev = line
    return start


def item_blocks(
    lines: list[str],
    headings: list[Heading],
    depth: dict[str, int],
    item_style: str | None,
    tables: list,
    marker_prefix: list[int],
) -> list[Block]:
    blocks: list[Block] = []
    if item_style is not None:
        item_depth = depth[item_style]
        section = ""
        heads = iter(headings)
        pending: list[Heading] = list(heads)
        k = 0
        n = len(pending)
        dash_lines = [i for i, ln in enumerate(lines) if ln and DASH_HEADING.match(ln)]
        dash_iter = 0
        while k < n:
            h = pending[k]
            d = depth[h.style]
            if d < item_depth:
                section = h.label + h.rest
                k += 1
                continue
            if h.style != item_style:
                k += 1
                continue
            # stop at the next heading at or above the item level
            j = k + 1
            while j < n and depth[pending[j].style] > item_depth:
                j += 1
            stop = pending[j].index if j < n else len(lines)
            # an un-numbered sub-heading (——在…上…) between items ends the item
            while dash_iter < len(dash_lines) and dash_lines[dash_iter] <= h.index:
                dash_iter += 1
            if dash_iter < len(dash_lines) and dash_lines[dash_iter] < stop:
                dl = dash_lines[dash_iter]
                if marker_prefix[dl] - marker_prefix[h.index] > 0:
                    stop = dl
            blocks.append(Block(h, h.index + 1, stop, section))
            # sections written as dash lines apply to the following items
            if stop < len(lines) and lines[stop] and DASH_HEADING.match(lines[stop]):
                section = lines[stop].lstrip("—–－- ")
            k += 1
    for t in tables:
        for row in t.rows:
            blocks.append(Block(None, row.line, row.line + 1, row.section, table_row=row))
    blocks.sort(key=lambda b: b.head.index if b.head else b.start)
    return blocks
