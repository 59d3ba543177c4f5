"""Conversations (tests/data/qa_conversations.jsonl): follow-ups fill in what they leave out
from the chat's previous turn. Each line: session, unit (the chat's unit or null), turns of
{q, items (top-1 first), optional exact, verdict, intent, unit}. Run through the engine and
through ``fazhi ask --batch`` (lines with the same "session" are one conversation)."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from bot.cli.ask import run_batch
from knowledge.qa import QAEngine
from knowledge.reading.loader import default_plan, directory_for

DATA = Path(__file__).parent / "data" / "qa_conversations.jsonl"
CONVERSATIONS = [json.loads(x) for x in DATA.read_text("utf-8").splitlines() if x.strip()]
TODAY = date(2021, 8, 1)


@pytest.fixture(scope="module")
def engine() -> QAEngine:
    plan = default_plan()
    return QAEngine([plan], directory_for([plan]))


def _wrong(turn: dict, answer: dict) -> list[str]:
    out = []
    if answer["items"][:1] != turn["items"][:1]:
        out.append(f"top-1 {answer['items']}")
    if turn.get("exact") and answer["items"] != turn["items"]:
        out.append(f"items {answer['items']}")
    if "verdict" in turn and answer["verdict"] != turn["verdict"]:
        out.append(f"verdict {answer['verdict']}")
    if "intent" in turn and answer["intent"] != turn["intent"]:
        out.append(f"intent {answer['intent']}")
    if turn.get("unit") and answer["unit"] != turn["unit"]:
        out.append(f"unit {answer['unit']}")
    return out


def _run(engine: QAEngine) -> list[tuple[str, str, list[str]]]:
    misses = []
    for conv in CONVERSATIONS:
        turn_state = None
        for turn in conv["turns"]:
            answer, turn_state = engine.converse(
                turn["q"], unit=conv["unit"], today=TODAY, turn=turn_state
            )
            wrong = _wrong(turn, answer.to_dict())
            if wrong:
                misses.append((conv["session"], turn["q"], wrong))
    return misses


def test_the_set_is_large_enough() -> None:
    assert len(CONVERSATIONS) >= 40
    assert sum(len(c["turns"]) for c in CONVERSATIONS) >= 100


def test_turns_are_answered_in_context(engine: QAEngine) -> None:
    misses = _run(engine)
    turns = sum(len(c["turns"]) for c in CONVERSATIONS)
    assert 1 - len(misses) / turns >= 0.95, misses
    assert not [m for m in misses if any(w.startswith("verdict") for w in m[2])], misses


def test_batch_sessions_are_conversations(engine: QAEngine) -> None:
    """The same conversations interleaved in one batch file give the same answers."""
    lines = []
    longest = max(len(c["turns"]) for c in CONVERSATIONS)
    for k in range(longest):  # round robin: sessions interleave, each keeps its own order
        for c in CONVERSATIONS:
            if k < len(c["turns"]):
                t = c["turns"][k]
                lines.append({"q": t["q"], "unit": c["unit"], "session": c["session"], "_t": t})
    src = "\n".join(json.dumps({k: v for k, v in x.items() if k != "_t"}) for x in lines)
    out = io.StringIO()
    run_batch(engine, io.StringIO(src), out, TODAY)
    answers = [json.loads(x) for x in out.getvalue().splitlines()]
    assert len(answers) == len(lines)
    misses = [x["q"] for x, a in zip(lines, answers, strict=True) if _wrong(x["_t"], a)]
    assert 1 - len(misses) / len(lines) >= 0.95, misses
    assert all(a["session"] == x["session"] for x, a in zip(lines, answers, strict=True))


def test_without_a_session_each_line_stands_alone(engine: QAEngine) -> None:
    src = '{"q": "第十九条谁负责"}\n{"q": "它的牵头单位呢"}\n'
    out = io.StringIO()
    run_batch(engine, io.StringIO(src), out, TODAY)
    first, second = (json.loads(x) for x in out.getvalue().splitlines())
    assert first["items"] == [19]
    assert second["items"] == []  # no conversation: "it" is unknown, not item 19
