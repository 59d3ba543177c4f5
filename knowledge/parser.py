"""Parse a work-points document (法治政府建设工作要点 and its family) into a :class:`WorkPlan`.

The family varies in three ways, all handled here:

* numbering: items as 一、 二、 …, （一）（二）…, or 1. 2.; a document may group items under
  section headings (一、总体要求 → （一）…) and items may have sub-items (1. 2. or （1）);
* units: in 〔责任单位：…〕 or （责任单位：…） at the end of the item, or on a line of their own
  starting 责任单位：/牵头单位：/配合单位：;
* layout noise: page breaks cut sentences with blank lines ("…我区法" / "治政府建设…"),
  full- and half-width punctuation mixed.

The item level is found from the data: it is the numbering level whose blocks carry the unit
lists. Lines inside an item are joined without separator (a page break never adds text), and
a new item starts only where the previous text ended a sentence, so a fragment that happens to
start with a numeral is not mistaken for a heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from knowledge.decode import DocumentError
from knowledge.model import Item, PlanMeta, Role, SubItem, UnitRef, WorkPlan
from knowledge.obligations import extract_obligations
from knowledge.text import cn_to_int, fold_width, int_to_cn, split_sentences
from knowledge.units import PARTIAL_ETC, UnitDirectory, infer_group

CN_NUM = "零〇一二两三四五六七八九十百"

# Heading styles, shallowest first. Each captures (numeral, rest of line).
_STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cn", re.compile(rf"^([{CN_NUM}]{{1,4}})\s*[、，,．.]\s*(.*)$")),
    ("pcn", re.compile(rf"^[（(]\s*([{CN_NUM}]{{1,4}})\s*[）)]\s*[、.．]?\s*(.*)$")),
    ("ar", re.compile(r"^([0-9０-９]{1,3})\s*(?:[、．]|\.(?![0-9０-９]))\s*(.*)$")),
    ("par", re.compile(r"^[（(]\s*([0-9０-９]{1,3})\s*[）)]\s*(.*)$")),
)
_STYLE_DEPTH = {name: i for i, (name, _) in enumerate(_STYLES)}

_ROLE_WORDS = {
    "责任单位": Role.RESPONSIBLE,
    "责任部门": Role.RESPONSIBLE,
    "责任主体": Role.RESPONSIBLE,
    "牵头单位": Role.LEAD,
    "牵头部门": Role.LEAD,
    "主办单位": Role.LEAD,
    "主责单位": Role.LEAD,
    "配合单位": Role.SUPPORTING,
    "配合部门": Role.SUPPORTING,
    "协办单位": Role.SUPPORTING,
    "协助单位": Role.SUPPORTING,
    "参与单位": Role.SUPPORTING,
}
_ROLE_RE = "|".join(_ROLE_WORDS)
_UNIT_LINE = re.compile(rf"^\s*({_ROLE_RE})\s*[:：]")
_UNIT_MARK = re.compile(rf"({_ROLE_RE})\s*[:：]")
_OPEN = "〔【[（("
_CLOSE = "〕】]）)"
_SENTENCE_CLOSED = tuple('。；;！!？?〕】]）)”"：:')
_END_MARKERS = re.compile(r"^(抄送|抄报|附件[:：]|主题词|（此件|\(此件|此件)")
_DATE_LINE = re.compile(
    r"^\s*(\d{4}|[二〇零一二三四五六七八九]{4})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(印发|发布)?\s*$"
)
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－]+\s*[0-9０-９]{1,3}\s*[-—–－]+|第\s*[0-9０-９]{1,3}\s*页(?:\s*[,，/]?\s*共\s*[0-9０-９]{1,3}\s*页)?"
    r"|[0-9０-９]{1,3}\s*/\s*[0-9０-９]{1,3})\s*$"
)
_INLINE_ROLE = re.compile(r"[（(]\s*(牵头|配合)(?:单位)?\s*[)）]$")
_ETC_SUFFIX = re.compile(r"^(.*?)(等[\u4e00-\u9fff]{0,6}?(?:部门|单位|机构))$")


@dataclass
class _Heading:
    line_index: int  # index into lines
    style: str
    number: int
    label: str
    rest: str


@dataclass
class ParseResult:
    """What ``kb check`` reports: the plan if it could be built, and every problem found."""

    plan: WorkPlan | None
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)
    encoding: str = "utf-8"


def parse_text(
    text: str,
    plan_id: str = "plan",
    source_name: str = "",
    directory: UnitDirectory | None = None,
) -> ParseResult:
    """Parse document text. Never raises for bad content: problems go to ``errors``."""
    directory = directory or UnitDirectory.from_data()
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    # page numbers left by a PDF or print conversion (— 3 —, -3-, 第3页 共8页) are page-break
    # artifacts like the blank lines around them, not document text
    lines = ["" if _PAGE_NUMBER.match(ln) else ln for ln in lines]
    errors: list[tuple[int, str]] = []
    warnings: list[tuple[int, str]] = []
    if not any(ln.strip() for ln in lines):
        return ParseResult(None, [(0, "文件为空，没有可解析的内容。")])

    headings = _find_headings(lines)
    unit_lines = [i for i, ln in enumerate(lines) if _has_unit_marker(ln)]
    item_style = _choose_item_style(headings, unit_lines, lines)
    if item_style is None:
        return ParseResult(
            None,
            [(0, "没有找到编号条目（如“一、”“（一）”“1.”开头的段落），无法识别为工作要点文件。")],
        )

    item_depth = _STYLE_DEPTH[item_style]
    item_heads = [h for h in headings if h.style == item_style]
    # the front matter ends at the first heading at or above the item level (a section title)
    first_item_line = min(
        h.line_index
        for h in headings
        if _STYLE_DEPTH[h.style] <= item_depth and h.line_index <= item_heads[0].line_index
    )
    end_line = _find_end(lines, item_heads[-1].line_index)

    # Sections: shallower headings that precede items.
    items: list[Item] = []
    section = ""
    prev_number: int | None = None
    section_changed = False
    for idx, head in enumerate(item_heads):
        # shallower headings between the previous item and this one start a new section
        lo = item_heads[idx - 1].line_index if idx else -1
        for h in headings:
            if lo < h.line_index < head.line_index and _STYLE_DEPTH[h.style] < item_depth:
                section = h.label + h.rest
                section_changed = True
        stop = item_heads[idx + 1].line_index if idx + 1 < len(item_heads) else end_line
        # a shallower heading inside the span ends the item early
        for h in headings:
            if head.line_index < h.line_index < stop and _STYLE_DEPTH[h.style] < item_depth:
                stop = h.line_index
                break
        line_no = head.line_index + 1
        if prev_number is not None and head.number != prev_number + 1:
            if head.number == 1 and section_changed:
                pass  # numbering restarts in a new section
            elif head.number == prev_number:
                errors.append((line_no, f"条目编号重复：“{_bare(head.label)}”与上一条相同。"))
            elif head.number > prev_number + 1:
                missing = "、".join(
                    _label_like(head, n) for n in range(prev_number + 1, head.number)
                )
                errors.append(
                    (
                        line_no,
                        f"条目编号不连续：{_label_like(head, prev_number)}之后是"
                        f"{_bare(head.label)}，缺少{missing}。",
                    )
                )
            else:
                errors.append(
                    (
                        line_no,
                        f"条目编号倒退：{_label_like(head, prev_number)}之后是{_bare(head.label)}。",
                    )
                )
        elif prev_number is None and head.number != 1:
            warnings.append((line_no, f"第一个条目的编号是{head.label}，不是从一开始。"))
        section_changed = False
        prev_number = head.number
        seq = idx + 1
        sub_heads = [
            h
            for h in headings
            if head.line_index < h.line_index < stop and _STYLE_DEPTH[h.style] > item_depth
        ]
        item, problems = _build_item(lines, head, stop, sub_heads, seq, section, directory)
        errors.extend(problems)
        items.append(item)

    # numbering restarts per section: number items by position, keep labels as written
    if len({it.number for it in items}) != len(items) and not any(
        "重复" in msg for _, msg in errors
    ):
        items = [_renumber(it, i + 1) for i, it in enumerate(items)]

    meta, preamble = _parse_front(lines[:first_item_line], lines[end_line:])
    plan_items = tuple(_with_obligations(it) for it in items)
    plan = WorkPlan(
        plan_id=plan_id,
        meta=meta,
        preamble=preamble,
        items=plan_items,
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


# -- headings ------------------------------------------------------------------------------


def _find_headings(lines: list[str]) -> list[_Heading]:
    out: list[_Heading] = []
    prev_text = ""  # last non-blank line
    prev_was_heading = True
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        closed = (
            not prev_text
            or prev_text.endswith(_SENTENCE_CLOSED)
            or prev_was_heading
            or _is_short_title(prev_text)
            or bool(_UNIT_LINE.match(prev_text))
        )
        head = _match_heading(line, i) if closed else None
        if head is not None:
            out.append(head)
        prev_was_heading = head is not None and not head.rest.strip()
        if head is not None and _is_short_title(head.rest):
            prev_was_heading = True
        prev_text = line
    return out


def _is_short_title(text: str) -> bool:
    """A title line (section heading, document title): short, no sentence punctuation."""
    t = text.strip()
    return 0 < len(t) <= 40 and not re.search(r"[，,。；;：:]", t)


def _match_heading(line: str, index: int) -> _Heading | None:
    for style, pattern in _STYLES:
        m = pattern.match(line)
        if not m:
            continue
        number = cn_to_int(m.group(1))
        if number is None or number <= 0:
            return None
        rest = m.group(2)
        if style == "cn" and re.match(r"^[0-9０-９]", rest):
            return None
        if not rest.strip() and style in ("ar", "par"):
            return None
        label = line[: len(line) - len(rest)].strip() if rest else line.strip()
        return _Heading(index, style, number, label, rest)
    return None


def _has_unit_marker(line: str) -> bool:
    return bool(_UNIT_MARK.search(line))


def _choose_item_style(
    headings: list[_Heading], unit_lines: list[int], lines: list[str]
) -> str | None:
    """The numbering level that carries the unit lists: for each style present, count its
    blocks (heading to the next heading of the same or a shallower style) holding exactly one
    run of unit lines; the style with most such blocks wins, the shallower on a tie."""
    styles = sorted({h.style for h in headings}, key=_STYLE_DEPTH.__getitem__)
    if not styles:
        return None
    best: tuple[int, int, str] | None = None
    for style in styles:
        depth = _STYLE_DEPTH[style]
        heads = [h for h in headings if h.style == style]
        if len(heads) < 2 and len(styles) > 1:
            continue
        one = 0
        for h in heads:
            stop = next(
                (
                    g.line_index
                    for g in headings
                    if g.line_index > h.line_index and _STYLE_DEPTH[g.style] <= depth
                ),
                len(lines),
            )
            runs = _unit_runs([i for i in unit_lines if h.line_index <= i < stop])
            if runs == 1:
                one += 1
        key = (one, -depth, style)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        return styles[0]
    if best[0] == 0:
        # no unit lists anywhere: the style with the most headings (items outnumber the
        # section titles above them), the shallower on a tie
        return max(
            styles, key=lambda st: (sum(1 for h in headings if h.style == st), -_STYLE_DEPTH[st])
        )
    return best[2]


def _unit_runs(indices: list[int]) -> int:
    """Consecutive unit lines (牵头单位 / 配合单位 on adjacent lines) count as one run."""
    runs = 0
    prev = -10
    for i in indices:
        if i > prev + 2:
            runs += 1
        prev = i
    return runs


def _find_end(lines: list[str], last_head: int) -> int:
    """Where the item part of the document ends: 抄送, a signature date, or the issuer."""
    seen_units = False
    for i in range(last_head + 1, len(lines)):
        line = lines[i].strip()
        if not line:
            continue
        if _END_MARKERS.match(line) or _DATE_LINE.match(line):
            return i
        if seen_units and lines[i - 1].strip() == "" and _is_short_title(line):
            return i  # e.g. the issuing office's name under the last item
        if _has_unit_marker(line):
            seen_units = True
    return len(lines)


def _label_like(head: _Heading, number: int) -> str:
    """A number written in the heading's style, for messages: 十三 / （十三） / 13 / （13）."""
    if head.style == "cn":
        return int_to_cn(number)
    if head.style == "pcn":
        return f"（{int_to_cn(number)}）"
    if head.style == "par":
        return f"（{number}）"
    return str(number)


