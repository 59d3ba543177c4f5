"""Sufficiency questions follow the cadence grammar of the plan they are asked about: a plan
asking for a study session every two months is not satisfied by one a quarter, the same
question on a quarterly plan is; the next due date of a two-month cadence ends its pair."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from knowledge.plan.model import Cadence
from knowledge.qa import QAEngine
from knowledge.qa.result.due import next_due
from knowledge.reading.loader import default_plan, directory_for, load_file

PLAN_2026 = Path(__file__).parent / "data" / "plans" / "xiangzhou-2026.txt"
QUESTION = "一个季度学一次法够不够"


def test_quarterly_study_is_not_enough_for_a_two_month_rule() -> None:
    plan = load_file(PLAN_2026)
    study = [o for o in plan.obligations if o.cadence == Cadence.BIMONTHLY]
    assert study, "the 2026 fixture's 每两个月至少学法1次 is read as a two-month cadence"
    answer = QAEngine([plan], directory_for([plan])).answer(QUESTION)
    assert answer.verdict == "no", answer.text
    assert answer.text.startswith("不够")


def test_the_same_question_on_the_quarterly_plan_is_enough() -> None:
    plan = default_plan()
    answer = QAEngine([plan], directory_for([plan])).answer(QUESTION)
    assert answer.verdict == "yes", answer.text


def test_next_due_of_a_two_month_cadence_ends_its_pair() -> None:
    plan = load_file(PLAN_2026)
    ob = next(o for o in plan.obligations if o.cadence == Cadence.BIMONTHLY)
    assert next_due(ob, date(2026, 3, 10))[0] == date(2026, 4, 30)
    assert next_due(ob, date(2026, 12, 1))[0] == date(2026, 12, 31)
