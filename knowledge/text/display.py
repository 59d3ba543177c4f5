"""Display width of text in a terminal or a spreadsheet cell, where a Chinese character takes
two columns, and wrapping by that width (the console, the .xlsx exports).

Widths come from ``wcwidth`` (the Unicode East Asian Width tables terminals use): CJK and
full-width punctuation 2, combining marks and zero-width characters 0, control characters 0.
"""

from __future__ import annotations

import re

from wcwidth import wcwidth

# a run that must not be split: a word of letters or digits (with its trailing punctuation)
_TOKEN = re.compile(r"[A-Za-z0-9_./:@%+\-#\[\]()]+[,.;:!?)]*|\s+|.", re.S)
# never at the start of a line (a comma or a closing bracket after a wrap reads as a typo)
_NO_LINE_START = set("，。、；：！？）》」』】〕,.;:!?)]%") | {"”", "’"}


def char_width(ch: str) -> int:
    return max(wcwidth(ch), 0)


def width(text: str) -> int:
    """Columns ``text`` takes on one line (CJK 2, ASCII 1)."""
    return sum(char_width(ch) for ch in text)


def wrap(text: str, columns: int, indent: str = "") -> list[str]:
    """``text`` as lines of at most ``columns`` display columns: existing line breaks kept,
    Chinese broken between any two characters (but not before closing punctuation), words of
    letters and digits kept whole unless longer than a line. Continuation lines start with
    ``indent``."""
    columns = max(columns, 2 + width(indent))
    out: list[str] = []
    for paragraph in text.split("\n"):
        out.extend(_wrap_line(paragraph, columns, indent))
    return out


def _wrap_line(line: str, columns: int, indent: str) -> list[str]:
    if width(line) <= columns:
        return [line]
    lines: list[str] = []
    current, used = "", 0
    for token in _TOKEN.findall(line):
        w = width(token)
        if used + w <= columns:
            current, used = current + token, used + w
            continue
        if token.isspace():  # a break point: the space is dropped
            lines.append(current.rstrip())
            current, used = indent, width(indent)
            continue
        if token[0] in _NO_LINE_START and current.strip():  # carry the last character along
            lines.append(current[:-1].rstrip())
            current = indent + current[-1]
            used = width(current)
        elif current.strip():
            lines.append(current.rstrip())
            current, used = indent, width(indent)
        while used + w > columns:  # a word longer than a line: cut it
            room = columns - used
            head, taken = "", 0
            for ch in token:
                if taken + char_width(ch) > room:
                    break
                head, taken = head + ch, taken + char_width(ch)
            if not head:  # a two-column character in a one-column gap
                lines.append(current.rstrip())
                current, used = indent, width(indent)
                continue
            lines.append(current + head)
            token = token[len(head) :]
            current, used, w = indent, width(indent), width(token)
        current, used = current + token, used + w
    if current.strip():
        lines.append(current.rstrip())
    return lines
