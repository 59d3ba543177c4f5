"""Numbered headings of the document family: 一、 （一） (一) ㈠ 一） 1. 1、 (1) （1） 1） ① 第一条.

Which level is a section, an item or a sub-item is not fixed by the style: the parser nests
styles in the order a document first uses them and picks the item level from the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.text.normalize import cn_to_int

CN = "零〇一二两三四五六七八九十百千"
_STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("part", re.compile(rf"^第\s*([{CN}]{{1,6}})\s*部分\s*[、.．:：]?\s*(.*)$")),
    ("art", re.compile(rf"^第\s*([{CN}]{{1,6}}|[0-9]{{1,3}})\s*条\s*[、.．:：]?\s*(.*)$")),
    ("cn", re.compile(rf"^([{CN}]{{1,6}})\s*[、，,．.]\s*(.*)$")),
    ("pcn", re.compile(rf"^[（(]\s*([{CN}]{{1,6}})\s*[）)]\s*[、.．，,]?\s*(.*)$")),
    ("enc", re.compile(r"^([㈠-㈩])\s*[、.．]?\s*(.*)$")),
    ("cnp", re.compile(rf"^([{CN}]{{1,6}})\s*[）)]\s*(.*)$")),
    ("ar", re.compile(r"^([0-9０-９]{1,4})\s*(?:[、．，]|\.(?![0-9０-９]))\s*(.*)$")),
    ("par", re.compile(r"^[（(]\s*([0-9０-９]{1,3})\s*[）)]\s*[、.．]?\s*(.*)$")),
    ("arp", re.compile(r"^([0-9０-９]{1,3})\s*[）)]\s*(.*)$")),
    ("circ", re.compile(r"^([①-⑳])\s*[、.．]?\s*(.*)$")),
)
# conventional nesting, used only to order styles a document never nests
CONVENTIONAL_DEPTH = {
    "part": 0,
    "art": 1,
    "cn": 1,
    "pcn": 2,
    "enc": 2,
    "cnp": 3,
    "ar": 4,
    "par": 5,
    "arp": 6,
    "circ": 7,
}
# a heading written mid-line after a sentence end, e.g. "…〕三、加强…" (lost line break)
INLINE_HEADING = re.compile(
    rf"(?<=[。；;〕】\]）)])\s*(?=(?:[{CN}]{{1,3}}、|[（(][{CN}]{{1,3}}[）)])[^\s，,。])"
)


@dataclass(frozen=True)
class Heading:
    index: int  # index into the parser's lines
    style: str
    number: int
    label: str  # as written: 十四、 / （十四） / 14.
    rest: str  # the text after the label on the same line


def match_heading(line: str, index: int) -> Heading | None:
    for style, pattern in _STYLES:
        m = pattern.match(line)
        if not m:
            continue
        numeral = m.group(1)
        if style == "circ":
            number = ord(numeral) - 0x2460 + 1
        elif style == "enc":
            number = ord(numeral) - 0x3220 + 1
        else:
            number = cn_to_int(numeral)
        if number is None or number <= 0:
            return None
        rest = m.group(2)
        if style == "cn" and re.match(r"^[0-9０-９]", rest):
            return None
        if not rest.strip() and style in ("ar", "par", "arp", "cnp", "circ"):
            return None
        label = line[: len(line) - len(rest)].strip() if rest else line.strip()
        return Heading(index, style, number, label, rest)
    return None


def label_like(style: str, number: int) -> str:
    """A number written in a style, for messages: 十三、 / （十三） / 13. / （13）."""
    from knowledge.text.normalize import int_to_cn

    if style == "cn":
        return f"{int_to_cn(number)}、"
    if style == "pcn":
        return f"（{int_to_cn(number)}）"
    if style == "par":
        return f"（{number}）"
    if style == "art":
        return f"第{int_to_cn(number)}条"
    return f"{number}."
