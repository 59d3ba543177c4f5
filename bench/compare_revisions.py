"""Before and after: the same measurements on two revisions of the project, interleaved.

A refactoring (moving modules, splitting classes) should change no figure beyond noise. This
checks it: the base revision is checked out into a temporary worktree with a virtual
environment of its own, and each round measures the base tree, then this tree (the order
alternates round by round so a machine that grows busier slows both alike). It prints the median
of each figure per tree and the ratio this / base.

Measured through interfaces both revisions have:
- ``fazhi ask "…"`` (start-up plus one answer) and ``fazhi units list``: CPU seconds and peak
  resident memory of the process (``os.wait4``; CPU time is far less sensitive to a busy
  machine than wall time);
- ``fazhi ask --batch`` over a question set: CPU seconds and peak memory;
- the chat core answering ``--updates`` varied questions in-process: CPU seconds (what the
  updates benchmark measures, without its network and scheduling noise);
- ``bench.bench_updates`` and ``bench.bench_memory`` of each tree: their "fazhi / echo" ratio,
  itself taken against the echo bot in the same run.

    python -m bench.compare_revisions eb710e9
    python -m bench.compare_revisions eb710e9 --rounds 5 --skip updates,memory
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "tests" / "data" / "qa_heldout_blind.jsonl"
RATIO = re.compile(r"fazhi / echo\s+([\d.]+)x")
# CPU seconds for N varied questions handed to the chat core in-process (no Telegram, no
# server): what the updates benchmark measures, without its network and scheduling noise.
CHAT_CORE = """
import sys, tempfile, time
try:
    from bot.chat.incoming import ChatContext
except ImportError:  # before the chat core was split into features
    from bot.chat.core import ChatContext
from bench.bench_updates import bench_database_url
from bench.questions import questions
from bot.runtime.compose import build_assistant
from bot.runtime.settings import Settings
n = int(sys.argv[1])
d = tempfile.mkdtemp()
a = build_assistant(Settings(_env_file=None, database_url=bench_database_url(d),
                             fazhi_data_dir=d, fazhi_questions_per_minute=1000))
qs = list(questions(n))
for q in qs[:50]:
    a.handle_text(ChatContext(chat_id="1", user_id="1"), q)
t = time.process_time()
for i, q in enumerate(qs):
    a.handle_text(ChatContext(chat_id=str(100 + i % 100), user_id=str(100 + i % 100)), q)
print(time.process_time() - t)
"""


@dataclass(frozen=True)
class Tree:
    name: str
    path: Path

    @property
    def python(self) -> str:
        return str(self.path / ".venv" / "bin" / "python")

    @property
    def fazhi(self) -> str:
        return str(self.path / ".venv" / "bin" / "fazhi")


def _run(
    cmd: list[str], cwd: Path, env: dict[str, str], stdin: Path | None = None, check: bool = True
) -> tuple:
    """Run ``cmd``; returns (CPU seconds, peak RSS MiB, stdout) of that process alone. A
    benchmark that misses its own target exits 1 and still gives its figures: ``check=False``."""
    with tempfile.TemporaryFile() as out:
        src = stdin.open("rb") if stdin else subprocess.DEVNULL
        try:
            proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=src, stdout=out, stderr=out)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if stdin:
                src.close()  # type: ignore[union-attr]
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{text[-2000:]}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text


def prepare(rev: str, where: Path) -> Tree:
    """A worktree of ``rev`` with its own installed virtual environment."""
    path = where / "base"
    subprocess.run(
        ["git", "worktree", "add", "--detach", "-f", str(path), rev],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    print(f"installing {rev} into {path} …", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(path / ".venv")], check=True)
    subprocess.run(
        [str(path / ".venv/bin/python"), "-m", "pip", "install", "-q", "-e", ".[dev]"],
        cwd=path,
        check=True,
    )
    return Tree(rev, path)


def measures(questions: Path, updates: int, memory_questions: int) -> dict[str, Callable]:
    """Each figure's name → a function of (tree, env) returning {figure: value}."""

    def ask(tree: Tree, env: dict[str, str]) -> dict[str, float]:
        cpu, rss, _ = _run([tree.fazhi, "ask", "第十四条 我单位要做什么"], tree.path, env)
        return {"ask: CPU s": cpu, "ask: peak MiB": rss}

    def units(tree: Tree, env: dict[str, str]) -> dict[str, float]:
        cpu, rss, _ = _run([tree.fazhi, "units", "list"], tree.path, env)
        return {"units list: CPU s": cpu, "units list: peak MiB": rss}

    def batch(tree: Tree, env: dict[str, str]) -> dict[str, float]:
        cmd = [tree.fazhi, "ask", "--batch", "-"]
        cpu, rss, _ = _run(cmd, tree.path, env, stdin=questions)
        return {f"ask --batch ({_lines(questions)} q): CPU s": cpu, "ask --batch: peak MiB": rss}

    def core(tree: Tree, env: dict[str, str]) -> dict[str, float]:
        cmd = [tree.python, "-c", CHAT_CORE, str(updates)]
        _, _, text = _run(cmd, tree.path, {**env, "PYTHONPATH": str(tree.path)})
        return {f"chat core ({updates} q): CPU s": float(text.strip().splitlines()[-1])}

    def bench(module: str, args: list[str], label: str) -> Callable:
        def run(tree: Tree, env: dict[str, str]) -> dict[str, float]:
            _, _, text = _run(
                [tree.python, "-m", f"bench.{module}", *args], tree.path, env, check=False
            )
            found = RATIO.search(text)
            if not found:
                raise RuntimeError(f"{module}: no 'fazhi / echo' line in:\n{text[-1500:]}")
            return {label: float(found.group(1))}

        return run

    return {
        "startup": ask,
        "units": units,
        "qa": batch,
        "core": core,
        "updates": bench("bench_updates", ["--updates", str(updates)], "updates: fazhi/echo rate"),
        "memory": bench(
            "bench_memory", ["--questions", str(memory_questions)], "memory: fazhi/echo RSS"
        ),
    }


