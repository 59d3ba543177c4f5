"""Start-up benchmark: how long the commands that do not start the bot take as fresh processes.

Each command runs as a subprocess ``--repeat`` times, the commands interleaved round by round
so that a busy machine slows them alike; the medians (with min-max) are printed with each
command's ratio to the baseline, ``python -c "import telegram"`` (the bare cost of the bot's
main library), measured in the same run, and met/MISSED against the target (each ≤ 1.5×).

Byte-code caches are compiled first (``compileall`` on fazhi's packages), as in the image,
where ``pip install .`` compiles them: ``PYTHONDONTWRITEBYTECODE=1`` (set in the image and
often in CI) would otherwise make every run compile fazhi's sources again. ``fazhi health``
and ``fazhi units list`` run against a migrated SQLite file in a temporary directory.

    python -m bench.bench_startup
    python -m bench.bench_startup --repeat 15
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTION = "第十四条 我单位要做什么"
RATIO_TARGET = 1.5
BASELINE = "python -c 'import telegram'"
PACKAGES = ("bot", "scheduler", "knowledge")


def fazhi_command() -> list[str]:
    """The installed ``fazhi`` script next to this interpreter, else the module."""
    script = Path(sys.executable).with_name("fazhi")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli.main"]


def commands() -> dict[str, list[str]]:
    fazhi = fazhi_command()
    return {
        "python -c 'import telegram'": [sys.executable, "-c", "import telegram"],
        "fazhi ask": [*fazhi, "ask", QUESTION],
        "fazhi health": [*fazhi, "health"],
        "fazhi units list": [*fazhi, "units", "list"],
    }


def compile_bytecode() -> None:
    """Write the ``.pyc`` files of fazhi's packages, as ``pip install .`` does in the image."""
    import compileall
    import importlib.util

    for package in PACKAGES:
        spec = importlib.util.find_spec(package)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            compileall.compile_dir(folder, quiet=1)


def spread(ts: list[float]) -> str:
    return f"{min(ts):.3f}-{max(ts):.3f}"


def time_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of one run of ``argv``."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read() if proc.stderr else ""
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}):\n{err}")
    if proc.stderr:
        proc.stderr.close()
    return seconds, usage.ru_utime + usage.ru_stime


def run(repeat: int) -> bool:
    with tempfile.TemporaryDirectory(prefix="fazhi-startup-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env |= {"FAZHI_DATA_DIR": tmp, "TELEGRAM_BOT_TOKEN": ""}
        subprocess.run(
            [*fazhi_command(), "db", "upgrade"], env=env, check=True, capture_output=True
        )
        compile_bytecode()
        cmds = commands()
        times: dict[str, list[float]] = {name: [] for name in cmds}
        cpus: dict[str, list[float]] = {name: [] for name in cmds}
        for argv in cmds.values():  # warm the file cache and byte-code once
            time_once(argv, env)
        for _ in range(repeat):
            for name, argv in cmds.items():
                wall, cpu = time_once(argv, env)
                times[name].append(wall)
                cpus[name].append(cpu)
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    cpu_medians = {name: statistics.median(ts) for name, ts in cpus.items()}
    baseline = medians[BASELINE]
    load = os.getloadavg()
    print(f"load average        {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"runs per command    {repeat} (interleaved; median wall (min-max); median CPU)")
    all_met = True
    for name, ts in times.items():
        ratio = medians[name] / baseline
        line = (
            f"{name:<28}{medians[name]:7.3f} s ({spread(ts)})  {ratio:5.2f}x   "
            f"CPU {cpu_medians[name]:.3f} s ({spread(cpus[name])}) "
            f"{cpu_medians[name] / cpu_medians[BASELINE]:5.2f}x"
        )
        if name != BASELINE:
            met = ratio <= RATIO_TARGET
            all_met &= met
            line += f"  target <= {RATIO_TARGET}x: " + ("met" if met else "MISSED")
        print(line)
    return all_met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args(argv)
    return 0 if run(args.repeat) else 1


if __name__ == "__main__":
    sys.exit(main())
