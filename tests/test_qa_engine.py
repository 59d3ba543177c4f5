"""Behaviour of the question-answering engine on the real bundled plan."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from knowledge.plan.model import PlanMeta
from knowledge.qa import Intent, QAEngine, UnknownUnitError
from knowledge.qa.index.plan_index import Target
from knowledge.qa.result.due import next_due
from knowledge.reading.loader import default_plan, directory_for

TODAY = date(2021, 8, 1)


@pytest.fixture(scope="module")
def engine() -> QAEngine:
    plan = default_plan()
    return QAEngine([plan], directory_for([plan]))


def test_my_unit_without_registration_answers_the_item_and_says_how_to_register(
    engine: QAEngine,
) -> None:
    a = engine.answer("第十四条 我单位要做什么", today=TODAY)
    assert a.items == (14,)
    assert a.unit is None and a.needs_unit
    assert "/unit" in a.text and "持续深化行政执法体制改革" in a.text


def test_my_unit_uses_the_chat_unit_and_gives_due_dates(engine: QAEngine) -> None:
    a = engine.answer("第二条 我单位要做什么", unit="区财政局", today=TODAY)
    assert a.intent == Intent.UNIT_ITEM and a.unit == "区财政局" and a.unit_source == "chat"
    assert a.duties[0].kind == "group" and a.duties[0].via == "区直各单位"
    dues = {o.key: o.next_due for o in a.obligations}
    assert dues["i2-study"] == date(2021, 9, 30)
    # the training class binds 各地政府 (towns, sub-districts, parks), not a bureau
    assert "i2-training" not in dues and "i2-court_hearing" not in dues
    assert "区直各单位" in a.text
    court = engine.answer("第二条 我单位要做什么", unit="区法院", today=TODAY)
    assert court.duties[0].kind == "group"  # responsible for the item through 区直各单位…
    assert court.obligations == ()  # …but none of its three cadence sentences names a court


def test_not_responsible_is_said_plainly(engine: QAEngine) -> None:
    a = engine.answer("第十四条 我单位要做什么", unit="区财政局", today=TODAY)
    assert a.duties[0].kind == "none"
    assert "不在第十四条的责任单位之列" in a.text
    assert a.obligations == ()


def test_partial_group_is_possibly_not_responsible(engine: QAEngine) -> None:
    a = engine.answer("公安局有哪些任务", today=TODAY)
    assert 10 not in a.items and 10 in a.possible_items
    assert "可能涉及" in a.text


def test_out_of_range_reference_says_how_many_items(engine: QAEngine) -> None:
    a = engine.answer("第25条讲什么", today=TODAY)
    assert a.items == ()
    assert "共20条" in a.text and "第二十五条" in a.text


def test_range_out_of_plan_keeps_the_items_that_exist(engine: QAEngine) -> None:
    a = engine.answer("第19到21条", today=TODAY)
    assert a.items == (19, 20)
    assert "没有第二十一条" in a.text


def test_out_of_scope_invents_nothing(engine: QAEngine) -> None:
    a = engine.answer("公积金怎么提取", today=TODAY)
    assert a.intent == Intent.OUT_OF_SCOPE and a.items == ()
    assert "没有" in a.text and a.quotes == ()


def test_cadence_without_a_rule_in_the_document_says_so(engine: QAEngine) -> None:
    a = engine.answer("普法多久搞一次", today=TODAY)
    assert a.items[:1] == (18,)
    assert a.obligations == ()
    assert "没有" in a.text and "规定次数或期限" in a.text


@pytest.mark.parametrize(
    "question",
    [
        "营商环境",
        "行政复议改革谁负责",
        "第十四条讲什么",
        "每季度要学法几次",
        "第十四条 我单位要做什么",
        "司法局有哪些任务",
        "枫乔经验",
        "公共法律服务",
    ],
)
def test_quotes_are_verbatim_source_sentences(engine: QAEngine, question: str) -> None:
    plan = default_plan()
    a = engine.answer(question, unit="区司法局", today=TODAY)
    assert a.quotes
    for q in a.quotes:
        item = plan.item(q.item)
        sentences = [item.title, *item.tasks]
        statutory = [o.text for o in item.obligations]
        assert q.text.rstrip("。") in sentences or q.text in statutory, q


def test_fast_duties_agree_with_the_directory(engine: QAEngine) -> None:
    plan_index = engine.plans[engine.default_plan_id]
    directory = engine.directory
    for unit in directory.units.values():
        fast = {
            d.item: (d.kind, d.via)
            for d in plan_index.duties(Target("unit", unit.name, frozenset({unit.category})))
        }
        for item in default_plan().items:
            r = directory.responsibility(unit.name, item)
            expected = None if r.kind == "none" else (r.kind, r.via)
            assert fast.get(item.number) == expected, (unit.name, item.number)


@pytest.mark.parametrize(
    ("question", "item"),
    [
        ("第１４條講什麼", 14),
        ("ＩＴＥＭ　１４", 14),
        ("營商環境", 9),
        ("證照分離", 7),
        ("行政复义改革谁负责", 15),
    ],
)
def test_script_width_and_typos(engine: QAEngine, question: str, item: int) -> None:
    assert engine.answer(question, today=TODAY).items[:1] == (item,)


def test_unknown_chat_unit(engine: QAEngine) -> None:
    with pytest.raises(UnknownUnitError) as exc:
        engine.resolve_unit("火星局")
    assert "火星局" in str(exc.value)
    a = engine.answer("第十四条 我单位要做什么", unit="火星局", today=TODAY)
    assert a.unit is None and "未找到单位" in a.text


def test_answer_serialises_to_json(engine: QAEngine) -> None:
    a = engine.answer("第二条 我单位要做什么", unit="区司法局", today=TODAY)
    data = json.loads(json.dumps(a.to_dict(), ensure_ascii=False))
    assert data["intent"] == "unit_item" and data["items"] == [2] and data["unit"] == "区司法局"
    assert data["obligations"][0]["next_due"] == "2021-09-30"


def test_several_plans_choose_by_year() -> None:
    base = default_plan()
    other = replace(base, plan_id="xiangzhou-2022", meta=replace(base.meta, plan_year=2022))
    assert isinstance(other.meta, PlanMeta)
    eng = QAEngine([base, other], directory_for([base, other]))
    assert eng.answer("2022年第一条讲什么", today=TODAY).plan_id == "xiangzhou-2022"
    assert eng.answer("第一条讲什么", today=TODAY).plan_id == "xiangzhou-2021"


def test_next_due_rules() -> None:
    plan = default_plan()
    report = plan.obligation("i1-annual_report")
    hearing = plan.obligation("i2-court_hearing")
    assert next_due(report, date(2021, 8, 1), 2021)[0] == date(2022, 3, 1)
    assert next_due(report, date(2022, 2, 1), 2021)[0] == date(2022, 3, 1)
    assert next_due(hearing, date(2021, 8, 1), 2021)[0] == date(2021, 12, 31)
    assert next_due(hearing, date(2022, 8, 1), 2021)[0] == date(2022, 12, 31)  # plan in force


def test_unlisted_department_is_answered_by_its_category() -> None:
    from knowledge.qa import QAEngine

    engine = QAEngine.default()
    a = engine.answer("审计局有哪些任务", today=date(2026, 11, 28))
    assert a.unit != "区行政审批局"
    assert 7 not in a.items and 12 in a.items  # 区直各单位 items, not 审批局's named item 7
    b = engine.answer("第十四条 我单位要做什么", unit="区审计局", today=date(2026, 11, 28))
    assert b.items == [14] or b.items == (14,)
    assert "不在第十四条的责任单位之列" in b.text


def test_roles_and_partial_lists_are_shown_as_the_document_words_them() -> None:
    from pathlib import Path

    from knowledge.qa import QAEngine
    from knowledge.reading.loader import directory_for, load_file

    other = load_file(Path(__file__).parent / "data" / "documents" / "layout_sections.txt")
    engine = QAEngine([other], directory_for([other]))
    a = engine.answer("第一条谁负责", today=date(2023, 5, 1))
    assert "牵头单位：县司法局；配合单位：县直各部门、各乡镇" in a.text
    seed = QAEngine.default().answer("第七条谁负责", today=date(2026, 11, 28))
    assert "区司法局等部门（未逐一列明）" in seed.text


def test_a_responsible_unit_the_obligation_does_not_bind_is_told_no(engine: QAEngine) -> None:
    a = engine.answer("区法院要学法吗", today=TODAY)
    assert a.verdict == "no" and "不是。" in a.text and "「区政府常务会议" in a.text
    a = engine.answer("区法院要参加旁听庭审吗", today=TODAY)
    assert a.verdict == "no" and "「各地政府领导班子成员」" in a.text
    a = engine.answer("区金融办要学法吗", today=TODAY)
    assert a.verdict == "yes"
