"""`fazhi ask`: answer a question from the knowledge base, or a batch of them (JSON lines).

fazhi ask "第十四条 我单位要做什么" --unit 区司法局 [--json]
fazhi ask --batch questions.jsonl      # or --batch - for stdin

Why argparse here and not Typer like the other commands: ``fazhi ask`` is the command people
and scripts run one question at a time, so its start-up counts (``bench/bench_startup.py``:
target ≤ 1.5× ``import telegram``), and Typer imports pydantic and Rich, which together cost
about as much as importing the Telegram library. The options are defined once, here;
:func:`bot.cli.main.main` calls :func:`main` before any CLI framework is imported, and the Typer app
lists ``ask`` as a pass-through to the same :func:`main` (``fazhi --help``, tests). Errors speak
as the rest of the CLI does (:mod:`bot.runtime.error_boundary`): one Chinese sentence, an exit code, the
traceback only with ``-v``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from bot.runtime.error_boundary import EXIT_USAGE, VERBOSE, VERBOSE_FLAGS, report, verbose_requested

if TYPE_CHECKING:
    import typer

    from knowledge.plan.model import WorkPlan
    from knowledge.plan.units import UnitDirectory
    from knowledge.qa import QAEngine
    from knowledge.qa.query.conversation import Conversations

HELP = "回答关于工作要点的问题（单个问题，或 --batch 批量 JSON 行）。"
USAGE_HINT = "用法见 fazhi ask --help"


class AskExit(Exception):  # noqa: N818 - an exit, as typer.Exit
    """End the command with ``code`` after the message has been printed."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None) -> None:  # noqa: ANN001
        super().add_usage(usage, actions, groups, "用法：")


class _Parser(argparse.ArgumentParser):
    """argparse with its usage errors as one Chinese sentence (as Click's are in the other
    commands, :func:`bot.runtime.error_boundary.usage_sentence`)."""

    def error(self, message: str) -> NoReturn:
        _fail(_usage_sentence(message), EXIT_USAGE)


def _usage_sentence(message: str) -> str:
    if message.startswith("unrecognized arguments: "):
        words = message.removeprefix("unrecognized arguments: ").split()
        options = [w for w in words if w.startswith("-")]
        if options:
            return f"没有选项 {options[0]}：{USAGE_HINT}。"
        return f"多余的参数：{' '.join(words)}（含空格的内容请加引号）：{USAGE_HINT}。"
    if message.startswith("argument ") and "expected one argument" in message:
        option = message.removeprefix("argument ").split(":")[0].split("/")[0]
        return f"选项 {option} 需要一个值：{USAGE_HINT}。"
    return f"命令行有误（{message}）：{USAGE_HINT}。"


def parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="fazhi ask",
        description=HELP,
        formatter_class=_Formatter,
        allow_abbrev=False,
        add_help=False,
    )
    p._positionals.title = "参数"  # noqa: SLF001 - argparse's English group titles
    p._optionals.title = "选项"  # noqa: SLF001
    p.add_argument("question", nargs="?", help="问题，例如：第十四条 我单位要做什么")
    p.add_argument("--unit", "-u", help="提问者所在单位")
    p.add_argument("--json", dest="as_json", action="store_true", help="以 JSON 输出")
    p.add_argument(
        "--batch",
        help='JSON 行文件（每行如 {"q": "问题", "unit": "单位", "session": "对话编号"}，同一 session 为一次对话），'
        "“-” 表示标准输入",
    )
    p.add_argument("--plan", help="工作要点编号（默认：第一份）")
    p.add_argument("--today", help="按此日期计算截止日（YYYY-MM-DD）")
    p.add_argument(*VERBOSE_FLAGS, action="store_true", help="出错时显示详细信息（traceback）")
    p.add_argument("--help", "-h", action="help", help="显示本帮助并退出")
    return p


def _fail(message: str, code: int = 2) -> NoReturn:
    color = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    label = "\033[31m错误：\033[0m" if color else "错误："
    print(f"{label}{message}", file=sys.stderr, flush=True)
    raise AskExit(code)


def main(argv: Sequence[str], verbose: bool = False) -> int:
    """Run ``fazhi ask`` with ``argv`` (the words after ``ask``); the exit code."""
    verbose = verbose or verbose_requested(argv)
    try:
        args = parser().parse_args(list(argv))
        ask(args.question, args.unit, args.as_json, args.batch, args.plan, args.today)
    except AskExit as exc:
        return exc.code
    except BrokenPipeError:  # the reader had enough (fazhi ask … | head): no error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except BaseException as exc:  # noqa: BLE001 - the boundary, as run_cli's
        return report(exc, verbose)
    return 0


