"""Time from one clock: two senders whose clocks are 90 s apart (time-machine in one) share a
broadcast without a duplicate and both send, because leases are decided by the database's
clock; ``fazhi health`` warns when the process's clock and the database's differ by > 2 s."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import time_machine
from sqlmodel import Session

from scheduler.delivery.local_channels import read_lines
from scheduler.delivery.outbox import counts, enqueue
from scheduler.store.db import init_db, session_scope

ROOT = Path(__file__).resolve().parents[1]
TOTAL = 300
AHEAD = 90  # seconds
# the runner, with this process's clock moved ahead (time-machine patches time.time and
# datetime.now; asyncio's monotonic clock is left alone)
AHEAD_RUNNER = (
    "import datetime as d, sys, time_machine\n"
    "time_machine.travel(d.datetime.now(d.UTC) + d.timedelta(seconds={ahead}), tick=True).start()\n"
    "from scheduler.delivery.runner import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _runner(url: str, out: Path, go: Path, tag: str, ahead: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FAZHI_OUTBOX_LEASE": "1.5"}
    args = ["--database-url", url, "--file", str(out), "--sender-id", tag, "--drain",
            "--delay", "0.02", "--in-flight", "4", "--wait-for", str(go)]  # fmt: skip
    program = (
        ["-c", AHEAD_RUNNER.format(ahead=ahead)] if ahead else ["-m", "scheduler.delivery.runner"]
    )
    return subprocess.Popen(
        [sys.executable, *program, *args], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.mark.postgres
def test_two_senders_90_seconds_apart_send_each_message_once(pg_url: str, tmp_path: Path) -> None:
    engine = init_db(pg_url)
    with session_scope(engine) as s:
        for i in range(TOTAL):
            enqueue(s, key=f"c{i}", chat_id=str(30_000 + i), body=f"通知 {i}", kind="broadcast")
    out, go = tmp_path / "out.jsonl", tmp_path / "go"
    procs = [_runner(pg_url, out, go, "on-time", 0), _runner(pg_url, out, go, "ahead", AHEAD)]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        go.touch()
        started = time.monotonic()
        for p in procs:
            p.wait(timeout=180)
        print(f"drained in {time.monotonic() - started:.1f} s")
        for p in procs:
            assert p.returncode == 0, p.stderr.read() if p.stderr else ""
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    lines = read_lines(out)
    per_id = Counter(line["id"] for line in lines)
    by_tag = Counter(line["tag"] for line in lines)
    print(f"sent {len(lines)}: {dict(by_tag)}")
    assert len(per_id) == TOTAL and max(per_id.values()) == 1  # none lost, none twice
    assert by_tag["on-time"] > 0 and by_tag["ahead"] > 0  # both sent
    with Session(engine) as s:
        assert counts(s)["sent"] == TOTAL
    engine.dispose()


def test_health_warns_when_the_clocks_differ(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from bot.cli.health import check

    url = f"sqlite:///{tmp_path / 'fazhi.db'}"
    init_db(url).dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    healthy, lines = check()
    assert healthy and not [line for line in lines if "时钟" in line], lines
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=AHEAD)
    with time_machine.travel(ahead, tick=True):
        healthy, lines = check()
    assert healthy  # a warning, not a failure
    (warning,) = [line for line in lines if "时钟" in line]
    assert "快" in warning and "NTP" in warning, warning
