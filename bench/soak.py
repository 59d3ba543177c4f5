"""Soak test: `.ci/run` in N fresh clones, one after another, while busy loops keep the CPUs
busy (`make soak-test`; not part of CI, and not a benchmark: ``make bench`` skips it).

A suite that passes on a quiet machine may still fail on a loaded one when a test depends on
timing. Each run clones the repository's committed ``HEAD`` into a temporary directory (a fresh
``.venv`` and all), runs ``.ci/run`` there with ``--busy`` processes spinning, and prints its
outcome, duration and the names of the failing tests; then the summary, ``n/N passed``.

    python -m bench.soak                 # 10 runs, 2 busy processes (a CPU load of 2)
    python -m bench.soak --runs 1        # one run
    make soak-test SOAK_RUNS=3

Exit status 0 only when every run passed. Uncommitted changes are not tested (it clones).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# pytest -q's summary lines: "FAILED tests/x.py::test_y - AssertionError…", "ERROR tests/…"
FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)


def _default_signals() -> None:
    """The run gets SIGINT and SIGQUIT as a terminal gives them: a soak started in the
    background of a non-interactive shell has them ignored, and the console's Ctrl-C test
    would then wait for a signal that never comes."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def spin() -> None:
    """One core's worth of load."""
    while True:
        pass


@dataclass
class Outcome:
    run: int
    passed: bool
    seconds: float
    failed: list[str] = field(default_factory=list)
    log: Path | None = None


def one_run(run: int, logs: Path, timeout: float) -> Outcome:
    """Clone HEAD into a fresh directory and run .ci/run there."""
    started = time.monotonic()
    log = logs / f"run-{run:02d}.log"
    with tempfile.TemporaryDirectory(prefix=f"fazhi-soak-{run:02d}-") as tmp:
        clone = Path(tmp) / "fazhi"
        subprocess.run(
            ["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, capture_output=True
        )
        with log.open("w") as out:
            # its own process group: a time-out or an interrupt ends pytest and the servers
            # it started too, not just the shell script
            proc = subprocess.Popen(
                [str(clone / ".ci" / "run")],
                cwd=clone,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_default_signals,
            )
            try:
                code = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                code = -1
                out.write(f"\nsoak: .ci/run did not finish within {timeout:.0f} s\n")
            finally:
                if proc.poll() is None or code == -1:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
    text = log.read_text("utf-8", errors="replace")
    failed = sorted(set(FAILED.findall(text)))
    if code == -1:
        failed.append("(timed out)")
    return Outcome(run, code == 0, time.monotonic() - started, failed, log)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--busy", type=int, default=2, help="busy-loop processes (CPU load)")
    parser.add_argument("--timeout", type=float, default=5400, help="seconds per run (a hang)")
    parser.add_argument("--logs", type=Path, default=None, help="keep run logs here")
    args = parser.parse_args(argv)
    if shutil.which("git") is None:
        print("soak: git is needed (each run is a fresh clone)")
        return 2
    logs = args.logs or Path(tempfile.mkdtemp(prefix="fazhi-soak-logs-"))
    logs.mkdir(parents=True, exist_ok=True)
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    print(f"soak: {args.runs} fresh-clone runs of .ci/run at {head}, {args.busy} busy processes")
    print(f"soak: logs in {logs}", flush=True)
    # SIGTERM ends the soak like Ctrl-C: the busy loops and the running suite are stopped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    spinners = [multiprocessing.Process(target=spin, daemon=True) for _ in range(args.busy)]
    for p in spinners:
        p.start()
    outcomes: list[Outcome] = []
    try:
        for run in range(1, args.runs + 1):
            outcome = one_run(run, logs, args.timeout)
            outcomes.append(outcome)
            verdict = "pass" if outcome.passed else "FAIL"
            detail = f"  failing: {', '.join(outcome.failed)}" if outcome.failed else ""
            if not outcome.passed and not outcome.failed:
                detail = f"  (no test named; see {outcome.log})"
            print(
                f"run {run:2d}/{args.runs}: {verdict}  {outcome.seconds:7.0f} s{detail}", flush=True
            )
    finally:
        for p in spinners:
            p.kill()
        for p in spinners:
            p.join()
    passed = sum(o.passed for o in outcomes)
    durations = [o.seconds for o in outcomes]
    print(
        f"soak: {passed}/{len(outcomes)} passed; durations {min(durations):.0f}–"
        f"{max(durations):.0f} s (mean {sum(durations) / len(durations):.0f} s)"
        if outcomes
        else "soak: no runs"
    )
    return 0 if outcomes and passed == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
