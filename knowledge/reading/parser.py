"""Parse a work-points document (法治政府建设工作要点 and its family) into a :class:`WorkPlan`.

The family, read here as data rather than as a list of examples:

* numbering in any nesting (一、 （一） ㈠ 1. 1、 （1） ① 第一条 …), restarting in every section
  or not; the item level is the numbering level whose blocks carry the unit markers; a
  covering notice's own 一、二、 before the document's title are not items; un-numbered
  sub-headings between items (——在…上…) are sections;
* unit markers (``knowledge.reading.markers``): labelled lists in brackets, on a line of their own or
  inline; unlabelled role phrases; 完成时限; a lead person; tables (``knowledge.reading.tables``);
* noise: page numbers, blank lines and line breaks of page wraps (lines inside an item are
  joined without separator, so a page break never adds or drops text), traditional
  characters (converted), half- and full-width punctuation.

A document's unit names are kept as written (white space of a page wrap removed): they are
the canonical names of that document's units; the first spelling of a name wins over later
ones that differ only in width. Parsing is linear in the document's size.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace

from knowledge.plan.model import Item, PlanMeta, Role, SubItem, UnitRef, WorkPlan
from knowledge.plan.units import PARTIAL_ETC, UnitDirectory, infer_group
from knowledge.reading.decode import DocumentError
from knowledge.reading.headings import (
    CONVENTIONAL_DEPTH,
    INLINE_HEADING,
    Heading,
    label_like,
    match_heading,
)
from knowledge.reading.layout_words import layout_words
from knowledge.reading.markers import Found, find_markers, without_spans
from knowledge.reading.obligations import extract_obligations
from knowledge.reading.tables import TableRow, find_tables
from knowledge.reading.unit_names import NameToken, is_unit_shaped, reads_like_sentence, role_verb
from knowledge.text.normalize import norm, split_sentences
from knowledge.text.simplified import to_simplified

_SENTENCE_CLOSED = tuple('。；;！!？?〕】]）)”"：:')
_END_MARKERS = re.compile(r"^(抄送|抄报|附件\s*[:：]?\s*\d*\s*$|主题词|（此件|\(此件|此件)")
_DATE_LINE = re.compile(
    r"^\s*(\d{4}|[二〇零一二三四五六七八九]{4})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(印发|发布)?\s*$"
)
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－]+\s*[0-9０-９]{1,3}\s*[-—–－]+|第\s*[0-9０-９]{1,3}\s*页(?:\s*[,，/]?\s*共\s*[0-9０-９]{1,3}\s*页)?"
    r"|共\s*[0-9０-９]{1,3}\s*页\s*第\s*[0-9０-９]{1,3}\s*页|[0-9０-９]{1,3}\s*/\s*[0-9０-９]{1,3})\s*$"
)
_SIGNOFF = re.compile(
    r"^\S{2,30}(政府|办公室|委员会|办|局|委)\s+(\d{4}|[二〇零一二三四五六七八九]{4})\s*年.{1,6}日\s*(印发|发布)?$"
)
_BARE_NUMBER = re.compile(r"^[0-9０-９]{1,3}$")
_DASH_HEADING = re.compile(r"^[—–－-]{1,2}\s*\S")
_TITLE_WORDS = re.compile(r"要点|计划|方案|安排|清单|分工|任务|措施")
_TRAD_PROBE = 4000


@dataclass
class ParseResult:
    """What ``kb check`` reports: the plan if it could be built, and every problem found."""

    plan: WorkPlan | None
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    encoding: str = "utf-8"


# -- preparation -------------------------------------------------------------------------------


def _is_traditional(text: str) -> bool:
    probe = text[:_TRAD_PROBE]
    if not probe:
        return False
    changed = sum(1 for a, b in zip(probe, to_simplified(probe), strict=False) if a != b)
    return changed >= 5 and changed / max(1, len(probe)) > 0.005


def prepare_lines(text: str) -> tuple[list[str], list[int], list[tuple[int, str]]]:
    """Lines to parse, the 1-based source line of each, and warnings. Page numbers become
    blank lines; a heading written mid-line after a sentence end starts a line of its own."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = text.replace("\u00a0", " ").replace("\u3000", " ").replace("\ufeff", "")
    if _is_traditional(text):
        text = to_simplified(text)
    lines: list[str] = []
    numbers: list[int] = []
    warnings: list[tuple[int, str]] = []
    for no, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if _PAGE_NUMBER.match(line):
            line = ""
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
    return lines, numbers, warnings


