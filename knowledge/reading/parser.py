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

The stages, one module each: :mod:`.lines` (text → numbered lines, page chrome blanked),
:mod:`.blocks` (headings, the item level, the items' blocks, the body's start and end),
:mod:`.items` (a block or table row → an item with its units), :mod:`.checks` (numbering,
sections without units) and :mod:`.front_matter` (issuer, 文号, title, year, date); this
module runs them in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from knowledge.plan.model import Item, WorkPlan
from knowledge.plan.units import UnitDirectory
from knowledge.reading.blocks import (
    block_ends,
    choose_item_style,
    find_body_start,
    find_end,
    find_headings,
    heading_depths,
    item_blocks,
    marker_line,
)
from knowledge.reading.checks import drop_unmarked_sections, needs_renumbering, numbering_problems
from knowledge.reading.decode import DocumentError
from knowledge.reading.front_matter import parse_front
from knowledge.reading.items import Names, build_item
from knowledge.reading.layout_words import layout_words
from knowledge.reading.ledger import LinePlace, account
from knowledge.reading.lines import blank_page_numbers, prepare_lines
from knowledge.reading.obligations import extract_obligations
from knowledge.reading.paragraph_tables import all_tables


@dataclass
class ParseResult:
    """What ``kb check`` reports: the plan if it could be built, and every problem found."""

    plan: WorkPlan | None
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    encoding: str = "utf-8"
    places: list[LinePlace] = field(default_factory=list)  # where every line went


def parse_text(
    text: str,
    plan_id: str = "plan",
    source_name: str = "",
    directory: UnitDirectory | None = None,
) -> ParseResult:
    """Parse document text. Never raises for bad content: problems go to ``errors``."""
    directory = directory or UnitDirectory.from_data()
    lines, numbers, warnings, aside = prepare_lines(text)
    errors: list[tuple[int, str]] = []
    if not any(lines):
        return ParseResult(None, [(0, "文件为空，没有可解析的内容。")])

    tables = all_tables(lines)
    in_table = {i for t in tables for i in range(t.start, t.stop)}
    lines = blank_page_numbers(lines, in_table, aside)
    marker_lines = [i for i, ln in enumerate(lines) if ln and i not in in_table and marker_line(ln)]
    first_marker = min([*marker_lines, *(t.start for t in tables)], default=len(lines))
    body_start = find_body_start(lines, first_marker)
    headings = [h for h in find_headings(lines, in_table) if h.index >= body_start]

    marker_prefix = [0] * (len(lines) + 1)
    marks = set(marker_lines)
    for i in range(len(lines)):
        marker_prefix[i + 1] = marker_prefix[i] + (i in marks)

    depth = heading_depths(headings)
    ends = block_ends(headings, depth, len(lines))
    item_style = choose_item_style(headings, depth, ends, marker_prefix)
    if item_style is None and not tables:
        return ParseResult(
            None,
            [(0, "没有找到编号条目（如“一、”“（一）”“1.”开头的段落），无法识别为工作要点文件。")],
            warnings,
        )

    blocks = item_blocks(lines, headings, depth, item_style, tables, marker_prefix)
    last_line = max((b.head.index for b in blocks if b.head), default=body_start)
    table_last = max((t.stop for t in tables), default=0) - 1
    end_line = find_end(lines, max(last_line, table_last), after_table=table_last >= last_line)
    first_leads = bool(layout_words().first_lead_re.search(text))

    names = Names(directory)
    heading_lines = [h.index for h in headings]
    items: list[Item] = []
    for seq, block in enumerate(blocks, 1):
        stop = min(block.stop, end_line) if block.head else block.stop
        item, item_errors, item_warnings = build_item(
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

    errors += numbering_problems(items, blocks, numbers)
    # sections whose items carry no markers at all (总体要求, 保障措施) are not items
    items, errors = drop_unmarked_sections(items, errors, warnings)
    if not items:
        return ParseResult(
            None,
            [(0, "没有找到带责任单位的编号条目，无法识别为工作要点文件。")] + errors,
            warnings,
        )
    items = (
        [replace(it, number=k) for k, it in enumerate(items, 1)]
        if needs_renumbering(items)
        else items
    )

    first_item_line = min(
        (b.head.index for b in blocks if b.head), default=min((t.start for t in tables), default=0)
    )
    section_starts = [
        h.index for h in headings if depth.get(h.style, 0) < depth.get(item_style or "", 99)
    ]
    front_end = min([first_item_line, *[s for s in section_starts if s < first_item_line]])
    places, ledger_warnings = account(
        lines,
        numbers,
        aside,
        front_end,
        end_line,
        headings,
        blocks,
        tables,
        {it.line for it in items},
    )
    warnings += ledger_warnings
    meta, preamble = parse_front(lines[:front_end], lines[end_line:])
    plan = WorkPlan(
        plan_id=plan_id,
        meta=meta,
        preamble=preamble,
        items=tuple(replace(it, obligations=tuple(extract_obligations(it))) for it in items),
        source_name=source_name,
        warnings=tuple(f"第{ln}行：{m}" if ln else m for ln, m in warnings),
    )
    return ParseResult(plan, errors, warnings, places=places)


def parse_document(
    text: str, plan_id: str = "plan", source_name: str = "", directory: UnitDirectory | None = None
) -> WorkPlan:
    """Parse and insist on a clean result: raise :class:`DocumentError` listing every problem."""
    result = parse_text(text, plan_id, source_name, directory)
    if result.errors or result.plan is None:
        raise DocumentError(result.errors or [(0, "无法解析。")], source_name)
    return result.plan
