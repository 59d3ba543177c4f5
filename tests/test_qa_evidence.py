"""Evidence first: a phrase standing literally in one item finds that item (300 phrases sampled
from the bundled document), the best sentences answer what the typed query cannot, and the
refusal is kept for questions that share nothing with the document; the asker's own unit; one
answer object (the text's verdict and items are the JSON's); the plan's year."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import date

import pytest

from knowledge.qa import QAEngine
from knowledge.qa.answer.agree import lead_verdict
from knowledge.reading.loader import default_plan, directory_for
from knowledge.text.normalize import norm

TODAY = date(2021, 8, 1)


@pytest.fixture(scope="module")
def engine() -> QAEngine:
    plan = default_plan()
    return QAEngine([plan], directory_for([plan]))


def _unique_phrases(engine: QAEngine, n: int, seed: int) -> list[tuple[str, int]]:
    """``n`` phrases of 4–8 Chinese characters that occur in exactly one item's text."""
    p = engine.plans[engine.default_plan_id]
    texts = [norm(it.title + "。" + "。".join(it.tasks)) for it in p.items]
    seen: dict[str, set[int]] = {}
    for i, t in enumerate(texts):
        for length in range(4, 9):
            for s in range(len(t) - length + 1):
                w = t[s : s + length]
                if re.fullmatch(r"[\u4e00-\u9fff]+", w):
                    seen.setdefault(w, set()).add(i)
    unique = sorted(w for w, where in seen.items() if len(where) == 1)
    sample = random.Random(seed).sample(unique, n)
    return [(w, p.items[next(iter(seen[w]))].number) for w in sample]


def test_literal_phrases_cite_their_item_first(engine: QAEngine) -> None:
    wrong = []
    for phrase, number in _unique_phrases(engine, 300, seed=19):
        for q in (f"{phrase}是哪一条", f"{phrase}谁负责"):
            a = engine.answer(q, today=TODAY)
            if not a.items or a.items[0] != number:
                wrong.append((q, number, a.items[:3]))
    assert not wrong, wrong


@pytest.mark.parametrize(
    ("question", "item"),
    [
        ("法律顾问的费用有规定吗", 17),  # no word list knows it; the sentences do
        ("村里法律顾问的费用", 17),
    ],
)
def test_the_best_sentences_answer_instead_of_a_refusal(
    engine: QAEngine, question: str, item: int
) -> None:
    a = engine.answer(question, today=TODAY)
    assert a.intent.value != "out_of_scope" and item in a.items, a.text
    assert "原文" in a.text


@pytest.mark.parametrize(
    "question",
    ["明天天气怎么样", "食堂几点开饭", "怎么申请年假", "股票怎么买", "帮我写首诗", "推荐个餐馆"],
)
def test_questions_sharing_nothing_are_refused(engine: QAEngine, question: str) -> None:
    a = engine.answer(question, today=TODAY)
    assert a.intent.value == "out_of_scope" and not a.items, a.text


@pytest.mark.parametrize(
    ("unit", "question", "expect"),
    [
        ("区司法局", "本局有哪些任务", "区司法局"),
        ("区卫健局", "咱单位要做什么", "区卫健局"),
        ("区城管执法局", "区城管执法局要做什么", "区城管执法局"),  # its own spelling
    ],
)
def test_the_asking_chats_own_unit(engine: QAEngine, unit: str, question: str, expect: str) -> None:
    a = engine.answer(question, unit=engine.resolve_unit(unit), today=TODAY)
    assert a.unit == expect and a.items, a.text
    assert "们园区" not in a.text


def test_our_park_is_a_park_not_a_district(engine: QAEngine) -> None:
    a = engine.answer("我们园区要做什么", today=TODAY)
    assert a.intent.value == "unit_duties" and a.items, a.text
    assert "没有们园区" not in a.text


@pytest.mark.parametrize(
    "question",
    [
        "第七条区审计局要做吗",
        "第十一条区财政局要做吗",
        "第三条跟区法院有关吗",
        "一年学法两次够不够",
        "第七条的责任单位列全了吗",
        "年度报告要公开吗",
        "涉及国家秘密的年度报告也要公开吗",
        "第二十条谁负责",
        "区法院有哪些任务",
    ],
)
def test_text_and_json_say_the_same(engine: QAEngine, question: str) -> None:
    a = engine.answer(question, today=TODAY)
    said = lead_verdict(a.text)
    assert said == a.verdict or (said is None and a.verdict is None), (a.verdict, a.text)
    listed = set(re.findall(r"^第([一二三四五六七八九十]+)条", a.text, re.M))
    assert a.items or not listed, a.text


def test_claims_are_checked_against_the_rule(engine: QAEngine) -> None:
    ask = lambda q: engine.answer(q, today=TODAY)  # noqa: E731
    assert ask("行政复议决定书要在网上公开吗").verdict == "yes"
    assert ask("涉及国家秘密的年度报告也得向社会公开吗").verdict == "no"  # 除涉及党和国家秘密的
    assert ask("涉及生命安全的首次轻微违法也能容错吗").verdict == "no"  # 不涉及…的
    assert ask("年度报告可以不公开吗").verdict == "no"


def test_answers_name_the_plan_year_when_not_obvious() -> None:
    base = default_plan()
    later = replace(base, plan_id="xiangzhou-2026", meta=replace(base.meta, plan_year=2026))
    two = QAEngine([base, later], directory_for([base, later]))
    today = date(2026, 12, 7)
    now = two.answer("第一条谁负责", today=today)
    assert now.plan_id == "xiangzhou-2026" and now.year == 2026
    assert "按2026年度工作要点" in now.text
    last = two.answer("去年第一条谁负责", today=today)
    assert last.plan_id == "xiangzhou-2021" and "2021年度" in last.text
    one = QAEngine([base], directory_for([base]))
    assert "年度工作要点" not in one.answer("第一条谁负责", today=TODAY).text
    assert "按2021年度工作要点" in one.answer("第一条谁负责", today=today).text
