"""What a question's words name besides items and units: small talk, a period (本季度,
去年), an obligation kind (学法, 专题会议), a date (3月1日), an amount (一年两次), read with
the word lists of :mod:`.words`."""

from __future__ import annotations

import re

from knowledge.qa.question.words import QuestionWords
from knowledge.text.normalize import norm

PUNCT = re.compile(r"[\s，。！？!?,.~～…、:：;；“”\"'()（）]+")
TRAILING = re.compile(r"[啊呀呢吧嘛哦了的么哈嗯]+$")
AMOUNT = re.compile(
    r"(每年|一年|年度|全年|每个季度|每季度|一个季度|一季度|季度|每个月|每月|一个月|每半年|半年)"
    r"[^，。？?]{0,24}?(\d{1,2}|[一两二三四五六七八九十]{1,3})(?:次|期|回|场|遍)"
)
AMOUNT_CADENCE = {
    "每年": "annual",
    "一年": "annual",
    "年度": "annual",
    "全年": "annual",
    "每个季度": "quarterly",
    "每季度": "quarterly",
    "一个季度": "quarterly",
    "一季度": "quarterly",
    "季度": "quarterly",
    "每个月": "monthly",
    "每月": "monthly",
    "一个月": "monthly",
    "每半年": "half_yearly",
    "半年": "half_yearly",
}
CADENCE_WORD = re.compile(AMOUNT.pattern.split("[^")[0])
ASKED_CADENCE = re.compile(
    CADENCE_WORD.pattern + r"[做搞办开学弄作进行举办一次]{0,4}[吗嘛么啊呀呢吧]*$"
)
"""学法要不要每季度搞: a cadence asked without a count, at the end of the question."""


def find_amount(text: str) -> re.Match[str] | None:
    """The amount in ``text`` with the cadence word nearest its count: in "上一年度…是不是每月
    一次" the cadence is 每月, not the 年度 of the report's name."""
    m = AMOUNT.search(text)
    while m is not None:
        closer = AMOUNT.search(text, m.start() + 1)
        if closer is None or closer.span(2) != m.span(2):
            break
        m = closer
    return m


DATE_RE = re.compile(
    r"(\d{1,2}|[一二三四五六七八九十]{1,3})月(\d{1,2}|[一二三四五六七八九十]{1,3})(?:日|号)"
)


def bare(text: str) -> str:
    """The text without punctuation and trailing particles (谢谢啦！ → 谢谢)."""
    return TRAILING.sub("", PUNCT.sub("", text))


def smalltalk_kind(text: str, words: QuestionWords) -> str:
    """greeting / thanks / identity / bye when the whole question is small talk."""
    core = bare(norm(text))
    core = re.sub(r"^(请问|那个|嗯|哦)", "", core) or core
    for kind, phrases in words.smalltalk.items():
        if core in phrases or norm(text) in phrases:
            return kind
    # 你好，你是谁 / 谢谢，再见: every part small talk
    parts = [p for p in re.split(r"[，。！？!?,.~\s]+", norm(text)) if p]
    if len(parts) > 1:
        kinds = [smalltalk_kind(p, words) for p in parts]
        if all(kinds):
            return next((k for k in ("identity", "thanks", "bye") if k in kinds), kinds[0])
    return ""


def period_kind(text: str, words: QuestionWords) -> str:
    for kind, pattern in words.periods:
        if pattern.search(text):
            return kind
    return ""


def obligation_kind(text: str, words: QuestionWords) -> str:
    for kind, pattern in words.obligation_kinds:
        if pattern.search(text):
            return kind
    return ""
