"""Traditional → simplified Chinese with OpenCC's ``t2s`` (the official ``opencc`` package).

OpenCC (Apache-2.0, code and dictionaries) converts by longest match over its phrase and
character dictionaries, in C++. It replaced a GPL-licensed conversion table, so that every
run-time dependency's licence is permissive (``docs/licenses.md``).

The converter is made on first use only: a text in ASCII never imports the library. OpenCC's
``t2s`` leaves simplified text as it is (it converts script, not regional wording: 資訊 becomes
资讯, not 信息). :func:`traditional_chars` lists the characters that OpenCC changes on their own
(asked of OpenCC once per process over the CJK blocks, ~10 ms); a few characters change only
inside a phrase (深沈 → 深沉), so it is a quick check before converting long text, not the
definition.
"""

from __future__ import annotations

from functools import cache
from typing import Protocol

CONFIG = "t2s"  # OpenCC's standard traditional → simplified (characters and phrases)
# the CJK blocks of the Basic Multilingual Plane (unified ideographs, extension A, compatibility
# ideographs): a document's characters come from these (NFKC folds the supplement's
# compatibility ideographs into them)
CJK_BLOCKS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))


class Converter(Protocol):
    def convert(self, text: str) -> str: ...


@cache
def converter() -> Converter:
    """OpenCC's ``t2s`` converter, made once per process."""
    import opencc  # imported on first use: ~15 ms and a native library

    return opencc.OpenCC(CONFIG)


def to_simplified(text: str) -> str:
    """``text`` in simplified characters (OpenCC ``t2s``)."""
    if text.isascii():
        return text
    return converter().convert(text)


@cache
def traditional_chars() -> frozenset[str]:
    """Characters that OpenCC changes on their own (a text without any may still hold one of the
    few phrases whose characters change only together, such as 深沈)."""
    chars = [chr(c) for start, end in CJK_BLOCKS for c in range(start, end)]
    # one character a line: phrases never span a line break, so each is converted alone
    converted = converter().convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # not expected: fall back to one call per character
        converted = [converter().convert(c) for c in chars]
    return frozenset(c for c, s in zip(chars, converted, strict=True) if c != s)