# -- headings ------------------------------------------------------------------------------------


def _marker_line(line: str) -> bool:
    if layout_words().label_re.search(line):
        return True
    tail = re.split(r"[，,；;（(。]", line.rstrip(" ）)。；;."))[-1]
    name, _role, found = role_verb(tail.strip())
    return found and bool(name) and is_unit_shaped(re.split(r"[、\s]+", name)[-1])


def _is_short_title(text: str) -> bool:
    t = text.strip()
    return 0 < len(t) <= 40 and not re.search(r"[，,。；;：:]", t)


def _find_headings(lines: list[str], skip: set[int]) -> list[Heading]:
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
            or _is_short_title(prev_text)
            or _marker_line(prev_text)
        )
        head = match_heading(line, i) if closed else None
        if head is not None:
            out.append(head)
        prev_open_heading = head is not None and (
            not head.rest.strip() or _is_short_title(head.rest)
        )
        prev_text = line
    return out


def _depths(headings: list[Heading]) -> dict[str, int]:
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


def _block_ends(headings: list[Heading], depth: dict[str, int], n_lines: int) -> list[int]:
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


def _choose_item_style(
    headings: list[Heading], depth: dict[str, int], ends: list[int], marker_prefix: list[int]
) -> str | None:
    """The style whose blocks carry the markers: most blocks with markers, weighted by the
    share of its blocks that have them (M²/N); the shallower on a tie."""
    if not headings:
        return None
    stats: dict[str, list[int]] = {}
    for k, h in enumerate(headings):
        has = marker_prefix[ends[k]] - marker_prefix[h.index] > 0
        s = stats.setdefault(h.style, [0, 0])
        s[0] += 1
        s[1] += int(has)
    best = max(
        stats,
        key=lambda st: (stats[st][1] ** 2 / stats[st][0], -depth[st]),
    )
    if stats[best][1] == 0:
        # no markers at all: the most frequent style (items outnumber section titles)
        return max(stats, key=lambda st: (stats[st][0], -depth[st]))
    return best


def _find_end(lines: list[str], start: int) -> int:
    seen_units = False
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if not line:
            continue
        if _END_MARKERS.match(line) or _DATE_LINE.match(line) or _SIGNOFF.match(line):
            return i
        if (
            seen_units
            and not lines[i - 1]
            and _is_short_title(line)
            and re.search(r"(政府|办公室|委员会|办|局|委)$", line)
        ):
            return i  # the issuing office's name under the last item
        if _marker_line(line):
            seen_units = True
    return len(lines)


# -- the document ----------------------------------------------------------------------------


class _Names:
    """The document's canonical spelling of each name: the first one written."""

    def __init__(self, directory: UnitDirectory) -> None:
        self.directory = directory
        self.first: dict[str, str] = {}

    def ref(self, token: NameToken) -> UnitRef:
        raw = re.sub(r"\s+", "", token.raw)
        key = norm(raw)
        name = self.first.setdefault(key, raw)
        found = self.directory.get(raw)
        if found is not None and found.name in self.directory.groups:
            group = self.directory.groups[found.name]
            return UnitRef(name, raw, token.role, is_group=True, partial=group.partial)
        if found is None:
            group_guess = infer_group(raw)
            if group_guess is not None:
                return UnitRef(name, raw, token.role, is_group=True, partial=group_guess.partial)
        return UnitRef(name, raw, token.role)


@dataclass
class _Block:
    head: Heading | None
    start: int  # first line index of the body (after the heading line)
    stop: int
    section: str
    table_row: TableRow | None = None


