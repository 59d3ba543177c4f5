"""Every command of the installed ``fazhi`` script, given bad input (a missing file, a folder,
a binary file, a wrong encoding, an out-of-range number, an unknown name, a broken database),
ends with one Chinese sentence and a non-zero exit code — never a traceback. ``-v`` adds the
traceback.

Commands are found by walking the Typer app, so a command added later is covered too: those
without hand-written cases get generated ones (each argument and option fed something bad)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import typer

from bot.cli.main import build_app

FAZHI = Path(sys.executable).with_name("fazhi")
UNKNOWN = "不存在的名称甲乙"
BROKEN_DB = "mysql://nobody@nowhere/none"
LEAKS = ("Traceback", 'File "', "[SQL:", "Error:", "Exception", "Usage:")
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Case:
    argv: tuple[str, ...]
    expect: str = ""  # a word the sentence must contain
    env: dict[str, str] = field(default_factory=dict, hash=False)
    fresh_home: bool = False  # an empty data home (no database yet)


@dataclass(frozen=True)
class Files:
    missing: Path
    folder: Path
    binary: Path
    gbk: Path
    holidays_gbk: Path
    holidays_wrong_year: Path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    root = tmp_path_factory.mktemp("bad-input")
    binary = root / "image.toml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    gbk = root / "questions.jsonl"
    gbk.write_bytes('{"q": "第十四条讲什么"}\n'.encode("gbk"))
    holidays_gbk = root / "holidays-gbk.toml"
    holidays_gbk.write_bytes(
        'year = 2028\nsource = "国务院办公厅通知"\n[[holiday]]\nname = "元旦"\ndate = "2028-01-01"\n'.encode(
            "gbk"
        )
    )
    wrong_year = root / "holidays-2028.toml"
    wrong_year.write_text(
        'year = 2028\n[[holiday]]\nname = "元旦"\nstart = "2029-01-01"\nend = "2029-01-03"\n',
        "utf-8",
    )
    (root / "folder").mkdir()
    return Files(root / "missing.toml", root / "folder", binary, gbk, holidays_gbk, wrong_year)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data home with a migrated database (most bad input is about something else)."""
    path = tmp_path_factory.mktemp("home")
    # `units list` also fills the unit registry, which parallel first runs would race to do
    proc = _run(("units", "list"), {"FAZHI_DATA_DIR": str(path)}, path)
    assert proc.returncode == 0, proc.stderr
    return path


def _run(argv: tuple[str, ...], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FAZHI_DEBUG")}
    full |= {"COLUMNS": "80", "TELEGRAM_BOT_TOKEN": "", **env}
    return subprocess.run(
        [str(FAZHI), *argv],
        capture_output=True,
        text=True,
        env=full,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def leaf_commands() -> Iterator[tuple[tuple[str, ...], object]]:
    def walk(cmd: object, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], object]]:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                yield from walk(sub, (*path, name))
        else:
            yield path, cmd

    yield from walk(typer.main.get_command(build_app()), ())


