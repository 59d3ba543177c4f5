"""The query pipeline's parts: small talk, the document itself, uncovered years and districts,
no internal keys in answers, regulations quoted by name, the JSON shape, and the per-chat
conversation store (expiry, independence of chats, concurrency)."""

from __future__ import annotations

import re
import threading
from datetime import date

import pytest

from knowledge.qa import QAEngine
from knowledge.qa.query.conversation import Conversations, Turn
from knowledge.qa.query.form import Query
from knowledge.reading.loader import default_plan, directory_for

TODAY = date(2021, 8, 1)


@pytest.fixture(scope="module")
def engine() -> QAEngine:
    plan = default_plan()
    return QAEngine([plan], directory_for([plan]))


@pytest.mark.parametrize(
    "question",
    ["你好", "您好！", "谢谢", "谢谢你", "你是谁", "你能做什么", "在吗", "再见", "你好，你是谁"],
)
def test_small_talk_gets_a_friendly_reply(engine: QAEngine, question: str) -> None:
    a = engine.answer(question, today=TODAY)
    assert a.intent == "smalltalk" and a.items == ()
    assert "没有关于" not in a.text and "无法回答" not in a.text
    assert a.text.startswith(("你好", "不客气", "我是", "再见"))


def test_a_greeting_before_a_question_is_not_small_talk(engine: QAEngine) -> None:
    a = engine.answer("你好，第十四条讲什么", today=TODAY)
    assert a.items[:1] == (14,)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("文号是多少", "襄州政办函〔2021〕15号"),
        ("这个文件是哪年印发的", "2021年7月19日"),
        ("谁印发的", "襄阳市襄州区人民政府办公室"),
        ("发文机关是哪个", "襄阳市襄州区人民政府办公室"),
    ],
)
def test_questions_about_the_document(engine: QAEngine, question: str, expected: str) -> None:
    a = engine.answer(question, today=TODAY)
    assert a.intent == "document" and expected in a.text.split("\n")[0]


@pytest.mark.parametrize(
    "question",
    [
        "2023年的工作要点有哪些",
        "2019年学法要求是什么",
        "樊城区有哪些任务",
        "枣阳市的普法谁负责",
        "南漳县要学法吗",
    ],
)
def test_an_uncovered_year_or_district_is_said_plainly(engine: QAEngine, question: str) -> None:
    a = engine.answer(question, today=TODAY)
    assert a.items == () and a.intent == "out_of_scope"
    assert "没有" in a.text and "2021" in a.text  # says what is loaded


@pytest.mark.parametrize(
    "question",
    [
        "2020年度报告什么时候报",
        "襄州区有哪些任务",
        "示范区创建谁负责",
        "开发区要做什么",
        "园区有哪些任务",
    ],
)
def test_the_plan_s_own_year_and_district_are_covered(engine: QAEngine, question: str) -> None:
    assert engine.answer(question, today=TODAY).intent != "out_of_scope"


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("人大有哪些任务", None),
        ("区人大办有哪些任务", None),
        ("区委办要做什么", None),
        ("我们有哪些任务", "区总工会"),
        ("区政协办算不算第七条的责任单位", None),
        ("区科协有几条任务", None),
        ("法院有哪些任务", None),
    ],
)
def test_no_internal_key_in_any_answer(engine: QAEngine, question: str, unit: str | None) -> None:
    a = engine.answer(question, unit=unit, today=TODAY)
    assert not re.search(r"[a-z]+_[a-z]+|peoples|party_organ|judicial|department", a.text)


def test_a_regulation_is_quoted_by_name_not_as_an_item(engine: QAEngine) -> None:
    a = engine.answer("年度报告什么时候报", today=TODAY)
    line = next(x for x in a.text.split("\n") if "县级以上地方各级政府" in x)
    assert line.startswith("《法治政府建设与责任落实督察工作规定》")
    assert "（第一条）" not in a.text


def test_answers_lead_with_the_direct_answer(engine: QAEngine) -> None:
    first = lambda q, u=None: engine.answer(q, unit=u, today=TODAY).text.split("\n")[0]  # noqa: E731
    assert first("第十一条算不算我们的事", "区财政局").startswith("是。")
    assert first("一年学法两次够不够").startswith("不够。")
    assert first("区法院被点名几条").startswith("列名区法院的条目共3条")
    assert first("下次专题会议最晚什么时候开").startswith("最晚2021年12月31日前")


def test_partial_wording_is_not_a_yes(engine: QAEngine) -> None:
    """…等部门 / 等有关单位: the unit may be meant; the answer says it is not certain (and the
    JSON says the same as the text: "unsure", never "yes")."""
    for q in ("第七条区审计局要做吗", "第二十条跟区财政局有关吗", "第十条区审计局要做吗"):
        a = engine.answer(q, today=TODAY)
        assert a.verdict == "unsure" and a.text.startswith("不确定"), q


def test_json_answer_has_verdict_and_query(engine: QAEngine) -> None:
    d = engine.answer("第十一条算不算我们的事", unit="区财政局", today=TODAY).to_dict()
    assert {"intent", "items", "unit", "text", "verdict", "query"} <= set(d)
    assert d["verdict"] == "yes"
    assert d["query"] == {"ask": "verdict", "items": [11], "self_unit": True, "verdict": "concern"}
    plain = engine.answer("第十四条讲什么", today=TODAY).to_dict()
    assert plain["verdict"] is None and plain["query"]["items"] == [14]


class _Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_conversation_state_expires_after_silence() -> None:
    clock = _Clock()
    store = Conversations(ttl=60, clock=clock)
    store.put("a", Turn(Query(ask="who"), items=(14,)))
    clock.t = 59
    assert store.get("a") is not None
    clock.t = 59 + 61
    assert store.get("a") is None


def test_conversations_are_per_chat_and_safe_in_parallel(engine: QAEngine) -> None:
    store = Conversations()
    errors: list[str] = []

    def chat(chat_id: str, item: int) -> None:
        for _ in range(20):
            with store.lock(chat_id):
                a, turn = engine.converse(f"第{item}条讲什么", today=TODAY, turn=store.get(chat_id))
                store.put(chat_id, turn)
            with store.lock(chat_id):
                a, turn = engine.converse("它的责任单位呢", today=TODAY, turn=store.get(chat_id))
                store.put(chat_id, turn)
            if a.items[:1] != (item,):
                errors.append(f"{chat_id}: {a.items}")

    threads = [threading.Thread(target=chat, args=(f"c{n}", n)) for n in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
