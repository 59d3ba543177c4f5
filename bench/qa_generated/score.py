"""Scoring an answer against the oracle's expectation.

The answer is the JSON object ``fazhi ask --batch`` prints for a question (``Answer.to_dict``):
``items`` (most relevant first), ``verdict``, ``text``, ``item_info`` (each item's unit lines)
and, where the engine gives them, ``units`` and ``year``. Sets are compared as sets: the answer
must hold every required element and may hold the tolerated ones, nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bench.qa_generated.oracle import Expectation
from knowledge.text.normalize import norm


def _names(values: Iterable[Any]) -> list[str]:
    out = []
    for v in values:
        name = v.get("name") if isinstance(v, dict) else v
        if isinstance(name, str):
            out.append(norm(name))
    return out


def answer_units(answer: dict[str, Any], exp: Expectation) -> set[str]:
    """The units the answer gives: its ``units`` field when it has one, else the unit lines of
    the item it is about (of the role asked for)."""
    units = answer.get("units")
    if isinstance(units, list):
        if exp.role is not None and units and isinstance(units[0], dict):
            units = [u for u in units if u.get("role") in (None, exp.role)]
        return set(_names(units))
    infos = answer.get("item_info") or []
    if exp.first is not None:
        infos = [i for i in infos if i.get("number") == exp.first][:1]
    lines = [u for i in infos for u in i.get("units") or []]
    if exp.role is not None:
        lines = [u for u in lines if u.get("role") == exp.role]
    return set(_names(lines))


def _within(got: set, need: Iterable, also: Iterable) -> bool:
    need_set = set(need)
    return need_set <= got <= need_set | set(also)


def _show(values: Iterable) -> str:
    return "{" + ",".join(str(v) for v in sorted(values, key=str)) + "}"


def score(answer: dict[str, Any], exp: Expectation) -> tuple[bool, str]:
    """(right, why not): the first check the answer fails, "" when it passes them all."""
    if "error" in answer:
        return False, f"error: {answer['error']}"
    items = [i for i in answer.get("items") or [] if isinstance(i, int)]
    if exp.first is not None and (not items or items[0] != exp.first):
        return False, f"first item {items[:1] or '-'} ≠ {exp.first}"
    if exp.items is not None and not _within(set(items), exp.items, exp.items_also):
        extra = f" (+{_show(exp.items_also)} allowed)" if exp.items_also else ""
        return False, f"items {_show(items)} ≠ {_show(exp.items)}{extra}"
    if exp.units is not None:
        need = {norm(u) for u in exp.units}
        got = answer_units(answer, exp)
        if not _within(got, need, {norm(u) for u in exp.units_also}):
            return False, f"units {_show(got)} ≠ {_show(need)}"
    named = answer.get("unit")
    if exp.unit is not None and isinstance(named, str) and norm(named) != norm(exp.unit):
        return False, f"unit {named} ≠ {exp.unit}"
    if exp.verdict is not None and answer.get("verdict") != exp.verdict:
        return False, f"verdict {answer.get('verdict')} ≠ {exp.verdict}"
    text = answer.get("text") or ""
    flat = norm(text)
    for words in exp.text_all:
        if not any(w in text or norm(w) in flat for w in words):
            return False, f"text lacks {'/'.join(words)}"
    year = answer.get("year")
    if exp.year is not None and isinstance(year, int) and year != exp.year:
        return False, f"year {year} ≠ {exp.year}"
    return True, ""