def register(app: typer.Typer) -> None:
    """List ``ask`` in the Typer app: its words go to :func:`main` unparsed."""
    import typer

    def ask_command(ctx: typer.Context) -> None:
        code = main(ctx.args, VERBOSE.get())
        if code:
            raise typer.Exit(code)

    ask_command.__annotations__ = {"ctx": typer.Context, "return": None}  # not strings
    app.command(
        "ask",
        help=HELP,
        add_help_option=False,
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )(ask_command)


def stored_plans() -> tuple[list[WorkPlan], UnitDirectory] | None:
    """The active plans of the configured database and the registry's units, which the bot
    follows too; None when there is no database yet (nothing was imported: the bundled plan,
    and no start-up cost)."""
    from knowledge.datahome import data_dir

    local = not os.environ.get("DATABASE_URL", "").strip()
    if local and (
        not (data_dir() / "fazhi.db").exists() or _holds_nothing(data_dir() / "fazhi.db")
    ):
        return None
    from knowledge.plan.units import UnitDirectory
    from scheduler.records.plans import active_plans
    from scheduler.records.unit_directory import registry_directory
    from scheduler.store.db import init_db, session_scope

    engine = init_db(None)
    try:
        with session_scope(engine) as s:
            plans = active_plans(s)
            return plans, registry_directory(s, UnitDirectory.for_plans(plans))
    finally:
        engine.dispose()


def _holds_nothing(path: Path) -> bool:
    """True when the data home's SQLite database is at the head revision and holds no active
    imported plan, no override and no active unit beyond the bundled directory's: the question
    engine is then the bundled one (:meth:`QAEngine.default`, as :func:`stored_plans` would build it), and the ORM
    (about 0.5 s of imports) is not needed. Any doubt (an error, a revision behind): False."""
    import sqlite3
    from contextlib import closing

    from scheduler.store.heads import migration_heads

    try:
        with closing(sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)) as db:
            at = sorted(row[0] for row in db.execute("SELECT version_num FROM alembic_version"))
            if ",".join(at) != ",".join(sorted(migration_heads())):
                return False
            if any(
                db.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]
                for table in ("plan WHERE active", "obligation_override")
            ):
                return False
            names = [row[0] for row in db.execute("SELECT name FROM unit WHERE active")]
    except sqlite3.Error:
        return False
    from knowledge.reading.loader import default_directory

    known = default_directory().units  # the registry's seeded units add nothing to it
    return all(name in known for name in names)


def _engine(plan: str | None, day: date | None = None) -> QAEngine:
    """The question engine over the active plans (as the bot's), the one in force first."""
    from knowledge.qa import QAEngine
    from knowledge.reading.decode import DocumentError

    try:
        stored = stored_plans()
        if stored is None:
            engine = QAEngine.default()
        else:  # as the bot's engine (bot.chat.state): the plan in force today first
            from scheduler.records.plans import ordered_for

            engine = QAEngine(ordered_for(stored[0], day or _today()), stored[1])
    except DocumentError as exc:
        _fail(f"工作要点无法读取：\n{exc.describe()}", 1)
    if plan is not None and plan not in engine.plans:
        _fail(f"没有编号为“{plan}”的工作要点。可用：{'、'.join(engine.plans)}")
    return engine


def _today() -> date:
    from scheduler.timing.clock import today

    return today()


def plan_note(engine: QAEngine, plan_id: str, day: date | None) -> str:
    """ "按2026年度工作要点" when the answer must name its plan's year (more than one plan is
    active, or the plan is not the current year's: :func:`knowledge.plan.years.names_year`)."""
    from knowledge.plan.years import YearPlan, names_year

    if plan_id not in engine.plans:
        return ""
    plans = [p.plan for p in engine.plans.values()]
    current = (day or _today()).year
    chosen = YearPlan(engine.plans[plan_id].plan, current)
    if not names_year(plans, chosen, current) or not chosen.year:
        return ""
    return f"按{chosen.year}年度工作要点（{plan_id}）"


def _named(result: dict[str, Any], note: str) -> dict[str, Any]:
    """The answer with the plan it follows named (once, in front of the text)."""
    if not note:
        return result
    result["plan_label"] = note
    if note.split("（")[0] not in result.get("text", ""):
        result["text"] = f"{note}：\n{result.get('text', '')}"
    return result


