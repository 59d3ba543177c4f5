"""`fazhi ask`: answer a question from the knowledge base, or a batch of them (JSON lines).

fazhi ask "第十四条 我单位要做什么" --unit 区司法局 [--json]
fazhi ask --batch questions.jsonl      # or --batch - for stdin
"""

from __future__ import annotations

import io
import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.console import Console

from knowledge.decode import DocumentError
from knowledge.qa import QAEngine, UnknownUnitError
from knowledge.qa.query.conversation import Conversations

err_console = Console(stderr=True, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("ask", help="回答关于工作要点的问题（单个问题，或 --batch 批量 JSON 行）。")(ask)


def _fail(message: str, code: int = 2) -> None:
    err_console.print(f"[red]错误：[/red]{message}", highlight=False)
    raise typer.Exit(code)


def _engine(plan: str | None) -> QAEngine:
    try:
        engine = QAEngine.default()
    except DocumentError as exc:
        _fail(f"工作要点无法读取：\n{exc.describe()}", 1)
        raise
    if plan is not None and plan not in engine.plans:
        _fail(f"没有编号为“{plan}”的工作要点。可用：{'、'.join(engine.plans)}")
    return engine


def _read_batch(path: Path) -> str:
    """The whole batch file as text, checked before the first answer is written."""
    if path.is_dir():
        _fail(f"“{path}”是一个文件夹：--batch 需要一个 JSON 行文件（每行一个问题）。")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        _fail(f"找不到文件“{path}”：请检查路径。")
        raise
    except OSError as exc:
        _fail(f"无法读取文件“{path}”：{exc.strerror or exc}。")
        raise
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
        raise


def ask(
    question: Annotated[
        str | None, typer.Argument(help="问题，例如：第十四条 我单位要做什么")
    ] = None,
    unit: Annotated[str | None, typer.Option("--unit", "-u", help="提问者所在单位")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch",
            help='JSON 行文件（每行 {"q": …, "unit": …, "session": …}，同一 session 为一次对话），“-” 表示标准输入',
        ),
    ] = None,
    plan: Annotated[str | None, typer.Option("--plan", help="工作要点编号（默认：第一份）")] = None,
    today: Annotated[
        str | None, typer.Option("--today", help="按此日期计算截止日（YYYY-MM-DD）")
    ] = None,
) -> None:
    day = _parse_date(today)
    if batch is not None:
        if question is not None:
            _fail("--batch 与单个问题不能同时使用。")
        engine = _engine(plan)
        if batch == "-":
            run_batch(engine, sys.stdin, sys.stdout, day, plan)
        else:
            text = _read_batch(Path(batch))
            run_batch(engine, io.StringIO(text), sys.stdout, day, plan)
        return
    if question is None or not question.strip():
        _fail('请给出问题，例如：fazhi ask "第十四条 我单位要做什么" --unit 区司法局')
        return
    engine = _engine(plan)
    if unit is not None:
        try:
            unit = engine.resolve_unit(unit)
        except UnknownUnitError as exc:
            _fail(str(exc))
    answer = engine.answer(question, unit=unit, today=day, plan_id=plan)
    if as_json:
        typer.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(answer.text)


def answer_line(
    engine: QAEngine,
    line: str,
    today: date | None = None,
    plan: str | None = None,
    sessions: Conversations | None = None,
) -> dict[str, Any]:
    """One batch line to one JSON object: the answer, or {"error": …} for bad input. Lines
    with the same ``"session"`` are the turns of one conversation, in order."""
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
    result = answer.to_dict()
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
    sessions = Conversations(ttl=float("inf"))
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        result = answer_line(engine, line, today, plan, sessions)
        if "error" in result:
            result = {"line": number, **result}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
