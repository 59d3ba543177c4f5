"""`fazhi config show` and `fazhi config set`: every setting with its value and where it came
from, and a setting written into ``fazhi.env`` in the data home (found from any folder).

The lookup order (environment, then ``.env`` in the working folder, then ``fazhi.env``) is
:mod:`bot.runtime.sources`; secrets are shown as ``***`` and a database URL without its
password (:mod:`scheduler.store.redaction`).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli.common import JsonOpt, console, emit_json, fail
from bot.runtime import sources

config_app = typer.Typer(
    help="查看和修改设置：查找顺序为环境变量、当前文件夹的 .env、数据目录的 fazhi.env。",
    no_args_is_help=True,
)

# settings read outside the settings model, with the defaults of the modules that read them
OTHER_DEFAULTS = {
    "FAZHI_OUTBOX_LEASE": "30",
    "FAZHI_POLLER_LEASE": "30",
    "FAZHI_DB_TIMEOUT": "15",
    "FAZHI_DEBUG": "",
}
POSITIVE_NUMBERS = ("FAZHI_OUTBOX_LEASE", "FAZHI_POLLER_LEASE", "FAZHI_DB_TIMEOUT")
_LINE_KEY = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")
_PLAIN = re.compile(r"[\w./:@,+%-]*")


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")


def _default(key: str) -> str | None:
    from bot.runtime.settings import Settings

    field = Settings.model_fields.get(key.lower())
    if field is None:
        return OTHER_DEFAULTS.get(key)
    default = field.default
    if default is None:
        return None
    if isinstance(default, bool):
        return "true" if default else "false"
    return str(default)


def _rows() -> list[dict[str, Any]]:
    found = sources.lookup()
    rows = []
    for key in sources.KNOWN:
        item = found.get(key) or sources.Found(key, _default(key), sources.DEFAULT)
        rows.append(
            {
                "key": key,
                "value": sources.shown(key, item.value) if item.value is not None else None,
                "source": item.source,
                "secret": sources.KNOWN[key],
            }
        )
    return rows


def order_line() -> str:
    """The lookup order with this folder's ``.env`` and the data home's ``fazhi.env``."""
    return f"查找顺序（先找到的为准）：环境变量 > {sources.local_file()} > {sources.home_file()}"


@config_app.command("show")
def show(json_out: JsonOpt = False) -> None:
    """列出每一项设置、它的值（令牌、密钥等显示为 ***，数据库地址隐去密码）和来源。"""
    rows = _rows()
    if json_out:
        emit_json(rows)
        return
    console.print(order_line(), highlight=False, markup=False)
    width = max(len(r["key"]) for r in rows)
    for r in rows:
        value = {None: "（未设置）", "": "（空）"}.get(r["value"], r["value"])
        console.print(
            f"  {r['key']:<{width}}  {value}  [{r['source']}]", highlight=False, markup=False
        )


def _refuse_unknown(key: str) -> None:
    known = "、".join(k for k in sources.KNOWN if k != sources.DATA_DIR_KEY)
    fail(f"没有名为“{key}”的设置，可设置的有：{known}。")


def _validate(key: str, value: str) -> None:
    """One sentence and exit when ``value`` is not valid for ``key``."""
    if key in POSITIVE_NUMBERS:
        try:
            ok = float(value) > 0
        except ValueError:
            ok = False
        if not ok:
            fail(f"{key} 的值“{value}”无效：应为大于 0 的秒数。")
        return
    from pydantic import ValidationError, create_model

    from bot.runtime.settings import Settings

    field = Settings.model_fields.get(key.lower())
    if field is None:
        return
    one = create_model("One", value=(field.annotation, field))
    try:
        one(value=value)
    except ValidationError as exc:
        kind = exc.errors()[0]["type"]
        need = {
            "int_parsing": "应为整数",
            "float_parsing": "应为数字",
            "bool_parsing": "应为 true 或 false",
        }.get(kind, "超出允许的范围或格式不对（见 .env.example 中的说明）")
        fail(f"{key} 的值“{value}”无效：{need}。")
    if key == "FAZHI_ADMIN_IDS":
        try:
            _ = Settings.model_construct(fazhi_admin_ids=value).admin_ids
        except ValueError as exc:
            fail(str(exc).rstrip("。") + "。")


def quoted(value: str) -> str:
    """``value`` as a ``.env`` line writes it: bare when it has no blank, quote or ``#``; else
    single-quoted (python-dotenv reads ``\\'`` and ``\\\\`` back)."""
    if _PLAIN.fullmatch(value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def updated_text(old: str, key: str, value: str) -> str:
    """``old`` (a ``.env`` file's text) with ``key`` set to ``value``: its line replaced in
    place (later duplicates dropped), or appended; comments and other lines kept."""
    line = f"{key}={quoted(value)}"
    out: list[str] = []
    placed = False
    for raw in old.splitlines():
        match = _LINE_KEY.match(raw)
        if match and match[1].upper() == key:
            if not placed:
                out.append(line)
                placed = True
            continue
        out.append(raw)
    if not placed:
        out.append(line)
    return "\n".join(out) + "\n"


@config_app.command("set")
def set_(
    key: Annotated[str, typer.Argument(help="设置名，例如 DATABASE_URL（大小写均可）")],
    value: Annotated[
        str,
        typer.Argument(help="新值；写 - 则从标准输入读一行（令牌、密码不留在命令历史里）"),
    ],
) -> None:
    """把一项设置写入数据目录的 fazhi.env（在任何文件夹运行 fazhi 都会读到它）。"""
    key = key.strip().upper()
    if key == sources.DATA_DIR_KEY:
        fail(
            "FAZHI_DATA_DIR 决定 fazhi.env 本身的位置，不能写在 fazhi.env 里："
            "请设为环境变量或写入当前文件夹的 .env。"
        )
    if key not in sources.KNOWN:
        _refuse_unknown(key)
    if value == "-":
        value = sys.stdin.readline().rstrip("\r\n")
    if any(c in value for c in "\r\n\x00"):
        fail(f"{key} 的值不能包含换行或空字符。")
    _validate(key, value)
    path = sources.home_file()
    _write(path, key, value)
    console.print(
        f"已写入 {path}：{key}={sources.shown(key, value)}", highlight=False, markup=False
    )
    winner = sources.lookup().get(key)
    if winner is not None and winner.source != str(path):
        console.print(
            f"注意：{key} 目前取自 {winner.source}，它优先于 fazhi.env；"
            "要让新值生效，请删去那里的设置。",
            highlight=False,
            markup=False,
        )


def _write(path: Path, key: str, value: str) -> None:
    from bot.cli.output import write_atomic

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        old = path.read_text("utf-8") if path.is_file() else ""
        write_atomic(path, updated_text(old, key, value).encode("utf-8"))
    except UnicodeDecodeError:
        fail(f"{path} 不是 UTF-8 文本文件，无法修改：请检查或删除该文件后重试。")
    except OSError as exc:
        fail(f"无法写入 {path}：{exc.strerror or exc}。")
