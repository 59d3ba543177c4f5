"""APScheduler 3 jobs: the planner, the outbox sender and the supervision digest.

The jobs are static and re-created at every start with fixed ids and ``replace_existing=True``;
they live in the scheduler's default in-memory job store. All state (what was queued, sent,
confirmed) lives in the database, so nothing is lost when the jobs vanish with the process,
and a restart cannot duplicate them.

- ``fazhi-planner``: at start and hourly; catch-up is the planner's own (a missed step is due
  until its deadline and its key is enqueued once); escalation runs in the same tick.
- ``fazhi-outbox``: every few seconds, sends what is ready.
- ``fazhi-digest``: at start and daily at 09:30 Asia/Shanghai; queues the last closed quarter's
  digest once.

The bot calls :func:`install_jobs` on PTB's ``application.job_queue.scheduler`` (an
``AsyncIOScheduler``); ``fazhi schedule run`` uses :func:`run_standalone`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scheduler.delivery.channel import Channel
from scheduler.delivery.sender import OutboxSender
from scheduler.jobs.context import SchedulerContext, run_digest, run_planner
from scheduler.timing.clock import TZ, now

log = logging.getLogger(__name__)

PLANNER_JOB = "fazhi-planner"
OUTBOX_JOB = "fazhi-outbox"
DIGEST_JOB = "fazhi-digest"
JOB_IDS = (PLANNER_JOB, OUTBOX_JOB, DIGEST_JOB)


def _plan_all(ctx: SchedulerContext) -> int:
    from scheduler.delivery.receipts import run_receipt_reminders
    from scheduler.jobs.escalation import run_escalation

    return run_planner(ctx) + run_receipt_reminders(ctx) + run_escalation(ctx)


async def planner_job(ctx: SchedulerContext) -> int:
    """Reminders of obligations, escalation of overdue ones (escalation.toml), and reminders
    of notices' receipts whose deadline nears."""
    return await asyncio.to_thread(_plan_all, ctx)


async def digest_job(ctx: SchedulerContext) -> int:
    return await asyncio.to_thread(run_digest, ctx)


# senders whose outbox job is running now, and those asked to run again when it ends
# (run_outbox_soon): a kick during a run would otherwise be skipped with a warning
_running: set[int] = set()
_again: set[int] = set()


async def outbox_job(sender: OutboxSender, limit: int = 200) -> int:
    key = id(sender)
    _running.add(key)
    total = 0
    try:
        while True:
            _again.discard(key)
            total += (await sender.run_once(limit)).total
            if key not in _again:
                return total
    finally:
        _running.discard(key)
        _again.discard(key)


def install_jobs(
    scheduler: BaseScheduler,
    ctx: SchedulerContext,
    channel: Channel,
    *,
    sender_id: str | None = None,
    send_interval: float = 5.0,
    planner_interval: timedelta = timedelta(hours=1),
    with_sender: bool = True,
) -> OutboxSender:
    """Add (or replace) the three jobs on ``scheduler``; returns the sender they use
    (``with_sender=False``: no outbox job here, another process sends)."""
    sender = OutboxSender(ctx.engine, channel, sender_id=sender_id)
    common = {
        "replace_existing": True,
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": None,
    }
    start = now()
    scheduler.add_job(
        planner_job,
        IntervalTrigger(seconds=planner_interval.total_seconds(), timezone=TZ),
        args=[ctx],
        id=PLANNER_JOB,
        name="提醒计划",
        next_run_time=start,
        **common,
    )
    if with_sender:
        scheduler.add_job(
            outbox_job,
            IntervalTrigger(seconds=send_interval, timezone=TZ),
            args=[sender],
            id=OUTBOX_JOB,
            name="发送队列",
            next_run_time=start + timedelta(seconds=1),
            **common,
        )
    scheduler.add_job(
        digest_job,
        CronTrigger(hour=9, minute=30, timezone=TZ),
        args=[ctx],
        id=DIGEST_JOB,
        name="督察汇总",
        next_run_time=start + timedelta(seconds=2),
        **common,
    )
    return sender


def run_planner_soon(scheduler: BaseScheduler) -> None:
    """Ask for a planner run now, from any thread (after an approval); a run in progress
    finishes first (one instance at a time)."""
    try:
        scheduler.modify_job(PLANNER_JOB, next_run_time=now())
    except JobLookupError:
        log.warning("planner job not installed; the next start plans the reminders")


def run_outbox_soon(scheduler: BaseScheduler) -> None:
    """Ask for an outbox run now (a channel that queues its replies, e.g. DingTalk's, wants
    them sent at once); a run in progress runs once more instead. From the event loop's
    thread (the jobs run there too)."""
    job = scheduler.get_job(OUTBOX_JOB)
    if job is None:
        log.debug("outbox job not installed here; another process sends")
        return
    key = id(job.args[0])
    if key in _running:
        _again.add(key)
        return
    try:
        scheduler.modify_job(OUTBOX_JOB, next_run_time=now())
    except JobLookupError:
        log.debug("outbox job not installed here; another process sends")


async def run_standalone(
    ctx: SchedulerContext, channel: Channel, stop: asyncio.Event | None = None, **kwargs
) -> None:  # noqa: ANN003
    """Run the jobs in this process until ``stop`` is set (or forever): `fazhi schedule run`."""
    scheduler = AsyncIOScheduler(timezone=TZ)
    install_jobs(scheduler, ctx, channel, **kwargs)
    scheduler.start()
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        scheduler.shutdown(wait=False)
