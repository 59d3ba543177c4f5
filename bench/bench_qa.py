"""Benchmark of question answering (knowledge.qa) against the textbook baseline.

    .venv/bin/python -m bench.bench_qa [--repeat 3]

Times answering the evaluation questions (tests/data/qa_eval.jsonl) on the real plan
(20 items) and on a synthetic 10,000-item corpus, for our engine (BM25 over character
bigrams + unigrams, synonyms, typo repair, intent rules) and for the baseline (rank_bm25's
BM25Okapi over jieba words, top-scoring item), and prints p50/p99 latency, index build time,
peak traced memory, top-1 item accuracy of both on the evaluation set, and the ratios.
The engine with jieba words instead of character n-grams is measured too (analyzer choice).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

import jieba
from rank_bm25 import BM25Okapi

from knowledge.plan.model import Item, UnitRef, WorkPlan
from knowledge.qa import QAEngine
from knowledge.reading.loader import default_plan, directory_for
from knowledge.text.normalize import norm

EVAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "qa_eval.jsonl"
TODAY = date(2021, 8, 1)
jieba.setLogLevel(60)


def load_eval() -> list[dict]:
    return [json.loads(line) for line in EVAL.read_text("utf-8").splitlines() if line.strip()]


class Baseline:
    """rank_bm25 over jieba words of each item (title + tasks); the answer is the top item."""

    def __init__(self, plan: WorkPlan) -> None:
        self.numbers = [it.number for it in plan.items]
        docs = [jieba.lcut_for_search(norm(it.title + "。".join(it.tasks))) for it in plan.items]
        self.bm25 = BM25Okapi(docs)

    def answer(self, question: str) -> list[int]:
        scores = self.bm25.get_scores(jieba.lcut_for_search(norm(question)))
        best = max(range(len(scores)), key=lambda i: scores[i])
        return [self.numbers[best]] if scores[best] > 0 else []


def synthetic_plan(base: WorkPlan, n: int, seed: int = 7) -> WorkPlan:
    """The real items first, then distractors made of the real plan's sentences, reshuffled
    (fragments recombined so no distractor repeats a real item), with random unit lists."""
    rng = random.Random(seed)
    sentences = [t for it in base.items for t in it.tasks]
    fragments = [f for s in sentences for f in s.replace("，", ",").split(",") if len(f) > 3]
    titles = [it.title for it in base.items]
    refs = [u for it in base.items for u in it.units]
    items = list(base.items)
    for number in range(len(items) + 1, n + 1):
        tasks = tuple(
            "，".join(rng.sample(fragments, rng.randint(2, 4))) for _ in range(rng.randint(2, 5))
        )
        title = rng.choice(titles)[:4] + rng.choice(fragments)[:8]
        units: tuple[UnitRef, ...] = tuple(
            {u.name: u for u in rng.sample(refs, rng.randint(1, 5))}.values()
        )
        items.append(Item(number, f"{number}.", title, "。".join(tasks), tasks, units))
    return replace(base, plan_id=f"synthetic-{n}", items=tuple(items))


def percentile(samples: Sequence[float], p: float) -> float:
    ordered = sorted(samples)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def build_measured(fn: Callable[[], object]) -> tuple[object, float, float]:
    """Build time without tracing (tracemalloc slows allocation-heavy code several-fold),
    then the peak traced memory of a second, traced build."""
    result, seconds = timed(fn)
    del result
    tracemalloc.start()
    result = fn()
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak / 2**20


def latencies(
    fn: Callable[[dict], object], rows: list[dict], repeat: int
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (this thread's) milliseconds per question. On a shared machine the
    wall-clock tail is mostly time the process waited for a core; the CPU time is the work."""
    wall, cpu = [], []
    for _ in range(repeat):
        for r in rows:
            start, start_cpu = time.perf_counter(), time.thread_time()
            fn(r)
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.thread_time() - start_cpu) * 1000)
    return wall, cpu