# Long-running commands are driven with bad input in their own tests (a closed port for
# `fazhi run`, Ctrl-C for `fazhi chat`); here they get what ends them at once.
def explicit_cases(f: Files) -> dict[tuple[str, ...], list[Case]]:
    return {
        ("ask",): [
            Case(("ask", "--batch", str(f.binary)), "UTF-8"),
            Case(("ask", "--batch", str(f.folder)), "文件夹"),
            Case(("ask", "--batch", str(f.missing)), "找不到"),
            Case(("ask", "--batch", str(f.gbk)), "UTF-8"),
            Case(("ask", "第十四条", "--unit", UNKNOWN), UNKNOWN),
            Case(("ask", "第十四条", "--today", "2026-13-45"), "日期"),
            Case(("ask", "第十四条", "--plan", UNKNOWN), UNKNOWN),
        ],
        ("done",): [
            Case(("done", UNKNOWN, "学法"), UNKNOWN),
            Case(("done", "区司法局", UNKNOWN), UNKNOWN),
            Case(
                ("done", "区司法局", "学法", "--period", "2026Q5"),
                "2026年第一季度 到 2026年第四季度",
            ),
            Case(("done", "区司法局", "学法", "--period", "99999Q1"), "期间"),
            Case(("done", "区司法局", "学法"), "DATABASE_URL", {"DATABASE_URL": BROKEN_DB}),
        ],
        ("undo",): [
            Case(("undo", "区司法局", "学法", "--period", "2026Q1"), "没有完成记录"),
            Case(("undo", UNKNOWN, "学法"), UNKNOWN),
        ],
        ("report",): [
            Case(
                ("report", "-o", str(f.folder / "no" / "such" / "r.csv"), "--format", "csv"),
                "不存在",
            ),
            Case(("report", "-o", str(f.folder), "--format", "xlsx"), "文件夹"),
            Case(("report", "--period", "2026Q9"), "2026年第一季度 到 2026年第四季度"),
            Case(("report", "--format", "pdf"), "pdf"),
        ],
        ("run",): [
            Case(("run", "--webhook", "x"), "TELEGRAM_BOT_TOKEN"),  # no token: ends at once
        ],
        ("chat",): [
            Case(("chat",), "DATABASE_URL", {"DATABASE_URL": BROKEN_DB}),
        ],
        ("health",): [
            Case(("health",), "fazhi db upgrade", fresh_home=True),  # no database yet
            Case(("health",), "DATABASE_URL", {"DATABASE_URL": BROKEN_DB}),
            Case(
                ("health",),
                "DATABASE_URL",
                {"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none?connect_timeout=2"},
            ),
        ],
        ("kb", "list"): [Case(("kb", "list", "--plan", UNKNOWN), UNKNOWN)],
        ("kb", "show"): [
            Case(("kb", "show", "99999999999999999999999"), "没有第"),
            Case(("kb", "show", UNKNOWN), UNKNOWN),
        ],
        ("kb", "units"): [Case(("kb", "units", "--plan", UNKNOWN), UNKNOWN)],
        ("kb", "obligations"): [Case(("kb", "obligations", "--plan", UNKNOWN), UNKNOWN)],
        ("kb", "check"): [
            Case(("kb", "check", str(f.binary)), "图片"),  # the file is a PNG
            Case(("kb", "check", str(f.folder)), "目录"),
            Case(("kb", "check", str(f.missing)), "找不到"),
        ],
        ("kb", "import"): [
            Case(("kb", "import", str(f.binary)), "图片"),
            Case(("kb", "import", str(f.folder)), str(f.folder)),
        ],
        ("db", "upgrade"): [
            Case(("db", "upgrade", "--database-url", BROKEN_DB), "mysql"),
            Case(("db", "upgrade", "--database-url", "sqlite://"), "SQLite"),
        ],
        ("schedule", "preview"): [
            Case(("schedule", "preview", "--year", "99999"), "99999"),
            Case(("schedule", "preview", "--year", "0"), "年份"),
            Case(("schedule", "preview", "--year", "abc"), "整数"),
            Case(("schedule", "preview", "--unit", UNKNOWN), UNKNOWN),
        ],
        ("schedule", "run"): [
            Case(("schedule", "run", "--channel", "foo"), "foo"),
            Case(("schedule", "run", "--channel", f"file:{f.folder}/no/such/out.jsonl"), "不存在"),
            Case(("schedule", "run", "--channel", f"file:{f.folder}"), "文件路径"),
        ],
        ("units", "add"): [
            Case(("units", "add", "司法局", "--category", "town"), "区司法局"),  # an alias
            Case(("units", "add", "区司法局", "--category", "department"), "已存在"),
            Case(("units", "add", "区信仿局", "--category", "department"), "--yes"),  # near-dup
            Case(("units", "add", "新单位", "--category", UNKNOWN), UNKNOWN),
            Case(("units", "add"), "NAME"),
        ],
        ("units", "remove"): [
            Case(("units", "remove", UNKNOWN), UNKNOWN),
            Case(("units", "remove", "区司法局"), "不能删除"),
        ],
        ("units", "rename"): [
            Case(("units", "rename", UNKNOWN, "新名称"), UNKNOWN),
            Case(("units", "rename", "区司法局", "区法务局"), "不能删除或改名"),
        ],
        ("units", "list"): [Case(("units", "list"), "DATABASE_URL", {"DATABASE_URL": BROKEN_DB})],
        ("holidays", "import"): [
            Case(("holidays", "import", str(f.binary)), "二进制"),
            Case(("holidays", "import", str(f.folder)), "文件夹"),
            Case(("holidays", "import", str(f.missing)), "找不到"),
            Case(("holidays", "import", str(f.holidays_wrong_year)), "2029-01-01"),
            Case(("holidays", "import", str(f.holidays_gbk), "--year", "2027"), "不一致"),
        ],
        ("nosuch",): [Case(("nosuch",), "没有命令")],
    }


def generated_cases(path: tuple[str, ...], command: object, f: Files) -> list[Case]:
    """Bad input for a command without hand-written cases, from its parameters."""
    params = list(getattr(command, "params", []))

    def bare(p: object) -> str:
        try:
            return str(p.bare_type())  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001
            return str(getattr(getattr(p, "type", None), "name", ""))

    required = [p for p in params if p.param_type_name == "argument" and p.required]
    cases: list[Case] = []
    path_args = [p for p in required if "path" in bare(p).lower()]
    fillers: list[tuple[str, ...]] = [tuple(UNKNOWN for _ in required)]
    if path_args:
        for bad in (f.missing, f.folder, f.binary):
            fillers.append(
                tuple(str(bad) if p in path_args else UNKNOWN for p in required)  # type: ignore[misc]
            )
    for args in fillers:
        cases.append(Case((*path, *args)))
        cases.append(Case((*path, *args), env={"DATABASE_URL": BROKEN_DB}))
    for p in params:
        if p.param_type_name != "option" or getattr(p, "is_flag", False):
            continue
        value = "99999999999999999999" if bare(p) == "int" else UNKNOWN
        cases.append(Case((*path, *fillers[0], p.opts[0], value)))
    cases.append(Case((*path, "--no-such-option")))
    return cases