def parse_text(
    text: str,
    plan_id: str = "plan",
    source_name: str = "",
    directory: UnitDirectory | None = None,
) -> ParseResult:
    """Parse document text. Never raises for bad content: problems go to ``errors``."""
    directory = directory or UnitDirectory.from_data()
    lines, numbers, warnings = prepare_lines(text)
    errors: list[tuple[int, str]] = []
    if not any(lines):
        return ParseResult(None, [(0, "文件为空，没有可解析的内容。")])

    tables = find_tables(lines)
    in_table = {i for t in tables for i in range(t.start, t.stop)}
    # a bare number on a line of its own outside a table is a page number
    lines = [
        "" if i not in in_table and _BARE_NUMBER.match(ln) else ln for i, ln in enumerate(lines)
    ]
    marker_lines = [
        i for i, ln in enumerate(lines) if ln and i not in in_table and _marker_line(ln)
    ]
    first_marker = min([*marker_lines, *(t.start for t in tables)], default=len(lines))
    body_start = _body_start(lines, first_marker)
    headings = [h for h in _find_headings(lines, in_table) if h.index >= body_start]

    marker_prefix = [0] * (len(lines) + 1)
    marks = set(marker_lines)
    for i in range(len(lines)):
        marker_prefix[i + 1] = marker_prefix[i] + (i in marks)

    depth = _depths(headings)
    ends = _block_ends(headings, depth, len(lines))
    item_style = _choose_item_style(headings, depth, ends, marker_prefix)
    if item_style is None and not tables:
        return ParseResult(
            None,
            [(0, "没有找到编号条目（如“一、”“（一）”“1.”开头的段落），无法识别为工作要点文件。")],
            warnings,
        )

    blocks = _item_blocks(lines, headings, depth, item_style, tables, marker_prefix)
    last_line = max((b.head.index for b in blocks if b.head), default=body_start)
    end_line = _find_end(lines, max(last_line, max((t.stop for t in tables), default=0) - 1))
    first_leads = bool(layout_words().first_lead_re.search(text))

    names = _Names(directory)
    heading_lines = [h.index for h in headings]
    items: list[Item] = []
    for seq, block in enumerate(blocks, 1):
        stop = min(block.stop, end_line) if block.head else block.stop
        item, item_errors, item_warnings = _build_item(
            block,
            lines,
            numbers,
            stop,
            headings,
            depth,
            item_style,
            seq,
            names,
            first_leads,
            heading_lines,
        )
        errors += item_errors
        warnings += item_warnings
        items.append(item)

    errors += _numbering_problems(items, blocks, numbers)
    # sections whose items carry no markers at all (总体要求, 保障措施) are not items
    items, errors = _drop_unmarked_sections(items, errors, warnings)
    if not items:
        return ParseResult(
            None,
            [(0, "没有找到带责任单位的编号条目，无法识别为工作要点文件。")] + errors,
            warnings,
        )
    items = [replace(it, number=k) for k, it in enumerate(items, 1)] if _renumber(items) else items

    first_item_line = min(
        (b.head.index for b in blocks if b.head), default=min((t.start for t in tables), default=0)
    )
    section_starts = [
        h.index for h in headings if depth.get(h.style, 0) < depth.get(item_style or "", 99)
    ]
    front_end = min([first_item_line, *[s for s in section_starts if s < first_item_line]])
    meta, preamble = _parse_front(lines[:front_end], lines[end_line:])
    plan = WorkPlan(
        plan_id=plan_id,
        meta=meta,
        preamble=preamble,
        items=tuple(replace(it, obligations=tuple(extract_obligations(it))) for it in items),
        source_name=source_name,
        warnings=tuple(f"第{ln}行：{m}" if ln else m for ln, m in warnings),
    )
    return ParseResult(plan, errors, warnings)


def parse_document(
    text: str, plan_id: str = "plan", source_name: str = "", directory: UnitDirectory | None = None
) -> WorkPlan:
    """Parse and insist on a clean result: raise :class:`DocumentError` listing every problem."""
    result = parse_text(text, plan_id, source_name, directory)
    if result.errors or result.plan is None:
        raise DocumentError(result.errors or [(0, "无法解析。")], source_name)
    return result.plan


def _body_start(lines: list[str], first_marker: int) -> int:
    """The document's own title (…工作要点) before the first marker: numbered paragraphs
    above it belong to the covering notice."""
    start = 0
    for i in range(min(first_marker, len(lines))):
        line = lines[i]
        if (
            line
            and len(line) <= 60
            and _TITLE_WORDS.search(line)
            and not re.search(r"[，。；;：:]", line)
            and not line.startswith("关于")
            and match_heading(line, i) is None
        ):
            start = i
    return start


