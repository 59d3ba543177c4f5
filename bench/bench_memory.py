"""Memory benchmark: the bot's resident memory after N varied questions, against a PTB echo bot.

Each app runs in a process of its own (``python -m bench.bench_memory --serve APP URL``) that
long-polls the fake Bot API server run here; this process injects ``--questions`` varied
questions (:mod:`bench.questions`) from ``--senders`` private chats, waits until each has been
answered, and reads the app process's resident memory (VmRSS) at start and at the end. The
server's own records stay in this process, so they weigh on neither app.

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
import time
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


async def serve(app_name: str, token: str, base_url: str) -> None:
    """Child mode: run one app against the server until killed."""
    from bench.bench_updates import echo_app, fazhi_app

    server = SimpleNamespace(
        token=token,
        base_url=base_url,
        base_file_url=base_url.rsplit("/bot", 1)[0] + "/file/bot",
    )
    app = {"echo": echo_app, "fazhi": fazhi_app}[app_name](server)  # type: ignore[arg-type]
    async with app:
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        print("ready", flush=True)
        await asyncio.Event().wait()


def measure(app_name: str, count: int, senders: int) -> tuple[float, float, float, bool]:
    """(MiB at start, MiB at the end, seconds, all answered) for one app."""
    with FakeBotApi() as server:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.bench_memory", "--serve", app_name,
             server.token, server.base_url],
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
        finally:
            proc.kill()
            proc.wait(timeout=30)
    return start, end, seconds, complete


def run(count: int, senders: int) -> bool:
    results = {name: measure(name, count, senders) for name in ("echo", "fazhi")}
    print(f"questions per app   {count} varied (from {senders} private chats)")
    print(f"{'app':<8}{'start MiB':>11}{'end MiB':>10}{'seconds':>9}")
    for name, (start, end, seconds, complete) in results.items():
        flag = "" if complete else "  INCOMPLETE"
        print(f"{name:<8}{start:>11.1f}{end:>10.1f}{seconds:>9.1f}{flag}")
    ratio = results["fazhi"][1] / results["echo"][1]
    ok = ratio <= TARGET_RATIO and all(r[3] for r in results.values())
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
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(serve(*args.serve))
        return 0
    return 0 if run(args.questions, args.senders) else 1


if __name__ == "__main__":
    sys.exit(main())
