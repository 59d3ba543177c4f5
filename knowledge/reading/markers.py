"""The unit markers of one item: who is responsible, who leads, by when, under which leader.

An item's lines (page-break blank lines dropped) are searched for

* labelled lists: 〔责任单位：…〕 （牵头单位：A；配合单位：B） 【责任单位：…】, a label on a line of
  its own or inline after a sentence ("…。责任单位：A、B"), several labels in one marker;
* unlabelled role phrases when there is no label: a bracket, a line or the item's last
  sentence made only of "A、B牵头，C、D按职责分工负责" / "X负责" / "由Y牵头" clauses;
* 完成时限 (kept as the item's deadline) and a lead person (牵头领导：…), never units;
* the note "首位单位为牵头单位".

Problems (an unclosed bracket) are reported with the line they are on.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache

from knowledge.plan.model import Role
from knowledge.reading.headings import match_heading
from knowledge.reading.layout_words import layout_words
from knowledge.reading.unit_names import (
    CLOSE,
    OPEN,
    NameToken,
    is_unit_shaped,
    list_names,
    role_verb,
    split_names,
)

_LIST_END = "。"


@dataclass
class Found:
    names: list[tuple[NameToken, int]] = field(default_factory=list)  # (token, line number)
    leaders: list[str] = field(default_factory=list)
    deadline: str = ""
    spans: list[tuple[int, int]] = field(default_factory=list)  # removed from title/tasks
    errors: list[tuple[int, str]] = field(default_factory=list)
    first_leads: bool = False
    unclosed: bool = False


class Body:
    """An item's text: lines joined with "\\n", with the line number of every offset."""

    def __init__(self, lines: list[tuple[int, str]]) -> None:
        self.text = "\n".join(t for _, t in lines)
        self.starts: list[int] = []
        self.numbers = [n for n, _ in lines]
        pos = 0
        for _, t in lines:
            self.starts.append(pos)
            pos += len(t) + 1

    def line_at(self, offset: int) -> int:
        k = bisect.bisect_right(self.starts, offset) - 1
        return self.numbers[max(0, k)] if self.numbers else 0

    def line_end(self, offset: int) -> int:
        nl = self.text.find("\n", offset)
        return len(self.text) if nl == -1 else nl


def _matching_close(text: str, open_index: int) -> int:
    depth = 0
    for k in range(open_index, len(text)):
        ch = text[k]
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth -= 1
            if depth == 0:
                return k
    return -1


def _continues(prev: str, nxt: str) -> bool:
    """Does a unit list wrapped at the end of ``prev`` go on with line ``nxt``?"""
    s = nxt.strip()
    if not s or match_heading(s, 0) or layout_words().label_re.match(s):
        return False
    if prev.rstrip().endswith(("、", "，", ",")):
        return True
    if re.search(r"[。；;：:]", s[:-1]) or len(s) > 80:
        return False
    tokens = list_names(s.rstrip("。；;"))
    if tokens and all(is_unit_shaped(t) for t in tokens):
        tail = re.split(r"[、，,\s]+", prev.strip())[-1]
        return not is_unit_shaped(tail) or len(tokens) > 0
    tail = re.split(r"[、，,\s]+", prev.strip())[-1]
    return bool(tokens) and not is_unit_shaped(tail) and is_unit_shaped(tail + tokens[0])


def _inline_end(body: Body, start: int) -> int:
    """End of an unbracketed list starting at ``start``: the next label, a 。, an unmatched
    closing bracket, or the end of its line (unless the list wraps onto the next)."""
    text = body.text
    words = layout_words()
    depth = 0
    k = start
    while k < len(text):
        ch = text[k]
        if ch in OPEN:
            if depth == 0 and k > start and words.label_re.match(text[k + 1 : k + 12].lstrip()):
                return k  # a bracketed marker right after: "完成时限：6月底前〔责任单位：…〕"
            depth += 1
        elif ch in CLOSE:
            if depth == 0:
                return k
            depth -= 1
        elif ch in _LIST_END and depth == 0:
            return k
        elif ch == "\n":
            line_start = body.text.rfind("\n", 0, k) + 1
            nxt_end = body.line_end(k + 1)
            if _continues(text[max(start, line_start) : k], text[k + 1 : nxt_end]):
                k += 1
                continue
            return k
        else:
            m = words.label_re.match(text, k)
            if m and k > start:
                return k
        k += 1
    return len(text)


def _add_segment(found: Found, body: Body, label: str, content: str, at: int) -> None:
    kind, role = layout_words().label_kind(label)
    flat = content.replace("\n", "")
    flat = flat.strip(" \t。；;，,")
    if kind == "leader":
        if flat:
            found.leaders.append(flat)
        return
    if kind == "deadline":
        if flat and not found.deadline:
            found.deadline = flat
        return
    assert role is not None
    note = layout_words().first_lead_re.search(flat)
    if note:
        found.first_leads = True
        flat = (flat[: note.start()] + flat[note.end() :]).strip(" ，,；;。")
    line = body.line_at(at)
    for token in split_names(flat, role):
        found.names.append((token, line))


