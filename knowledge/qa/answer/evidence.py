"""The evidence answer: when the typed query cannot resolve a question, quote the document's
sentences that match it best, under their item numbers, instead of refusing. The refusal is
left for questions that share no content with the document (small talk, other subjects):
a sentence must hold at least half of the question's idf-weighted terms, and a content bigram
of the question must stand in the document."""

from __future__ import annotations

from typing import TYPE_CHECKING

from knowledge.qa.index.evidence import shares_content
from knowledge.qa.result.answer import Answer, Intent, Quote
from knowledge.qa.text import render as R

if TYPE_CHECKING:
    from knowledge.qa.answer.answerer import Answerer

MAX_EVIDENCE = 3


def evidence_answer(a: Answerer) -> Answer | None:
    """The best sentences for the question's topic words, or None when nothing matches."""
    topic = a.q.topic
    if not topic or not shares_content(a.p.index, a.q.terms):
        return None
    found = a.p.sentence_index.best(topic, k=MAX_EVIDENCE)
    if not found:
        return None
    best = found[0].score
    found = [f for f in found if f.score >= 0.5 * best]
    label = a._topic_label()
    lines = [f"工作要点中与“{label}”最接近的原文："]
    quotes = []
    nums: list[int] = []
    for f in found:
        it = a.p.items[f.pos]
        nums.append(it.number)
        quotes.append(Quote(it.number, f.sentence + "。"))
        lines.append(
            f"{R.item_heading(it)}\n   原文：“{f.sentence}。”\n   {R.units_line(a.p.units_lines[f.pos])}"
        )
    lines.append("（按原文相近程度列出，请核对是否即所问内容。）")
    return a.build_answer(Intent.TOPIC, nums, "\n".join(lines), quotes=tuple(quotes))
