"""The chat core's shared state: one object every feature receives.

It holds what outlives one message — the scheduler's parts and the database, the question engine
and the active plans it follows, the admins, each chat's unit (cached), each chat's conversation,
the flood gate, the chats waiting to send their annual report, and whether the reminders must be
planned again after this update — and the few questions every feature asks of it (is this an
admin, may this person act for the unit, which unit is this chat). Everything here is
synchronous; channel adapters call the core from worker threads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from bot.chat.flood import FloodGuard
from bot.chat.incoming import ChatContext
from bot.chat.render.common import NEED_UNIT, NOT_LIAISON
from bot.chat.render.help import HelpLine
from knowledge.plan.model import WorkPlan
from knowledge.qa import QAEngine
from knowledge.qa.query.conversation import Conversations
from scheduler.delivery.read_report import ReadStatusFn
from scheduler.jobs.context import SchedulerContext, run_planner
from scheduler.records import access, chat_registry
from scheduler.records.plans import ordered_for
from scheduler.store.db import quick_session, session_scope
from scheduler.store.models import UnitRow
from scheduler.store.watchdog import within

log = logging.getLogger(__name__)

UNIT_CACHE_SECONDS = 30.0
# seconds a question's own database reads (the chat's unit, the plans' signature) may wait,
# for a lock included, before the question is answered without them: a locked table must not
# hold an answer that needs no database (the acceptance allows 2 s in all)
QUESTION_READ_SECONDS = 0.5
# the same reads' whole wait, connecting included (a server that accepts but never answers)
QUESTION_WAIT_SECONDS = 0.8
UNIT_CACHE_CHATS = 1024  # beyond this many chats, the least recently looked-up half is dropped
QA_CHECK_SECONDS = 60.0  # how often the question engine looks for new units or plans


class UnitCache:
    """Each chat's active unit for a short while: every question needs it, and registrations
    change rarely (and through the core, which forgets the chat). Bounded: beyond
    :data:`UNIT_CACHE_CHATS` chats the least recently looked-up half is dropped."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[float, str | None]] = {}

    def get(self, chat_id: str) -> tuple[float, str | None] | None:
        return self.entries.get(chat_id)

    def put(self, chat_id: str, now: float, name: str | None) -> None:
        self.entries[chat_id] = (now, name)
        if len(self.entries) > UNIT_CACHE_CHATS:
            by_age = sorted(self.entries.items(), key=lambda kv: kv[1][0])
            self.entries = dict(by_age[-(UNIT_CACHE_CHATS // 2) :])

    def forget(self, chat_id: str) -> None:
        self.entries.pop(chat_id, None)


class ChatState:
    """What the features share (see the module's docstring)."""

    def __init__(
        self,
        sched: SchedulerContext,
        qa: QAEngine,
        admin_ids: frozenset[str],
        questions_per_minute: int,
        clock: Callable[[], datetime],
        members_may_act: bool,
    ) -> None:
        self.sched = sched
        self.qa = qa
        self.admin_ids = admin_ids
        self.flood = FloodGuard(questions_per_minute)
        # the Telegram front end checks the flood limit at arrival, for every kind of message
        # (see bot.channels.telegram.update_processor); the console leaves it here, for questions
        self.flood_in_core = True
        # in a unit's group, only its approved liaisons (and admins) confirm tasks or change
        # the group's registration, unless this opens it to every member
        self.members_may_act = members_may_act
        self.clock = clock
        # set by the front end that runs the scheduler jobs: asks for a planner run now
        self.request_planner_run: Callable[[], object] | None = None
        # set by the front end whose channel can say whether a message was read (DingTalk):
        # the delivery report asks it (scheduler.delivery.read_report); None: no such channel
        self.read_status: ReadStatusFn | None = None
        self.plan_soon = False  # a chat was approved: plan its reminders without waiting
        self.units = UnitCache()
        self.conversations = Conversations()
        self.awaiting_report: dict[str, float] = {}  # chat → until when /annual_report waits
        self.help_lines: tuple[HelpLine, ...] = ()  # the router's commands, for /help
        self._qa_checked = 0.0
        self._plans_seen: tuple = self._plans_signature()
        with session_scope(sched.engine) as s:
            for admin_id in self.admin_ids:
                if not access.is_admin(s, admin_id):  # audited once, not at every start
                    access.add_admin(s, admin_id, actor="settings")

    # -- the database and the plan ---------------------------------------------------------
    @property
    def plan(self) -> WorkPlan:
        """The plan of this year (the active one, else the latest before it)."""
        return self.sched.plan_at(self.clock().year)

    def session(self) -> AbstractContextManager[Session]:
        return session_scope(self.sched.engine)

    def after_update(self) -> None:
        """Run after each handled update (in the worker thread): a newly approved chat gets
        the reminders already due now, instead of at the next hourly planner run. With the
        scheduler jobs running, the planner job is asked to run now (a tick never runs inside
        an update: at thousands of units it would hold the database and the update); without
        them (tools, tests without jobs) the tick runs here."""
        if self.plan_soon:
            self.plan_soon = False
            if self.request_planner_run is not None:
                self.request_planner_run()
            else:
                run_planner(self.sched, self.clock())

    # -- who is talking ------------------------------------------------------------------------
    def is_admin(self, ctx: ChatContext) -> bool:
        if ctx.user_id in self.admin_ids:
            return True
        with self.session() as s:
            return access.is_admin(s, ctx.user_id)

    def may_act(self, s: Session, ctx: ChatContext, unit: UnitRow) -> bool:
        """May this person act for ``unit`` here (confirm, attach evidence, re-register)?
        A private chat registered to the unit is its liaison's own; in a group, only the
        unit's liaisons approved by an admin (or everyone, with ``members_may_act``)."""
        if not ctx.is_group or self.members_may_act:
            return True
        if ctx.user_id in self.admin_ids or access.is_admin(s, ctx.user_id):
            return True
        return access.is_liaison(s, unit.id, ctx.user_id)  # type: ignore[arg-type]

    def acting_unit(self, s: Session, ctx: ChatContext) -> UnitRow | str:
        """The chat's unit when this person may act for it here (:meth:`may_act`); else the
        sentence that says why not (no unit registered, not its liaison)."""
        unit = self.chat_unit(s, ctx)
        if unit is None:
            return NEED_UNIT
        if not self.may_act(s, ctx, unit):
            return NOT_LIAISON.format(unit=unit.name)
        return unit

    def chat_unit(self, s: Session, ctx: ChatContext) -> UnitRow | None:
        """The chat's unit when its registration is active."""
        return chat_registry.chat_unit(s, ctx.chat_id)

    def unit_name(self, ctx: ChatContext) -> str | None:
        """The chat's active unit, cached (:class:`UnitCache`); while the database is away,
        the last known one."""
        now = time.monotonic()
        hit = self.units.get(ctx.chat_id)
        if hit is not None and now - hit[0] < UNIT_CACHE_SECONDS:
            return hit[1]

        def read() -> str | None:
            with quick_session(self.sched.engine, QUESTION_READ_SECONDS) as s:
                unit = self.chat_unit(s, ctx)
                return unit.name if unit else None

        try:
            name = within(QUESTION_WAIT_SECONDS, read)
        except (DBAPIError, TimeoutError) as exc:  # the database is away: answer without it
            log.warning("unit of chat %s unknown, database unavailable: %s", ctx.chat_id, exc)
            return hit[1] if hit is not None else None
        self.units.put(ctx.chat_id, now, name)
        return name

    def forget_chat(self, *chat_ids: str) -> None:
        for chat_id in chat_ids:
            self.units.forget(str(chat_id))

    # -- the question engine follows the plans and the units -------------------------------------
    def reload_plans(self) -> None:
        """Follow the active plans again (after an import or activation)."""
        self.sched.reload()
        with self.session() as s:
            directory = self.sched.directory(s)
        self.qa = QAEngine(ordered_for(self.sched.plans, self.clock().date()), directory)
        self._plans_seen = self._plans_signature()
        self.conversations = Conversations()  # earlier turns point into the replaced plan

    def _plans_signature(self) -> tuple:
        from scheduler.records.plans import active_signature

        with quick_session(self.sched.engine, QUESTION_READ_SECONDS) as s:
            return active_signature(s)

    def current_qa(self) -> QAEngine:
        """The question engine, rebuilt when admins have added units since it was built (at
        most once a minute a cheap count is checked), so group duties reach new units too."""
        t = time.monotonic()
        if t - self._qa_checked < QA_CHECK_SECONDS:
            return self.qa
        self._qa_checked = t

        def read_directory():  # noqa: ANN202
            with quick_session(self.sched.engine, QUESTION_READ_SECONDS) as s:
                return self.sched.directory(s)

        try:
            pinned = self.sched.pinned_plan is not None
            if not pinned and within(QUESTION_WAIT_SECONDS, self._plans_signature) != (
                self._plans_seen
            ):
                self.reload_plans()  # another process imported or activated a plan
                return self.qa
            directory = within(QUESTION_WAIT_SECONDS, read_directory)
        except (DBAPIError, TimeoutError):  # the database is away: the engine we have answers
            return self.qa
        if set(directory.units) != set(self.qa.directory.units):
            self.qa = QAEngine([p.plan for p in self.qa.plans.values()], directory)
        return self.qa
