"""A unit's tasks: /mytasks, /done (and 已完成 under reminders), /undo (and ↩ 撤销), 稍后提醒
under reminders, and /calendar (the year's deadlines as an .ics file)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from bot.chat.buttons import Done, Snooze, Undo
from bot.chat.incoming import ChatContext
from bot.chat.render.common import BUTTON_EXPIRED, NEED_UNIT, short
from bot.chat.render.replies import Button, Doc, Reply
from bot.chat.router import Feature
from bot.chat.state import ChatState
from knowledge.plan.model import Obligation, WorkPlan
from knowledge.qa.result.answer import Answer
from scheduler.jobs.snooze import withdraw_reminders

feature = Feature("tasks")


@feature.command(
    "mytasks",
    help=("/mytasks", "本单位的周期性任务、下次期限和完成状态"),
    menu="本单位的任务和期限",
)
def mytasks(state: ChatState, ctx: ChatContext, _args: str) -> list[Reply]:
    with state.session() as s:
        unit = state.chat_unit(s, ctx)
        if unit is None:
            return [Reply.of(NEED_UNIT)]
        statuses = unit_statuses(state, s, unit.name, state.clock())
        duties = state.current_qa().answer(
            f"{unit.name}有哪些任务", unit=unit.name, today=state.clock().date()
        )
        reply = mytasks_reply(unit.name, statuses, duties)
        return [reply, *extended_earlier(state, s, unit.name, statuses)]


@feature.command("done", help=("/done", "确认本期已完成某项任务"), menu="确认本期已完成某项任务")
def done(state: ChatState, ctx: ChatContext, args: str) -> list[Reply]:
    with state.session() as s:
        unit = state.chat_unit(s, ctx)
        if unit is None:
            return [Reply.of(NEED_UNIT)]
        if not args:
            statuses = unit_statuses(state, s, unit.name, state.clock())
            return [done_menu(unit.name, statuses)]
    key, _, rest = args.partition(" ")
    period, _, note = rest.strip().partition(" ")
    ob = find_obligation(state.plan, key)
    if ob is None:
        return [unknown_obligation(key, state.plan)]
    if period and not looks_like_period(period, state.clock().date()):
        note, period = rest.strip(), ""
    return confirm(state, ctx, ob.key, period or None, note=note.strip())


@feature.button(Done)
def done_button(state: ChatState, ctx: ChatContext, button: Done) -> list[Reply]:
    return confirm(state, ctx, button.obligation, button.period)


def confirm(
    state: ChatState, ctx: ChatContext, key: str, period: str | None, note: str = ""
) -> list[Reply]:
    from scheduler.planning.planner import responsible_units
    from scheduler.records.completions import confirm as record
    from scheduler.timing.periods import PeriodError

    plan = state.plan
    ob = plan.obligation(key) or find_obligation(plan, key)
    if ob is None:
        return [unknown_obligation(key, plan)]
    with state.session() as s:
        unit = state.acting_unit(s, ctx)
        if isinstance(unit, str):
            return [Reply.of(unit)]
        directory = state.sched.directory(s)
        if unit.name not in responsible_units(directory, plan, ob):
            return [Reply.of(f"“{ob.action}”（第{ob.item}条）不是“{unit.name}”的任务，无需确认。")]
        try:
            completion, new = record(
                s,
                unit.name,
                ob,
                period,
                by=ctx.user_name or ctx.user_id,
                by_id=ctx.user_id,
                note=note,
                now=state.clock(),
            )
        except PeriodError as exc:
            return [Reply.of(str(exc))]
        if completion.occurrence >= ob.need:  # 至少2次: the period is done at the second
            withdraw_reminders(s, unit.name, ob.key, completion.period)
        return [confirmed(unit.name, ob, completion, new)]


@feature.command(
    "undo", help=("/undo 任务 [期间]", "撤销误点的完成确认"), menu="撤销误点的完成确认"
)
def undo_command(state: ChatState, ctx: ChatContext, args: str) -> list[Reply]:
    key, _, period = args.strip().partition(" ")
    if not key:
        return [Reply.of("请写要撤销的任务，例如 /undo 学法 或 /undo 学法 2026年第三季度。")]
    ob = find_obligation(state.plan, key)
    if ob is None:
        return [unknown_obligation(key, state.plan)]
    return undo(state, ctx, ob.key, period.strip() or None)


@feature.button(Undo)
def undo_button(state: ChatState, ctx: ChatContext, button: Undo) -> list[Reply]:
    return undo(state, ctx, button.obligation, button.period)


def undo(state: ChatState, ctx: ChatContext, key: str, period: str | None) -> list[Reply]:
    """Withdraw a completion: allowed to whoever may confirm it (the unit's chat)."""
    from scheduler.records.completions import undo as withdraw
    from scheduler.records.unit_registry import RegistryError
    from scheduler.timing.periods import PeriodError

    plan = state.plan
    ob = plan.obligation(key) or find_obligation(plan, key)
    if ob is None:
        return [unknown_obligation(key, plan)]
    with state.session() as s:
        unit = state.acting_unit(s, ctx)  # the same people who may confirm
        if isinstance(unit, str):
            return [Reply.of(unit)]
        try:
            removed = withdraw(s, unit.name, ob, period, by=ctx.user_id, now=state.clock())
        except (PeriodError, RegistryError) as exc:
            return [Reply.of(str(exc) + "。")]
        return [undone(unit.name, ob, removed.period)]


@feature.button(Snooze)
def snooze(state: ChatState, ctx: ChatContext, button: Snooze) -> list[Reply]:
    from scheduler.jobs.snooze import snooze_reminder
    from scheduler.timing.periods import PeriodError

    ob = state.plan.obligation(button.obligation)
    if ob is None:
        return [unknown_obligation(button.obligation, state.plan)]
    with state.session() as s:
        unit = state.acting_unit(s, ctx)  # the same people who may confirm it
        if isinstance(unit, str):
            return [Reply.of(unit)]
        try:
            when = snooze_reminder(
                state.sched, s, ctx.chat_id, unit.name, ob, button.period, state.clock()
            )
        except PeriodError:  # a period no reminder of ours names
            return [Reply.of(BUTTON_EXPIRED)]
    if when is None:
        return [Reply.of("该任务本期已确认完成，不再提醒。")]
    return [Reply.of(f"好的，将于 {when:%Y-%m-%d %H:%M}（下一个工作日）再次提醒。")]


@feature.command(
    "calendar", help=("/calendar", "本单位期限日历（.ics 文件）"), menu="本单位期限日历（.ics）"
)
def calendar(state: ChatState, ctx: ChatContext, _args: str) -> list[Reply]:
    from bot.chat.render.calendar_ics import unit_calendar

    with state.session() as s:
        unit = state.chat_unit(s, ctx)
        if unit is None:
            return [Reply.of(NEED_UNIT)]
        attachment, count = unit_calendar(state.sched, s, unit.name, state.clock())
    return [
        Reply.of(f"“{unit.name}”本年度的 {count} 个期限，导入日历即可。", attachment=attachment)
    ]


def find_obligation(plan: WorkPlan, text: str) -> Obligation | None:
    """The plan's obligation named by key or words; None when unknown or ambiguous."""
    from scheduler.records.completions import resolve_obligation

    try:
        return resolve_obligation(plan, text)
    except Exception:  # noqa: BLE001 - unknown or ambiguous: the caller shows choices
        return None


def unit_statuses(state: ChatState, s: Session, unit: str, now: datetime) -> list[Any]:
    from scheduler.records.completions import status_for_unit

    sched = state.sched
    directory = sched.directory(s)
    return status_for_unit(s, sched.plan, directory, unit, sched.rules, sched.calendar(s), now=now)


def extended_earlier(state: ChatState, s: Session, unit: str, statuses: list[Any]) -> list[Reply]:
    """An earlier period an admin extended past today and not yet done: still open, so shown
    beside the current ones (it is not overdue until its new date)."""
    from scheduler.records.completions import completed_set
    from scheduler.records.requests import EXTEND, status_overrides

    today = state.clock().date()
    shown = {(st.obligation.key, st.period.key) for st in statuses}
    done = completed_set(s, state.plan)
    lines = [
        f"· {ob.action}（第{ob.item}条，{ov.period}）{ov.label}"
        for (_u, key, period), ov in sorted(status_overrides(s, unit).items())
        if ov.kind == EXTEND and ov.new_due and ov.new_due >= today
        and (key, period) not in shown and (unit, key, period) not in done
        and (ob := state.plan.obligation(key)) is not None
    ]  # fmt: skip
    if not lines:
        return []
    doc = Doc().line(("已批准延期、尚未完成的任务：", "b"))
    for line in lines:
        doc.line(line)
    return [Reply.of(doc)]


# -- texts --------------------------------------------------------------------------------------
def mytasks_reply(unit: str, statuses: list[Any], duties: Answer) -> Reply:
    doc = Doc().line((f"{unit} 的周期性任务", "b"))
    if not statuses:
        doc.line("本工作要点没有要求本单位按周期完成的任务。")
    for st in statuses:
        ob = st.obligation
        extra = (
            f"，下次提醒 {_day(st.next_reminder)}"
            if st.next_reminder and st.state not in ("done", "exempt")
            else ""
        )
        if st.request is not None:  # an approved exemption or extension, with its reason
            extra += f"；{st.request.label}"
        doc.line(
            f"· [{st.state_label}] {ob.action}（第{ob.item}条，{st.period.label}，"
            f"截止 {_day(st.due)}{extra}）"
        )
    items = [d.item for d in duties.duties if d.kind in ("named", "group")]
    if items:
        doc.blank().line(("本单位负责的条目：", "b"), "、".join(f"第{n}条" for n in items))
    pending = [st for st in statuses if st.state not in ("done", "exempt")]
    buttons = [
        [
            Button(
                f"✅ 已完成：{short(st.obligation.action, 12)}",
                Done(st.obligation.key, st.period.key),
            )
        ]
        for st in pending[:6]
    ]
    return Reply.of(doc, buttons)


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def done_menu(unit: str, statuses: list[Any]) -> Reply:
    pending = [st for st in statuses if st.state not in ("done", "exempt")]
    if not pending:
        return Reply.of(f"“{unit}”本期的任务都已确认完成。")
    buttons = [
        [
            Button(
                f"{short(st.obligation.action, 14)}（{st.period.label}）",
                Done(st.obligation.key, st.period.key),
            )
        ]
        for st in pending[:8]
    ]
    return Reply.of(
        "请选择本期已完成的任务（也可发送 /done 任务名称 期间 备注，如 /done 学法 本季度）：",
        buttons,
    )


# anything that starts like a period (a year: four digits or more) is read as one — and refused
# when it is not a valid one (99999Q4, 2026X4) — rather than silently becoming a note on the
# current period; so is a period of this year written without it (第四季度, 本季度, 5月)
_PERIOD = re.compile(r"^\d{4,}")


def looks_like_period(text: str, today: date) -> bool:
    from scheduler.timing.periods import Period, PeriodError

    if _PERIOD.match(text.strip()):
        return True
    try:
        Period.parse(text, today)
    except PeriodError:
        return False
    return True


def unknown_obligation(key: str, plan: WorkPlan) -> Reply:
    doc = Doc().line(f"没有找到任务“{short(key, 30)}”。可确认的任务（发送 /done 加任务名称）：")
    for ob in plan.obligations:
        doc.line(f"· {ob.action}（第{ob.item}条，{ob.cadence_label}）")
    return Reply.of(doc)


def confirmed(unit: str, ob: Obligation, completion: Any, new: bool) -> Reply:  # noqa: ANN401
    from scheduler.timing.periods import period_label

    undo = [[Button("↩ 撤销", Undo(ob.key, completion.period))]]
    period = period_label(completion.period)
    if not new:
        counted = f"（{ob.need}/{ob.need}次）" if ob.need > 1 else ""
        return Reply.of(
            f"“{unit}”的“{ob.action}”（{period}）此前已确认{counted}，无需重复。",
            undo,
        )
    if completion.occurrence < ob.need:
        return Reply.of(
            f"已记录：“{unit}”完成“{ob.action}”（第{ob.item}条，{period}）"
            f"第{completion.occurrence}次，本期需{ob.need}次，已完成 "
            f"{completion.occurrence}/{ob.need}。",
            undo,
        )
    done = f"（{ob.need}/{ob.need}次）" if ob.need > 1 else ""
    return Reply.of(
        f"已记录：“{unit}”完成“{ob.action}”（第{ob.item}条，{period}）{done}。本期不再提醒。\n"
        "如需留存证明，可直接发送照片或文件（会附在这条记录上）。误点了可以撤销。",
        undo,
    )


def undone(unit: str, ob: Obligation, period: str) -> Reply:
    from scheduler.timing.periods import period_label

    return Reply.of(
        f"已撤销：“{unit}”的“{ob.action}”（第{ob.item}条，{period_label(period)}）恢复为未完成，"
        "撤销已记入审计日志。",
        edit=True,
    )