def accuracy(predict: Callable[[dict], Sequence[int]], rows: list[dict]) -> float:
    ok = sum(1 for r in rows if list(predict(r))[:1] == r["items"][:1])
    return ok / len(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--size", type=int, default=10_000)
    args = ap.parse_args()
    rows = load_eval()
    real = default_plan()
    directory = directory_for([real])
    jieba.initialize()

    def ours(engine: QAEngine) -> Callable[[dict], Sequence[int]]:
        return lambda r: engine.answer(r["q"], unit=r["unit"], today=TODAY).items

    print(f"evaluation set: {len(rows)} questions ({EVAL.name}); repeat {args.repeat}")
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    header = (
        f"{'corpus':<17}{'system':<22}{'build s':>9}{'peak MiB':>10}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'cpu p99':>9}{'top-1':>8}"
    )
    print(header)
    print("-" * len(header))
    results: dict[tuple[str, str], dict[str, float]] = {}
    for label, plan in (
        ("real-20", real),
        (f"synthetic-{args.size}", synthetic_plan(real, args.size)),
    ):
        systems: list[
            tuple[str, Callable[[], object], Callable[[object], Callable[[dict], Sequence[int]]]]
        ] = [
            ("ours (char bigrams)", lambda p=plan: QAEngine([p], directory), ours),
            ("ours (jieba words)", lambda p=plan: QAEngine([p], directory, analyzer="jieba"), ours),
            (
                "baseline rank_bm25",
                lambda p=plan: Baseline(p),
                lambda b: lambda r: b.answer(r["q"]),
            ),
        ]
        for name, build, answerer in systems:
            system, build_s, peak = build_measured(build)
            predict = answerer(system)
            lat, cpu = latencies(predict, rows, args.repeat)
            acc = accuracy(predict, rows) if label == "real-20" else float("nan")
            results[(label, name)] = {
                "build": build_s,
                "peak": peak,
                "p50": statistics.median(lat),
                "p99": percentile(lat, 99),
                "cpu99": percentile(cpu, 99),
                "acc": acc,
            }
            acc_s = f"{acc:.1%}" if acc == acc else "n/a"
            print(
                f"{label:<17}{name:<22}{build_s:>9.3f}{peak:>10.1f}"
                f"{statistics.median(lat):>9.3f}{percentile(lat, 99):>9.3f}"
                f"{percentile(cpu, 99):>9.3f}{acc_s:>8}"
            )
    print()
    for label in ("real-20", f"synthetic-{args.size}"):
        o = results[(label, "ours (char bigrams)")]
        b = results[(label, "baseline rank_bm25")]
        print(
            f"{label}: ours/baseline p50 {o['p50'] / b['p50']:.2f}x, p99 {o['p99'] / b['p99']:.2f}x, "
            f"cpu p99 {o['cpu99'] / b['cpu99']:.2f}x, "
            f"build {o['build'] / b['build']:.2f}x, memory {o['peak'] / b['peak']:.2f}x"
        )
    o = results[("real-20", "ours (char bigrams)")]
    b = results[("real-20", "baseline rank_bm25")]
    print(f"accuracy: ours {o['acc']:.1%} vs baseline {b['acc']:.1%} ({o['acc'] / b['acc']:.2f}x)")
    s = results[(f"synthetic-{args.size}", "ours (char bigrams)")]
    print(
        "targets: p99 < 5 ms at 20 items: "
        f"{'met' if o['p99'] < 5 else 'MISSED'} ({o['p99']:.2f} ms wall, {o['cpu99']:.2f} ms cpu); "
        f"p99 < 50 ms at {args.size}: {'met' if s['p99'] < 50 else 'MISSED'} "
        f"({s['p99']:.2f} ms wall, {s['cpu99']:.2f} ms cpu); "
        f"build < 5 s at {args.size}: {'met' if s['build'] < 5 else 'MISSED'} ({s['build']:.2f} s); "
        f"accuracy above baseline: {'met' if o['acc'] > b['acc'] else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
