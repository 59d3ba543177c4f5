"""Phrases of 4–8 characters that stand in exactly one item of a plan, sampled reproducibly.

A phrase is a run of whole words (jieba's cut of the item's title and task sentences), Chinese
characters only, that occurs in the text of one item and of no other, and holds no unit's
name or alias. "X是哪一条" and "X谁负责" about such a phrase have one right first item: the
one it stands in.
"""

from __future__ import annotations

import random
import re

import jieba
import jieba.posseg

from knowledge.plan.model import WorkPlan
from knowledge.reading.loader import directory_for
from knowledge.text.normalize import norm

jieba.setLogLevel(60)

_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
_SPACE = re.compile(r"\s+")
_AVOID = ("第", "谁", "哪", "什么", "条")
_LOOSE_ENDS = "等的和及与并或"  # a phrase does not start or end with a function word
MIN_LEN, MAX_LEN = 4, 8
MAX_WORDS = 4
# a phrase ends on a noun-like word of two characters or more, not cut out of a longer
# noun compound
_NOUNISH = ("n", "vn", "l", "i", "j", "an")


def _flat(text: str) -> str:
    return _SPACE.sub("", norm(text))


def candidates(plan: WorkPlan) -> list[tuple[str, int]]:
    """Every phrase of the plan that occurs in exactly one item, with that item; sorted."""
    texts = {it.number: _flat(it.text) for it in plan.items}
    units = {u.name for it in plan.items for u in it.units} | {
        u.raw for it in plan.items for u in it.units
    }
    # nor a unit's other spellings (检察机关 is 区检察院): "检察机关是哪一条" asks about a unit
    directory = directory_for([plan])
    for known in (*directory.units.values(), *directory.groups.values()):
        units.update(a for a in known.aliases if len(a) >= 2)
    found: dict[str, int] = {}
    for it in plan.items:
        for sentence in (it.title, *it.tasks):
            pairs = [(p.word, p.flag) for p in jieba.posseg.lcut(_flat(sentence))]
            words = [w for w, _ in pairs]
            nounish = [flag.startswith(_NOUNISH) for _, flag in pairs] + [False]
            for i in range(len(words)):
                phrase = ""
                for j in range(i, min(i + MAX_WORDS, len(words))):
                    phrase += words[j]
                    if len(phrase) > MAX_LEN or not _HAN.match(phrase):
                        break
                    if not nounish[j] or nounish[j + 1] or len(words[j]) < 2:
                        continue
                    if len(phrase) < MIN_LEN or phrase in found:
                        continue
                    if any(a in phrase for a in _AVOID) or any(u in phrase for u in units):
                        continue
                    if phrase[0] in _LOOSE_ENDS or phrase[-1] in _LOOSE_ENDS:
                        continue
                    hits = [n for n, t in texts.items() if phrase in t]
                    if hits == [it.number]:
                        found[phrase] = it.number
    return sorted(found.items())


def sample(plan: WorkPlan, k: int, seed: int = 19) -> list[tuple[str, int]]:
    """``k`` phrases (or all there are), drawn with a fixed seed, spread over the items."""
    pool = candidates(plan)
    rng = random.Random(f"{plan.plan_id}:{seed}")
    rng.shuffle(pool)
    by_item: dict[int, list[tuple[str, int]]] = {}
    for pair in pool:
        by_item.setdefault(pair[1], []).append(pair)
    out: list[tuple[str, int]] = []
    while len(out) < k and any(by_item.values()):
        for n in sorted(by_item):
            if by_item[n] and len(out) < k:
                out.append(by_item[n].pop())
    return out