def _labelled(body: Body, found: Found) -> None:
    text = body.text
    words = layout_words()
    pos = 0
    while True:
        m = words.label_re.search(text, pos)
        if not m:
            return
        j = m.start() - 1
        while j >= 0 and text[j] in " \t":
            j -= 1
        if j >= 0 and text[j] in OPEN:
            close = _matching_close(text, j)
            if close == -1:
                found.unclosed = True
                found.errors.append(
                    (
                        body.line_at(j),
                        f"括号“{text[j]}”没有闭合：“{text[j : body.line_end(j)][:30]}”。",
                    )
                )
                end = _inline_end(body, m.end())
                span_end = end
            else:
                end, span_end = close, close + 1
            inner = text[m.start() : end]
            marks = list(words.label_re.finditer(inner))
            for k, mk in enumerate(marks):
                seg_end = marks[k + 1].start() if k + 1 < len(marks) else len(inner)
                _add_segment(found, body, mk.group(1), inner[mk.end() : seg_end], m.start())
            found.spans.append((j, span_end))
            pos = span_end
        else:
            end = _inline_end(body, m.end())
            _add_segment(found, body, m.group(1), text[m.end() : end], m.start())
            found.spans.append((m.start(), end))
            pos = max(end, m.end())


def _role_clauses(segment: str, role: Role = Role.RESPONSIBLE) -> list[NameToken] | None:
    """A segment made only of role clauses ("A、B牵头，C配合"), else None."""
    s = segment.strip(" \t\n。；;，,")
    if not s or len(s) > 300:
        return None
    clauses = [c for c in re.split(r"[，,；;]", s) if c.strip()]
    for clause in clauses:
        name, _role, found = role_verb(clause.strip())
        if not found:  # a role verb cut by a page wrap: "区财政局牵\n头"
            name, _role, found = role_verb(re.sub(r"\s+", "", clause))
        if not found or not name:
            return None
        parts = list_names(name)
        if not parts or not all(is_unit_shaped(p) for p in parts):
            return None
    return split_names(s, role)


def _unlabelled(body: Body, found: Found) -> None:
    text = body.text
    # a bracket holding only role clauses: （区司法局牵头，区直各单位配合）
    for m in re.finditer(r"[（(〔【\[［]", text):
        close = _matching_close(text, m.start())
        if close == -1:
            continue
        tokens = _role_clauses(text[m.start() + 1 : close])
        if tokens:
            line = body.line_at(m.start())
            found.names += [(t, line) for t in tokens]
            found.spans.append((m.start(), close + 1))
    if found.names:
        return
    # a line, or the item's last sentence, made only of role clauses
    offset = 0
    for line_text in text.split("\n"):
        for sentence in re.finditer(r"[^。]+。?", line_text):
            tokens = _role_clauses(sentence.group(0))
            if tokens:
                start = offset + sentence.start()
                found.names += [(t, body.line_at(start)) for t in tokens]
                found.spans.append((start, offset + sentence.end()))
        offset += len(line_text) + 1
    if found.names:
        return
    # the last sentence's trailing clauses: "…，各执法部门按职责分工负责。"
    flat_end = len(text.rstrip(" \n。；;"))
    last_start = max(text.rfind("。", 0, flat_end), text.rfind("\n", 0, flat_end)) + 1
    sentence = text[last_start:flat_end]
    cuts = [m.end() for m in re.finditer(r"[，,；;]", sentence)]
    for cut in cuts:  # the longest run of role clauses that ends the sentence
        tokens = _role_clauses(sentence[cut:])
        if tokens:
            found.names += [(t, body.line_at(last_start + cut)) for t in tokens]
            found.spans.append((last_start + cut, flat_end))
            return


@lru_cache(maxsize=1)
def _label_splits() -> dict[str, tuple[str, ...]]:
    """Every proper prefix of a label → the rests that complete it (责任 → 单位, 部门…)."""
    words = layout_words()
    labels = [*words.role_labels, *words.leader_labels, *words.deadline_labels]
    out: dict[str, set[str]] = {}
    for label in labels:
        for k in range(1, len(label)):
            out.setdefault(label[:k], set()).add(label[k:])
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in out.items()}


def _rejoin_labels(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """A label cut by a page wrap ("（牵头" / "单位：…") is put back on one line."""
    splits = _label_splits()
    out = list(lines)
    for k in range(len(out) - 1):
        no, text = out[k]
        nxt_no, nxt = out[k + 1]
        for size in range(min(6, len(text)), 0, -1):
            rests = splits.get(text[-size:])
            rest = next((r for r in rests or () if re.match(re.escape(r) + r"\s*[:：]", nxt)), None)
            if rest is not None:
                out[k] = (no, text + rest)
                out[k + 1] = (nxt_no, nxt[len(rest) :])
                break
    return out


def find_markers(lines: list[tuple[int, str]]) -> tuple[Found, Body]:
    body = Body(_rejoin_labels(lines))
    found = Found()
    note = layout_words().first_lead_re.search(body.text)
    if note:
        found.first_leads = True
    _labelled(body, found)
    if not any(True for _ in found.names):
        _unlabelled(body, found)
    return found, body


def without_spans(body: Body, spans: list[tuple[int, int]]) -> str:
    text = body.text
    parts: list[str] = []
    pos = 0
    for start, end in sorted(set(spans)):  # one pass: slicing per span was quadratic
        if start > pos:
            parts.append(text[pos:start])
        pos = max(pos, end)
    parts.append(text[pos:])
    return "".join(parts).replace("\n", "")
