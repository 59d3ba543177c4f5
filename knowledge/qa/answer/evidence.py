"""The evidence answer: when the typed query cannot resolve a question, quote the document's
sentences that match it best, under their item numbers, instead of refusing. The refusal is
left for questions that share no content with the document (small talk, other subjects):
a sentence must share enough of the question's characters (knowledge.qa.index.evidence), and
a content bigram of the question must stand in the document."""

from __future__ import annotations

from knowledge.qa.index.evidence import best_sentences, shares_content
from knowledge.qa.index.plan_index import PlanIndex
from knowledge.qa.result.answer import Quote
from knowledge.qa.text import render as R

MAX_EVIDENCE = 3


def evidence(
    p: PlanIndex, topic: str, terms: list[str], label: str
) -> tuple[list[int], str, tuple[Quote, ...]] | None:
    """(items, text, quotes) of the best sentences for the question's topic, or None."""
    if not topic or not shares_content(p.index, terms):
        return None
    found = best_sentences(p.index, p.sentences, topic, k=MAX_EVIDENCE)
    if not found:
        return None
    best = found[0].score
    found = [f for f in found if f.score >= 0.5 * best]
    lines = [f"工作要点中与“{label}”最接近的原文："]
    quotes = []
    nums: list[int] = []
    for f in found:
        it = p.items[f.pos]
        nums.append(it.number)
        quotes.append(Quote(it.number, f.sentence + "。"))
        lines.append(
            f"{R.item_heading(it)}\n   原文：“{f.sentence}。”\n   {R.units_line(p.units_lines[f.pos])}"
        )
    lines.append("（按原文相近程度列出，请核对是否即所问内容。）")
    return nums, "\n".join(lines), tuple(quotes)
