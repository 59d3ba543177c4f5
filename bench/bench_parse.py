"""Parsing speed of work-points documents: a 200-item document and 1, 5 and 20 MB files,
generated here from the layouts of the family (sections, items with bracketed and labelled
markers, role phrases, sub-points, page numbers, a task table). The baseline, in the same
run, is the least any parser must do: decode the bytes and split them into lines. The
target is at least 1 MB/s, i.e. linear time.

    python -m bench.bench_parse                 # 200, 1,000 and 5,000 items; 1, 4 and 8 MB
    python -m bench.bench_parse --sizes 1 5 20 50

Times are CPU seconds of this process (the machine is shared: wall time measures the
neighbours too); the last line gives the rate of the largest file over that of the smallest
(1.0 = linear) and the process's peak memory.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

from knowledge.reading.parser import parse_text

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


def baseline(data: bytes) -> int:
    return len(data.decode("utf-8").splitlines())


def measure(label: str, text: str) -> tuple[float, float, float]:
    data = text.encode("utf-8")
    mb = len(data) / 1e6
    t0 = time.process_time()
    baseline(data)
    t_base = time.process_time() - t0
    t0 = time.process_time()
    result = parse_text(data.decode("utf-8"))
    t_parse = time.process_time() - t0
    items = len(result.plan.items) if result.plan else 0
    print(
        f"{label:<12} {mb:8.2f} MB {items:>7} items  parse {t_parse:7.2f} s "
        f"{mb / t_parse:7.2f} MB/s   baseline {t_base:6.3f} s {mb / max(t_base, 1e-9):8.1f} MB/s"
        f"   parse/baseline time {t_parse / max(t_base, 1e-9):6.0f}x"
    )
    return mb, t_parse, t_base


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=float, nargs="*", default=[1, 4, 8], help="MB")
    args = ap.parse_args(argv)
    print("document        size      items  parse (ours)               baseline (decode+split)")
    measure("200 items", document(items=200))
    for n in (1000, 5000):
        measure(f"{n} flat", flat_document(n))
    results = [measure(f"{mb:g} MB", document(target_bytes=int(mb * 1e6))) for mb in args.sizes]
    rates = [mb / t for mb, t, _b in results]
    worst = min(rates)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per_size = ", ".join(
        f"{mb:.1f} MB {r:.2f}" for (mb, _t, _b), r in zip(results, rates, strict=True)
    )
    print(
        f"MB/s: {per_size}; "
        f"largest/smallest rate {rates[-1] / rates[0]:.2f} (1.0 = linear); "
        f"peak memory {peak:.0f} MB"
    )
    print(f"slowest: {worst:.2f} MB/s (target >= 1 MB/s: {'met' if worst >= 1 else 'MISSED'})")
    return 0 if worst >= 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