def _item_blocks(
    lines: list[str],
    headings: list[Heading],
    depth: dict[str, int],
    item_style: str | None,
    tables: list,
    marker_prefix: list[int],
) -> list[_Block]:
    blocks: list[_Block] = []
    if item_style is not None:
        item_depth = depth[item_style]
        section = ""
        heads = iter(headings)
        pending: list[Heading] = list(heads)
        k = 0
        n = len(pending)
        dash_lines = [i for i, ln in enumerate(lines) if ln and _DASH_HEADING.match(ln)]
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
            blocks.append(_Block(h, h.index + 1, stop, section))
            # sections written as dash lines apply to the following items
            if stop < len(lines) and lines[stop] and _DASH_HEADING.match(lines[stop]):
                section = lines[stop].lstrip("—–－- ")
            k += 1
    for t in tables:
        for row in t.rows:
            blocks.append(_Block(None, row.line, row.line + 1, row.section, table_row=row))
    blocks.sort(key=lambda b: b.head.index if b.head else b.start)
    return blocks


def _build_item(
    block: _Block,
    lines: list[str],
    numbers: list[int],
    stop: int,
    headings: list[Heading],
    depth: dict[str, int],
    item_style: str | None,
    seq: int,
    names: _Names,
    first_leads_doc: bool,
    heading_lines: list[int],
) -> tuple[Item, list[tuple[int, str]], list[tuple[int, str]]]:
    if block.table_row is not None:
        return _table_item(block.table_row, numbers, seq, names, block.section)
    head = block.head
    assert head is not None
    line_no = numbers[head.index]
    body = [(line_no, head.rest.strip())] if head.rest.strip() else []
    body += [(numbers[i], lines[i]) for i in range(head.index + 1, stop) if lines[i]]
    found, text_body = find_markers(body)
    errors = list(found.errors)
    warnings: list[tuple[int, str]] = []
    refs = _refs(found, names, errors, warnings, first_leads_doc)
    label = head.label.strip()
    if not refs:
        errors.append((line_no, f"条目“{_bare(label)}”没有列出责任单位（缺少“责任单位：…”）。"))
    text = text_body.text.replace("\n", "")
    plain = without_spans(text_body, found.spans).strip()
    heading_title = head.rest.strip()
    rest_lines = [t for _, t in body[1:]] if heading_title else [t for _, t in body]
    if heading_title and _is_short_title(heading_title) and len(body) > 1:
        title = heading_title
        sentences = split_sentences(plain[len(heading_title) :])
    else:
        sentences = split_sentences(plain)
        title = sentences[0] if sentences else ""
        sentences = sentences[1:]
    del rest_lines
    title = title.rstrip("。；;，, ")
    tasks = tuple(t for t in (_clean_task(s) for s in sentences) if t)
    if not title and not text:
        errors.append((line_no, f"条目“{_bare(label)}”没有正文。"))
    item_depth = depth.get(item_style or "", 0)
    lo = bisect.bisect_right(heading_lines, head.index)
    hi = bisect.bisect_left(heading_lines, stop)
    subs = [h for h in headings[lo:hi] if depth[h.style] > item_depth]
    subitems = []
    for k, sh in enumerate(subs):
        s_stop = subs[k + 1].index if k + 1 < len(subs) else stop
        s_lines = [(numbers[sh.index], sh.rest.strip())] + [
            (numbers[i], lines[i]) for i in range(sh.index + 1, s_stop) if lines[i]
        ]
        s_found, s_body = find_markers(s_lines)
        s_text = without_spans(s_body, s_found.spans)
        s_refs = [names.ref(t) for t, _ in s_found.names if t.raw]
        subitems.append(SubItem(label=sh.label, text=s_text, units=tuple(_dedupe(s_refs))))
    item = Item(
        number=head.number,
        label=label,
        title=title,
        text=text,
        tasks=tasks,
        units=tuple(refs),
        subitems=tuple(subitems),
        section=block.section,
        line=line_no,
        deadline=found.deadline,
        leaders=tuple(found.leaders),
    )
    return item, errors, warnings


def _table_item(
    row: TableRow, numbers: list[int], seq: int, names: _Names, section: str
) -> tuple[Item, list[tuple[int, str]], list[tuple[int, str]]]:
    from knowledge.reading.unit_names import split_names

    line_no = numbers[row.line]
    found = Found()
    for role, content in row.units:
        for token in split_names(content, role):
            found.names.append((token, line_no))
    found.leaders = list(row.leaders)
    errors: list[tuple[int, str]] = []
    warnings: list[tuple[int, str]] = []
    refs = _refs(found, names, errors, warnings, False)
    label = row.label or str(row.number or seq)
    if not refs:
        errors.append((line_no, f"表格第“{label}”行没有列出责任单位。"))
    sentences = split_sentences(row.task)
    title = (sentences[0] if sentences else row.task).rstrip("。；;，, ")
    tasks = tuple(t for t in (_clean_task(s) for s in sentences[1:]) if t)
    item = Item(
        number=row.number or seq,
        label=label,
        title=title,
        text=row.task,
        tasks=tasks,
        units=tuple(refs),
        section=section,
        line=line_no,
        deadline=row.deadline,
        leaders=tuple(row.leaders),
    )
    return item, errors, warnings


