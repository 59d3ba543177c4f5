"""Reminder wording by stage, with a controlled clock: a period begins, its end nears, it has
passed, and a reminder sent later than planned (a catch-up) — which on 4 December never says
"本季度开始". Officials see the obligation's Chinese name and the period as 2026年第四季度, never
the internal keys."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from scheduler_fixtures import *  # noqa: F403
from scheduler_fixtures import BUREAU
from sqlmodel import select

from knowledge.reading.loader import default_directory, default_plan
from scheduler.jobs.context import run_planner
from scheduler.jobs.snooze import snooze_reminder
from scheduler.planning.planner import due_reminders
from scheduler.planning.rules import RuleError, load_rules
from scheduler.records.chat_registry import approve, register_chat
from scheduler.store.db import session_scope
from scheduler.store.models import OutboxMessage
from scheduler.timing.clock import TZ
from scheduler.timing.workdays import WorkCalendar

D = dt.date


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def _study(now: dt.datetime, period: str | None = None) -> str:
    """The bureau's due study-session reminder at ``now`` (the bundled plan, no completions),
    of ``period`` (default: the one holding ``now``)."""
    due = due_reminders(
        now, default_plan(), default_directory(), load_rules(), WorkCalendar(), units={BUREAU}
    )
    period = period or f"{now.year}Q{(now.month - 1) // 3 + 1}"
    (found,) = [r for r in due if r.obligation.key == "i2-study" and r.period.key == period]
    return found.body


def test_start_on_its_day() -> None:
    body = _study(at(D(2026, 10, 8)))  # the first working day of Q4 (01..07 are 国庆)
    assert "本季度开始" in body and "补发" not in body
    assert "2026年第四季度请学法" in body
    assert "/done 学法 2026年第四季度" in body
    assert "i2-study" not in body and "2026Q4" not in body


def test_a_catch_up_on_4_december_does_not_say_the_quarter_begins() -> None:
    body = _study(at(D(2026, 12, 4)))  # Q4's start step (10-08) is the latest due: sent late
    assert "本季度开始" not in body
    assert "补发提醒：原定10月8日提醒，现距截止还有27天，尚未确认完成" in body
    assert "/done 学法 2026年第四季度" in body


def test_due_soon_on_its_day_and_as_a_catch_up_on_the_last_day() -> None:
    assert "本季度还有10个工作日结束，尚未确认完成" in _study(at(D(2026, 12, 17)))
    assert "今天是截止日" in _study(at(D(2026, 12, 31)))


def test_overdue_after_the_due_date_within_the_year() -> None:
    body = _study(at(D(2026, 4, 3)), "2026Q1")  # Q1 ended 03-31; 3 working days later
    assert "请于2026年3月31日前完成。截止日期已过3天，尚未确认完成" in body
    assert "/done 学法 2026年第一季度" in body
    assert "本季度" not in body


def test_no_overdue_reminder_once_a_completion_can_no_longer_be_recorded() -> None:
    due = due_reminders(
        at(D(2027, 1, 8)),
        default_plan(),
        default_directory(),
        load_rules(),
        WorkCalendar(),
        units={BUREAU},
    )
    assert not [r for r in due if r.period.year == 2026]


def test_the_wording_is_data() -> None:
    text = (
        '[[rule]]\nname="q"\ntemplate="{step_label}"\ncadences=["quarterly"]\n'
        '[[rule.step]]\nname="s"\nanchor="period_start"\n'
        '[wording]\ncatch_up="迟到了{days_left}天"\n'
    )
    rules = load_rules(text)
    assert rules.words("catch_up") == "迟到了{days_left}天"
    assert rules.rules[0].steps[0].stage == "start"
    with pytest.raises(RuleError, match="stage"):
        load_rules(text.replace('anchor="period_start"', 'anchor="period_start"\nstage="soon"'))
    with pytest.raises(RuleError, match="wording"):
        load_rules(text + 'late="x"\n')


def test_the_planner_and_snooze_word_a_late_reminder_as_a_catch_up(ctx) -> None:  # noqa: ANN001
    """A unit registered on 4 December gets Q4's reminder as a catch-up; 稍后提醒 on it queues
    the next working day's text, again a catch-up."""
    with session_scope(ctx.engine) as s:
        register_chat(s, 502, BUREAU)
        approve(s, 502, "admin")
    with time_machine.travel(at(D(2026, 12, 4)), tick=False):
        run_planner(ctx)
        with session_scope(ctx.engine) as s:
            rows = [r for r in s.exec(select(OutboxMessage)).all() if r.kind == "reminder"]
            study = [r for r in rows if json.loads(r.meta).get("obligation") == "i2-study"]
            assert len(study) == 1
            assert "补发提醒" in study[0].body and "本季度开始" not in study[0].body
            when = snooze_reminder(
                ctx, s, "502", BUREAU, ctx.plan.obligation("i2-study"), "2026Q4", at(D(2026, 12, 4))
            )
        assert when is not None and when.date() == D(2026, 12, 7)
        with session_scope(ctx.engine) as s:
            (snoozed,) = [r for r in s.exec(select(OutboxMessage)).all() if r.kind == "snooze"]
            assert "原定10月8日提醒，现距截止还有24天" in snoozed.body
            assert "本季度开始" not in snoozed.body
