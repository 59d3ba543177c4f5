"""Rules and the planner: pure functions on hand-built plans, and a frozen-clock walk through
the whole of 2026 with the bundled plan, a real database and a file channel."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine
from scheduler_fixtures import *  # noqa: F403
from scheduler_fixtures import BUREAU, TOWN

from knowledge.plan.model import (
    Cadence,
    DeadlineRule,
    Item,
    Obligation,
    PlanMeta,
    UnitCategory,
    UnitRef,
    WorkPlan,
)
from knowledge.plan.units import UnitDirectory
from scheduler.delivery.local_channels import FileChannel, read_lines
from scheduler.delivery.sender import OutboxSender
from scheduler.jobs.context import run_planner
from scheduler.planning.planner import due_reminders, reminders_in
from scheduler.planning.rules import RuleError, load_rules
from scheduler.records.chat_registry import approve, register_chat
from scheduler.records.completions import confirm
from scheduler.records.unit_registry import add_unit
from scheduler.store.db import session_scope
from scheduler.timing.clock import TZ
from scheduler.timing.workdays import WorkCalendar

D = dt.date


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


# -- hand-built plans ------------------------------------------------------------------------
def _plan() -> tuple[WorkPlan, UnitDirectory]:
    monthly = Obligation(
        key="i1-patrol",
        item=1,
        kind="patrol",
        action="开展执法巡查",
        subject="",
        cadence=Cadence.MONTHLY,
        min_count=2,
        text="每月至少开展执法巡查2次。",
        unit_names=("区司法局",),
    )
    quarterly = Obligation(
        key="i2-study",
        item=2,
        kind="study",
        action="学法",
        subject="",
        cadence=Cadence.QUARTERLY,
        min_count=1,
        text="每季度至少学法1次。",
        unit_names=("区直各单位", "区直有关单位"),
    )
    report = Obligation(
        key="i3-report",
        item=3,
        kind="annual_report",
        action="报送年度报告",
        subject="",
        cadence=Cadence.ANNUAL,
        min_count=1,
        text="…",
        deadline=DeadlineRule(3, 1, "previous"),
        source="《督察工作规定》",
    )
    items = (
        Item(1, "一、", "t1", "t1", (), (UnitRef("区司法局", "区司法局"),), (monthly,)),
        Item(
            2,
            "二、",
            "t2",
            "t2",
            (),
            (UnitRef("区直有关单位", "区直有关单位", is_group=True, partial=True),),
            (quarterly,),
        ),
        Item(
            3,
            "三、",
            "t3",
            "t3",
            (),
            (UnitRef("各镇(街、区)", "各镇(街、区)", is_group=True),),
            (report,),
        ),
    )
    plan = WorkPlan("test-plan", PlanMeta(doc_number="测试〔2026〕1号"), "", items)
    directory = UnitDirectory.from_data().with_unit("某镇", UnitCategory.TOWN)
    return plan, directory


def test_units_named_and_through_whole_groups_only() -> None:
    plan, directory = _plan()
    rs = reminders_in(plan, directory, load_rules(), WorkCalendar(), [2026])
    by_ob = {
        ob: {r.unit for r in rs if r.obligation.key == ob}
        for ob in ("i1-patrol", "i2-study", "i3-report")
    }
    assert by_ob["i1-patrol"] == {"区司法局"}
    assert by_ob["i2-study"] == set()  # 区直有关单位 is partial: nobody is assumed responsible
    assert by_ob["i3-report"] == {"某镇"}  # admin-added town through 各镇(街、区)


def test_step_dates_and_message() -> None:
    plan, directory = _plan()
    rs = reminders_in(plan, directory, load_rules(), WorkCalendar(), [2026])
    patrol = [(r.period.key, r.step.name, r.day) for r in rs if r.obligation.key == "i1-patrol"]
    assert ("2026-10", "start", D(2026, 10, 8)) in patrol  # 1st..7th October are holidays
    assert ("2026-02", "start", D(2026, 2, 2)) in patrol
    # start and end-5 each month, and overdue after each month but December (its overdue day
    # falls in the next year, when a completion of 2026-12 can no longer be recorded)
    assert len(patrol) == 12 + 12 + 11
    report = [r for r in rs if r.obligation.key == "i3-report"]
    assert [(r.step.name, r.day) for r in report] == [
        ("d-15", D(2026, 2, 3)),
        ("d-5", D(2026, 2, 24)),
        ("overdue", D(2026, 3, 4)),
    ]
    body = report[0].body
    assert "2025年度" in body and "2026年3月1日" in body and "《督察工作规定》" in body
    assert "i3-report" not in body  # officials see the Chinese name, never the key
    assert f"/done {report[0].obligation.action} 2026年" in body
    assert all(r.when.hour == 9 and r.when.tzinfo is TZ for r in rs)


def test_due_reminders_pure_and_collapsed() -> None:
    plan, directory = _plan()
    rules, cal = load_rules(), WorkCalendar()
    now = at(D(2026, 2, 26))
    due = due_reminders(now, plan, directory, rules, cal)
    assert due == due_reminders(now, plan, directory, rules, cal)  # a pure function
    # both February patrol steps (02-02 start, 02-14 end-5: a Saturday make-up workday) and both
    # report steps (02-03, 02-24) have passed: only the latest of each is due
    assert {r.key for r in due} == {
        "rem:i1-patrol:区司法局:2026-02:end-5",
        "rem:i1-patrol:区司法局:2026-01:overdue",  # January's, not confirmed
        "rem:i3-report:某镇:2026:d-5",
    }
    # after the deadline nothing of the report is due; confirmed obligations are not due
    later = due_reminders(
        at(D(2026, 3, 2)), plan, directory, rules, cal, {("区司法局", "i1-patrol", "2026-03")}
    )
    assert all(r.obligation.key != "i1-patrol" or r.period.key != "2026-03" for r in later)
    # January's and February's patrols, never confirmed, are overdue: worded so
    overdue = [r for r in later if r.obligation.key == "i1-patrol"]
    assert overdue and all(r.step.stage == "overdue" and "截止日期已过" in r.body for r in overdue)
    assert not any(
        r.obligation.key == "i3-report"
        for r in due_reminders(at(D(2026, 3, 3)), plan, directory, rules, cal)
    )


def test_rules_file_errors() -> None:
    with pytest.raises(RuleError, match="anchor"):
        load_rules(
            '[[rule]]\nname="x"\ntemplate="t"\ncadences=["annual"]\n[[rule.step]]\nname="a"\nanchor="someday"\n'
        )
    with pytest.raises(RuleError, match="month"):
        load_rules('[[rule]]\nname="x"\ntemplate="t"\n[[rule.step]]\nname="a"\nanchor="date"\n')
    rules = load_rules()
    assert {r.name for r in rules.rules} >= {
        "quarterly",
        "yearly",
        "annual_report",
        "report_publish",
    }


# -- the bundled plan, a real database, a frozen clock ----------------------------------------
ALL_2026 = [
    (D(2026, 1, 4), "i2-study", "start"),
    (D(2026, 2, 3), "i1-annual_report", "d-15"),
    (D(2026, 2, 24), "i1-annual_report", "d-5"),
    (D(2026, 3, 2), "i2-court_hearing", "early"),
    (D(2026, 3, 2), "i2-training", "early"),
    (D(2026, 3, 2), "i4-meeting", "early"),
    (D(2026, 3, 4), "i1-annual_report", "overdue"),  # 3 working days after 1 March
    (D(2026, 3, 17), "i2-study", "end-10"),
    (D(2026, 3, 18), "i1-report_publish", "d-10"),
    (D(2026, 3, 27), "i1-report_publish", "d-3"),
    (D(2026, 4, 1), "i2-study", "start"),
    (D(2026, 4, 3), "i2-study", "overdue"),  # Q1's, 3 working days after it ended
    (D(2026, 4, 7), "i1-report_publish", "overdue"),  # 04-04..06 清明
    (D(2026, 6, 15), "i2-study", "end-10"),
    (D(2026, 7, 1), "i2-court_hearing", "q3"),
    (D(2026, 7, 1), "i2-study", "start"),
    (D(2026, 7, 1), "i2-training", "q3"),
    (D(2026, 7, 1), "i4-meeting", "q3"),
    (D(2026, 7, 3), "i2-study", "overdue"),
    (D(2026, 9, 16), "i2-study", "end-10"),
    (D(2026, 10, 8), "i2-court_hearing", "q4"),
    (D(2026, 10, 8), "i2-study", "start"),
    (D(2026, 10, 8), "i2-training", "q4"),
    (D(2026, 10, 8), "i4-meeting", "q4"),
    (D(2026, 10, 10), "i2-study", "overdue"),  # a Saturday make-up working day
    (D(2026, 12, 17), "i2-study", "end-10"),
    # no overdue reminder of Q4's study session: it would fall in 2027, when a completion of
    # 2026 can no longer be recorded
]


# whom each obligation binds (knowledge/plan/binding.py): the bureau, a government department, holds
# the quarterly study session and the annual meeting but neither runs the governments' training
# class nor sends its leaders to the court hearing; the town does those and the meeting, not the
# study session of 区政府常务会议、政府部门办公会议
TOWN_ONLY = {"i2-court_hearing", "i2-training"}
BUREAU_ONLY = {"i2-study"}
BUREAU_2026 = [r for r in ALL_2026 if r[1] not in TOWN_ONLY]
TOWN_2026 = [r for r in ALL_2026 if r[1] not in BUREAU_ONLY]


def _setup(ctx) -> None:  # noqa: ANN001
    with session_scope(ctx.engine) as s:
        add_unit(s, TOWN, "town", actor="admin")
        register_chat(s, 501, TOWN)
        register_chat(s, 502, BUREAU)
        approve(s, 501, "admin")
        approve(s, 502, "admin")


async def test_year_walk_exact_dates_holidays_and_confirmation(ctx, tmp_path) -> None:
    _setup(ctx)
    out = tmp_path / "sent.jsonl"
    sender = OutboxSender(ctx.engine, FileChannel(out), sender_id="walk")
    delivered: list[tuple[dt.date, str, str, str]] = []  # (day, unit, obligation, step)
    day = D(2026, 1, 1)
    with time_machine.travel(at(day), tick=False) as traveller:
        while day.year == 2026:
            traveller.move_to(at(day))
            run_planner(ctx)
            run_planner(ctx)  # twice: nothing new
            before = len(read_lines(out))
            await sender.drain()
            for line in read_lines(out)[before:]:
                m = line["meta"]
                delivered.append((day, m["unit"], m["obligation"], m["step"]))
            # the town confirms the annual meeting early and the training class in July
            if day == D(2026, 3, 10):
                with session_scope(ctx.engine) as s:
                    confirm(s, TOWN, ctx.plan.obligation("i4-meeting"), "2026", by="镇联络员")
            if day == D(2026, 7, 10):
                with session_scope(ctx.engine) as s:
                    confirm(s, TOWN, ctx.plan.obligation("i2-training"), "2026", by="镇联络员")
            day += dt.timedelta(days=1)

    bureau = [(d, ob, st) for d, u, ob, st in delivered if u == BUREAU]
    town = [(d, ob, st) for d, u, ob, st in delivered if u == TOWN]
    assert sorted(bureau) == BUREAU_2026
    confirmed_away = {
        (D(2026, 7, 1), "i4-meeting", "q3"),
        (D(2026, 7, 3), "i2-study", "overdue"),
        (D(2026, 10, 8), "i4-meeting", "q4"),
        (D(2026, 10, 10), "i2-study", "overdue"),  # a Saturday make-up working day
        (D(2026, 10, 8), "i2-training", "q4"),
    }
    assert sorted(town) == [r for r in TOWN_2026 if r not in confirmed_away]
    assert not [d for d, *_ in delivered if D(2026, 10, 1) <= d <= D(2026, 10, 7)]
    assert max(Counter(delivered).values()) == 1


async def test_three_day_outage_catch_up_once(ctx, tmp_path) -> None:
    _setup(ctx)
    out = tmp_path / "sent.jsonl"
    sender = OutboxSender(ctx.engine, FileChannel(out), sender_id="outage")
    before_outage = 0
    with time_machine.travel(at(D(2026, 6, 29), 8), tick=False) as traveller:
        t = at(D(2026, 6, 29), 8)
        while t < at(D(2026, 7, 6), 8):
            down = at(D(2026, 6, 30), 7) <= t < at(D(2026, 7, 3), 7)  # three days of outage
            if not down:
                traveller.move_to(t)
                run_planner(ctx)
                await sender.drain()
                if t < at(D(2026, 6, 30), 7):
                    before_outage = len(read_lines(out))
            t += dt.timedelta(hours=1)
    lines = read_lines(out)
    # the first start (06-29) catches up the steps of still-open periods once (first deployment)
    assert before_outage > 0
    after = Counter(
        (ln["meta"]["unit"], ln["meta"]["obligation"], ln["meta"]["step"])
        for ln in lines[before_outage:]
    )
    expected = {(TOWN, ob, st) for d, ob, st in TOWN_2026 if D(2026, 7, 1) <= d <= D(2026, 7, 3)}
    expected |= {
        (BUREAU, ob, st) for d, ob, st in BUREAU_2026 if D(2026, 7, 1) <= d <= D(2026, 7, 3)
    }
    assert len(expected) == 6
    # every reminder of 07-01, missed while down, went out; Q2's overdue one on its day 07-03
    assert set(after) == expected
    assert set(after.values()) == {1}  # once, despite 70 hourly planner runs after the restart
    assert len({ln["id"] for ln in lines}) == len(lines)