def _refs(
    found: Found,
    names: _Names,
    errors: list[tuple[int, str]],
    warnings: list[tuple[int, str]],
    first_leads_doc: bool,
) -> list[UnitRef]:
    refs: list[UnitRef] = []
    for token, line in found.names:
        if not token.raw:
            continue
        if reads_like_sentence(token.raw):
            hint = "（括号是否没有闭合？）" if found.unclosed else ""
            errors.append((line, f"“{token.raw[:30]}”读起来像一句话，不像单位名称{hint}。"))
            continue
        ref = names.ref(token)
        if (
            not ref.is_group
            and names.directory.get(ref.raw) is None
            and not is_unit_shaped(ref.raw)
        ):
            warnings.append((line, f"“{ref.raw}”不在单位目录中，也不像单位名称，请核对。"))
        refs.append(ref)
        if token.etc:
            refs.append(UnitRef(PARTIAL_ETC, token.etc, token.role, is_group=True, partial=True))
    refs = _dedupe(refs)
    if (
        (found.first_leads or first_leads_doc)
        and refs
        and all(r.role is Role.RESPONSIBLE for r in refs)
    ):
        refs[0] = replace(refs[0], role=Role.LEAD)
    return refs


def _dedupe(refs: list[UnitRef]) -> list[UnitRef]:
    seen: set[tuple[str, Role]] = set()
    out: list[UnitRef] = []
    for r in refs:
        key = (r.name, r.role)
        if key in seen:
            continue
        seen.add(key)
        out.append(r)
    return out


def _clean_task(sentence: str) -> str:
    s = sentence.strip().rstrip("。；;")
    s = re.sub(r"^[（(]?[0-9０-９]{1,3}[）)．.、]\s*", "", s)
    return s.strip()


def _bare(label: str) -> str:
    return label.strip().rstrip("、，,．.")


def _numbering_problems(
    items: list[Item], blocks: list[_Block], numbers: list[int]
) -> list[tuple[int, str]]:
    problems: list[tuple[int, str]] = []
    prev: Item | None = None
    prev_style = ""
    for item, block in zip(items, blocks, strict=True):
        if block.head is None:
            prev = None
            continue
        style = block.head.style
        if prev is not None and style == prev_style and item.number > prev.number + 1:
            missing = [label_like(style, n) for n in range(prev.number + 1, item.number)]
            swallowed = next(
                (
                    m
                    for m in missing
                    if _bare(m) and _bare(m) + ("" if style != "cn" else "、") in prev.text
                ),
                None,
            )
            if swallowed:
                problems.append(
                    (
                        prev.line,
                        f"条目“{_bare(prev.label)}”吞并了下一个编号标题“{swallowed}”"
                        "（它前面的括号或句子没有结束）。",
                    )
                )
            else:
                problems.append(
                    (
                        item.line,
                        f"条目编号不连续：{_bare(prev.label)}之后是{_bare(item.label)}，"
                        f"缺少{'、'.join(_bare(m) for m in missing)}。",
                    )
                )
        elif (
            prev is not None
            and style == prev_style
            and item.number == prev.number
            and item.section == prev.section
        ):
            problems.append((item.line, f"条目编号重复：“{_bare(item.label)}”与上一条相同。"))
        prev, prev_style = item, style
    return problems


def _drop_unmarked_sections(
    items: list[Item], errors: list[tuple[int, str]], warnings: list[tuple[int, str]]
) -> tuple[list[Item], list[tuple[int, str]]]:
    if not any(it.units for it in items):
        return items, errors
    by_section: dict[str, list[Item]] = {}
    for it in items:
        by_section.setdefault(it.section, []).append(it)
    dropped_lines: set[int] = set()
    for section, members in by_section.items():
        if section and not any(it.units for it in members):
            dropped_lines |= {it.line for it in members}
            warnings.append(
                (members[0].line, f"“{section}”下的段落都没有责任单位，视为说明而非工作条目。")
            )
    if not dropped_lines:
        return items, errors
    kept = [it for it in items if it.line not in dropped_lines]
    errors = [e for e in errors if not (e[0] in dropped_lines and "没有列出责任单位" in e[1])]
    return kept, errors


