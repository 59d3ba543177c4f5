"""The evaluation set (tests/data/qa_eval.jsonl) against the real bundled plan.

Each line: q, unit (the asking chat's unit or null), intent, items (top-1 expected first;
[] when nothing should be answered: out of scope, out of range, unknown unit), expect_unit,
and for a unit's duties ``duty_items``: exactly the items where the unit is responsible,
named or through a whole group (区直各单位, 各镇(街、区), 各镇(街)), in item order.
Optional: ``exact`` (the answer's items are exactly ``items``, in order), ``verdict`` ("yes",
"no" or null: a yes/no question, null when the document does not settle it), ``count`` (the
number the answer's first line must give).

Partial groups (区直有关单位, 区直有关行政执法部门, "…等部门") do not count in that set:
the document does not say the unit is meant; such items are in ``Answer.possible_items``.
Category words (镇, 街道, 园区, or a town the directory does not know) mean one unit of that
kind, so 第十四条's 各镇(街) counts for them while it does not for a park.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from knowledge.qa import QAEngine
from knowledge.reading.loader import default_plan, directory_for

EVAL = Path(__file__).parent / "data" / "qa_eval.jsonl"
ROWS = [json.loads(line) for line in EVAL.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def engine() -> QAEngine:
    plan = default_plan()
    return QAEngine([plan], directory_for([plan]))


def _ask(engine: QAEngine, row: dict):
    return engine.answer(row["q"], unit=row["unit"], today=date(2021, 8, 1))


def test_eval_set_is_large_and_covers_every_intent() -> None:
    assert len(ROWS) >= 300
    intents = {r["intent"] for r in ROWS}
    assert intents >= {
        "item",
        "unit_item",
        "unit_duties",
        "who",
        "cadence",
        "topic",
        "out_of_scope",
    }


def test_top1_item_accuracy(engine: QAEngine) -> None:
    wrong = [
        (r["q"], r["items"][:1], list(a.items[:1]))
        for r in ROWS
        if list((a := _ask(engine, r)).items[:1]) != r["items"][:1]
    ]
    accuracy = 1 - len(wrong) / len(ROWS)
    assert accuracy >= 0.97, wrong


def test_exact_item_sets(engine: QAEngine) -> None:
    """Exact sets: rows marked ``exact`` and every unit's ``duty_items``."""
    rows = [r for r in ROWS if r.get("exact") or "duty_items" in r]
    assert len(rows) >= 60
    wrong = [
        (r["q"], want, list(a.items))
        for r in rows
        if list((a := _ask(engine, r)).items) != (want := r.get("duty_items", r["items"]))
    ]
    assert 1 - len(wrong) / len(rows) >= 0.97, wrong


@pytest.mark.parametrize("row", [r for r in ROWS if "verdict" in r], ids=lambda r: r["q"])
def test_every_verdict(engine: QAEngine, row: dict) -> None:
    a = _ask(engine, row)
    assert a.verdict == row["verdict"], a.text
    assert a.to_dict()["verdict"] == row["verdict"]


@pytest.mark.parametrize("row", [r for r in ROWS if "count" in r], ids=lambda r: r["q"])
def test_counts_lead_the_answer(engine: QAEngine, row: dict) -> None:
    a = _ask(engine, row)
    assert f"{row['count']}条" in a.text.split("\n")[0]


def test_intent_accuracy(engine: QAEngine) -> None:
    wrong = [
        (r["q"], r["intent"], str(a.intent))
        for r in ROWS
        if (a := _ask(engine, r)).intent != r["intent"]
    ]
    assert len(wrong) / len(ROWS) <= 0.05, wrong


@pytest.mark.parametrize("row", [r for r in ROWS if "duty_items" in r], ids=lambda r: r["q"])
def test_unit_duties_exact_item_set(engine: QAEngine, row: dict) -> None:
    a = _ask(engine, row)
    assert a.unit == row["expect_unit"]
    assert list(a.items) == row["duty_items"]


@pytest.mark.parametrize("row", [r for r in ROWS if "duty" in r], ids=lambda r: r["q"])
def test_unit_item_responsibility(engine: QAEngine, row: dict) -> None:
    a = _ask(engine, row)
    assert a.unit == row["expect_unit"]
    assert a.duties and a.duties[0].kind == row["duty"]