def _lines(path: Path) -> int:
    return sum(1 for line in path.read_text("utf-8").splitlines() if line.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="the revision to compare against (a commit, tag or branch)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--skip", default="", help="comma-separated: startup,units,qa,updates,memory"
    )
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--memory-questions", type=int, default=2000)
    args = parser.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    chosen = {
        k: f
        for k, f in measures(args.questions, args.updates, args.memory_questions).items()
        if k not in skip
    }
    with tempfile.TemporaryDirectory(prefix="fazhi-compare-") as tmp:
        where = Path(tmp)
        base = prepare(args.base, where)
        head = Tree("this tree", ROOT)
        try:
            figures = _rounds(chosen, (base, head), args.rounds, where)
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base.path)],
                cwd=ROOT,
                capture_output=True,
            )
    _report(figures, base, head, args.rounds)
    return 0


def _rounds(
    chosen: dict[str, Callable], trees: tuple[Tree, Tree], rounds: int, where: Path
) -> dict[str, dict[str, list[float]]]:
    figures: dict[str, dict[str, list[float]]] = {t.name: {} for t in trees}
    for r in range(rounds):
        order = trees if r % 2 == 0 else trees[::-1]
        for tree in order:
            env = {**os.environ, "FAZHI_DATA_DIR": str(where / f"data-{tree.name}-{r}")}
            env.pop("DATABASE_URL", None)
            env.pop("TELEGRAM_BOT_TOKEN", None)
            started = time.perf_counter()
            for fn in chosen.values():
                for label, value in fn(tree, env).items():
                    figures[tree.name].setdefault(label, []).append(value)
            took = time.perf_counter() - started
            print(f"round {r + 1}/{rounds}  {tree.name:<12} {took:6.1f} s", flush=True)
    return figures


def _report(
    figures: dict[str, dict[str, list[float]]], base: Tree, head: Tree, rounds: int
) -> None:
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nmedians of {rounds} interleaved rounds; load average now {load}")
    print(f"{'figure':<34}{base.name:>12}{head.name:>12}{'this/base':>11}")
    for label, before in figures[base.name].items():
        after = figures[head.name][label]
        b, a = statistics.median(before), statistics.median(after)
        spread = (
            f"  (base {min(before):.3g}–{max(before):.3g}, this {min(after):.3g}–{max(after):.3g})"
        )
        print(f"{label:<34}{b:>12.3f}{a:>12.3f}{a / b if b else 0:>10.2f}x{spread}")


if __name__ == "__main__":
    raise SystemExit(main())
