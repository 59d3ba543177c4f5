"""Unit mentions in questions: exact spellings, one-character typos found through the
half-spelling index (checked against probing every window), and what is not a typo."""

from __future__ import annotations

import random
import re

import pytest

from knowledge.qa import QAEngine
from knowledge.qa.question.mentions import UNIT_SUFFIXES, MentionFinder
from knowledge.text.normalize import norm


@pytest.fixture(scope="module")
def finder() -> MentionFinder:
    return QAEngine.default().mentions


def probe_every_window(finder: MentionFinder, text: str) -> list[tuple[str, str, int]]:
    """The reference: every window of every length against every one-substitution key."""
    keys: dict[str, str | None] = {}
    for s in finder.spellings:
        if len(s) >= 3 and re.fullmatch(r"[\u4e00-\u9fff]+", s):
            for j in range(len(s)):
                key = s[:j] + "?" + s[j + 1 :]
                keys[key] = None if key in keys and keys[key] != s else s
    taken = [False] * len(text)
    out = []
    for length in sorted({len(s) for s in finder.spellings}, reverse=True):
        for start in range(len(text) - length + 1):
            end = start + length
            window = text[start:end]
            if any(taken[start:end]) or window in finder.spellings:
                continue
            if finder.directory.outside_category(window) is not None:
                continue
            for j in range(length):
                if j == length - 1 and window[j] in UNIT_SUFFIXES:
                    continue
                s = keys.get(window[:j] + "?" + window[j + 1 :])
                if s is not None:
                    if finder.in_corpus(window):
                        break
                    out.append((finder.spellings[s][1], window, start))
                    taken[start:end] = [True] * length
                    break
    return sorted(out, key=lambda m: m[2])


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("区司发局有哪些任务", "区司法局"),
        ("市场监菅局要做什么", "区市场监管局"),
        ("请问区财证局负责什么", "区财政局"),
    ],
)
def test_one_character_typo_names_the_unit(finder: MentionFinder, question: str, unit: str) -> None:
    found = [m for m in finder.find(norm(question)) if m.kind == "unit"]
    assert [(m.name, m.fuzzy) for m in found] == [(unit, True)]


@pytest.mark.parametrize("question", ["司法所有哪些任务", "区审计局有哪些任务", "司法厅要做什么"])
def test_another_kind_of_unit_is_not_a_typo(finder: MentionFinder, question: str) -> None:
    assert not [m for m in finder.find(norm(question)) if m.fuzzy]


def test_typos_match_probing_every_window(finder: MentionFinder) -> None:
    rng = random.Random(7)
    names = sorted(s for s in finder.spellings if len(s) >= 3)
    filler = "请问我们要做什么工作有哪些任务谁负责今年"
    checked = 0
    for _ in range(600):
        name = rng.choice(names)
        i = rng.randrange(len(name))
        typo = name[:i] + rng.choice("居法发政正府治志合和的") + name[i + 1 :]
        a, b = sorted(rng.sample(range(len(filler)), 2))
        text = norm(filler[:a] + typo + filler[a:b])
        fast = sorted(
            ((m.name, m.spelling, m.start) for m in finder._fuzzy(text, [False] * len(text))),
            key=lambda m: m[2],
        )
        assert fast == probe_every_window(finder, text), text
        checked += bool(fast)
    assert checked > 300  # most generated typos are found