def _bare(label: str) -> str:
    return label.strip().rstrip("、，,．.")


# -- items -----------------------------------------------------------------------------------


def _build_item(
    lines: list[str],
    head: _Heading,
    stop: int,
    sub_heads: list[_Heading],
    seq: int,
    section: str,
    directory: UnitDirectory,
) -> tuple[Item, list[tuple[int, str]]]:
    problems: list[tuple[int, str]] = []
    line_no = head.line_index + 1
    body_lines = [head.rest.strip()] + [ln.strip() for ln in lines[head.line_index + 1 : stop]]
    text = "".join(body_lines)

    unit_spans = _unit_spans(text)
    units: list[UnitRef] = []
    for role, content, _start, _end in unit_spans:
        units.extend(_split_units(content, role, directory))
    units = _dedupe(units)
    if not units:
        problems.append(
            (line_no, f"条目“{_bare(head.label)}”没有列出责任单位（缺少“责任单位：…”）。")
        )

    # text without the unit lists, for title and tasks
    plain = _without_spans(text, unit_spans).strip()
    heading_title = head.rest.strip()
    if heading_title and _is_short_title(heading_title) and len(body_lines) > 1:
        title = heading_title
        rest_text = "".join(body_lines[1:])
        sentences = split_sentences(_without_spans(rest_text, _unit_spans(rest_text)))
    else:
        sentences = split_sentences(plain)
        title = sentences[0] if sentences else ""
        sentences = sentences[1:]
    title = title.rstrip("。；;")
    tasks = tuple(_clean_task(s) for s in sentences if _clean_task(s))
    if not title:
        problems.append((line_no, f"条目“{_bare(head.label)}”没有正文。"))

    subitems: list[SubItem] = []
    for k, sh in enumerate(sub_heads):
        s_stop = sub_heads[k + 1].line_index if k + 1 < len(sub_heads) else stop
        s_text = "".join(
            [sh.rest.strip()]
            + [ln.strip() for ln in lines[sh.line_index + 1 : s_stop] if not _UNIT_LINE.match(ln)]
        )
        s_units: list[UnitRef] = []
        for role, content, _s, _e in _unit_spans(s_text):
            s_units.extend(_split_units(content, role, directory))
        subitems.append(SubItem(label=sh.label, text=s_text, units=tuple(_dedupe(s_units))))

    item = Item(
        number=head.number,
        label=head.label,
        title=title,
        text=text,
        tasks=tasks,
        units=tuple(units),
        subitems=tuple(subitems),
        section=section,
        line=line_no,
    )
    return item, problems


