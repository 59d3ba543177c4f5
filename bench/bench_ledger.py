"""Ledger benchmark: the year's ledger (台账) as a workbook — :func:`build_ledger` then
:func:`ledger_xlsx`, a sheet per unit — as the number of units grows, against the baseline of
the same run: the /report workbook of the year (:func:`compliance_matrix` then
:func:`matrix_xlsx`, one sheet), on the same database.

Each size gets a fresh SQLite file with N towns (the document's group items bind every town),
each with two study sessions confirmed (one with an evidence file) and one chase answered.

Target: the ledger of 1,000 units within 10× the report workbook's time (it writes a sheet per
unit and every record, where the report writes one cell per unit and column).

    python -m bench.bench_ledger
    python -m bench.bench_ledger --sizes 100,500,1000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from scheduler.timing.clock import TZ

WHEN = datetime(2026, 10, 15, 10, 0, tzinfo=TZ)
TARGET_RATIO = 10.0
TARGET_UNITS = 1000


def _setup(url: str, units: int):  # noqa: ANN202 - SchedulerContext
    from scheduler.jobs.context import SchedulerContext
    from scheduler.store.db import session_scope
    from scheduler.store.models import Chase, ChaseReply, Completion, UnitRow

    ctx = SchedulerContext.load(url)
    with session_scope(ctx.engine) as s:  # bulk: the benchmark times the ledger, not set-up
        rows = [UnitRow(name=f"第{i}镇", category="town", source="admin") for i in range(units)]
        s.add_all(rows)
        s.flush()
        for row in rows:
            for q, evidence in (("2026Q1", "telegram:document:F:纪要.pdf"), ("2026Q2", None)):
                s.add(
                    Completion(
                        unit_id=row.id,  # type: ignore[arg-type]
                        obligation_key="i2-study",
                        period=q,
                        confirmed_by="联络员",
                        evidence=evidence,
                    )
                )
            chase = Chase(
                unit_id=row.id,  # type: ignore[arg-type]
                obligation_key="i2-study",
                period="2026Q3",
                day=date(2026, 10, 15),
                chased_by="督办员",
            )
            s.add(chase)
            s.flush()
            s.add(ChaseReply(chase_id=chase.id, text="已在办", user_name="联络员"))  # type: ignore[arg-type]
    return ctx


def measure(units: int) -> tuple[float, float, int, int]:
    """(report workbook s, ledger workbook s, ledger rows, ledger bytes)."""
    from scheduler.records.completions import compliance_matrix
    from scheduler.records.ledger import build_ledger
    from scheduler.records.ledger_xlsx import ledger_xlsx
    from scheduler.records.report import matrix_xlsx
    from scheduler.store.db import session_scope
    from scheduler.timing.periods import Period

    with tempfile.TemporaryDirectory(prefix="fazhi-ledger-") as tmp:
        ctx = _setup(f"sqlite:///{Path(tmp) / 'bench.db'}", units)
        plan = ctx.plan_at(2026)
        with session_scope(ctx.engine) as s:
            directory = ctx.directory(s)
            started = time.perf_counter()
            matrix_xlsx(compliance_matrix(s, plan, directory, Period(2026, "Y", 1), now=WHEN))
            report = time.perf_counter() - started
            started = time.perf_counter()
            book = build_ledger(s, plan, directory, 2026, now=WHEN)
            data = ledger_xlsx(book)
            ledger = time.perf_counter() - started
        ctx.engine.dispose()
    return report, ledger, len(book.rows), len(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000", help="numbers of units, comma-separated")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",")]
    print(f"{'units':>6} {'report s':>9} {'ledger s':>9} {'ratio':>6} {'rows':>7} {'bytes':>9}")
    missed = False
    for n in sizes:
        report, ledger, rows, size = measure(n)
        ratio = ledger / report if report else float("inf")
        print(f"{n:>6} {report:>9.2f} {ledger:>9.2f} {ratio:>6.1f} {rows:>7} {size:>9}")
        if n == TARGET_UNITS:
            ok = ratio <= TARGET_RATIO
            missed |= not ok
            print(
                f"target: ledger ≤ {TARGET_RATIO:.0f}× report at {n} units: "
                f"{'met' if ok else 'MISSED'} ({ratio:.1f}×)"
            )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
