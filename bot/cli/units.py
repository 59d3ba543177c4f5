"""`fazhi units …`: the unit directory (add, list, remove, rename) and each unit's liaisons
(`fazhi units liaison add/remove/list`), audited."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.common import (
    DbOpt,
    JsonOpt,
    console,
    emit_json,
    fail,
    load_context,
    user_errors,
)
from knowledge.plan.model import CATEGORY_LABELS, UnitCategory
from scheduler.records.access import add_liaison, list_liaisons, remove_liaison
from scheduler.records.unit_registry import (
    active_unit,
    add_unit,
    check_new_name,
    list_units,
    remove_unit,
    rename_unit,
    resolve_unit,
    similar_units,
)
from scheduler.store.db import session_scope
from scheduler.timing.clock import local

units_app = typer.Typer(
    help="单位名录：添加、列出、删除、改名；联络员（units liaison）。", no_args_is_help=True
)
liaison_app = typer.Typer(
    help="单位联络员：可在单位群里确认任务、提交材料、申请改登记的人（指定、取消、列出）。",
    no_args_is_help=True,
)
units_app.add_typer(liaison_app, name="liaison")


def register(app: typer.Typer) -> None:
    app.add_typer(units_app, name="units")


# -- units ------------------------------------------------------------------------------------
@units_app.command("add")
def units_add(
    name: Annotated[str, typer.Argument(help="单位名称，如 张家集镇")],
    category: Annotated[
        str,
        typer.Option(
            "--category",
            "-c",
            help="类别（英文或中文均可）："
            + "、".join(f"{c.value}（{CATEGORY_LABELS[c]}）" for c in UnitCategory),
        ),
    ],
    alias: Annotated[list[str] | None, typer.Option("--alias", help="别名，可多次给出")] = None,
    actor: Annotated[str, typer.Option("--by", help="操作人（记入审计日志）")] = "cli",
    yes: Annotated[bool, typer.Option("--yes", "-y", help="名称与已有单位相近时不再询问")] = False,
    database_url: DbOpt = None,
) -> None:
    """添加一个单位（如文件只以“各镇(街、区)”概括的镇、街道）。

    已是单位名称或别名的名称会被拒绝；与已有单位相近时先询问（--yes 跳过询问）。"""
    with user_errors():
        ctx = load_context(database_url)
        with session_scope(ctx.engine) as s:
            directory = ctx.directory(s)
            check_new_name(directory, name, alias or ())
            near = similar_units(directory, name)
        if near and not yes:
            question = f"“{name}”与已有单位 {'、'.join(near)} 相近，确定要另外添加吗？"
            if not sys.stdin.isatty():
                fail(f"{question[:-1]}：确定是另一个单位请加 --yes 重新运行。")
            if not typer.confirm(question, default=False):
                console.print("未添加。")
                raise typer.Exit(1)
        with session_scope(ctx.engine) as s:
            row = add_unit(s, name, category, actor=actor, aliases=alias or ())
        console.print(f"已添加单位：{row.name}（{CATEGORY_LABELS[UnitCategory(row.category)]}）")


@units_app.command("remove")
def units_remove(
    name: Annotated[str, typer.Argument(help="要删除的单位（只限用 units add 添加的）")],
    actor: Annotated[str, typer.Option("--by", help="操作人（记入审计日志）")] = "cli",
    database_url: DbOpt = None,
) -> None:
    """删除一个添加过的单位：不再提醒，登记的聊天解除登记；完成记录保留。"""
    with user_errors():
        ctx = load_context(database_url)
        with session_scope(ctx.engine) as s:
            canonical = resolve_unit(ctx.directory(s), name)
            row, chats = remove_unit(s, canonical, actor)
    console.print(
        f"已删除单位：{row.name}"
        + (f"（{chats} 个聊天已解除登记）" if chats else "")
        + "。完成记录保留；需要时可用 units add 恢复。"
    )


@units_app.command("rename")
def units_rename(
    name: Annotated[str, typer.Argument(help="现在的名称")],
    new_name: Annotated[str, typer.Argument(help="新名称")],
    actor: Annotated[str, typer.Option("--by", help="操作人（记入审计日志）")] = "cli",
    database_url: DbOpt = None,
) -> None:
    """给添加过的单位改名；旧名称保留为别名，聊天、完成记录和提醒随之更新。"""
    with user_errors():
        ctx = load_context(database_url)
        with session_scope(ctx.engine) as s:
            directory = ctx.directory(s)
            canonical = resolve_unit(directory, name)
            row = rename_unit(s, directory, canonical, new_name, actor)
    console.print(f"已改名：{canonical} → {row.name}（旧名称保留为别名）。")


@units_app.command("list")
def units_list(as_json: JsonOpt = False, database_url: DbOpt = None) -> None:
    """列出全部单位。"""
    with user_errors():
        ctx = load_context(database_url)
        with session_scope(ctx.engine) as s:
            rows = [
                {
                    "name": u.name,
                    "category": u.category,
                    "source": u.source,
                    "aliases": [a for a in u.aliases.split("、") if a],
                }
                for u in list_units(s)
            ]
    if as_json:
        emit_json(rows)
        return
    table = Table(title=f"单位名录（{len(rows)} 个）")
    for col in ("单位", "类别", "来源", "别名"):
        table.add_column(col, overflow="fold")
    source = {"directory": "名录", "admin": "管理员添加"}
    for r in rows:
        table.add_row(
            r["name"],
            CATEGORY_LABELS[UnitCategory(r["category"])],
            source.get(r["source"], r["source"]),
            "、".join(r["aliases"]),
        )
    console.print(table)


# -- liaisons ---------------------------------------------------------------------------------
UserIdArg = Annotated[str, typer.Argument(help="联络员的 Telegram 用户ID（数字）")]


def _user_id(text: str) -> str:
    text = text.strip()
    if not text.isdigit() or len(text) > 20:
        fail(f"“{text[:30]}”不是 Telegram 用户ID（应为数字）。")
    return text


@liaison_app.command("add")
def liaison_add(
    unit: Annotated[str, typer.Argument(help="单位，如 区司法局 / 司法局")],
    user_id: UserIdArg,
    name: Annotated[str, typer.Option("--name", help="联络员姓名（便于辨认）")] = "",
    actor: Annotated[str, typer.Option("--by", help="操作人（记入审计日志）")] = "cli",
    database_url: DbOpt = None,
) -> None:
    """指定单位联络员（如在有联络员制度之前登记的单位群）。"""
    user_id = _user_id(user_id)
    with user_errors():
        ctx = load_context(database_url)
        with session_scope(ctx.engine) as s:
            row = active_unit(s, ctx.directory(s), unit)
            add_liaison(s, row.id, user_id, name.strip()[:200], actor)  # type: ignore[arg-type]
            unit_name = row.name
    who = f"{name.strip()}（{user_id}）" if name.strip() else f"用户 {user_id}"
    console.print(f"已指定{who}为“{unit_name}”的联络员。")


@liaison_app.command("remove")
def liaison_remove(
    unit: Annotated[str, typer.Argument(help="单位")],
    user_id: UserIdArg,
    actor: Annotated[str, typer.Option("--by", help="操作人（记入审计日志）")] = "cli",
    database_url: DbOpt = None,
) -> None:
    """取消单位联络员。"""
    user_id = _user_id(user_id)
    with user_errors():
        ctx = load_context(database_url)
        with session_scope(ctx.engine) as s:
            row = active_unit(s, ctx.directory(s), unit)
            remove_liaison(s, row.id, user_id, actor)  # type: ignore[arg-type]
            unit_name = row.name
    console.print(f"用户 {user_id} 不再是“{unit_name}”的联络员。")


@liaison_app.command("list")
def liaison_list(
    unit: Annotated[str | None, typer.Argument(help="只列某单位的")] = None,
    as_json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """列出单位联络员。"""
    with user_errors():
        ctx = load_context(database_url)
        with session_scope(ctx.engine) as s:
            only = active_unit(s, ctx.directory(s), unit).id if unit else None
            rows = [
                {
                    "unit": u.name,
                    "user_id": li.user_id,
                    "name": li.name,
                    "approved_by": li.approved_by,
                    "approved_at": local(li.approved_at).isoformat(timespec="seconds"),
                }
                for li, u in list_liaisons(s, only)
            ]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        console.print("还没有联络员。用 fazhi units liaison add 单位 用户ID 指定。")
        return
    table = Table(title=f"单位联络员（{len(rows)} 人）")
    for col in ("单位", "用户ID", "姓名", "指定人", "时间（北京时间）"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            r["unit"],
            r["user_id"],
            r["name"],
            r["approved_by"],
            r["approved_at"][:16].replace("T", " "),
        )
    console.print(table)


# -- heads (负责人) -----------------------------------------------------------------------------
@units_app.command("head")
def units_head(
    unit: Annotated[str, typer.Argument(help="单位，如 区司法局 / 司法局")],
    name: Annotated[str, typer.Option("--name", help="负责人姓名")] = "",
    chat: Annotated[
        str, typer.Option("--chat", help="负责人的聊天ID：Telegram 用户ID（数字）或钉钉ID（dt:…）")
    ] = "",
    clear: Annotated[bool, typer.Option("--clear", help="清除该单位的负责人")] = False,
    actor: Annotated[str, typer.Option("--by", help="操作人（记入审计日志）")] = "cli",
    database_url: DbOpt = None,
) -> None:
    """查看或登记单位负责人：任务逾期一定工作日后，督办提醒会发给负责人（见 escalation.toml）。

    只写单位即查看；--name 和 --chat 一起给出即登记；--clear 清除。"""
    from scheduler.records.unit_heads import clear_head, set_head

    with user_errors():
        ctx = load_context(database_url)
        with session_scope(ctx.engine) as s:
            directory = ctx.directory(s)
            if clear:
                row = clear_head(s, directory, unit, actor)
                console.print(f"已清除“{row.name}”的负责人。")
                return
            if name or chat:
                row = set_head(s, directory, unit, name, chat, actor)
                console.print(
                    f"已登记“{row.name}”的负责人：{row.head_name}（{row.head_chat_id}）。"
                )
                return
            row = active_unit(s, directory, unit)
            if row.head_chat_id:
                console.print(f"“{row.name}”的负责人：{row.head_name}（{row.head_chat_id}）。")
            else:
                console.print(
                    f"“{row.name}”还没有登记负责人。用 fazhi units head {row.name} "
                    "--name 姓名 --chat 聊天ID 登记。"
                )