def _read_batch(path: Path) -> str:
    """The whole batch file as text, checked before the first answer is written."""
    if path.is_dir():
        _fail(f"“{path}”是一个文件夹：--batch 需要一个 JSON 行文件（每行一个问题）。")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        _fail(f"找不到文件“{path}”：请检查路径。")
    except OSError as exc:
        _fail(f"无法读取文件“{path}”：{exc.strerror or exc}。")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = ""
    if "\x00" in text or (data and not text):
        _fail(
            f"“{path}”不是 UTF-8 文本（可能是二进制文件或 GBK 编码）："
            "--batch 需要 UTF-8 编码的 JSON 行文件。"
        )
    return text


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"日期格式不对：“{value}”，应为 YYYY-MM-DD。")


def ask(
    question: str | None,
    unit: str | None = None,
    as_json: bool = False,
    batch: str | None = None,
    plan: str | None = None,
    today: str | None = None,
) -> None:
    from knowledge.qa import UnknownUnitError

    day = _parse_date(today)
    if batch is not None:
        if question is not None:
            _fail("--batch 与单个问题不能同时使用。")
        engine = _engine(plan, day)
        if batch == "-":
            run_batch(engine, sys.stdin, sys.stdout, day, plan)
        else:
            text = _read_batch(Path(batch))
            run_batch(engine, io.StringIO(text), sys.stdout, day, plan)
        return
    if question is None or not question.strip():
        _fail('请给出问题，例如：fazhi ask "第十四条 我单位要做什么" --unit 区司法局')
    engine = _engine(plan, day)
    if unit is not None:
        try:
            unit = engine.resolve_unit(unit)
        except UnknownUnitError as exc:
            _fail(str(exc))
    answer = engine.answer(question, unit=unit, today=day, plan_id=plan)
    result = _named(answer.to_dict(), plan_note(engine, answer.plan_id, day))
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(result["text"])


def answer_line(
    engine: QAEngine,
    line: str,
    today: date | None = None,
    plan: str | None = None,
    sessions: Conversations | None = None,
) -> dict[str, Any]:
    """One batch line to one JSON object: the answer, or {"error": …} for bad input. Lines
    with the same ``"session"`` are the turns of one conversation, in order."""
    from knowledge.qa import UnknownUnitError

    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"第{exc.colno}列附近不是合法的 JSON：{exc.msg}"}
    if not isinstance(data, dict):
        return {"error": '每行应是一个 JSON 对象，例如 {"q": "第十四条讲什么", "unit": null}'}
    q = data.get("q")
    if not isinstance(q, str) or not q.strip():
        return {"error": "缺少问题字段 “q”（字符串）。"}
    unit = data.get("unit")
    if unit is not None and not isinstance(unit, str):
        return {"error": "“unit” 应为字符串或 null。"}
    warning = None
    if unit:
        try:
            unit = engine.resolve_unit(unit)
        except UnknownUnitError as exc:
            # still answer the question (as from an unregistered chat) and say why
            warning, unit = str(exc), None
    session = data.get("session")
    if session is not None and not isinstance(session, (str, int)):
        return {"error": "“session” 应为字符串或数字。"}
    line_today = today
    if isinstance(data.get("today"), str):
        try:
            line_today = date.fromisoformat(data["today"])
        except ValueError:
            return {"error": f"日期格式不对：“{data['today']}”，应为 YYYY-MM-DD。"}
    key = str(session) if session is not None else None
    turn = sessions.get(key) if (sessions is not None and key is not None) else None
    answer, new_turn = engine.converse(
        q, unit=unit or None, today=line_today, plan_id=plan, turn=turn
    )
    if sessions is not None and key is not None:
        sessions.put(key, new_turn)
    result = _named(answer.to_dict(), plan_note(engine, answer.plan_id, line_today))
    if key is not None:
        result["session"] = session
    if warning:
        result["warning"] = warning
        result["text"] = f"{warning}\n{result['text']}".strip()
    return result


def run_batch(
    engine: QAEngine,
    lines: TextIO,
    out: TextIO,
    today: date | None = None,
    plan: str | None = None,
) -> None:
    """Answer each non-blank JSON line; one JSON line out per line in, in order. Lines with
    the same "session" value are one conversation (follow-ups use the earlier turns)."""
    from knowledge.qa.query.conversation import Conversations

    sessions = Conversations(ttl=float("inf"))
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        result = answer_line(engine, line, today, plan, sessions)
        if "error" in result:
            result = {"line": number, **result}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
