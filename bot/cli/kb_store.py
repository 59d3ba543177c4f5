"""`fazhi kb import/activate/plans/remove/diff`: the plans stored in the database — importing a
document with its preview, activating it for its year (reminders follow), listing, removing,
and comparing two plans."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from bot.cli.common import (
    JsonOpt,
    PipeSafeConsole,
    emit_json,
    fail,
    plan_named,
    stored_context,
)
from knowledge.reading.decode import DocumentError
from knowledge.reading.loader import DEFAULT_PLAN_ID

console = PipeSafeConsole()

YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="替换同一年度的现行要点时不再询问")]


def register(kb_app: typer.Typer) -> None:
    """Add these commands to ``fazhi kb`` (after the reading ones of :mod:`bot.cli.kb`)."""
    kb_app.command("import")(kb_import)
    kb_app.command("activate")(kb_activate)
    kb_app.command("plans")(kb_plans)
    kb_app.command("remove")(kb_remove)
    kb_app.command("diff")(kb_diff)


def _confirm_replace(current: str, new: str, year: int, yes: bool) -> None:
    if yes:
        return
    try:
        ok = typer.confirm(
            f"{year} 年度现行的工作要点是“{current}”，要替换为“{new}”吗？", default=False
        )
    except typer.Abort:
        ok = False
    if not ok:
        fail(f"未替换：{year} 年度仍使用“{current}”（脚本中请加 --yes）。")


def _say(lines: list[str]) -> None:
    """Print what a command did, once its transaction is committed."""
    for line in lines:
        console.print(line, highlight=False)


def _activate(s, row, yes: bool) -> tuple[dict[str, Any], list[str]]:  # noqa: ANN001
    """Activate ``row`` in ``s`` (asking first when it replaces the year's plan in force): the
    JSON answer and the lines to print after the commit."""
    from scheduler.records import plans as store

    current = store.active_row(s, row.year)
    if current is not None and current.id != row.id:
        _confirm_replace(current.slug, row.slug, row.year, yes)
    before = store.active_plans(s)
    old_plan = store.covering(before, row.year)
    store.activate(s, row)
    after = store.active_plans(s)
    new_plan = store.covering(after, row.year)
    from knowledge.plan.units import UnitDirectory

    change = store.reminder_change(s, old_plan, new_plan, UnitDirectory.for_plans(after))
    replaced = current.slug if current is not None and current.id != row.id else None
    said = [
        f"[green]已启用[/green]“{row.slug}”为 {row.year} 年度的工作要点"
        + (f"（替换“{replaced}”）" if replaced else "")
        + "。",
        change.text(),
    ]
    return {
        "activated": row.slug,
        "replaced": replaced,
        "reminders_started": [list(x) for x in change.started],
        "reminders_stopped": [list(x) for x in change.stopped],
        "withdrawn": change.withdrawn,
    }, said


def kb_import(
    file: Annotated[Path, typer.Argument(help="工作要点文件：.txt / .docx / .pdf / .html")],
    activate: Annotated[
        bool, typer.Option("--activate", help="导入后立即启用为该年度的要点")
    ] = False,
    year: Annotated[int | None, typer.Option("--year", help="文件中没有写年度时指明")] = None,
    yes: YesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """导入一份工作要点：显示预览（条目、各角色单位、周期性任务、提示）并保存；同一文件重复导入不做改动。"""
    from bot.chat.render.plan_preview import plan_preview_lines
    from scheduler.records import plans as store
    from scheduler.store.db import session_scope

    try:
        data = file.read_bytes()
    except OSError:
        fail(f"无法读取文件：{file}")
        return
    ctx = stored_context()
    with session_scope(ctx.engine) as s:
        try:
            imported = store.import_bytes(s, data, str(file), year=year, actor="cli")
        except DocumentError as exc:
            if as_json:
                emit_json(
                    {"ok": False, "errors": [{"line": ln, "message": m} for ln, m in exc.problems]}
                )
                raise typer.Exit(1) from None
            fail("导入失败：\n" + exc.describe())
            return
        except store.PlanError as exc:
            fail(str(exc))
            return
        row = imported.row
        slug, active = row.slug, row.active
        out: dict[str, Any] = {
            "ok": True,
            "plan_id": slug,
            "year": row.year,
            "issuer": row.issuer,
            "created": imported.created,
            "items": len(imported.plan.items),
            "obligations": len(imported.plan.obligations),
            "warnings": [{"line": ln, "message": m} for ln, m in imported.result.warnings],
        }
        said = [
            f"[green]已导入[/green]（编号 {slug}）："
            if imported.created
            else f"这个文件已经导入过（编号 {slug}{'，已启用' if active else ''}），未做改动。",
            *plan_preview_lines(imported.plan, imported.result.warnings),
        ]
    # stored (committed): only now is "已导入" true; a refused activation below keeps it
    if not as_json:
        _say(said)
    if activate and not active:
        with session_scope(ctx.engine) as s:
            out["activation"], said = _activate(s, store.find_plan(s, slug), yes)
        if not as_json:
            _say(said)
    elif not as_json and not active:
        console.print(f"用 fazhi kb activate {slug} 启用。", highlight=False)
    if as_json:
        emit_json(out)


def kb_activate(
    plan: Annotated[str, typer.Argument(help="工作要点编号（见 fazhi kb plans）")],
    yes: YesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """启用一份已导入的工作要点为其年度的现行要点（提醒、问答、报表随之更换）。"""
    from scheduler.records import plans as store
    from scheduler.store.db import session_scope

    ctx = stored_context()
    with session_scope(ctx.engine) as s:
        if plan.strip() == DEFAULT_PLAN_ID:
            out, said = _activate_bundled(s, yes)
        else:
            try:
                row = store.find_plan(s, plan)
            except store.PlanError as exc:
                fail(str(exc))
                return
            if row.active:
                out = {"activated": row.slug, "replaced": None, "unchanged": True}
                said = [f"“{row.slug}”已经是 {row.year} 年度的现行要点。"]
            else:
                out, said = _activate(s, row, yes)
    if as_json:
        emit_json(out)
    else:
        _say(said)


def _activate_bundled(s, yes: bool) -> tuple[dict[str, Any], list[str]]:  # noqa: ANN001
    """`kb activate xiangzhou-2021`: the bundled plan is its year's plan again."""
    from knowledge.plan.units import UnitDirectory
    from knowledge.reading.loader import default_plan
    from scheduler.records import plans as store

    year = default_plan().meta.plan_year or 0
    current = store.active_row(s, year)
    if current is None:
        return {"activated": DEFAULT_PLAN_ID, "replaced": None, "unchanged": True}, [
            f"“{DEFAULT_PLAN_ID}”已经是 {year} 年度的现行要点。"
        ]
    _confirm_replace(current.slug, DEFAULT_PLAN_ID, year, yes)
    before = store.active_plans(s)
    store.activate_bundled(s)
    after = store.active_plans(s)
    change = store.reminder_change(
        s, store.covering(before, year), store.covering(after, year), UnitDirectory.for_plans(after)
    )
    said = [
        f"[green]已启用[/green]“{DEFAULT_PLAN_ID}”（内置）为 {year} 年度的工作要点"
        f"（替换“{current.slug}”）。",
        change.text(),
    ]
    return {
        "activated": DEFAULT_PLAN_ID,
        "replaced": current.slug,
        "reminders_started": [list(x) for x in change.started],
        "reminders_stopped": [list(x) for x in change.stopped],
        "withdrawn": change.withdrawn,
    }, said


def kb_plans(as_json: JsonOpt = False) -> None:
    """列出已导入的工作要点：编号、年度、发文单位、是否启用。"""
    from knowledge.reading.loader import default_plan
    from scheduler.records import plans as store
    from scheduler.store.db import session_scope

    ctx = stored_context()
    with session_scope(ctx.engine) as s:
        rows = store.all_rows(s)
        data = [
            {
                "plan_id": r.slug,
                "legacy_id": r.legacy_slug,  # the id before ids were short: still accepted
                "year": r.year,
                "issuer": r.issuer,
                "title": r.title,
                "source": r.source_name,
                "format": r.source_format,
                "sha256": r.sha256,
                "active": r.active,
                "imported_at": r.imported_at.isoformat(),
            }
            for r in rows
        ]
    bundled = default_plan()
    in_use = any(p.plan_id == DEFAULT_PLAN_ID for p in ctx.plans)
    data.insert(
        0,
        {
            "plan_id": DEFAULT_PLAN_ID,
            "legacy_id": None,
            "year": bundled.meta.plan_year,
            "issuer": bundled.meta.issuer,
            "title": bundled.meta.title,
            "source": "内置",
            "format": "text",
            "sha256": "",
            "active": in_use,
            "imported_at": None,
        },
    )
    if as_json:
        emit_json(data)
        return
    table = Table(title="工作要点")
    for col in ("编号", "年度", "发文单位", "标题", "来源", "状态"):
        table.add_column(col, overflow="fold")
    for d in data:
        table.add_row(
            d["plan_id"],
            str(d["year"] or ""),
            d["issuer"],
            d["title"],
            d["source"],
            "启用" if d["active"] else "—",
        )
    console.print(table)


def kb_remove(
    plan: Annotated[str, typer.Argument(help="工作要点编号")],
    yes: YesOpt = False,
) -> None:
    """删除一份导入的工作要点（完成记录和证明材料保留）。"""
    from scheduler.records import plans as store
    from scheduler.store.db import session_scope

    if plan.strip() == DEFAULT_PLAN_ID:
        fail(
            f"“{DEFAULT_PLAN_ID}”是内置的工作要点，不能删除；可以导入并启用同一年度的另一份替换它。"
        )
    ctx = stored_context()
    with session_scope(ctx.engine) as s:
        try:
            row = store.find_plan(s, plan)
        except store.PlanError as exc:
            fail(str(exc))
            return
        if row.active and not yes:
            try:
                ok = typer.confirm(
                    f"“{row.slug}”是 {row.year} 年度的现行要点，确定删除吗？", default=False
                )
            except typer.Abort:
                ok = False
            if not ok:
                fail("未删除（脚本中请加 --yes）。")
        slug = row.slug
        store.remove(s, row)
    console.print(f"已删除“{slug}”；各单位的完成记录保留。", highlight=False)


def kb_diff(
    old: Annotated[str, typer.Argument(help="较早的工作要点编号")],
    new: Annotated[str, typer.Argument(help="较新的工作要点编号")],
    as_json: JsonOpt = False,
) -> None:
    """两份工作要点的差异：新增、删去、改动的条目，责任单位和周期性任务的变化。"""
    from knowledge.plan.diff import diff_dict, diff_plans, diff_text

    d = diff_plans(plan_named(old), plan_named(new))
    if as_json:
        emit_json(diff_dict(d))
        return
    console.print(diff_text(d), highlight=False)
