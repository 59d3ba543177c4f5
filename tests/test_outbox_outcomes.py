"""Outcomes the outbox must treat specially: a 429 is not a failed attempt; a chat Telegram
says does not exist is marked unreachable and the admins are told once."""

from __future__ import annotations

from scheduler_fixtures import *  # noqa: F403
from scheduler_fixtures import BUREAU
from sqlmodel import Session, select

from knowledge.reading.loader import default_directory
from scheduler.delivery.channel import DeliveryOutcome, DeliveryStatus
from scheduler.delivery.leases import claim_next
from scheduler.delivery.outbox import enqueue
from scheduler.delivery.outcomes import RetryPolicy, record_outcome
from scheduler.records.access import add_admin
from scheduler.records.chat_registry import approve, register_chat
from scheduler.records.unit_registry import sync_units
from scheduler.store.db import session_scope
from scheduler.store.models import Chat, ChatStatus, OutboxMessage


def _row(engine, key: str) -> OutboxMessage:  # noqa: ANN001
    with Session(engine) as s:
        return s.exec(select(OutboxMessage).where(OutboxMessage.key == key)).one()


def test_a_429_is_not_a_failed_attempt(engine) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        enqueue(s, key="t", chat_id="5", body="x")
    policy = RetryPolicy(max_attempts=2)
    throttled = DeliveryOutcome(DeliveryStatus.RETRY, retry_after=0.0, throttled=True)
    for _ in range(5):  # far more 429s than attempts: still queued, never failed
        row = claim_next(engine, "s")
        assert row is not None
        assert record_outcome(engine, row.id, "s", throttled, policy) == "queued"
    assert _row(engine, "t").attempts == 0
    row = claim_next(engine, "s")
    plain = DeliveryOutcome(DeliveryStatus.RETRY, error="502")
    assert record_outcome(engine, row.id, "s", plain, policy) == "queued"
    row = claim_next(engine, "s")
    assert row is None  # a real failure backs off


def test_chat_not_found_marks_the_chat_unreachable_and_tells_admins_once(engine) -> None:  # noqa: ANN001
    with session_scope(engine) as s:
        sync_units(s, default_directory())
        add_admin(s, "900", chat_id="900")
        register_chat(s, "-77", BUREAU, title="司法局群", is_group=True)
        approve(s, "-77", "admin")
        for k in range(3):
            enqueue(s, key=f"g{k}", chat_id="-77", body=str(k))
    gone = DeliveryOutcome(DeliveryStatus.UNREACHABLE, error="BadRequest: chat not found")
    row = claim_next(engine, "s")
    assert record_outcome(engine, row.id, "s", gone) == "blocked"
    with Session(engine) as s:
        chat = s.exec(select(Chat).where(Chat.chat_id == "-77")).one()
        assert chat.status == ChatStatus.UNREACHABLE
        rows = s.exec(select(OutboxMessage)).all()
    assert {r.key: r.state for r in rows if r.chat_id == "-77"} == {
        "g0": "blocked",
        "g1": "blocked",
        "g2": "blocked",
    }
    notices = [r for r in rows if r.chat_id == "900"]
    assert len(notices) == 1 and "不存在" in notices[0].body and "司法局群" in notices[0].body
