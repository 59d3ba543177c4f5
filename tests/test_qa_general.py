"""The general causes fixed for issue 19, one question each on the bundled 2021 plan: a plan-year
frame, the asker's unit beside another unit, membership of a group, a role noun asking who,
English yes/no questions, 两条 counting items, 那17条呢 naming one, a phrase made of cue words,
the document's total and a sufficiency rule read from the obligation the question names."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge.qa import QAEngine
from knowledge.qa.query.conversation import Turn

DAY = date(2021, 8, 1)


@pytest.fixture(scope="module")
def engine() -> QAEngine:
    return QAEngine.default()


def ask(engine: QAEngine, q: str, unit: str | None = None, turn: Turn | None = None):  # noqa: ANN201
    return engine.converse(q, unit=unit, today=DAY, turn=turn)


def test_a_year_frame_is_not_part_of_the_question(engine: QAEngine) -> None:
    plain, _ = ask(engine, "区政府办要做哪些工作")
    framed, _ = ask(engine, "按2021年工作要点，区政府办要做哪些工作")
    assert framed.items == plain.items and len(plain.items) > 5


def test_the_askers_unit_beside_another_is_one_of_the_units(engine: QAEngine) -> None:
    a, _ = ask(engine, "我单位负责但区信访局不负责的是哪几条", unit="区检察院")
    assert set(a.items) == {13, 14}


@pytest.mark.parametrize(
    ("q", "verdict"),
    [("区发改局算不算区直各单位", "yes"), ("各镇(街、区)包括区委编办吗", "no")],
)
def test_membership_of_a_group(engine: QAEngine, q: str, verdict: str) -> None:
    assert ask(engine, q)[0].verdict == verdict


def test_english_yes_no_and_either(engine: QAEngine) -> None:
    assert ask(engine, "Is 区委依法治区办 responsible for item 5?")[0].verdict == "yes"
    either, _ = ask(engine, "Which items name 区资规局 or 区行政审批局?")
    assert {7, 8} <= set(either.items)


def test_two_items_are_a_count_and_17_names_an_item(engine: QAEngine) -> None:
    first, turn = ask(engine, "第十三条谁负责")
    second, turn = ask(engine, "那17条呢", turn=turn)
    assert second.items[0] == 17 and second.units
    both, _ = ask(engine, "区司法局两条都要做吗", turn=turn)
    assert 2 not in both.items


def test_a_phrase_of_cue_words_and_the_documents_total(engine: QAEngine) -> None:
    assert ask(engine, "总共列了多少条")[0].text.count("20条") >= 1
    assert ask(engine, "工作要点一共几条")[0].items[:1] != (1,)


def test_sufficiency_reads_the_obligation_named(engine: QAEngine) -> None:
    a, _ = ask(engine, "每年举办领导干部法治专题培训班1次行不行")
    assert a.verdict == "yes" and a.items[0] == 2
