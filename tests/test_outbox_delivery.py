"""The outbox and its sender against a real database: idempotent enqueue, outcomes, expiry,
recovery after a crash, and broadcasts with their delivery report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from scheduler_fixtures import *  # noqa: F403
from scheduler_fixtures import BUREAU
from sqlmodel import Session, select

from knowledge.reading.loader import default_directory
from scheduler.delivery.broadcast import (
    broadcast_report,
    create_broadcast,
    enqueue_broadcast,
    resend_failed,
)
from scheduler.delivery.channel import DeliveryOutcome, DeliveryStatus, OutgoingMessage
from scheduler.delivery.leases import claim_next, recover
from scheduler.delivery.local_channels import FileChannel, read_lines
from scheduler.delivery.outbox import counts, enqueue
from scheduler.delivery.outcomes import RetryPolicy
from scheduler.delivery.sender import OutboxSender
from scheduler.records.chat_registry import approve, register_chat
from scheduler.records.unit_registry import sync_units
from scheduler.store.db import session_scope
from scheduler.store.models import AuditLog, Chat, ChatStatus, OutboxMessage
from scheduler.timing.clock import utcnow


@dataclass
class ScriptedChannel:
    """Answers each send with the next scripted outcome (then SENT), recording the calls."""

    script: dict[str, list[DeliveryOutcome]] = field(default_factory=dict)
    calls: list[OutgoingMessage] = field(default_factory=list)
    name: str = "scripted"

    async def send(self, message: OutgoingMessage) -> DeliveryOutcome:
        self.calls.append(message)
        queue = self.script.get(message.chat_id, [])
        return (
            queue.pop(0)
            if queue
            else DeliveryOutcome(DeliveryStatus.SENT, provider_message_id="p1")
        )


def _row(engine, key: str) -> OutboxMessage:  # noqa: ANN001
    with Session(engine) as s:
        return s.exec(select(OutboxMessage).where(OutboxMessage.key == key)).one()


def test_enqueue_is_idempotent(engine) -> None:
    with session_scope(engine) as s:
        assert enqueue(s, key="k1", chat_id=1, body="a") is True
        assert enqueue(s, key="k1", chat_id=1, body="changed") is False
        assert enqueue(s, key="k2", chat_id=1, body="b", buttons=[[{"text": "x", "data": "y"}]])
    with session_scope(engine) as s:
        assert counts(s)["queued"] == 2
    assert _row(engine, "k1").body == "a"


async def test_sent_and_message_fields(engine) -> None:
    with session_scope(engine) as s:
        enqueue(
            s,
            key="k",
            chat_id="-100",
            body="<b>hi</b>",
            kind="notice",
            is_group=True,
            buttons=[[{"text": "已完成", "data": "done:x"}]],
            meta={"a": 1},
        )
    ch = ScriptedChannel()
    report = await OutboxSender(engine, ch, sender_id="s").run_once()
    assert report.states == {"sent": 1}
    m = ch.calls[0]
    assert (m.chat_id, m.body, m.kind, m.is_group, m.meta) == (
        "-100",
        "<b>hi</b>",
        "notice",
        True,
        {"a": 1},
    )
    assert m.buttons == [[{"text": "已完成", "data": "done:x"}]]
    row = _row(engine, "k")
    assert row.state == "sent" and row.sent_at is not None and row.provider_message_id == "p1"
    assert await OutboxSender(engine, ch, sender_id="s").run_once() == type(report)()


async def test_retry_backoff_retry_after_and_give_up(engine) -> None:
    with session_scope(engine) as s:
        enqueue(s, key="r", chat_id="7", body="x")
    retry = DeliveryOutcome(DeliveryStatus.RETRY, retry_after=120, error="429 Too Many Requests")
    bad_gateway = DeliveryOutcome(DeliveryStatus.RETRY, error="502 Bad Gateway")
    ch = ScriptedChannel({"7": [retry, bad_gateway, bad_gateway]})
    policy = RetryPolicy(max_attempts=3, base_delay=5, factor=2)
    sender = OutboxSender(engine, ch, sender_id="s", policy=policy)
    t0 = utcnow()
    assert (await sender.run_once()).states == {"queued": 1}
    row = _row(engine, "r")
    assert row.attempts == 1 and row.last_error == "429 Too Many Requests"
    assert row.next_attempt_at >= t0 + dt.timedelta(seconds=119)  # retry_after honoured
    assert (await sender.run_once()).total == 0  # not ready yet
    for expected in ("queued", "failed"):
        with Session(engine) as s:  # fast-forward the back-off
            r = s.get(OutboxMessage, row.id)
            r.next_attempt_at = utcnow()
            s.add(r)
            s.commit()
        assert (await sender.run_once()).states == {expected: 1}
    row = _row(engine, "r")
    assert (
        row.state == "failed"
        and row.attempts == 3
        and "502" in row.last_error
        and "重试3次" in row.last_error
    )
    assert policy.delay(1) == 5 and policy.delay(2) == 10 and policy.delay(2, 60) == 60


async def test_unknown_failed_blocked_migrated_expired(engine) -> None:
    with session_scope(engine) as s:
        sync_units(s, default_directory())
        register_chat(s, "-300", BUREAU, is_group=True)
        register_chat(s, "400", BUREAU)
        approve(s, "-300", "admin")
        approve(s, "400", "admin")
        enqueue(s, key="u", chat_id="1", body="x")
        enqueue(s, key="f", chat_id="2", body="x")
        enqueue(s, key="b1", chat_id="400", body="x")
        enqueue(s, key="b2", chat_id="400", body="y")
        enqueue(s, key="m", chat_id="-300", body="x")
        enqueue(s, key="e", chat_id="3", body="x", not_after=utcnow() - dt.timedelta(minutes=1))
    ch = ScriptedChannel(
        {
            "1": [DeliveryOutcome(DeliveryStatus.UNKNOWN, error="timed out")],
            "2": [DeliveryOutcome(DeliveryStatus.FAILED, error="400 chat not found")],
            "400": [DeliveryOutcome(DeliveryStatus.BLOCKED, error="403 blocked by user")],
            "-300": [DeliveryOutcome(DeliveryStatus.MIGRATED, new_chat_id="-100300")],
        }
    )
    report = await OutboxSender(engine, ch, sender_id="s").run_once()
    states = dict(report.states)
    # b2 counts here when it was already claimed (in flight) as b1 found the chat blocked
    assert states.pop("blocked") in (1, 2)
    assert states == {"unknown": 1, "failed": 1, "queued": 1, "dropped": 1, "sent": 1}
    assert {m.chat_id for m in ch.calls} == {
        "1",
        "2",
        "400",
        "-300",
        "-100300",
    }  # not "3", once to 400
    assert _row(engine, "u").state == "unknown" and _row(engine, "u").last_error == "timed out"
    assert _row(engine, "b2").state == "blocked"
    assert _row(engine, "m").state == "sent" and _row(engine, "m").chat_id == "-100300"
    assert _row(engine, "e").state == "dropped" and "未发送" in _row(engine, "e").last_error
    with Session(engine) as s:
        chats = {c.chat_id: c.status for c in s.exec(select(Chat)).all()}
        assert chats == {"-100300": ChatStatus.ACTIVE, "400": ChatStatus.BLOCKED}
        c = counts(s)
    assert (c["sent"], c["unknown"], c["failed"], c["blocked"], c["dropped"]) == (1, 1, 1, 2, 1)


async def test_channel_exception_is_a_retry(engine) -> None:
    class Broken:
        name = "broken"

        async def send(self, message):  # noqa: ANN001, ANN202
            raise ConnectionError("boom")

    with session_scope(engine) as s:
        enqueue(s, key="x", chat_id="1", body="x")
    assert (await OutboxSender(engine, Broken(), sender_id="s").run_once()).states == {"queued": 1}
    assert "ConnectionError: boom" in _row(engine, "x").last_error


async def test_crash_between_claim_and_mark_is_recovered_by_the_same_sender(
    engine, tmp_path
) -> None:
    with session_scope(engine) as s:
        for i in range(3):
            enqueue(s, key=f"c{i}", chat_id="1", body=str(i))
    claimed = claim_next(engine, "host:A")  # then "the process died"
    assert claimed is not None and claimed.state == "sending"
    assert recover(engine, "host:B") == 0  # another sender leaves a live lease alone
    out = tmp_path / "o.jsonl"
    report = await OutboxSender(engine, FileChannel(out), sender_id="host:A").drain()
    assert report.states == {"sent": 3}
    assert sorted(line["body"] for line in read_lines(out)) == ["0", "1", "2"]
    # an expired lease of a sender that never comes back is taken over
    with session_scope(engine) as s:
        enqueue(
            s, key="late", chat_id="1", body="late", not_before=utcnow() - dt.timedelta(hours=2)
        )
    assert claim_next(engine, "host:gone", now=utcnow() - dt.timedelta(hours=1)) is not None
    assert recover(engine, "host:A") == 1


async def test_broadcast_double_confirm_report_and_resend(engine) -> None:
    with session_scope(engine) as s:
        sync_units(s, default_directory())
        for cid, unit in (("11", BUREAU), ("12", "区财政局"), ("13", "区法院")):
            register_chat(s, cid, unit)
            approve(s, cid, "admin")
        bc = create_broadcast(
            s, "admin", "请于周五前报送材料", {"categories": ["department"]}, key="msg-77"
        )
        assert create_broadcast(s, "admin", "dup", key="msg-77").id == bc.id
        assert enqueue_broadcast(s, bc.id, "admin") == 2
        assert enqueue_broadcast(s, bc.id, "admin") == 0  # double confirm
        bc_id = bc.id
    ch = ScriptedChannel({"12": [DeliveryOutcome(DeliveryStatus.FAILED, error="400")]})
    await OutboxSender(engine, ch, sender_id="s").drain()
    with session_scope(engine) as s:
        r = broadcast_report(s, bc_id)
        assert (r.total, r.sent, r.failed, r.blocked, r.unknown, r.queued) == (2, 1, 1, 0, 0, 0)
        assert "已送达 1" in r.as_text()
        assert resend_failed(s, bc_id, "admin") == 1
        assert resend_failed(s, bc_id, "admin") == 0
    await OutboxSender(engine, ch, sender_id="s").drain()
    with session_scope(engine) as s:
        assert broadcast_report(s, bc_id).sent == 2
        actions = [a.action for a in s.exec(select(AuditLog).order_by(AuditLog.id)).all()]
    assert actions.count("create_broadcast") == 1 and actions.count("enqueue_broadcast") == 1
    assert "resend_broadcast" in actions
    assert [m.chat_id for m in ch.calls].count("11") == 1


def test_broadcast_needs_a_body(engine) -> None:
    from scheduler.records.unit_registry import RegistryError

    with pytest.raises(RegistryError), session_scope(engine) as s:
        create_broadcast(s, "admin", "  ")


@dataclass
class GatedChannel:
    """Holds each send until ``gate`` sends are open at once, and (with more than one in
    flight) the very first message until 8 others have gone: a test sees how many messages are
    in flight and whether a later message to the same chat overtakes an earlier one."""

    gate: int
    calls: list[OutgoingMessage] = field(default_factory=list)  # in the order they completed
    open_sends: int = 0
    most_open: int = 0
    name: str = "gated"

    async def _until(self, predicate) -> None:  # noqa: ANN001
        import asyncio

        async with asyncio.timeout(120):  # a hang guard: each condition is bound to come true
            while not predicate():
                await asyncio.sleep(0.005)

    async def send(self, message: OutgoingMessage) -> DeliveryOutcome:
        self.open_sends += 1
        self.most_open = max(self.most_open, self.open_sends)
        await self._until(lambda: self.most_open >= self.gate)
        if message.body == "0" and self.gate > 1:  # with one in flight nothing else can go
            await self._until(lambda: len(self.calls) >= 8)
        self.open_sends -= 1
        self.calls.append(message)
        return DeliveryOutcome(DeliveryStatus.SENT, provider_message_id=f"p{message.id}")


@pytest.mark.parametrize("in_flight", [1, 4])
async def test_sender_keeps_in_flight_messages_open_and_one_chat_in_order(
    engine, in_flight: int
) -> None:
    with session_scope(engine) as s:
        for i in range(24):  # 8 chats, 3 messages each, enqueued in this order
            enqueue(s, key=f"m{i:02}", chat_id=str(i % 8), body=str(i))
    ch = GatedChannel(gate=in_flight)
    report = await OutboxSender(engine, ch, sender_id="s", in_flight=in_flight).drain()
    assert report.states == {"sent": 24}
    assert sorted(int(m.body) for m in ch.calls) == list(range(24))  # each once
    assert ch.most_open == in_flight
    for chat in map(str, range(8)):  # one chat's messages never overtake each other
        bodies = [int(m.body) for m in ch.calls if m.chat_id == chat]
        assert bodies == sorted(bodies) and len(bodies) == 3
