"""Real sender processes: two on PostgreSQL share 1,000 messages exactly once; a sender killed
with SIGKILL mid-run and restarted loses nothing and duplicates at most the messages it had in
flight per kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from scheduler_fixtures import *  # noqa: F403

from scheduler.delivery.local_channels import read_lines
from scheduler.delivery.outbox import counts, enqueue
from scheduler.store.db import session_scope

ROOT = Path(__file__).resolve().parents[1]


def _fill(engine, n: int) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        for i in range(n):
            enqueue(s, key=f"m{i}", chat_id=str(1000 + i % 7), body=f"消息 {i}")


def _sender(url: str, out: Path, sender_id: str, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "scheduler.delivery.runner", "--database-url", url, "--file", str(out),
         "--sender-id", sender_id, *extra],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _wait_lines(path: Path, n: int, proc: subprocess.Popen, limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while len(read_lines(path)) < n:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "sender made no progress"
        time.sleep(0.01)


@pytest.mark.postgres
def test_two_sender_processes_drain_1000_exactly_once(pg_url: str, tmp_path: Path) -> None:
    from scheduler.store.db import init_db

    engine = init_db(pg_url)
    _fill(engine, 1000)
    out, go = tmp_path / "out.jsonl", tmp_path / "go"
    procs = [
        _sender(pg_url, out, f"host:{n}", "--drain", "--delay", "0.002", "--wait-for", str(go))
        for n in "AB"
    ]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    go.touch()
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    lines = read_lines(out)
    ids = Counter(line["id"] for line in lines)
    assert len(lines) == 1000 and len(ids) == 1000  # each delivered exactly once
    per_sender = Counter(line["tag"] for line in lines)
    assert set(per_sender) == {"host:A", "host:B"}  # both shared the work (SKIP LOCKED)
    with session_scope(engine) as s:
        assert counts(s)["sent"] == 1000
    engine.dispose()


@pytest.mark.parametrize("in_flight", [1, 4])
def test_sigkill_mid_run_loses_nothing_duplicates_at_most_in_flight_per_kill(
    db_url: str, tmp_path: Path, in_flight: int
) -> None:
    from scheduler.store.db import init_db

    engine = init_db(db_url)
    total, kills = 240, 3
    _fill(engine, total)
    out = tmp_path / "out.jsonl"
    for k in range(1, kills + 1):
        proc = _sender(
            db_url, out, "host:worker", "--delay", "0.003", "--in-flight", str(in_flight)
        )
        _wait_lines(out, k * total // (kills + 1), proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
    proc = _sender(db_url, out, "host:worker", "--drain")  # restarted with the same id
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    ids = Counter(line["id"] for line in read_lines(out))
    assert len(ids) == total  # every message delivered
    duplicates = sum(n - 1 for n in ids.values())
    assert duplicates <= kills * in_flight  # at most the messages in flight, per kill
    with session_scope(engine) as s:
        c = counts(s)
    assert c["sent"] == total and c["sending"] == 0 and c["queued"] == 0
    engine.dispose()
