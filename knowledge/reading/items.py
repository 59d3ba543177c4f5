"""Reading, item assembly: a block (or a table row) becomes an :class:`Item`: its title
(a short heading or the first sentence), its tasks, its units by role from the markers (each
name in the document's first spelling; a name that reads like a sentence is an error, one
neither in the directory nor shaped like a unit a warning), its sub-items, deadline and lead
person."""

from __future__ import annotations

import bisect
import re
from dataclasses import replace

from knowledge.plan.model import Item, Role, SubItem, UnitRef
from knowledge.plan.units import PARTIAL_ETC, UnitDirectory, infer_group
from knowledge.reading.blocks import Block, is_short_title
from knowledge.reading.headings import Heading
from knowledge.reading.markers import Found, find_markers, without_spans
from knowledge.reading.tables import TableRow
from knowledge.reading.unit_names import NameToken, is_unit_shaped, reads_like_sentence
from knowledge.text.normalize import norm, split_sentences


class Names:
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


def build_item(
    block: Block,
    lines: list[str],
    numbers: list[int],
    stop: int,
    headings: list[Heading],
    depth: dict[str, int],
    item_style: str | None,
    seq: int,
    names: Names,
    first_leads_doc: bool,
    heading_lines: list[int],
) -> tuple[Item, list[tuple[int, str]], list[tuple[int, str]]]:
    if block.table_row is not None:
        return _table_item(block.table_row, numbers, seq, names, block.section, first_leads_doc)
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
        errors.append(
            (line_no, f"条目“{bare_label(label)}”没有列出责任单位（缺少“责任单位：…”）。")
        )
    text = text_body.text.replace("\n", "")
    plain = without_spans(text_body, found.spans).strip()
    heading_title = head.rest.strip()
    rest_lines = [t for _, t in body[1:]] if heading_title else [t for _, t in body]
    if heading_title and is_short_title(heading_title) and len(body) > 1:
        title = heading_title
        sentences = split_sentences(plain[len(heading_title) :])
    else:
        sentences = split_sentences(plain)
        title = sentences[0] if sentences else ""
        sentences = sentences[1:]
    del rest_lines
    title = title.rstrip("。；;，, ")
    tasks = tuple(t for t in (clean_task(s) for s in sentences) if t)
    if not title and not text:
        errors.append((line_no, f"条目“{bare_label(label)}”没有正文。"))
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
        subitems.append(SubItem(label=sh.label, text=s_text, units=tuple(dedupe(s_refs))))
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
    row: TableRow,
    numbers: list[int],
    seq: int,
    names: Names,
    section: str,
    first_leads_doc: bool = False,
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
    # a 首位单位为牵头单位 note anywhere (the 责任单位 column's header too) holds for the rows
    refs = _refs(found, names, errors, warnings, first_leads_doc)
    label = row.label or str(row.number or seq)
    if not refs:
        errors.append((line_no, f"表格第“{label}”行没有列出责任单位。"))
    sentences = split_sentences(row.task)
    title = (sentences[0] if sentences else row.task).rstrip("。；;，, ")
    tasks = tuple(t for t in (clean_task(s) for s in sentences[1:]) if t)
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
    names: Names,
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
    refs = dedupe(refs)
    if (
        (found.first_leads or first_leads_doc)
        and refs
        and all(r.role is Role.RESPONSIBLE for r in refs)
    ):
        refs[0] = replace(refs[0], role=Role.LEAD)
    return refs


def dedupe(refs: list[UnitRef]) -> list[UnitRef]:
    seen: set[tuple[str, Role]] = set()
    out: list[UnitRef] = []
    for r in refs:
        key = (r.name, r.role)
        if key in seen:
            continue
        seen.add(key)
        out.append(r)
    return out


def clean_task(sentence: str) -> str:
    s = sentence.strip().rstrip("。；;")
    s = re.sub(r"^[（(]?[0-9０-９]{1,3}[）)．.、]\s*", "", s)
    return s.strip()


def bare_label(label: str) -> str:
    return label.strip().rstrip("、，,．.")
