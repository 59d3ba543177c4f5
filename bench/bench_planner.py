"""Planner benchmark: one reminder-planner tick (``scheduler.jobs.context.run_planner``) as the
number of registered units grows.

For each size N a fresh SQLite database gets N towns (the document's group items apply to
every town) with one approved chat each, and the planner runs at a moment when reminders are
due (the start of a quarter): the first tick queues them, the second finds nothing new (the
hourly case: it must not re-insert or re-render what is queued). Both are timed; the growth
exponent is the slope of log(time) over log(N) (1.0 = linear).

Target: a tick at 5,000 units ≤ 1 s (judged at that size, whatever other sizes are given).

With ``--database-url postgresql://…`` the same ticks run on PostgreSQL (in a schema of their
own, dropped afterwards) and on SQLite in the same run, at ``--units`` units: a first tick,
then right after it (no ``ANALYZE``, no waiting for autovacuum) a later one, as when an
approval or a plan activation re-plans right after a bulk insert. Target: the later tick on
PostgreSQL ≤ 1.5× SQLite's.

    python -m bench.bench_planner
    python -m bench.bench_planner --sizes 500,1000,2000,5000 --repeat 3
    python -m bench.bench_planner --database-url postgresql://postgres@127.0.0.1:5432/test \
        --units 20000
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.pg_schema import fresh_schema
from scheduler.timing.clock import TZ

WHEN = datetime(2026, 10, 12, 10, 0, tzinfo=TZ)  # Q4 has begun: quarterly steps are due
TARGET_SECONDS = 1.0
TARGET_UNITS = 5000
TARGET_PG_RATIO = 1.5


def _setup(url: str, units: int):  # noqa: ANN202 - SchedulerContext
    from scheduler.jobs.context import SchedulerContext
    from scheduler.store.db import session_scope
    from scheduler.store.models import Chat, ChatStatus, UnitRow

    ctx = SchedulerContext.load(url)
    with session_scope(ctx.engine) as s:  # bulk: the benchmark times the planner, not set-up
        rows = [UnitRow(name=f"第{i}镇", category="town", source="admin") for i in range(units)]
        s.add_all(rows)
        s.flush()
        s.add_all(
            Chat(chat_id=str(100_000 + i), unit_id=row.id, status=ChatStatus.ACTIVE)
            for i, row in enumerate(rows)
        )
    return ctx


def measure(
    units: int, repeat: int, url: str | None = None
) -> tuple[float, float, float, float, int]:
    """(first tick s, its CPU s, median later tick s, its CPU s, rows queued by the first) on a
    fresh SQLite file, or on ``url`` (a fresh database or schema). CPU time is this process's:
    on a busy machine it shows the work apart from the waiting."""
    with tempfile.TemporaryDirectory(prefix="fazhi-planner-") as tmp:
        return _ticks(url or f"sqlite:///{Path(tmp) / 'bench.db'}", units, repeat)


def _ticks(url: str, units: int, repeat: int) -> tuple[float, float, float, float, int]:
    from scheduler.jobs.context import run_planner

    ctx = _setup(url, units)
    started, cpu = time.perf_counter(), time.process_time()
    queued = run_planner(ctx, WHEN)
    first, first_cpu = time.perf_counter() - started, time.process_time() - cpu
    later, later_cpu = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        assert run_planner(ctx, WHEN) == 0
        later.append(time.perf_counter() - started)
        later_cpu.append(time.process_time() - cpu)
    ctx.engine.dispose()
    return first, first_cpu, statistics.median(later), statistics.median(later_cpu), queued


def slope(xs: list[float], ys: list[float]) -> float:
    lx = [math.log(x) for x in xs]
    ly = [math.log(max(y, 1e-9)) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sum(
        (a - mx) ** 2 for a in lx
    )


def run(sizes: list[int], repeat: int) -> bool:
    print(f"planner tick at {WHEN.isoformat()} (first: queues the due reminders; later: none new)")
    print(f"{'units':>7} {'queued':>8} {'first s':>9} {'(CPU)':>7} {'later s':>9} {'(CPU)':>7}")
    firsts, laters = [], []
    for n in sizes:
        first, first_cpu, later, later_cpu, queued = measure(n, repeat)
        firsts.append(first)
        laters.append(later)
        print(f"{n:>7} {queued:>8} {first:>9.3f} {first_cpu:>7.3f} {later:>9.3f} {later_cpu:>7.3f}")
    if len(sizes) > 1:
        print(
            f"growth exponent     first tick {slope(sizes, firsts):.2f}, "
            f"later tick {slope(sizes, laters):.2f} (1.0 = linear)"
        )
    if TARGET_UNITS not in sizes:
        print(f"(the target is judged at {TARGET_UNITS} units, not among the sizes given)")
        return True
    at = sizes.index(TARGET_UNITS)
    worst = max(firsts[at], laters[at])
    ok = worst <= TARGET_SECONDS
    print(
        f"tick at {TARGET_UNITS} units  {worst:.3f} s, the slower of first and later "
        f"(target <= {TARGET_SECONDS} s): " + ("met" if ok else "MISSED")
    )
    return ok


def run_postgres(url: str, units: int, repeat: int) -> bool:
    """PostgreSQL and SQLite side by side at ``units`` units, first and later tick."""
    print(f"planner tick at {WHEN.isoformat()}, {units} units, PostgreSQL and SQLite")
    print(f"{'database':<11} {'queued':>8} {'first s':>9} {'(CPU)':>7} {'later s':>9} {'(CPU)':>7}")
    later: dict[str, float] = {}
    for name in ("PostgreSQL", "SQLite"):
        if name == "PostgreSQL":
            with fresh_schema(url) as scoped:
                first, first_cpu, lat, lat_cpu, queued = measure(units, repeat, scoped)
        else:
            first, first_cpu, lat, lat_cpu, queued = measure(units, repeat)
        later[name] = lat
        print(f"{name:<11} {queued:>8} {first:>9.3f} {first_cpu:>7.3f} {lat:>9.3f} {lat_cpu:>7.3f}")
    ratio = later["PostgreSQL"] / later["SQLite"] if later["SQLite"] else float("inf")
    ok = ratio <= TARGET_PG_RATIO
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average        {load}")
    print(
        f"later tick PostgreSQL/SQLite: {ratio:.2f}× (target <= {TARGET_PG_RATIO}×): "
        + ("met" if ok else "MISSED")
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="500,1000,2000,5000")
    parser.add_argument("--repeat", type=int, default=2, help="later ticks per size")
    parser.add_argument("--database-url", help="postgresql://…: PostgreSQL beside SQLite")
    parser.add_argument("--units", type=int, default=20_000, help="units with --database-url")
    args = parser.parse_args(argv)
    if args.database_url:
        return 0 if run_postgres(args.database_url, args.units, args.repeat) else 1
    sizes = sorted(int(s) for s in args.sizes.split(","))
    return 0 if run(sizes, args.repeat) else 1


if __name__ == "__main__":
    sys.exit(main())
