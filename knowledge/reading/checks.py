"""Reading, the checks over the items: numbering gaps (or an item that swallowed the next
heading) and repeats are errors; sections whose paragraphs carry no units are explanations,
not items (a warning); numbering that restarts per section is replaced by position."""

from __future__ import annotations

from knowledge.plan.model import Item
from knowledge.reading.blocks import Block
from knowledge.reading.headings import label_like
from knowledge.reading.items import bare_label


def numbering_problems(
    items: list[Item], blocks: list[Block], numbers: list[int]
) -> list[tuple[int, str]]:
    problems: list[tuple[int, str]] = []
    prev: Item | None = None
    prev_style = ""
    for item, block in zip(items, blocks, strict=True):
        if block.head is None:
            prev = None
            continue
        style = block.head.style
        if prev is not None and style == prev_style and item.number > prev.number + 1:
            missing = [label_like(style, n) for n in range(prev.number + 1, item.number)]
            swallowed = next(
                (
                    m
                    for m in missing
                    if bare_label(m)
                    and bare_label(m) + ("" if style != "cn" else "、") in prev.text
                ),
                None,
            )
            if swallowed:
                problems.append(
                    (
                        prev.line,
                        f"条目“{bare_label(prev.label)}”吞并了下一个编号标题“{swallowed}”"
                        "（它前面的括号或句子没有结束）。",
                    )
                )
            else:
                problems.append(
                    (
                        item.line,
                        f"条目编号不连续：{bare_label(prev.label)}之后是{bare_label(item.label)}，"
                        f"缺少{'、'.join(bare_label(m) for m in missing)}。",
                    )
                )
        elif (
            prev is not None
            and style == prev_style
            and item.number == prev.number
            and item.section == prev.section
        ):
            problems.append((item.line, f"条目编号重复：“{bare_label(item.label)}”与上一条相同。"))
        prev, prev_style = item, style
    return problems


def drop_unmarked_sections(
    items: list[Item], errors: list[tuple[int, str]], warnings: list[tuple[int, str]]
) -> tuple[list[Item], list[tuple[int, str]]]:
    if not any(it.units for it in items):
        return items, errors
    by_section: dict[str, list[Item]] = {}
    for it in items:
        by_section.setdefault(it.section, []).append(it)
    dropped_lines: set[int] = set()
    for section, members in by_section.items():
        if section and not any(it.units for it in members):
            dropped_lines |= {it.line for it in members}
            warnings.append(
                (members[0].line, f"“{section}”下的段落都没有责任单位，视为说明而非工作条目。")
            )
    if not dropped_lines:
        return items, errors
    kept = [it for it in items if it.line not in dropped_lines]
    errors = [e for e in errors if not (e[0] in dropped_lines and "没有列出责任单位" in e[1])]
    return kept, errors


def needs_renumbering(items: list[Item]) -> bool:
    """Numbering restarts per section (or mixes tables): number items by position."""
    return len({it.number for it in items}) != len(items) or [it.number for it in items] != list(
        range(items[0].number, items[0].number + len(items))
    )