def all_cases(f: Files) -> list[tuple[tuple[str, ...], Case]]:
    explicit = explicit_cases(f)
    out: list[tuple[tuple[str, ...], Case]] = []
    for path, command in leaf_commands():
        for case in explicit.get(path) or generated_cases(path, command, f):
            out.append((path, case))
    out += [(("nosuch",), c) for c in explicit[("nosuch",)]]
    return out


def test_every_command_has_bad_input_cases(files: Files) -> None:
    commands = {path for path, _ in leaf_commands()}
    assert {("done",), ("undo",), ("units", "remove"), ("health",)} <= commands
    covered = {path for path, _ in all_cases(files)}
    assert commands <= covered


def test_bad_input_is_one_sentence_and_a_failure(files: Files, home: Path, tmp_path: Path) -> None:
    cases = all_cases(files)
    explicit = explicit_cases(files)

    def run(item: tuple[tuple[str, ...], Case]) -> tuple[tuple[str, ...], Case, int, str, str]:
        path, case = item
        data = tmp_path / f"fresh-{abs(hash(case.argv))}" if case.fresh_home else home
        proc = _run(case.argv, {"FAZHI_DATA_DIR": str(data), **case.env}, tmp_path)
        return path, case, proc.returncode, proc.stdout, proc.stderr

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(run, cases))
    failed_somewhere: set[tuple[str, ...]] = set()
    problems: list[str] = []
    for path, case, code, out, err in results:
        shown = f"{case.argv} env={case.env} exit={code}\nstdout={out[-600:]}\nstderr={err[-1200:]}"
        lines = [line for line in err.splitlines() if line.strip()]
        if any(leak in err or leak in out for leak in LEAKS):
            problems.append("leak: " + shown)
        elif code != 0:
            failed_somewhere.add(path)
            if not lines or not CJK.search(lines[-1]):
                problems.append("no Chinese sentence: " + shown)
        if path in explicit and (code == 0 or case.expect not in err):
            problems.append(f"expected a failure naming {case.expect!r}: " + shown)
    assert not problems, "\n\n".join(problems)
    assert {path for path, _ in cases} == failed_somewhere  # every command refused something


def test_verbose_adds_the_traceback(home: Path, tmp_path: Path) -> None:
    env = {"FAZHI_DATA_DIR": str(home), "DATABASE_URL": BROKEN_DB}
    for argv in (("db", "upgrade", "-v"), ("-v", "units", "list"), ("units", "list", "--verbose")):
        proc = _run(argv, env, tmp_path)
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" in proc.stderr and "DatabaseURLError" in proc.stderr
        assert proc.stderr.rstrip().splitlines()[-1].startswith("错误：")
    quiet = _run(("units", "list"), env, tmp_path)
    assert "Traceback" not in quiet.stderr and quiet.stderr.startswith("错误：")


def test_holidays_in_gbk_are_read(files: Files, home: Path, tmp_path: Path) -> None:
    proc = _run(
        ("holidays", "import", str(files.holidays_gbk)), {"FAZHI_DATA_DIR": str(home)}, tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert "2028年：已导入 1 天" in proc.stdout and "国务院办公厅通知" in proc.stdout


def test_run_without_network_says_why_in_one_sentence(tmp_path: Path) -> None:
    from tests.test_run_unreachable import stop_cleanly, wait_for

    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FAZHI_DEBUG")},
        "FAZHI_DATA_DIR": str(tmp_path / "data"),
        "TELEGRAM_BOT_TOKEN": "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi",
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:1/bot",  # nothing listens on port 1
    }
    log = tmp_path / "run.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [str(FAZHI), "run"], env=env, cwd=tmp_path, stdout=out, stderr=out, text=True
        )
    text = wait_for(proc, log, lambda t: "第 1 次尝试失败" in t)
    stop_cleanly(proc, log)  # it retries until stopped (tests/test_run_unreachable.py)
    assert "Traceback" not in text and 'File "' not in text
    assert "ABCDEFGHIJ" not in text  # the token is never shown
    failure = next(line for line in text.splitlines() if "无法连接 Telegram Bot API（" in line)
    assert failure.rstrip().endswith("请检查网络、代理或 TELEGRAM_API_BASE_URL。")
    assert f"数据目录：{tmp_path / 'data'}" in text  # the start-up log names the data home
