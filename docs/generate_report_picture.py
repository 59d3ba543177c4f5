"""Draw docs/report-2026.png, the compliance picture README shows, from the current code.

    python docs/generate_report_picture.py              # rewrite docs/report-2026.png
    python docs/generate_report_picture.py -o r.png     # write it elsewhere

A demo data home in a temporary folder gets what an operator would do, through the `fazhi`
command line itself (so its checks apply): three towns added, a few completions recorded with
`fazhi done` on 1 July 2026, 10:00 Beijing time (the clock is set with time-machine, a dev
dependency, so the picture does not change with the day it is drawn). Recording 学法 for the
court is tried too and must be refused: by the binding rules that obligation does not bind the
court, so the picture shows the court's 学法 cells as 不适用. The picture is
`fazhi report --period 2026 --format png` of that data home. Nothing outside the temporary
folder is read or written (no `.env`, no `fazhi.env`, no user data home) except the output.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "report-2026.png"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
TODAY = dt.datetime(2026, 7, 1, 10, 0, tzinfo=SHANGHAI)  # Q1, Q2 past; Q3, Q4 to come
TOWNS = ("张家集镇", "黄集镇", "古驿镇")
# (unit, obligation key, period): completions an operator records; each binds its unit
DONE = (
    ("区司法局", "i1-annual_report", "2026"),
    ("区司法局", "i1-report_publish", "2026"),
    ("区司法局", "i2-study", "2026Q1"),
    ("区司法局", "i2-study", "2026Q2"),
    ("区司法局", "i4-meeting", "2026"),
    ("区发改局", "i1-annual_report", "2026"),
    ("区发改局", "i2-study", "2026Q1"),
    ("区发改局", "i2-study", "2026Q2"),
    ("区公安局", "i1-annual_report", "2026"),
    ("区公安局", "i2-study", "2026Q1"),
    ("区法院", "i1-annual_report", "2026"),
    ("区法院", "i1-report_publish", "2026"),
    ("张家集镇", "i1-annual_report", "2026"),
    ("张家集镇", "i2-training", "2026"),
    ("张家集镇", "i4-meeting", "2026"),
    ("黄集镇", "i2-court_hearing", "2026"),
)
# a completion the command line refuses: 学法 binds the government's departments, not the court
REFUSED = ("区法院", "i2-study", "2026Q1")


def _fazhi(*args: str) -> tuple[int, str, str]:
    """Run one `fazhi` command in this process; (exit code, stdout, stderr)."""
    from bot.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    saved = sys.argv
    sys.argv = ["fazhi", *args]
    code: Any = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.argv = saved
    return (code if isinstance(code, int) else 1), out.getvalue(), err.getvalue()


def _ok(*args: str) -> str:
    code, out, err = _fazhi(*args)
    if code != 0:
        raise RuntimeError(f"fazhi {' '.join(args)} failed ({code}): {err or out}")
    return out


def generate(output: Path) -> list[dict[str, Any]]:
    """Write the picture to ``output``; return the same report as `fazhi report --json` rows."""
    import time_machine

    output = output.absolute()
    saved_env, saved_cwd = dict(os.environ), Path.cwd()
    with tempfile.TemporaryDirectory(prefix="fazhi-demo-") as home:
        os.environ["FAZHI_DATA_DIR"] = home
        for name in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "DINGTALK_CLIENT_ID"):
            os.environ.pop(name, None)
        os.chdir(home)  # no .env of the working folder is read
        db = ("--database-url", f"sqlite:///{Path(home) / 'fazhi.db'}")
        try:
            with time_machine.travel(TODAY, tick=True):
                _ok("db", "upgrade", *db)
                for town in TOWNS:
                    _ok("units", "add", town, "--category", "镇", "--yes", *db)
                for unit, key, period in DONE:
                    _ok("done", unit, key, "--period", period, "--by", "演示", *db)
                code, _out, err = _fazhi("done", *REFUSED[:2], "--period", REFUSED[2], *db)
                if code != 1 or "不约束" not in err:
                    raise RuntimeError(f"fazhi done {' '.join(REFUSED)} was not refused: {err}")
                _ok("report", "--period", "2026", "--format", "png", "-o", str(output), *db)
                rows = json.loads(_ok("report", "--period", "2026", "--json", *db))
        finally:
            os.chdir(saved_cwd)
            os.environ.clear()
            os.environ.update(saved_env)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT, help="the PNG to write")
    args = parser.parse_args(argv)
    rows = generate(args.output)
    done = sum(1 for r in rows if r["state"] == "done")
    print(f"wrote {args.output} ({len(rows)} binding cells, {done} done)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
