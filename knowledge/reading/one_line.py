"""Reading, a document (or a long stretch of one) saved without line breaks: cut it back into
paragraphs at its numbered headings (一、 （一） 1. （1） ① 第一条) and unit labels.

A candidate heading is taken only where a paragraph can end before it: after a closing mark
(。；〕）…), after a unit's name (the end of a unit list: "…区财政局二、"), or after a title
(…工作要点一、); and only in sequence: its number follows the last one taken in its style, or
starts a new run at 1. Numbers inside sentences ("1、2、3月", "第1.5条") fail one test or the
other. One pass over the text with compiled patterns: linear in its length.
"""

from __future__ import annotations

import re

from knowledge.reading.layout_words import layout_words
from knowledge.reading.unit_names import is_unit_shaped
from knowledge.text.normalize import cn_to_int

LONG_LINE = 150  # a line this long with three headings or more in sequence is a run-on document
_CN = "一二三四五六七八九十百千零〇两"
_CANDIDATE = re.compile(
    rf"(?P<cn>[{_CN}]{{1,6}})、(?=[^\s，,。、])"
    rf"|[（(](?P<pcn>[{_CN}]{{1,6}})[）)]"
    r"|(?<![0-9０-９.．])(?P<ar>[0-9０-９]{1,4})(?:[.．](?![0-9０-９])|、)(?=[^\s，,。、0-9０-９])"
    r"|[（(](?P<par>[0-9０-９]{1,3})[）)](?=[^\s，,。、])"
    r"|(?P<circ>[①-⑳])"
    rf"|第(?P<art>[{_CN}]{{1,6}})条"
)
_CLOSED = "。；;〕】]）)」』：:！!？?"
_TITLE_END = re.compile(r"(?:要点|计划|方案|安排|清单|任务|措施)$")
TITLE_AT_START = re.compile(
    r"[^。，,；;：:]{4,60}?(?:工作要点|工作安排|工作计划|实施方案|分工方案|任务清单|要点)"
)
_TAIL = re.compile(r"[^、，,；;：:。\s（）()〔〕【】]{1,30}$")


def _number(style: str, numeral: str) -> int | None:
    if style == "circ":
        return ord(numeral) - 0x2460 + 1
    return cn_to_int(numeral)


def _ends_like_unit(word: str) -> bool:
    """A unit's name by its ending (…局, …办公室, …管委会等), not merely 各… at its start."""
    base = word[:-1] if word.endswith("等") else word
    return len(base) >= 2 and is_unit_shaped(base) and base.endswith(layout_words().suffixes)


def _can_end_before(text: str, pos: int) -> bool:
    if pos == 0:
        return True
    if text[pos - 1] in _CLOSED:
        return True
    tail = _TAIL.search(text, max(0, pos - 30), pos)
    if not tail:
        return False
    word = tail.group(0)
    return _ends_like_unit(word) or bool(_TITLE_END.search(word))


_DATE_END = re.compile(
    r"(?:\d{4}|[〇零一二三四五六七八九]{4})\s*年\s*[0-9一二三四五六七八九十]{1,3}\s*月"
    r"\s*[0-9一二三四五六七八九十]{1,3}\s*日\s*(?:印发|发布)?\s*$"
)
_OFFICE = re.compile(r"人民政府(?:办公室|办公厅)?$|(?:办公室|委员会)$")


def _signoff_cuts(line: str) -> list[int]:
    """Where the sign-off glued to the last unit list starts: before the issuing office
    ("…区委编办某区人民政府办公室2026年2月1日印发") and before the date."""
    date = _DATE_END.search(line)
    if not date:
        return []
    head = line[: date.start()]
    office = _OFFICE.search(head)
    if not office:
        return [date.start()]
    # the place name before 人民政府: the shortest one (ending in 区/县/市) after a whole unit
    for size in range(1, 8):
        p = office.start() - size
        if p <= 0 or head[p + size - 1] not in "区县市州旗" and office.group(0)[:2] == "人民":
            continue
        tail = _TAIL.search(head, max(0, p - 30), p)
        if head[p - 1] in _CLOSED or (tail and _ends_like_unit(tail.group(0))):
            return [p, date.start()]
    return [date.start()]


_NOTICE_END = re.compile(r"[^。；;：:]{4,80}?的通知")
_DOC_NO = re.compile(r"[\u4e00-\u9fff]{1,8}[〔\[]\s*\d{4}\s*[〕\]]\s*\d+\s*号")
_RECIPIENTS = re.compile(r"[^。；;：:]{2,80}[：:]")
_FRONT_SIGNOFF = re.compile(
    r"(?:^|(?<=[。\s]))(?P<office>[\u4e00-\u9fff]{2,20}?(?:人民政府(?:办公室|办公厅)?|办公室|委员会))"
    r"\s*(?P<date>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"
)


def _front_cuts(line: str, end: int) -> list[int]:
    """Paragraph starts inside the front matter of a run-on line (before ``end``): after the
    notice's title (…的通知), around its number (〔2026〕3号), after the recipients (…：), around
    a sign-off (office, date) and before the document's own title."""
    cuts: list[int] = []
    pos = 0
    m = _NOTICE_END.match(line, 0, end)
    if m and "关于" in m.group(0):
        pos = m.end()
        cuts.append(pos)
        d = _DOC_NO.match(line, pos + len(line[pos:end]) - len(line[pos:end].lstrip()), end)
        if d:
            pos = d.end()
            cuts += [d.start(), pos]
        r = _RECIPIENTS.match(line, pos, end)
        if r:
            pos = r.end()
            cuts.append(pos)
    for s in _FRONT_SIGNOFF.finditer(line, pos, end):
        cuts += [s.start("office"), s.start("date"), s.end("date")]
        pos = s.end("date")
    title = None
    for t in TITLE_AT_START.finditer(line, pos, end):
        if not re.search(r"印发|《", t.group(0)):
            title = t
    if title:
        cuts += [title.start(), title.end()]
    return sorted({c for c in cuts if 0 < c < end})


def split_run_on(line: str) -> list[str]:
    """The paragraphs of a run-on line: the line itself when it has fewer than three
    headings in sequence."""
    last: dict[str, int] = {}
    cuts: list[int] = []
    for m in _CANDIDATE.finditer(line):
        style = m.lastgroup or ""
        number = _number(style, m.group(style))
        if number is None or not (number == 1 or number == last.get(style, 0) + 1):
            continue
        after_title = (
            bool(cuts or last)
            and m.start() - (cuts[-1] if cuts else 0) <= 40
            and not re.search(r"[。；;，,]", line[cuts[-1] if cuts else 0 : m.start()])
        )  # a short section title right before: "一、强化法治宣传1.完善…"
        if not after_title and not _can_end_before(line, m.start()):
            continue
        last[style] = number
        if m.start() > 0:
            cuts.append(m.start())
    if len(cuts) < 3:
        return [line]
    cuts = _front_cuts(line, cuts[0]) + cuts  # notice, number, sign-off, title, preamble
    signoff = [c for c in _signoff_cuts(line) if c > cuts[-1]]
    bounds = [0, *cuts, *signoff, len(line)]
    out = [line[a:b].strip() for a, b in zip(bounds, bounds[1:], strict=False)]
    if signoff:  # the sign-off is a paragraph of its own, after a blank line
        out.insert(len(out) - len(signoff), "")
    return [p for k, p in enumerate(out) if p or k == len(out) - len(signoff) - 1]