def _clean_task(sentence: str) -> str:
    s = sentence.strip().rstrip("。；;")
    s = re.sub(r"^[（(]?[0-9０-９]{1,3}[）)．.、]\s*", "", s)
    return s.strip()


def _unit_spans(text: str) -> list[tuple[Role, str, int, int]]:
    """Every unit list in ``text``: (role, content, start, end) with start/end covering the
    enclosing bracket when there is one. A bracket like （牵头单位：A；配合单位：B） gives two."""
    spans: list[tuple[Role, str, int, int]] = []
    pos = 0
    while True:
        m = _UNIT_MARK.search(text, pos)
        if not m:
            break
        start = m.start()
        # bracketed?  look back over spaces for an opening bracket
        j = start - 1
        while j >= 0 and text[j] in " \t":
            j -= 1
        if j >= 0 and text[j] in _OPEN:
            close = _matching_close(text, j)
            inner = text[m.start() : close] if close != -1 else text[m.start() :]
            end = close + 1 if close != -1 else len(text)
            for role, content in _split_roles(inner):
                spans.append((role, content, j, end))
            # several roles in one bracket share the span; keep one entry for removal
            pos = end
        else:
            # a line of its own: up to the end of the text or the next role word
            nxt = _UNIT_MARK.search(text, m.end())
            end = nxt.start() if nxt else len(text)
            content = text[m.end() : end]
            spans.append((_ROLE_WORDS[m.group(1)], content, start, end))
            pos = end
    return spans


