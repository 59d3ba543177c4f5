"""Conversations keep their referents (items, units of earlier turns) and start afresh on an
unrelated question; structure questions and set operators over the plan's unit lists."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge.qa import QAEngine
from knowledge.reading.loader import default_plan, directory_for

TODAY = date(2021, 8, 1)


@pytest.fixture(scope="module")
def engine() -> QAEngine:
    plan = default_plan()
    return QAEngine([plan], directory_for([plan]))


def talk(engine: QAEngine, *questions: str, unit: str | None = None) -> list:
    turn, out = None, []
    for q in questions:
        a, turn = engine.converse(q, unit=unit, today=TODAY, turn=turn)
        out.append(a)
    return out


def test_small_talk_and_other_subjects_start_afresh(engine: QAEngine) -> None:
    duties, lunch, back = talk(engine, "区信访局负责什么", "周末去哪儿玩比较好", "那区卫健局呢")
    assert lunch.intent.value == "out_of_scope" and not lunch.items, lunch.text
    # the break leaves the conversation where it was: the next follow-up goes on from before
    assert back.unit == "区卫健局" and back.intent.value == "unit_duties"
    item, parking = talk(engine, "第十五条讲什么", "停车场在哪里")
    assert not parking.items, parking.text


def test_switching_the_unit_after_a_whole_list_asks_the_new_units_list(engine: QAEngine) -> None:
    first, second = talk(engine, "区发改局有哪些任务", "换成区金融办呢")
    assert second.unit == "区金融办" and set(second.items) == {
        d.item
        for d in engine.plans[engine.default_plan_id].duties(engine.target_for("unit", "区金融办"))
        if d.kind in ("named", "group")
    }


def test_pointing_back_at_two_items_and_two_units(engine: QAEngine) -> None:
    answers = talk(engine, "第三条讲什么", "第九条呢", "这两条分别是谁负责", "这两条都有区财政局吗")
    assert set(answers[2].items) == {3, 9}
    assert set(answers[3].items) == {3, 9} and answers[3].verdict == "no"  # not in 3
    units = talk(engine, "区法院被点名的有哪几条", "区检察院呢", "两个都有的")
    assert set(units[2].items) == {13, 17}, units[2].text


def test_a_when_question_after_a_status_question_asks_the_document(engine: QAEngine) -> None:
    status, when = talk(engine, "我们还有哪些没完成", "年度报告什么时候报", unit="区财政局")
    assert status.intent.value == "status"
    assert when.intent.value == "cadence" and when.items == (1,)


@pytest.mark.parametrize(
    ("question", "items"),
    [
        ("哪一条列的责任单位最多", {13, 17}),
        ("责任单位最少的条目", {19}),
        ("哪些条目的责任单位以等结尾", {7, 20}),
        ("哪些条目的单位没有列全", {7, 10, 20}),
        ("哪几条只写了统称没有具体单位", {1, 2, 12}),
        ("点了区法院却没点区检察院的是哪几条", {15}),
        ("区委编办和区信访局分别在哪几条被点名", {14, 15, 17}),
    ],
)
def test_structure_and_set_operators(engine: QAEngine, question: str, items: set[int]) -> None:
    a = engine.answer(question, today=TODAY)
    assert set(a.items) == items, a.text


def test_count_and_completeness_of_one_items_list(engine: QAEngine) -> None:
    assert engine.answer("第十五条有几个责任单位", today=TODAY).text.startswith("第十五条列了3个")
    assert engine.answer("第七条的单位列全了没有", today=TODAY).verdict == "no"
    assert engine.answer("第十一条的单位列全了吗", today=TODAY).verdict == "yes"


def test_complement_of_the_chats_unit(engine: QAEngine) -> None:
    a = engine.answer("我们不用管哪几条", unit="区公安局", today=TODAY)
    assert set(a.items) == {3, 11, 14, 15, 16, 19}, a.text


def test_follow_ups_keep_the_turns_items_for_a_unit_or_role(engine: QAEngine) -> None:
    a = talk(engine, "第十五条谁负责", "区法院要参加吗", "区信访局呢")
    assert a[1].items == (15,) and a[1].verdict == "yes"
    assert a[2].items == (15,) and a[2].verdict == "no"
    b = talk(engine, "第十八条讲什么", "里面有区司法局吗")
    assert b[1].items == (18,) and b[1].verdict == "yes"
    c = talk(engine, "第十五条的牵头单位是谁", "配合单位呢")
    assert c[1].items == (15,) and c[1].query["role"] == "supporting"


@pytest.mark.parametrize(
    ("question", "items"),
    [
        ("第十一条的下一条讲什么", (12,)),
        ("第九条前面一条是什么", (8,)),
        ("哪些任务是每季度都要做的", (2,)),
        ("区委政法委出现在哪几条", (13, 17)),
    ],
)
def test_positions_cadences_and_where_a_unit_stands(
    engine: QAEngine, question: str, items: tuple[int, ...]
) -> None:
    assert engine.answer(question, today=TODAY).items == items


def test_questions_about_the_document_itself(engine: QAEngine) -> None:
    assert engine.answer("这份文件是哪个区的", today=TODAY).text.find("襄州区") >= 0
    assert engine.answer("这个文件是2021年的吗", today=TODAY).verdict == "yes"
    assert engine.answer("这是2023年的要点吗", today=TODAY).verdict == "no"


def test_english_list_questions(engine: QAEngine) -> None:
    named = engine.answer("Which items name the Justice Bureau?", today=TODAY)
    assert named.query.get("relation") == "named" and 3 in named.items and 1 not in named.items
    both = engine.answer("Which items list both the court and the procuratorate?", today=TODAY)
    assert set(both.items) == {13, 17}
    assert "共20条" in engine.answer("How many items are there?", today=TODAY).text


def test_which_of_these_items_has_a_unit(engine: QAEngine) -> None:
    a = talk(engine, "第十八条讲什么", "第十九条呢", "第二十条呢", "这三条里哪条有区金融办")
    assert a[3].items == (19,), a[3].text


def test_colloquial_sufficiency_and_english_yes_no(engine: QAEngine) -> None:
    meeting = engine.answer("我们半年开一次专题会可以吧", unit="区司法局", today=TODAY)
    assert meeting.verdict == "yes" and meeting.items == (4,)
    study = engine.answer("我们半年学一次法行不", unit="区司法局", today=TODAY)
    assert study.verdict == "no" and study.items == (2,)
    english = engine.answer("Are we responsible for item 11?", unit="区司法局", today=TODAY)
    assert english.verdict == "no" and english.items == (11,)
