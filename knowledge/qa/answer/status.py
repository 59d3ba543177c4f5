"""Record questions: which units have not confirmed an obligation in a period, or has this
unit done it, read through the :class:`~knowledge.qa.result.records.Records` interface (the
database's side lives in ``scheduler/``)."""

from __future__ import annotations

from dataclasses import replace

from knowledge.qa.answer.answerer import Answerer
from knowledge.qa.query.form import Query
from knowledge.qa.result.answer import Answer, Intent
from knowledge.qa.result.records import Records, RecordsForbidden
from knowledge.qa.text import render as R

STATE_WORDS = {
    "done": "已完成",
    "pending": "未完成",
    "overdue": "已逾期",
    "exempt": "豁免（不适用）",
}


def status(a: Answerer, query: Query, records: Records | None) -> Answer:
    if query.scope == "unit" and a.target is None and a.chat_unit and not query.units:
        a.target = a.e.target_for("unit", a.chat_unit)  # 还有哪些没完成, asked in the chat
        a.unit_source = "chat"
    kinds = {query.obligation} if query.obligation else {o.kind for o in a.p.obligations}
    obs = [o for o in a.p.obligations if o.kind in kinds]
    nums = list(dict.fromkeys(o.item for o in obs))
    if not obs:
        a.needs_unit = False
        return a.build_answer(
            Intent.STATUS, [], "工作要点中没有这一项周期性任务，没有完成记录可查。"
        )
    due = [d for d in a.obligations_due(nums) if d.kind in kinds]
    rule = "；".join(
        f"{d.action}：{d.cadence_label}至少{d.min_count}次"
        if not d.due_rule.startswith("每年")
        else f"{d.action}：{d.due_rule}"
        for d in due
    )
    if query.scope == "unit":
        if a.target is None:
            a.needs_unit = True
            return a.build_answer(
                Intent.STATUS, nums, "无法查询：不知道你所在的单位。", obligations=tuple(due)
            )
        unit = a.target.name
    if records is None:
        a.needs_unit = False
        text = (
            "完成情况记录在聊天助手中（各单位点“已完成”或发送 /done 登记），这里查不到。"
            f"\n要求：{rule}。"
        )
        return a.build_answer(Intent.STATUS, nums, text, obligations=tuple(due))
    try:
        if query.scope == "unit":
            lines = records.unit_status(unit, query.obligation, query.period, a.today)
        else:
            lines = records.missing(query.obligation, query.period, a.today)
    except RecordsForbidden:
        a.needs_unit = False
        return a.build_answer(
            Intent.STATUS,
            nums,
            "抱歉，各单位的完成情况仅限管理员（区委依法治区办、区司法局）查询。"
            "可以问“我们本季度学法登记了没有”查询本单位。",
        )
    if not lines:
        return a.build_answer(
            Intent.STATUS,
            nums,
            f"{unit if query.scope == 'unit' else ''}没有需要登记的这项任务。\n要求：{rule}。",
            obligations=tuple(due),
        )
    text_lines: list[str] = []
    word: str | None = None
    if query.scope == "unit":
        exempt = all(r.state == "exempt" for r in lines)  # 豁免: neither done nor owed
        done = not exempt and all(r.state in ("done", "exempt") for r in lines)
        word = None if exempt else "yes" if done else "no"
        head = "本期已批准豁免，无需登记。" if exempt else "已登记。" if done else "还没有登记。"
        text_lines.append(head)
        for r in lines:
            state = STATE_WORDS.get(r.state, r.state)
            if r.state == "exempt":
                text_lines.append(f"{unit}　{r.action}（{r.period}）：{state}")
                continue
            due = f"截止 {r.due.isoformat()}" + ("（已批准延期）" if r.extended else "")
            text_lines.append(f"{unit}　{r.action}（{r.period}，{due}）：{state}")
        if not done:
            text_lines.append("完成后点提醒上的“已完成”或发送 /done 登记。")
    else:
        total = len({u for r in lines for u in r.units})
        text_lines.append(f"尚未确认的单位共{total}个。" if total else "全部责任单位均已确认。")
        for r in lines:
            text_lines.append(
                f"{r.action}（{R.item_label(r.item)}，{r.period}，截止 {r.due.isoformat()}）"
            )
            text_lines.append(
                f"尚未确认的单位 {len(r.units)} 个（共{r.responsible}个责任单位）："
                + "、".join(r.units)
                if r.units
                else "全部责任单位均已确认。"
            )
    ans = a.build_answer(Intent.STATUS, nums, "\n".join(text_lines), obligations=tuple(due))
    return replace(ans, verdict=word)
