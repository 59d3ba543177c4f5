"""Parsing speed and memory of work-points documents at 1, 5, 20 and 50 MB and for 1,000 and
5,000 items, generated here from the layouts of the family (sections, items with bracketed and
labelled markers, role phrases, sub-points, page numbers).

    python -m bench.bench_parse                       # 1, 5, 20, 50 MB; 1,000 and 5,000 items
    python -m bench.bench_parse --sizes 1 5 --items 1000

Each document is generated and read in a fresh child process, so its peak memory is its own:
peak RSS (``resource.getrusage``, the resident set the kernel saw, not traced allocations),
with the RSS before the parse (interpreter + generated text) beside it. Times are CPU seconds
of the child (the machine is shared: wall time measures the neighbours too).

Baseline, in the same child over the same text: a plain regex splitter, the least a parser of
these documents does in one pass: cut the text at item heads with one multi-line regex
(（一） / 1. / 1、 / ① at a line start) and pull the units of each chunk with one label regex
(责任单位/牵头单位/配合单位：…), split at 、. It reads no tables, roles, notes, cadences, front
matter or ledger; it says how far above the cost of bare splitting the parser stands.

Target: the largest size's rate at least 0.8× the 1 MB rate (linear time); printed with
met/MISSED, and the exit status is 1 when missed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

UNITS = [
    "区司法局",
    "区发展和改革局",
    "区市场监督管理局",
    "区财政局",
    "区委编办",
    "区法院",
    "区检察院",
    "区公安分局",
    "区教育局",
    "区卫生健康局",
    "区行政审批局",
    "区信访局",
]
GROUPS = ["区直各单位", "各镇(街、区)", "区直有关单位", "各街道"]
CN = "一二三四五六七八九十"


def _cn(n: int) -> str:
    if n <= 10:
        return CN[n - 1]
    if n < 20:
        return "十" + (CN[n - 11] if n > 10 else "")
    tens, ones = divmod(n, 10)
    return CN[tens - 1] + "十" + (CN[ones - 1] if ones else "")


def _units(rng: random.Random, k: int) -> str:
    return "、".join(rng.sample(UNITS, k) + rng.sample(GROUPS, 1))


def _item(rng: random.Random, n: int, style: int, label: str = "") -> str:
    body = (
        "深入推进依法行政，健全行政决策制度体系，严格落实重大行政决策程序，"
        "区政府常务会议每季度至少学法1次，各部门每年至少组织1次全员法治培训。"
    )
    label = label or f"（{_cn(n)}）"
    if style == 0:
        return f"{label}完善工作机制第{n}项。{body}〔责任单位：{_units(rng, 3)}〕"
    if style == 1:
        return (
            f"{label}加强监督第{n}项。{body}\n牵头单位：{rng.choice(UNITS)}\n"
            f"配合单位：{_units(rng, 2)}\n完成时限：2026年12月底前"
        )
    return (
        f"{label}规范执法第{n}项。{body}（{rng.choice(UNITS)}牵头，{_units(rng, 2)}按职责分工负责）"
    )


def flat_document(items: int, seed: int = 7) -> str:
    """Items numbered 1. to N. through the whole document, under no section."""
    rng = random.Random(seed)
    parts = ["2026年某区法治政府建设工作要点", ""]
    for n in range(1, items + 1):
        parts.append(_item(rng, n, n % 3, f"{n}."))
    return "\n".join(parts)


def document(target_bytes: int | None = None, items: int | None = None, seed: int = 7) -> str:
    rng = random.Random(seed)
    parts = ["2026年某区法治政府建设工作要点", "", "为全面推进依法行政，制定本要点。", ""]
    size = 0
    n_items = 0
    section = 0
    while (items is None or n_items < items) and (target_bytes is None or size < target_bytes):
        section += 1
        head = f"{_cn(section % 99 or 99)}、第{section}部分重点任务"
        parts.append(head)
        for k in range(1, 11):
            text = _item(rng, k, (n_items + k) % 3)
            parts.append(text)
            size += len(text.encode()) + 1
            n_items += 1
            if items is not None and n_items >= items:
                break
        parts.append(f"- {section % 900 + 1} -")
    return "\n".join(parts)


BASELINE_NAME = "regex splitter (item heads by one multi-line regex, units by one label regex)"
_HEAD = re.compile(r"^(?:[（(][一二三四五六七八九十百]+[）)]|\d{1,4}[.、．]|[①-⑳])", re.M)
_UNITS = re.compile(r"(?:责任单位|牵头单位|配合单位)[:：]([^〕）)】\n；;]*)")


def baseline(text: str) -> int:
    """The regex splitter: items and the units found in them (a count, to use the result)."""
    starts = [m.start() for m in _HEAD.finditer(text)]
    n_units = 0
    for a, b in zip(starts, [*starts[1:], len(text)], strict=True):
        for m in _UNITS.finditer(text, a, b):
            n_units += len(m.group(1).split("、"))
    return n_units


def _child(kind: str, value: float) -> dict:
    """Generate one document, time the baseline and the parser on it, report peak RSS."""
    from knowledge.reading.parser import parse_text

    text = flat_document(int(value)) if kind == "items" else document(int(value * 1e6))
    data = text.encode("utf-8")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.process_time()
    baseline(data.decode("utf-8"))
    t_base = time.process_time() - t0
    t0 = time.process_time()
    result = parse_text(data.decode("utf-8"))
    t_parse = time.process_time() - t0
    return {
        "mb": len(data) / 1e6,
        "items": len(result.plan.items) if result.plan else 0,
        "parse_s": t_parse,
        "base_s": t_base,
        "rss_before_mb": rss_before,
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure(label: str, kind: str, value: float) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bench_parse", "--child", kind, str(value)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    mb, t, tb = got["mb"], got["parse_s"], got["base_s"]
    print(
        f"{label:<12} {mb:7.2f} MB {got['items']:>7} items  parse {t:7.2f} s {mb / t:6.2f} MB/s"
        f"   baseline {tb:6.3f} s {mb / max(tb, 1e-9):7.1f} MB/s ({t / max(tb, 1e-9):4.0f}x)"
        f"   RSS {got['rss_before_mb']:5.0f} → peak {got['rss_peak_mb']:5.0f} MB",
        flush=True,
    )
    got["rate"] = mb / t
    return got


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=float, nargs="*", default=[1, 5, 20, 50], help="MB")
    ap.add_argument("--items", type=int, nargs="*", default=[1000, 5000])
    ap.add_argument("--child", nargs=2, metavar=("KIND", "VALUE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child[0], float(args.child[1]))))
        return 0
    print(f"baseline: {BASELINE_NAME}")
    print("document       size       items  parse (ours)              baseline (regex splitter)")
    for n in args.items:
        measure(f"{n} items", "items", n)
    sizes = sorted(args.sizes)
    results = [measure(f"{mb:g} MB", "mb", mb) for mb in sizes]
    if not results:
        return 0
    first, last = results[0], results[-1]
    ratio = last["rate"] / first["rate"]
    peak = max(r["rss_peak_mb"] for r in results)
    met = ratio >= 0.8
    print(
        f"rate {sizes[-1]:g} MB / {sizes[0]:g} MB: {last['rate']:.2f} / {first['rate']:.2f} MB/s"
        f" = {ratio:.2f} (target >= 0.8: {'met' if met else 'MISSED'}); "
        f"peak RSS {peak:.0f} MB (the parse's own growth at {sizes[-1]:g} MB: "
        f"{(last['rss_peak_mb'] - last['rss_before_mb']) / last['mb']:.1f} MB per MB of text)"
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
