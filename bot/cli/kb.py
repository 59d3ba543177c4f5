"""`fazhi kb …`: the knowledge base from the terminal — reading it here (list, show, units,
obligations, check), the stored plans in :mod:`bot.cli.kb_store` (import, activate, plans,
remove, diff). Every command has ``--json`` with the stable shapes of
``knowledge.plan.serialize``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from bot.cli import kb_store
from bot.cli.common import (
    JsonOpt,
    PipeSafeConsole,
    active_plans,
    emit_json,
    fail,
    plan_named,
)
from knowledge.plan.model import CATEGORY_LABELS
from knowledge.plan.serialize import directory_dict, item_dict, meta_dict, obligation_dict
from knowledge.reading.loader import check_file, directory_for

kb_app = typer.Typer(help="知识库：工作要点条目、责任单位、周期性任务。", no_args_is_help=True)
console = PipeSafeConsole()

PlanOpt = Annotated[str | None, typer.Option("--plan", help="工作要点编号（默认：内置的第一份）")]


def register(app: typer.Typer) -> None:
    kb_store.register(kb_app)
    app.add_typer(kb_app, name="kb")


@kb_app.command("list")
def kb_list(plan: PlanOpt = None, as_json: JsonOpt = False) -> None:
    """列出全部条目（编号、标题、责任单位）。"""
    wp = plan_named(plan)
    if as_json:
        emit_json(
            {
                "plan_id": wp.plan_id,
                "meta": meta_dict(wp.meta),
                "items": [
                    {"number": i.number, "title": i.title, "units": list(i.unit_names)}
                    for i in wp.items
                ],
            }
        )
        return
    table = Table(title=f"{wp.meta.title or wp.plan_id}（{len(wp.items)} 条）", show_lines=False)
    table.add_column("条", justify="right", style="bold")
    table.add_column("标题", overflow="fold")
    table.add_column("责任单位", overflow="fold")
    for it in wp.items:
        units = "、".join(it.unit_names) + ("等" if it.partial else "")
        table.add_row(str(it.number), it.title, units)
    console.print(table)


@kb_app.command("show")
def kb_show(
    number: Annotated[str, typer.Argument(help="条目编号，如 14 或 十四")],
    plan: PlanOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """显示一个条目：全文、任务、责任单位、周期性任务。"""
    from knowledge.text.normalize import cn_to_int

    wp = plan_named(plan)
    n = cn_to_int(number.strip().lstrip("第").rstrip("条项"))
    if n is None:
        fail(f"“{number}”不是条目编号；请输入 1–{len(wp.items)} 之间的数字。")
    item = wp.item(n)
    if item is None:
        fail(f"没有第{n}条：本工作要点共 {len(wp.items)} 条（1–{len(wp.items)}）。")
    if as_json:
        emit_json(item_dict(item))
        return
    console.print(f"[bold]第{item.number}条　{item.title}[/bold]", highlight=False)
    if item.section:
        console.print(f"[dim]所属部分：{item.section}[/dim]", highlight=False)
    console.print(item.text, highlight=False)
    console.print()
    if item.tasks:
        console.print("[bold]任务[/bold]")
        for k, task in enumerate(item.tasks, 1):
            console.print(f"  {k}. {task}", highlight=False)
    console.print("[bold]责任单位[/bold]")
    for ref in item.units:
        if ref.name == "等有关单位":
            continue
        role = {"lead": "（牵头）", "supporting": "（配合）"}.get(ref.role.value, "")
        tag = "（部分单位）" if ref.partial else ("（单位组）" if ref.is_group else "")
        console.print(f"  · {ref.name}{role}{tag}", highlight=False)
    if item.partial:
        console.print("  [yellow]注：责任单位列表未穷尽（文件写有“等”或“有关单位”）。[/yellow]")
    if item.obligations:
        console.print("[bold]周期性任务[/bold]")
        for ob in item.obligations:
            console.print(
                f"  · {ob.cadence_label}至少{ob.min_count}次：{ob.action}"
                + (f"（{ob.subject}）" if ob.subject else ""),
                highlight=False,
            )
            if ob.deadline:
                console.print(
                    f"    期限：{ob.deadline.description}（依据{ob.source}）", highlight=False
                )


@kb_app.command("units")
def kb_units(plan: PlanOpt = None, as_json: JsonOpt = False) -> None:
    """单位目录：规范名称、类别、别名，以及单位组。"""
    plans = active_plans() if plan is None else [plan_named(plan)]
    directory = directory_for(plans)
    if as_json:
        emit_json(directory_dict(directory))
        return
    named: dict[str, list[int]] = {}
    for it in plans[0].items:
        for name in it.unit_names:
            named.setdefault(name, []).append(it.number)
    table = Table(title=f"单位目录（{len(directory.units)} 个单位）")
    table.add_column("单位", overflow="fold")
    table.add_column("类别", overflow="fold")
    table.add_column("别名", overflow="fold")
    table.add_column("点名的条目", overflow="fold")
    for u in sorted(directory.units.values(), key=lambda u: (u.category.value, u.name)):
        table.add_row(
            u.name,
            CATEGORY_LABELS[u.category],
            "、".join(u.aliases[:6]) + ("…" if len(u.aliases) > 6 else ""),
            "、".join(map(str, named.get(u.name, []))),
        )
    console.print(table)
    groups = Table(title="单位组")
    groups.add_column("名称", overflow="fold")
    groups.add_column("覆盖类别", overflow="fold")
    groups.add_column("范围", overflow="fold")
    groups.add_column("涉及条目", overflow="fold")
    for g in directory.groups.values():
        groups.add_row(
            g.name,
            "、".join(CATEGORY_LABELS[c] for c in sorted(g.categories)),
            "部分（未逐一列明）" if g.partial else "全部",
            "、".join(map(str, named.get(g.name, []))),
        )
    console.print(groups)


@kb_app.command("obligations")
def kb_obligations(plan: PlanOpt = None, as_json: JsonOpt = False) -> None:
    """有周期或期限的任务（学法、培训、专题会议、年度报告…），以及每项约束哪些单位、依据何在。"""
    from bot.chat.render.binding_text import binding_lines
    from knowledge.plan.binding import bind
    from knowledge.plan.serialize import binding_dict

    wp = plan_named(plan)
    directory = directory_for([wp]).with_overrides(_stored_overrides())
    obligations = wp.obligations
    bindings = [bind(wp, o, directory) for o in obligations]
    if as_json:
        emit_json(
            [
                {**obligation_dict(o), "bound_units": b.bound, "binding": binding_dict(b)}
                for o, b in zip(obligations, bindings, strict=True)
            ]
        )
        return
    table = Table(title=f"周期性任务（{len(obligations)} 项）")
    wide = console.width >= 120  # at 80 columns: fewer, merged columns; keys never cut
    table.add_column("编号", no_wrap=True)
    table.add_column("条", justify="right")
    table.add_column("周期", overflow="fold")
    if wide:
        table.add_column("至少", justify="right")
    table.add_column("内容", overflow="fold")
    if wide:
        table.add_column("对象", overflow="fold")
    table.add_column("期限/依据", overflow="fold")
    for o in obligations:
        subject = o.subject or "条目责任单位"
        basis = (o.deadline.description + "；" + o.source) if o.deadline else "本文件"
        if wide:
            cells = [o.cadence_label, str(o.min_count), o.action, subject, basis]
        else:
            cells = [f"{o.cadence_label}≥{o.min_count}", f"{o.action}（{subject}）", basis]
        table.add_row(o.key, str(o.item), *cells)
    console.print(table)
    for o, b in zip(obligations, bindings, strict=True):
        console.print(f"\n[bold]{o.key}[/bold]　第{o.item}条 {o.action}", highlight=False)
        for line in binding_lines(b):
            console.print(f"  {line}", highlight=False, soft_wrap=True)


def _stored_overrides() -> list[Any]:
    """Admins' overrides from the configured database, when there is one; none otherwise (the
    knowledge base is readable on a machine without a database)."""
    try:
        from bot.runtime.settings import Settings
        from scheduler.records.overrides import stored_overrides

        return stored_overrides(Settings().database_url)
    except Exception:  # noqa: BLE001 - no database, not migrated: the rules alone
        return []


@kb_app.command("check")
def kb_check(
    file: Annotated[Path, typer.Argument(help="要检查的文件（txt；UTF-8 或 GB18030）")],
    as_json: JsonOpt = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="逐行说明每一行归入了哪里（条目、标题、文件头…）")
    ] = False,
) -> None:
    """解析一个文件，报告识别到的内容和问题（不导入）。有问题时退出码为 1。"""
    result = check_file(file)
    if result.plan is None and not as_json and all(ln == 0 for ln, _ in result.errors):
        # the file could not be read at all (missing, a folder, binary): one error sentence
        fail("；".join(msg for _, msg in result.errors) or f"无法读取 {file}")
    errors = [{"line": ln, "message": msg} for ln, msg in result.errors]
    warnings = [{"line": ln, "message": msg} for ln, msg in result.warnings]
    items = [item_dict(i) for i in result.plan.items] if result.plan else []
    if as_json:
        emit_json(
            {
                "file": str(file),
                "encoding": result.encoding,
                "ok": not errors and result.plan is not None,
                "meta": meta_dict(result.plan.meta) if result.plan else None,
                "items": items,
                "errors": errors,
                "warnings": warnings,
                **(
                    {
                        "lines": [
                            {"line": p.line, "place": p.place, "item": p.item, "reason": p.reason}
                            for p in result.places
                        ]
                    }
                    if explain
                    else {}
                ),
            }
        )
    else:
        if result.plan:
            m = result.plan.meta
            console.print(
                f"文件：{file}（编码 {result.encoding}）\n"
                f"标题：{m.title or '（未识别）'}　文号：{m.doc_number or '（无）'}　"
                f"年度：{m.plan_year or '（未识别）'}",
                highlight=False,
            )
            n_ob = sum(len(i.obligations) for i in result.plan.items)
            console.print(f"识别到 {len(items)} 个条目，{n_ob} 项周期性任务。", highlight=False)
            for it in result.plan.items:
                console.print(
                    f"  {it.number:>3}. {it.title}　[dim]{'、'.join(it.unit_names)}[/dim]",
                    highlight=False,
                )
        if explain:
            for p in result.places:
                if p.place != "blank":
                    console.print(f"  第{p.line}行：{p.describe()}", highlight=False)
        for w in warnings:
            console.print(f"[yellow]提示[/yellow] 第{w['line']}行：{w['message']}", highlight=False)
        for e in errors:
            where = f"第{e['line']}行：" if e["line"] else ""
            console.print(f"[red]问题[/red] {where}{e['message']}", highlight=False)
        if not errors:
            console.print("[green]检查通过。[/green]")
    if errors or result.plan is None:
        raise typer.Exit(1)
