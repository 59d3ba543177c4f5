"""APScheduler jobs: fixed ids, replaced on every start, and a real run that plans and sends;
the end-of-quarter supervision digest; unit status."""

from __future__ import annotations

import asyncio
import datetime as dt

import time_machine
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from scheduler_fixtures import *  # noqa: F403
from scheduler_fixtures import BUREAU, TOWN

from scheduler.delivery.local_channels import FileChannel, read_lines
from scheduler.jobs.context import run_digest
from scheduler.jobs.install import (
    JOB_IDS,
    PLANNER_JOB,
    install_jobs,
    run_planner_soon,
    run_standalone,
)
from scheduler.records.access import add_admin
from scheduler.records.chat_registry import approve, register_chat
from scheduler.records.completions import confirm, status_for_unit
from scheduler.records.unit_registry import add_unit
from scheduler.store.db import session_scope
from scheduler.timing.clock import TZ, now


def _setup(ctx) -> None:  # noqa: ANN001
    with session_scope(ctx.engine) as s:
        add_unit(s, TOWN, "town", actor="admin")
        register_chat(s, 501, TOWN)
        approve(s, 501, "admin")
        add_admin(s, "9001", "督察员", chat_id="9001")


async def test_install_jobs_twice_keeps_three_jobs(ctx, tmp_path) -> None:
    scheduler = AsyncIOScheduler(timezone=TZ)
    channel = FileChannel(tmp_path / "o.jsonl")
    install_jobs(scheduler, ctx, channel)
    install_jobs(scheduler, ctx, channel)  # a restart re-creates, never duplicates
    scheduler.start(paused=True)
    install_jobs(scheduler, ctx, channel)
    assert sorted(j.id for j in scheduler.get_jobs()) == sorted(JOB_IDS)
    scheduler.shutdown(wait=False)


async def test_an_approval_asks_the_planner_job_to_run_now_from_any_thread(ctx, tmp_path) -> None:
    scheduler = AsyncIOScheduler(timezone=TZ)
    install_jobs(scheduler, ctx, FileChannel(tmp_path / "o.jsonl"))
    scheduler.start(paused=True)
    planner = scheduler.get_job(PLANNER_JOB)
    planner.modify(next_run_time=now() + dt.timedelta(hours=1))  # the hourly run just happened
    await asyncio.to_thread(run_planner_soon, scheduler)  # as from an update's worker thread
    assert scheduler.get_job(PLANNER_JOB).next_run_time <= now() + dt.timedelta(minutes=1)
    scheduler.shutdown(wait=False)
    run_planner_soon(scheduler)  # no job any more: a warning, no error


async def test_standalone_run_plans_and_sends(ctx, tmp_path) -> None:
    _setup(ctx)
    out = tmp_path / "o.jsonl"
    stop = asyncio.Event()
    with time_machine.travel(dt.datetime(2026, 7, 1, 10, tzinfo=TZ), tick=True):
        task = asyncio.create_task(run_standalone(ctx, FileChannel(out), stop, send_interval=0.2))
        for _ in range(2400):  # a hang guard (two minutes), not a latency
            if len(read_lines(out)) >= 3:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await task
    steps = sorted(
        (ln["meta"]["obligation"], ln["meta"]["step"])
        for ln in read_lines(out)
        if ln["kind"] == "reminder"
    )
    # the town runs the governments' training class and hearing and the annual meeting; the
    # quarterly study session binds 区政府常务会议、政府部门办公会议, not towns
    assert steps == [
        ("i2-court_hearing", "q3"),
        ("i2-training", "q3"),
        ("i4-meeting", "q3"),
    ]


def test_digest_once_per_quarter_lists_missing_units(ctx) -> None:
    _setup(ctx)
    with session_scope(ctx.engine) as s:
        confirm(s, BUREAU, ctx.plan.obligation("i2-study"), "2026Q3", by="x")
    at = dt.datetime(2026, 10, 9, 10, tzinfo=TZ)
    assert run_digest(ctx, at) == 1
    assert run_digest(ctx, at + dt.timedelta(days=1)) == 0  # idempotent
    from sqlmodel import Session, select

    from scheduler.store.models import OutboxMessage

    with Session(ctx.engine) as s:
        body = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "digest")).one().body
    study_line = body.split("学法")[1].split("\n")[0]
    assert "2026年第三季度" in body and "区财政局" in study_line
    assert BUREAU not in study_line  # confirmed: not listed
    # the study session binds 政府部门: towns, the court, the procuratorate, the discipline
    # commission and the party organs are not blamed for it
    for unit in (TOWN, "区法院", "区检察院", "区纪委监委", "区委政法委"):
        assert unit not in study_line
    assert run_digest(ctx, dt.datetime(2026, 12, 20, 10, tzinfo=TZ)) == 0  # too late for Q3


def test_status_for_unit(ctx) -> None:
    _setup(ctx)
    with session_scope(ctx.engine) as s:
        confirm(s, TOWN, ctx.plan.obligation("i2-court_hearing"), "2026", by="x", note="7月旁听")
        statuses = status_for_unit(
            s,
            ctx.plan,
            ctx.directory(s),
            TOWN,
            ctx.rules,
            ctx.calendar(s),
            now=dt.datetime(2026, 9, 1, 10, tzinfo=TZ),
        )
    by_key = {st.obligation.key: st for st in statuses}
    assert set(by_key) == {
        "i1-annual_report",
        "i1-report_publish",
        "i2-training",
        "i2-court_hearing",
        "i4-meeting",
    }  # not i2-study: a town is neither 区政府常务会议 nor a 政府部门
    hearing = by_key["i2-court_hearing"]
    assert (hearing.state, hearing.period.key, hearing.next_reminder, hearing.note) == (
        "done",
        "2026",
        None,
        "7月旁听",
    )
    training = by_key["i2-training"]
    assert (training.state, training.due, training.next_reminder) == (
        "pending",
        dt.date(2026, 12, 31),
        dt.date(2026, 10, 8),
    )
    assert by_key["i1-annual_report"].state == "overdue"


def test_compliance_report_counts_only_bound_units(ctx) -> None:
    """The court, the procuratorate and the discipline commission are not overdue for item 2's
    study session, training class or court hearing; a town is not overdue for the study."""
    from scheduler.records.completions import NOT_APPLICABLE, OVERDUE, compliance_matrix

    _setup(ctx)
    with session_scope(ctx.engine) as s:
        m = compliance_matrix(
            s, ctx.plan, ctx.directory(s), "2026", now=dt.datetime(2027, 1, 10, 10, tzinfo=TZ)
        )
    cols = {c.label: c for c in m.columns}
    for unit in ("区法院", "区检察院", "区纪委监委"):
        for label in ("i2-study 2026Q3", "i2-training 2026", "i2-court_hearing 2026"):
            assert m.cells[(unit, label)] == NOT_APPLICABLE, (unit, label)
        assert m.cells[(unit, "i1-annual_report 2026")] == OVERDUE  # item 1 binds everyone
    assert m.cells[(TOWN, "i2-study 2026Q1")] == NOT_APPLICABLE
    assert m.cells[(TOWN, "i2-training 2026")] == OVERDUE
    assert m.cells[(BUREAU, "i2-study 2026Q1")] == OVERDUE
    assert m.cells[(BUREAU, "i2-court_hearing 2026")] == NOT_APPLICABLE
    assert "i2-study 2026Q4" in cols
