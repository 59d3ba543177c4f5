"""Generated questions with an independent oracle: how often the engine answers right.

    .venv/bin/python -m bench.bench_qa_generated               # ≥ 5,000 questions, 4 plans
    .venv/bin/python -m bench.bench_qa_generated --quick       # ~800 (bench/run_all.py)
    .venv/bin/python -m bench.bench_qa_generated --failures /tmp/fail.jsonl --op both

Questions are composed by :mod:`bench.qa_generated.grammar` (operators × the plan's own
entities × noise) over the bundled plan and family fixtures of other districts; the expected
answer comes from the plan model through :mod:`bench.qa_generated.oracle`, never through the
engine. Each question is answered as ``fazhi ask --batch`` answers a line (the same JSON) and
scored by :mod:`bench.qa_generated.score`. Prints accuracy overall, by operator, by noise kind
and by plan, with a few failures of each operator. Accuracy is a figure, not pass/fail: the
exit status is 0 unless ``--min`` is given and missed. The seed makes runs reproducible.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from dataclasses import asdict
from datetime import date
from pathlib import Path

from bench.qa_generated.grammar import Case, generate
from bench.qa_generated.phrases import sample
from bench.qa_generated.plans import PlanFacts, all_plans, bundled
from bench.qa_generated.score import score

DEFAULT_SIZE = 12000  # gives ≥ 5,000 questions once inapplicable combinations are skipped
QUICK_SIZE = 1200
PHRASE_SAMPLE = 300
TARGET_OVERALL, TARGET_OPERATOR = 0.98, 0.95  # the acceptance, a figure here


def engine_for(f: PlanFacts):  # noqa: ANN201 - knowledge.qa imported here only
    from knowledge.qa import QAEngine

    return QAEngine([f.plan], f.directory)


def run(cases: list[Case], plans: list[PlanFacts]) -> list[tuple[Case, dict, bool, str]]:
    from bot.cli.ask import answer_line
    from knowledge.qa.query.conversation import Conversations

    by_id = {f.plan_id: f for f in plans}
    engines = {pid: engine_for(f) for pid, f in by_id.items()}
    out = []
    for number, case in enumerate(cases):
        f = by_id[case.plan_id]
        today = date(f.year or 2021, 8, 1)
        sessions = Conversations(ttl=float("inf"))  # each case its own conversation
        try:
            for q in (*case.context, case.question):  # the earlier turns, then the question
                row = {"q": q, "unit": case.asker, "session": number}
                line = json.dumps(row, ensure_ascii=False)
                answer = answer_line(engines[case.plan_id], line, today, None, sessions)
        except Exception as exc:  # noqa: BLE001 - a crash is a wrong answer, not the end
            answer = {"error": f"{type(exc).__name__}: {exc}", "text": ""}
        ok, why = score(answer, case.expect)
        out.append((case, answer, ok, why))
    return out


PHRASE_FORMS = ("{}是哪一条", "{}谁负责")


def phrase_acceptance(n: int = 300) -> dict[str, float]:
    """The share of "X是哪一条" / "X谁负责" answers citing X's item first, for ``n`` phrases
    standing in exactly one item of the bundled plan (tests/test_qa_phrases.py)."""
    from bot.cli.ask import answer_line

    f = bundled()
    engine = engine_for(f)
    phrases = sample(f.plan, n)
    rates = {}
    for form in PHRASE_FORMS:
        right = 0
        for phrase, number in phrases:
            line = json.dumps({"q": form.format(phrase)}, ensure_ascii=False)
            answer = answer_line(engine, line, date(f.year or 2021, 8, 1))
            right += (answer.get("items") or [None])[0] == number
        rates[form.format("X")] = right / len(phrases)
    return rates


def _table(title: str, rows: dict[str, list[bool]]) -> None:
    print(f"\n{title}")
    for key, oks in sorted(rows.items(), key=lambda kv: sum(kv[1]) / len(kv[1])):
        print(f"  {key:<18} {100 * sum(oks) / len(oks):6.1f}%  ({sum(oks)}/{len(oks)})")


def matrix(results: list[tuple[Case, dict, bool, str]]) -> None:
    """Accuracy of each operator under each noise kind (%, blank where none was asked)."""
    noises = sorted({c.noise for c, *_ in results})
    cells: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for c, _a, ok, _w in results:
        cells[(c.operator, c.noise)].append(ok)
    print("\noperator × noise (% right)")
    print(" " * 18 + "".join(f"{n[:8]:>9}" for n in noises))
    for op in sorted({c.operator for c, *_ in results}):
        row = [cells.get((op, n)) for n in noises]
        print(
            f"  {op:<16}" + "".join(f"{100 * sum(r) / len(r):9.0f}" if r else " " * 9 for r in row)
        )


def summary(results: list[tuple[Case, dict, bool, str]]) -> dict:
    """Accuracy overall and by operator, noise kind and plan (shares 0–1), JSON-ready."""
    out: dict = {"questions": len(results)}
    out["overall"] = sum(ok for *_, ok, _w in results) / len(results)
    for key in ("operator", "noise", "plan_id"):
        rows: dict[str, list[bool]] = defaultdict(list)
        for c, _a, ok, _w in results:
            rows[getattr(c, key)].append(ok)
        out[f"by_{key.removesuffix('_id')}"] = {k: sum(v) / len(v) for k, v in sorted(rows.items())}
    return out


def report(results: list[tuple[Case, dict, bool, str]], examples: int = 3) -> float:
    oks = [ok for _c, _a, ok, _w in results]
    overall = sum(oks) / len(oks)
    plans = sorted({c.plan_id for c, *_ in results})
    print(f"questions: {len(results)} over {len(plans)} plans ({', '.join(plans)})")
    print(f"overall: {100 * overall:.1f}% right")
    for title, key in (("by operator", "operator"), ("by noise", "noise"), ("by plan", "plan_id")):
        rows: dict[str, list[bool]] = defaultdict(list)
        for c, _a, ok, _w in results:
            rows[getattr(c, key)].append(ok)
        _table(title, rows)
    low = [op for op, r in summary(results)["by_operator"].items() if r < TARGET_OPERATOR]
    met = overall >= TARGET_OVERALL and not low
    print(
        f"\ntarget ≥ {TARGET_OVERALL:.0%} overall and ≥ {TARGET_OPERATOR:.0%} for every operator: "
        + ("met" if met else f"missed ({len(low)} operators below: {', '.join(low)})")
    )
    print("\nfailures (a few per operator; the reason is the first check missed):")
    shown: Counter[str] = Counter()
    for c, a, ok, why in results:
        if ok or shown[c.operator] >= examples:
            continue
        shown[c.operator] += 1
        print(
            f"  [{c.operator}/{c.noise}/{c.plan_id}] {c.question} → items {a.get('items')}: {why}"
        )
    return overall


def _expect_json(case: Case) -> dict:
    return {
        k: (sorted(v) if isinstance(v, frozenset) else v) for k, v in asdict(case.expect).items()
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=DEFAULT_SIZE, help="questions to aim for")
    p.add_argument("--quick", action="store_true", help=f"about {QUICK_SIZE} questions")
    p.add_argument("--seed", type=int, default=19)
    p.add_argument("--op", action="append", help="only these operators")
    p.add_argument("--noise", action="append", help="only these noise kinds")
    p.add_argument("--failures", type=Path, help="write the failures here (JSON lines)")
    p.add_argument("--export", type=Path, help="write the questions with expectations, no run")
    p.add_argument("--plan", action="append", help="only these plans (plan ids)")
    p.add_argument("--json", type=Path, help="write the figures here (JSON)")
    p.add_argument("--matrix", action="store_true", help="also operator × noise accuracy")
    p.add_argument("--min", type=float, help="exit 1 when overall accuracy (0–1) is below")
    args = p.parse_args(argv)
    plans = [f for f in all_plans() if not args.plan or f.plan_id in args.plan]
    if not plans:
        p.error(f"no such plan; there are {', '.join(f.plan_id for f in all_plans())}")
    cases = list(generate(plans, QUICK_SIZE if args.quick else args.size, args.seed))
    cases = [
        c
        for c in cases
        if (not args.op or c.operator in args.op) and (not args.noise or c.noise in args.noise)
    ]
    if args.export:
        with args.export.open("w", encoding="utf-8") as fh:
            for c in cases:
                row = {"q": c.question, "context": list(c.context), "unit": c.asker}
                row |= {"plan": c.plan_id, "operator": c.operator, "noise": c.noise}
                row["expect"] = _expect_json(c)
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{len(cases)} questions written to {args.export}")
        return 0
    started = time.perf_counter()
    results = run(cases, plans)
    overall = report(results)
    if args.matrix:
        matrix(results)
    print(f"\n{len(results)} answered in {time.perf_counter() - started:.1f} s")
    if not args.op and not args.noise:
        rates = phrase_acceptance(PHRASE_SAMPLE // (10 if args.quick else 1))
        shown = ", ".join(f"{form} {100 * r:.1f}%" for form, r in rates.items())
        print(f"phrases standing in one item of the bundled plan, item cited first: {shown}")
    if args.json:
        args.json.write_text(json.dumps(summary(results), indent=1), "utf-8")
    if args.failures:
        with args.failures.open("w", encoding="utf-8") as fh:
            for c, a, ok, why in results:
                if not ok:
                    row = {"q": c.question, "context": list(c.context), "unit": c.asker}
                    row |= {"plan": c.plan_id, "operator": c.operator, "noise": c.noise}
                    row["why"] = why
                    row["expect"] = _expect_json(c)
                    row |= {"items": a.get("items"), "verdict": a.get("verdict")}
                    row["text"] = (a.get("text") or "")[:300]
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 1 if args.min is not None and overall < args.min else 0


if __name__ == "__main__":
    sys.exit(main())
