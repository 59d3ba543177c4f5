"""Counts through the scheduler: "至少2次" per quarter needs two completions in that quarter;
status, reports and `kb diff` show them; periods of two months and half-years are planned."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from scheduler_fixtures import *  # noqa: F403
from scheduler_fixtures import BUREAU
from sqlalchemy import text

from knowledge.plan.diff import diff_plans, diff_text
from knowledge.plan.model import Cadence, WorkPlan
from knowledge.reading.loader import default_directory, default_plan
from scheduler.planning.planner import reminders_in
from scheduler.planning.rules import load_rules
from scheduler.records.completions import (
    completed_set,
    compliance_matrix,
    confirm,
    status_for_unit,
    undo,
)
from scheduler.records.report import matrix_rows
from scheduler.records.unit_registry import sync_units
from scheduler.store.db import init_db, session_scope, upgrade
from scheduler.timing.clock import TZ
from scheduler.timing.workdays import WorkCalendar

NOW = datetime(2026, 8, 3, 10, 0, tzinfo=TZ)


def _with(plan: WorkPlan, key: str, **changes: object) -> WorkPlan:
    items = tuple(
        replace(
            it,
            obligations=tuple(replace(o, **changes) if o.key == key else o for o in it.obligations),
        )
        for it in plan.items
    )
    return replace(plan, items=items)


def test_two_a_quarter_needs_two_completions(engine) -> None:
    plan = _with(default_plan(), "i2-study", min_count=2)
    study = plan.obligation("i2-study")
    assert study is not None and study.need == 2
    directory = default_directory()
    rules, cal = load_rules(), WorkCalendar()
    with session_scope(engine) as s:
        sync_units(s, directory)
        c1, new1 = confirm(s, BUREAU, study, "2026Q3", by="李四", now=NOW)
        assert new1 and c1.occurrence == 1
        assert (BUREAU, "i2-study", "2026Q3") not in completed_set(s, plan)
        st = next(
            x
            for x in status_for_unit(s, plan, directory, BUREAU, rules, cal, now=NOW)
            if x.obligation.key == "i2-study"
        )
        assert st.state == "pending" and st.state_label == "待完成 1/2"
        m = compliance_matrix(s, plan, directory, "2026", now=NOW)
        header, rows = matrix_rows(m)
        row = next(r for r in rows if r[0] == BUREAU)
        assert row[header.index("学法（2026年第三季度）")] == "待完成 1/2"
        c2, new2 = confirm(s, BUREAU, study, "2026Q3", by="王五", now=NOW)
        assert new2 and c2.occurrence == 2
        assert (BUREAU, "i2-study", "2026Q3") in completed_set(s, plan)
        _c3, new3 = confirm(s, BUREAU, study, "2026Q3", by="赵六", now=NOW)
        assert not new3  # the count is reached: nothing more is recorded
        st = next(
            x
            for x in status_for_unit(s, plan, directory, BUREAU, rules, cal, now=NOW)
            if x.obligation.key == "i2-study"
        )
        assert st.state_label == "已完成 2/2"
        # the bundled plan (once a quarter) is done with one
        assert (BUREAU, "i2-study", "2026Q3") in completed_set(s, default_plan())
        removed = undo(s, BUREAU, study, "2026Q3", by="admin")
        assert removed.occurrence == 2
        assert (BUREAU, "i2-study", "2026Q3") not in completed_set(s, plan)


def test_kb_diff_shows_the_count_change() -> None:
    old = default_plan()
    new = _with(old, "i2-study", min_count=2)
    text_ = diff_text(diff_plans(old, new))
    assert "每季度至少1次 → 每季度至少2次" in text_


def test_two_month_and_half_year_periods_are_planned() -> None:
    plan = _with(default_plan(), "i2-study", cadence=Cadence.BIMONTHLY)
    rs = reminders_in(plan, default_directory(), load_rules(), WorkCalendar(), [2026], {BUREAU})
    periods = sorted({r.period.key for r in rs if r.obligation.key == "i2-study"})
    assert periods == [f"2026B{i}" for i in range(1, 7)]
    first = min((r for r in rs if r.obligation.key == "i2-study"), key=lambda r: r.when)
    assert "2026年1—2月" in first.body and first.due.isoformat() == "2026-02-28"
    plan = _with(default_plan(), "i2-study", cadence=Cadence.HALF_YEARLY)
    rs = reminders_in(plan, default_directory(), load_rules(), WorkCalendar(), [2026], {BUREAU})
    assert sorted({r.period.key for r in rs if r.obligation.key == "i2-study"}) == [
        "2026H1",
        "2026H2",
    ]
    plan = _with(default_plan(), "i2-study", cadence=Cadence.ONGOING)
    rs = reminders_in(plan, default_directory(), load_rules(), WorkCalendar(), [2026], {BUREAU})
    assert not [r for r in rs if r.obligation.key == "i2-study"]  # no fixed period: no date


def test_completions_before_counts_are_the_first_occurrence(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    from sqlalchemy import create_engine

    eng = create_engine(url)
    upgrade(eng, "0006_imported_plans")
    with eng.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO unit (name, category, source, aliases, active, created_at) VALUES "
                "('区司法局', 'department', 'directory', '', 1, '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO completion (unit_id, obligation_key, period, confirmed_by, "
                "confirmed_at, note) VALUES (1, 'i2-study', '2026Q1', 'x', '2026-02-01', '')"
            )
        )
    eng.dispose()
    eng = init_db(url)
    with eng.begin() as conn:
        assert conn.execute(text("SELECT occurrence FROM completion")).scalar_one() == 1
    eng.dispose()