def _without_spans(text: str, spans: list[tuple[Role, str, int, int]]) -> str:
    """``text`` without its unit lists. Several roles in one bracket share its span, which is
    removed once."""
    for start, end in sorted({(s[2], s[3]) for s in spans}, reverse=True):
        text = text[:start] + text[end:]
    return text


def _matching_close(text: str, open_index: int) -> int:
    depth = 0
    for k in range(open_index, len(text)):
        ch = text[k]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth == 0:
                return k
    return -1


def _split_roles(inner: str) -> list[tuple[Role, str]]:
    out: list[tuple[Role, str]] = []
    marks = list(_UNIT_MARK.finditer(inner))
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(inner)
        out.append((_ROLE_WORDS[m.group(1)], inner[m.end() : end]))
    return out


def _split_units(content: str, role: Role, directory: UnitDirectory) -> list[UnitRef]:
    """Split a unit list on 、，,；; and white space outside brackets (各镇(街、区) stays one
    name); a unit marked 区司法局（牵头） leads whatever the list's role."""
    tokens: list[str] = []
    depth = 0
    cur = ""
    for ch in content:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        if depth == 0 and (ch in "、，,；;" or ch.isspace()):
            tokens.append(cur)
            cur = ""
        else:
            cur += ch
    tokens.append(cur)
    refs: list[UnitRef] = []
    for tok in tokens:
        raw = tok.strip().strip("。.　 ")
        if not raw:
            continue
        token_role = role
        marked = _INLINE_ROLE.search(raw)
        if marked:  # 区司法局（牵头）
            raw = raw[: marked.start()].strip()
            token_role = Role.LEAD if marked.group(1) == "牵头" else Role.SUPPORTING
            if not raw:
                continue
        etc = _ETC_SUFFIX.match(raw)
        tail_partial = False
        if etc and etc.group(1):
            raw, tail_partial = etc.group(1), True
        refs.append(_make_ref(raw, token_role, directory))
        if tail_partial:
            refs.append(
                UnitRef(
                    name=PARTIAL_ETC,
                    raw=etc.group(2) if etc else "",
                    role=token_role,
                    is_group=True,
                    partial=True,
                )
            )
    return refs


def _make_ref(raw: str, role: Role, directory: UnitDirectory) -> UnitRef:
    found = directory.get(raw)
    if found is not None:
        is_group = found.name in directory.groups
        partial = bool(is_group and directory.groups[found.name].partial)
        return UnitRef(name=found.name, raw=raw, role=role, is_group=is_group, partial=partial)
    canonical = fold_width(raw).replace(" ", "")
    canonical = canonical.replace(":", "：").replace(",", "，")
    group = infer_group(canonical)
    if group is not None:
        return UnitRef(canonical, raw, role, is_group=True, partial=group.partial)
    return UnitRef(canonical, raw, role)


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


def _renumber(item: Item, number: int) -> Item:
    return replace(item, number=number)


def _with_obligations(item: Item) -> Item:
    return replace(item, obligations=tuple(extract_obligations(item)))


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
        if not issuer and not doc_number and re.search(r"(政府|办公室|委员会|办|局|委)$", p):
            issuer = p
            continue
        if p.startswith("关于") and "通知" in p:
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
            ("要点" in p or "计划" in p or "方案" in p)
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
