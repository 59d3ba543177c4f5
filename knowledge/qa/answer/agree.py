"""One answer object: what the text says is what the JSON fields say. The text is written
from the answer's fields, and this last step checks the two fields the text states on its own
(a yes/no lead, the items it lists) against the object, so ``fazhi ask --batch`` (``items``,
``verdict``) and the text a chat sees cannot disagree."""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import replace

from knowledge.qa.result.answer import Answer, Intent
from knowledge.text.normalize import cn_to_int

# the lead words of a yes/no answer → the verdict they state (the text's first sentence)
LEADS: tuple[tuple[str, str], ...] = (
    ("不确定", "unsure"),
    ("部分是", "partial"),
    ("不全是", "no"),
    ("不是", "no"),
    ("不够", "no"),
    ("不可以", "no"),
    ("不行", "no"),
    ("不需要", "no"),
    ("不用", "no"),
    ("还没有登记", "no"),
    ("是", "yes"),
    ("够", "yes"),
    ("可以", "yes"),
    ("需要", "yes"),
    ("已登记", "yes"),
)
HEADS = {"yes": "是。", "no": "不是。", "unsure": "不确定。", "partial": "部分是。"}
_HEADING = re.compile(r"^(?:\d+\. )?第([一二三四五六七八九十百]+)条　", re.M)
_LISTING = frozenset({Intent.TOPIC, Intent.WHO, Intent.ITEMS, Intent.UNIT_DUTIES, Intent.ITEM})


def lead_verdict(text: str) -> str | None:
    """The verdict the text's first sentence states, or None."""
    first = re.split(r"[。；，\n]", text.strip(), maxsplit=1)[0]
    for word, verdict in LEADS:
        if first == word:
            return verdict
    return None


def agree(answer: Answer, numbers: Container[int]) -> Answer:
    """``answer`` with its verdict and items stated by its own text. ``numbers`` are the
    plan's item numbers (headings naming others are not items)."""
    said = lead_verdict(answer.text)
    if answer.verdict is None and said is not None:
        answer = replace(answer, verdict=said)
    elif answer.verdict is not None and said is None and answer.verdict in HEADS:
        answer = replace(answer, text=HEADS[answer.verdict] + answer.text)
    if not answer.items and answer.intent in _LISTING:
        found = (cn_to_int(m.group(1)) for m in _HEADING.finditer(answer.text))
        listed = [n for n in found if n is not None and n in numbers]
        if listed:
            answer = replace(answer, items=tuple(dict.fromkeys(listed)))
    return answer