def _renumber(items: list[Item]) -> bool:
    """Numbering restarts per section (or mixes tables): number items by position."""
    return len({it.number for it in items}) != len(items) or [it.number for it in items] != list(
        range(items[0].number, items[0].number + len(items))
    )


# -- front matter ----------------------------------------------------------------------------

_DOC_NUMBER = re.compile(r"\S*〔\s*\d{4}\s*〕\s*\d+\s*号|\S*\[\s*\d{4}\s*\]\s*\d+\s*号")
_YEAR = re.compile(r"(\d{4})\s*年")
_CN_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def _parse_front(front: list[str], back: list[str]) -> tuple[PlanMeta, str]:
    paragraphs = [ln.strip() for ln in front if ln.strip()]
    issuer = ""
    doc_number = ""
    notice_title = ""
    title = ""
    recipients: tuple[str, ...] = ()
    issued = ""
    preamble_parts: list[str] = []
    after_title = False
    for p in paragraphs:
        if not doc_number and _DOC_NUMBER.search(p) and len(p) < 40:
            doc_number = re.sub(r"\s+", "", _DOC_NUMBER.search(p).group(0))
            continue
        office = re.sub(r"\s*文件$", "", p)
        if (
            not issuer
            and len(office) <= 30
            and re.search(r"(政府|办公室|委员会|办|局|委)$", office)
        ):
            issuer = office
            continue
        if "关于" in p and re.search(r"通知|决定|意见", p) and len(p) <= 80:
            notice_title = re.sub(r"\s+", "", p)
            continue
        if re.search(r"[:：]$", p) and not recipients and not title:
            recipients = tuple(
                r.strip()
                for r in re.split(r"[,，、](?![^()（）]*[)）])", p.rstrip(":："))
                if r.strip()
            )
            continue
        m = _CN_DATE.fullmatch(p)
        if m:
            issued = issued or f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
            continue
        if (
            _TITLE_WORDS.search(p)
            and len(p) <= 60
            and not re.search(r"[。；]", p)
            and (not title or not after_title)
        ):
            title = re.sub(r"\s+", "", p)
            after_title = True
            preamble_parts = []
            continue
        if after_title:
            preamble_parts.append(p)
    if not title and notice_title:
        inner = re.search(r"印发(.+?)的通知", notice_title)
        title = inner.group(1).strip("《》") if inner else notice_title
    year_m = _YEAR.search(title) or _YEAR.search(notice_title)
    plan_year = int(year_m.group(1)) if year_m else None
    printed = ""
    cc: tuple[str, ...] = ()
    for ln in back:
        s = ln.strip()
        m = _CN_DATE.search(s)
        if m and "印发" in s:
            printed = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
            office = s[: m.start()].strip()
            if not issuer and re.search(r"(政府|办公室|委员会|办|局|委)$", office):
                issuer = office
        if re.match(r"^抄送\s*[:：]", s):
            cc = tuple(
                x.strip(" 。.")
                for x in re.split(r"[,，、]", re.sub(r"^抄送\s*[:：]", "", s))
                if x.strip(" 。.")
            )
    district_m = re.search(
        r"([\u4e00-\u9fff]{2,4}?(?:区|县|市))(?:人民政府|法治|$)", issuer + title
    )
    district = ""
    for src in (title, issuer):
        dm = re.search(r"\d{4}\s*年度?\s*([\u4e00-\u9fff]{1,5}?(?:区|县|市))", src) or re.search(
            r"([\u4e00-\u9fff]{1,5}?(?:区|县))人民政府", src
        )
        if dm:
            district = dm.group(1)
            break
    if not district and district_m:
        district = district_m.group(1)
    meta = PlanMeta(
        issuer=issuer,
        doc_number=doc_number,
        title=title,
        notice_title=notice_title,
        plan_year=plan_year,
        issued_date=issued,
        printed_date=printed,
        recipients=recipients,
        cc=cc,
        district=district,
    )
    return meta, "".join(preamble_parts)
