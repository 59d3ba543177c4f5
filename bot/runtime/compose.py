"""The composition root: settings → database → plans → question engine → assistant."""

from __future__ import annotations

import logging

from bot.chat.assistant import Assistant
from bot.runtime.settings import Settings
from knowledge.qa import QAEngine
from scheduler.jobs.context import SchedulerContext
from scheduler.records.plans import ordered_for
from scheduler.timing.clock import local
from scheduler.timing.clock import now as clock_now

log = logging.getLogger(__name__)


def build_assistant(settings: Settings, extra_admins: frozenset[str] = frozenset()) -> Assistant:
    """Migrate the database, load the plans, build the index once, and wire the assistant.

    Raises ``scheduler.store.db.DatabaseURLError`` for a malformed ``DATABASE_URL`` and
    ``knowledge.reading.decode.DocumentError`` for a broken imported plan; the CLI shows both."""
    sched = SchedulerContext.load(settings.database_url)
    qa = QAEngine(ordered_for(sched.plans, local(clock_now()).date()), sched.base_directory)
    from bot.channels.dingtalk.ids import person

    admins = frozenset(str(a) for a in settings.admin_ids) | extra_admins
    admins |= frozenset(person(staff) for staff in settings.dingtalk_admins)
    return Assistant(
        sched,
        qa,
        admins,
        questions_per_minute=settings.fazhi_questions_per_minute,
        members_may_act=settings.fazhi_group_members_may_act,
    )
