"""Run every benchmark in ``bench/`` with modest sizes and print each one's figures (`make bench`).

    python -m bench.run_all            # modest sizes, a minute or two
    python -m bench.run_all --full     # each benchmark's own defaults (the broadcast: ~2 min)

Figures that no pass/fail test asserts, because they depend on the machine's speed, are here
with their targets: the two-process shared budget's 429 count (bench_shared_budget), reply
latency while the bot is held up (bench_reply_latency), answers during a database outage
(bench_db_outage), besides throughput and latency under flood (bench_broadcast, bench_flood).
``bench/soak.py`` (`make soak-test`) is not a benchmark and does not run here.

A benchmark is a module ``bench/bench_*.py`` with ``main(argv)`` (or ``main()`` reading
``sys.argv``). Modules added later run too, with their defaults unless listed in ``MODEST``.
Exit status 1 when a benchmark reports a miss (a non-zero return) or fails.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import sys
import time
import traceback
from pathlib import Path

MODEST: dict[str, list[str]] = {
    "bench_updates": ["--updates", "1000"],
    "bench_broadcast": ["--chats", "300"],
    "bench_qa": ["--repeat", "1", "--size", "2000"],
    "bench_parse": ["--sizes", "1", "5"],
    "bench_qa_generated": ["--quick"],
    "bench_reply_latency": ["--repeat", "3"],
    "bench_db_outage": ["--silence", "12", "--db-timeout", "2", "--lease", "4"],
}


def discover() -> list[str]:
    here = Path(__file__).resolve().parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))


def run_one(name: str, argv: list[str]) -> bool:
    module = importlib.import_module(f"bench.{name}")
    main = module.main
    print(f"\n=== {name} {' '.join(argv)}".rstrip(), flush=True)
    started = time.perf_counter()
    if inspect.signature(main).parameters:
        code = main(argv)
    else:  # main() parses sys.argv
        saved = sys.argv
        sys.argv = [f"bench.{name}", *argv]
        try:
            code = main()
        finally:
            sys.argv = saved
    print(f"--- {name}: {time.perf_counter() - started:.1f} s", flush=True)
    return not code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="each benchmark's default sizes")
    parser.add_argument("only", nargs="*", help="run only these (e.g. bench_updates)")
    args = parser.parse_args(argv)
    names = [n for n in discover() if not args.only or n in args.only]
    failed = []
    for name in names:
        try:
            ok = run_one(name, [] if args.full else MODEST.get(name, []))
        except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others
            traceback.print_exc()
            ok = False
        if not ok:
            failed.append(name)
    print(
        f"\nbenchmarks run: {', '.join(names)}"
        + (f"; missed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
