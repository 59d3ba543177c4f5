"""Escalation as data (scheduler/data/escalation.toml) with a controlled clock: the liaison at the
due date, the unit's head after N working days, the office after M; never a second send, and
nothing for a unit that has confirmed, been exempted or been granted an extension (until its
new date). Queued through the real outbox and sent by the real sender to a file channel."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
import time_machine
from scheduler_fixtures import *  # noqa: F403
from scheduler_fixtures import BUREAU
from sqlmodel import Session, select

from scheduler.delivery.local_channels import FileChannel, read_lines
from scheduler.delivery.sender import OutboxSender
from scheduler.jobs.context import run_planner
from scheduler.jobs.escalation import run_escalation
from scheduler.planning.escalation import EscalationError, load_schedule
from scheduler.records.access import add_admin
from scheduler.records.chat_registry import approve, register_chat
from scheduler.records.completions import confirm
from scheduler.records.requests import decide, request
from scheduler.records.unit_heads import set_head
from scheduler.store.db import session_scope
from scheduler.store.models import OutboxMessage
from scheduler.timing.clock import TZ

# i2-study of 2026Q2 is due Tuesday 30 June; 3 working days later is Friday 3 July, 5 is
# Tuesday 7 July (no holiday in between: chinese-calendar's 2026 data)
LATE, DONE, EXEMPTED, EXTENDED, HEADLESS = BUREAU, "区财政局", "区发改局", "区公安局", "区信访局"
UNITS = (LATE, DONE, EXEMPTED, EXTENDED, HEADLESS)
CHAT = {u: 700 + k for k, u in enumerate(UNITS)}
HEAD_CHAT, ADMIN_CHAT = "9001", "42"


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def setup(ctx):  # noqa: ANN001, ANN201
    ob = ctx.plan.obligation("i2-study")
    with session_scope(ctx.engine) as s:
        d = ctx.directory(s)
        for unit, chat in CHAT.items():
            register_chat(s, chat, unit)
            approve(s, chat, "admin")
        add_admin(s, ADMIN_CHAT, "督办员", chat_id=ADMIN_CHAT, actor="test")
        set_head(s, d, LATE, "李局长", HEAD_CHAT, "test")
        confirm(s, DONE, ob, "2026Q2", by="联络员", now=at(6, 20))
        for kind, unit, due in (
            ("exempt", EXEMPTED, None),
            ("extend", EXTENDED, dt.date(2026, 7, 15)),
        ):
            view, _ = request(
                s, ctx.plan, d, kind, unit, "学法", "2026Q2", "本季度无执法任务",
                new_due=due, by="联络员", by_id="7", now=at(6, 10),
            )  # fmt: skip
            decide(s, ctx.plan, view.id, True, by="督办员", by_id=ADMIN_CHAT, now=at(6, 11))
    return ctx


def _escalations(ctx) -> list[OutboxMessage]:  # noqa: ANN001
    with Session(ctx.engine) as s:
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "escalation")).all()
    return [r for r in rows if json.loads(r.meta)["obligation"] == "i2-study"]


def _stages(ctx) -> list[tuple[str, str, str]]:  # noqa: ANN001
    """(unit, stage, chat) of each queued escalation of the Q2 study session, by stage then
    unit (a duplicate would show twice)."""
    rows = [r for r in _escalations(ctx) if json.loads(r.meta)["period"] == "2026Q2"]
    order = {"liaison": 0, "head": 1, "office": 2}
    out = [(json.loads(r.meta)["unit"], json.loads(r.meta)["stage"], r.chat_id) for r in rows]
    return sorted(out, key=lambda t: (order[t[1]], t[0], t[2]))


def test_the_schedule_is_data_with_its_source() -> None:
    schedule = load_schedule()
    assert [(s.name, s.to, s.after) for s in schedule.stages] == [
        ("liaison", "liaison", 0),
        ("head", "head", 3),
        ("office", "office", 5),
    ]
    from importlib import resources

    text = resources.files("scheduler.data").joinpath("escalation.toml").read_text("utf-8")
    assert "Source / reason" in text and "督察工作规定" in text
    with pytest.raises(EscalationError, match="to 应为"):
        load_schedule('[[stage]]\nname = "x"\nto = "mayor"\nafter = 1\ntemplate = "t"')
    with pytest.raises(EscalationError, match="after"):
        load_schedule('[[stage]]\nname = "x"\nto = "head"\nafter = -1\ntemplate = "t"')


def test_liaison_at_due_head_after_n_office_after_m_working_days(setup, tmp_path) -> None:  # noqa: ANN001
    ctx = setup
    assert run_escalation(ctx, at(6, 29)) == 0 or not _stages(ctx)  # the day before: nothing
    assert _stages(ctx) == []
    run_escalation(ctx, at(6, 30, 9, 0))  # before the stage's hour (09:30)
    assert _stages(ctx) == []
    run_escalation(ctx, at(6, 30))
    liaison = sorted(
        [(LATE, "liaison", str(CHAT[LATE])), (HEADLESS, "liaison", str(CHAT[HEADLESS]))]
    )
    assert _stages(ctx) == liaison
    assert run_escalation(ctx, at(6, 30, 15)) == 0 or _stages(ctx) == liaison
    assert _stages(ctx) == liaison  # never a second send
    run_escalation(ctx, at(7, 2))  # 2 working days late: not yet the head
    assert _stages(ctx) == liaison
    run_escalation(ctx, at(7, 3))
    head = sorted([(LATE, "head", HEAD_CHAT), (HEADLESS, "head", str(CHAT[HEADLESS]))])
    assert _stages(ctx) == liaison + head
    run_escalation(ctx, at(7, 6))
    assert _stages(ctx) == liaison + head
    run_escalation(ctx, at(7, 7))
    office = sorted([(LATE, "office", ADMIN_CHAT), (HEADLESS, "office", ADMIN_CHAT)])
    assert _stages(ctx) == liaison + head + office
    for t in (at(7, 7, 16), at(7, 8), at(7, 10)):
        run_escalation(ctx, t)
    assert _stages(ctx) == liaison + head + office
    rows = {(json.loads(r.meta)["unit"], json.loads(r.meta)["stage"]): r for r in _escalations(ctx)}
    assert (
        "李局长您好" in rows[(LATE, "head")].body and "逾期3个工作日" in rows[(LATE, "head")].body
    )
    assert "请转告单位负责人" in rows[(HEADLESS, "head")].body
    assert "逾期5个工作日" in rows[(LATE, "office")].body
    assert "/done 学法 2026年第二季度" in rows[(LATE, "liaison")].body
    # the extension: nothing until its new date (Wednesday 15 July), then the liaison
    assert all(u != EXTENDED for u, _s, _c in _stages(ctx))
    run_escalation(ctx, at(7, 15))
    assert (EXTENDED, "liaison", str(CHAT[EXTENDED])) in _stages(ctx)
    assert "2026年7月15日" in next(
        r.body for r in _escalations(ctx) if json.loads(r.meta)["unit"] == EXTENDED
    )
    # the unit that confirmed and the exempted one: never anything
    assert not [r for r in _escalations(ctx) if json.loads(r.meta)["unit"] in (DONE, EXEMPTED)]


@pytest.fixture
def on_july_7() -> Iterator[None]:
    """The outbox drops a message after its not-after time: send as on 7 July."""
    with time_machine.travel(at(7, 7), tick=True):
        yield


async def test_each_stage_is_sent_once_by_the_real_sender(setup, tmp_path, on_july_7) -> None:  # noqa: ANN001
    ctx = setup
    for day in (at(6, 30), at(6, 30, 11), at(7, 3), at(7, 7), at(7, 7)):
        run_escalation(ctx, day)
    out = tmp_path / "sent.jsonl"
    await OutboxSender(ctx.engine, FileChannel(out), sender_id="t").drain()
    run_escalation(ctx, at(7, 7, 12))
    await OutboxSender(ctx.engine, FileChannel(out), sender_id="t").drain()
    sent = [ln for ln in read_lines(out) if ln["meta"].get("period") == "2026Q2"]
    keys = sorted((ln["meta"]["unit"], ln["meta"]["stage"], ln["chat_id"]) for ln in sent)
    assert keys == sorted(
        [(u, "liaison", str(CHAT[u])) for u in (LATE, HEADLESS)]
        + [(LATE, "head", HEAD_CHAT), (HEADLESS, "head", str(CHAT[HEADLESS]))]
        + [(u, "office", ADMIN_CHAT) for u in (LATE, HEADLESS)]
    )


def test_a_confirmation_withdraws_queued_escalations_and_stops_the_next(setup) -> None:  # noqa: ANN001
    ctx = setup
    run_escalation(ctx, at(6, 30))
    with session_scope(ctx.engine) as s:
        from scheduler.jobs.snooze import withdraw_reminders

        confirm(s, LATE, ctx.plan.obligation("i2-study"), "2026Q2", by="联络员", now=at(7, 1))
        assert withdraw_reminders(s, LATE, "i2-study", "2026Q2") == 1
    run_escalation(ctx, at(7, 7))
    assert [(u, st) for u, st, _c in _stages(ctx) if u == LATE] == [(LATE, "liaison")]
    [row] = [r for r in _escalations(ctx) if json.loads(r.meta)["unit"] == LATE]
    assert row.state == "dropped"


def test_plan_reminders_stop_for_an_exempted_period(ctx) -> None:  # noqa: ANN001
    with session_scope(ctx.engine) as s:
        register_chat(s, 800, EXEMPTED)
        approve(s, 800, "admin")
        view, _ = request(
            s, ctx.plan, ctx.directory(s), "exempt", EXEMPTED, "i2-study", "2026Q3",
            "本季度无执法任务", now=at(7, 1),
        )  # fmt: skip
        decide(s, ctx.plan, view.id, True, by="督办员", now=at(7, 1))
    run_planner(ctx, at(7, 1))
    with Session(ctx.engine) as s:
        metas = [json.loads(r.meta) for r in s.exec(select(OutboxMessage)).all()]
    assert ("i2-study", "2026Q3") not in {(m.get("obligation"), m.get("period")) for m in metas}
    assert any(m.get("obligation") == "i4-meeting" for m in metas)  # the others still go
