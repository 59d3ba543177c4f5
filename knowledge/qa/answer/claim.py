"""A statement checked against the document: "年度报告也得公开吗", "每个村都要有法律顾问吗",
"公共安全方面的轻微违法也能容错吗". The sentence that matches the question best is the rule;
the answer is no when the question's words fall inside a limit of that sentence (除…,
仅限…, 不涉及…的) or the question negates what the sentence says, yes when the sentence
holds most of the question's words, and no verdict (the sentence quoted) otherwise."""

from __future__ import annotations

import re
from dataclasses import replace

from knowledge.qa.answer.answerer import Answerer
from knowledge.qa.index.evidence import covered_chars
from knowledge.qa.query.form import Query
from knowledge.qa.result.answer import Answer, Intent, Quote
from knowledge.qa.text import render as R
from knowledge.text.normalize import norm

# a limit inside a sentence: from the marker to the end of its phrase (的 / punctuation)
_LIMIT = re.compile(
    r"(?:除了?|仅限于?|只限于?|不涉及|不包括|不含|以外|之外|不得|禁止)[^，。；,;]*?(?:的|[，。；,;]|$)"
)
_NEGATION = re.compile(r"不|没有|没|无需|无须|不用|不必|免")
# modal and function characters: a statement's content is in its other words
_FUNCTION = re.compile(r"[都要得也能会应该需必须可以吗呢了的是还就每个些]")
_CJK2 = re.compile(r"[\u4e00-\u9fff]{2}")


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1) if _CJK2.fullmatch(text[i : i + 2])}


def claim(a: Answerer, query: Query) -> Answer:
    nums = list(a.in_range) or a.topic_items()[:1]
    if not nums:
        return a.out_of_scope()
    n = nums[0]
    pos = a.p.position[n]
    sentence = a.p.best_sentence(pos, a.q.terms)
    s = norm(sentence)
    core = _FUNCTION.sub("", a.q.topic)
    asked = _bigrams(core)
    limits = [m.group(0) for m in _LIMIT.finditer(s)]
    outside = _bigrams(_LIMIT.sub("，", s))
    # the question's words that the sentence has only inside a limit
    inside = {g for lim in limits for g in _bigrams(lim)} & asked - outside
    # a negation of the question that the sentence does not itself say (不少于, 不涉及 are its own)
    negated = any(
        norm(a.q.text)[max(0, m.start() - 1) : m.end() + 2] not in s
        for m in _NEGATION.finditer(a.q.text)
    )
    chars = len(re.findall(r"[\u4e00-\u9fff]", core))
    held = covered_chars(core, s) / chars if chars else 0.0
    if inside:
        verdict = "no"
        why = f"文件有限定：“{limits[0]}”。"
    elif held >= 0.5:
        verdict = "no" if negated else "yes"
        why = "文件原文如下。"
    else:
        verdict = None
        why = "文件没有直接这样写，原文如下，请据此判断。"
    head = {"yes": "是。", "no": "不是。", None: ""}[verdict] + why
    it = a.p.items[pos]
    text = (
        f"{head}\n{R.item_heading(it)}\n原文：“{sentence}。”\n{R.units_line(a.p.units_lines[pos])}"
    )
    ans = a.build_answer(Intent.TOPIC, [n], text, quotes=(Quote(n, sentence + "。"),))
    return replace(ans, verdict=verdict)
