"""Homophone slips of the pinyin input method (knowledge/qa/question/homophones.py): a slip is
repaired towards the document's and the questions' own words, a word typed right stays, and the
engine answers the repaired question."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge.qa import QAEngine
from knowledge.qa.question.homophones import _common_codes, is_common


@pytest.fixture(scope="module")
def engine() -> QAEngine:
    return QAEngine.default()


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("第七条的责任担位有哪些", "第七条的责任单位有哪些"),  # 单 → 担
        ("谁付责", "谁负责"),  # 负 → 付
        ("区直有关行政执发部门有哪些任务", "区直有关行政执法部门有哪些任务"),  # not 制发
        ("检查院要做什么", "检察院要做什么"),  # a word (检查), but 检察院 fits on both sides
        ("第四条由那些单位负责", "第四条由哪些单位负责"),
        ("那些工作每季度要做", "哪些工作每季度要做"),  # no other question word: 那些 asks
        ("工作要点是那年的", "工作要点是哪年的"),
    ],
)
def test_slips_are_repaired(engine: QAEngine, typed: str, meant: str) -> None:
    assert engine.homophones.repair(typed) == meant


@pytest.mark.parametrize(
    "right",
    [
        "审计局有哪些任务",  # 审计 is a word, though 应急局 is a unit
        "一年办一期法治培训班够吗",  # 一期, not 一起
        "今天食堂吃啥",
        "除了公安负责的，剩下哪几条",  # not 共安 (除了共性)
        "管理改革是哪一条",  # not 改各 (各是)
        "那第十二条呢",
        "那些条目里哪条有区财政局",  # 那些 points back when the question asks with 哪
        "那一共有几条",  # 一共
    ],
)
def test_words_typed_right_stay(engine: QAEngine, right: str) -> None:
    assert engine.homophones.repair(right) == right


def test_the_repaired_question_is_answered(engine: QAEngine) -> None:
    a = engine.answer("第十一条的责认单位有哪些", today=date(2021, 8, 1))
    assert a.items[0] == 11 and set(a.units) == {"区发改局", "区科经局", "区财政局"}


def test_common_words_are_sorted_for_the_search() -> None:
    codes = _common_codes()
    assert list(codes) == sorted(codes) and len(codes) > 20000
    assert is_common("审计") and is_common("一共") and not is_common("担位")
