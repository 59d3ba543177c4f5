"""Memory benchmark: the bot's resident memory after N varied questions, against a PTB echo bot.

Each app runs in a process of its own (``python -m bench.bench_memory --serve APP URL``) that
long-polls the fake Bot API server run here; this process injects ``--questions`` varied
questions (:mod:`bench.questions`) from ``--senders`` private chats, waits until each has been
answered, and reads the app process's resident memory (VmRSS) and thread count at start and
at the end. The server's own records stay in this process, so they weigh on neither app.

fazhi's database is migrated first by ``fazhi db upgrade`` in a process of its own, as a
deployment's database is before the bot (re)starts: the bot then opens it without Alembic. A
bot that finds its database behind the shipped migrations upgrades it itself at start and
carries Alembic (about 11 MiB) until it is restarted.

Target: fazhi's resident memory after 10,000 varied questions ≤ 1.5× the echo bot's.

    python -m bench.bench_memory
    python -m bench.bench_memory --questions 2000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from bench.questions import questions
from tests.fakes import FakeBotApi

TARGET_RATIO = 1.5
ROOT = Path(__file__).resolve().parents[1]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise RuntimeError(f"no thread count for process {pid}")


def migrate(data_dir: str) -> None:
    """``fazhi db upgrade`` on the benchmark's database, in a process of its own."""
    from bench.bench_updates import bench_database_url

    env = {**os.environ, "PYTHONPATH": str(ROOT), "FAZHI_DATA_DIR": data_dir}
    cli = [sys.executable, "-c", "from bot.cli.main import main; main()", "db", "upgrade"]
    subprocess.run(
        [*cli, "--database-url", bench_database_url(data_dir)],
        cwd=data_dir, env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip


async def serve(app_name: str, token: str, base_url: str, data_dir: str | None) -> None:
    """Child mode: run one app against the server until killed."""
    from functools import partial

    from bench.bench_updates import echo_app, fazhi_app

    server = SimpleNamespace(
        token=token,
        base_url=base_url,
        base_file_url=base_url.rsplit("/bot", 1)[0] + "/file/bot",
    )
    factories = {"echo": echo_app, "fazhi": partial(fazhi_app, data_dir=data_dir)}
    app = factories[app_name](server)  # type: ignore[arg-type]
    async with app:
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        print("ready", flush=True)
        await asyncio.Event().wait()


@dataclass
class Footprint:
    start: float  # MiB resident once ready
    end: float  # … after the questions
    seconds: float
    complete: bool  # every question answered
    threads: int  # at the end


def measure(app_name: str, count: int, senders: int) -> Footprint:
    """One app's footprint in a process of its own (fazhi on a database migrated before)."""
    with FakeBotApi() as server, tempfile.TemporaryDirectory(prefix="fazhi-mem-") as data_dir:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        child = [sys.executable, "-m", "bench.bench_memory"]
        if app_name == "fazhi":
            migrate(data_dir)
            child += ["--data-dir", data_dir]
        proc = subprocess.Popen(
            [*child, "--serve", app_name, server.token, server.base_url],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready", f"{app_name} did not start"
            start = rss_mib(proc.pid)
            started = time.perf_counter()
            done = 0
            batch = 500
            texts = list(questions(count))
            for i in range(0, count, batch):  # in batches, as users send them: not one burst
                for j, text in enumerate(texts[i : i + batch], start=i):
                    server.inject_text(1 + j % senders, text)
                done = min(count, i + batch)
                if not server.wait_for(lambda s, n=done: s.delivered_count >= n, 120):
                    break
            seconds = time.perf_counter() - started
            complete = server.delivered_count >= count
            end = rss_mib(proc.pid)
            threads_end = threads(proc.pid)
        finally:
            proc.kill()
            proc.wait(timeout=30)
    return Footprint(start, end, seconds, complete, threads_end)


def run(count: int, senders: int) -> bool:
    results = {name: measure(name, count, senders) for name in ("echo", "fazhi")}
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"questions per app   {count} varied (from {senders} private chats), load {load}")
    print(f"{'app':<8}{'start MiB':>11}{'end MiB':>10}{'growth':>9}{'threads':>9}{'seconds':>9}")
    for name, r in results.items():
        flag = "" if r.complete else "  INCOMPLETE"
        print(
            f"{name:<8}{r.start:>11.1f}{r.end:>10.1f}{r.end - r.start:>+9.1f}"
            f"{r.threads:>9}{r.seconds:>9.1f}{flag}"
        )
    ratio = results["fazhi"].end / results["echo"].end
    ok = ratio <= TARGET_RATIO and all(r.complete for r in results.values())
    print(
        f"fazhi / echo        {ratio:.2f}x resident memory after {count} questions "
        f"(target <= {TARGET_RATIO}x): " + ("met" if ok else "MISSED")
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=200, help="distinct private chats")
    parser.add_argument(
        "--serve", nargs=3, metavar=("APP", "TOKEN", "BASE_URL"), help=argparse.SUPPRESS
    )
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(serve(*args.serve, args.data_dir))
        return 0
    return 0 if run(args.questions, args.senders) else 1


if __name__ == "__main__":
    sys.exit(main())
