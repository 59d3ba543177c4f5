"""The scheduler's tables (SQLModel). Schema changes go through Alembic (``migrations/``).

Datetimes are aware; SQLModel stores them as UTC (on SQLite without an offset) and returns
aware UTC values. String states rather than
database enums keep migrations simple on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from scheduler.timing.clock import utcnow


class ChatStatus(StrEnum):
    PENDING = "pending"  # asked to register, waiting for an admin
    ACTIVE = "active"  # approved: receives reminders
    BLOCKED = "blocked"  # the user blocked the bot / the bot was removed from the group
    REMOVED = "removed"  # rejected or removed by an admin
    UNREACHABLE = "unreachable"  # Telegram says the chat does not exist (deleted, wrong id)


class OutboxState(StrEnum):
    QUEUED = "queued"  # waiting to be sent (possibly after a back-off)
    SENDING = "sending"  # claimed by a sender; outcome not yet recorded
    SENT = "sent"
    FAILED = "failed"  # permanent failure or retries exhausted; ``last_error`` says why
    UNKNOWN = "unknown"  # timed out after sending: may or may not have arrived
    BLOCKED = "blocked"  # the chat blocked the bot
    DROPPED = "dropped"  # past its "do not send after" time: not sent late


class UnitRow(SQLModel, table=True):
    """A unit of the registry: the directory's units plus those admins add."""

    __tablename__ = "unit"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=200)
    category: str = Field(max_length=40)
    source: str = Field(default="directory", max_length=40)  # directory | admin
    aliases: str = Field(default="", max_length=1000)  # 、-separated
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # the unit's head (负责人): escalation tells them after the liaison (escalation.toml)
    head_name: str | None = Field(default=None, max_length=200)
    head_chat_id: str | None = Field(default=None, max_length=64)


class Chat(SQLModel, table=True):
    """A chat (person or group) registered to a unit."""

    __tablename__ = "chat"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: str = Field(index=True, unique=True, max_length=64)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    title: str = Field(default="", max_length=200)
    user_name: str = Field(default="", max_length=200)
    is_group: bool = False
    status: str = Field(default=ChatStatus.PENDING, max_length=20, index=True)
    requested_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None
    decided_by: str | None = Field(default=None, max_length=200)
    requested_by_id: str | None = Field(default=None, max_length=64)  # who asked (Telegram id)
    # a re-registration waiting for an admin: the current unit stays active until decided
    requested_unit_id: int | None = None


class Admin(SQLModel, table=True):
    __tablename__ = "admin"

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(unique=True, max_length=64)
    name: str = Field(default="", max_length=200)
    chat_id: str | None = Field(default=None, max_length=64)  # where digests go
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class Completion(SQLModel, table=True):
    """A unit confirmed an obligation for a period (e.g. 区司法局, i2-study, 2026Q3); an
    obligation of "至少2次" per period has occurrences 1 and 2 in that period."""

    __tablename__ = "completion"
    __table_args__ = (
        UniqueConstraint("unit_id", "obligation_key", "period", "occurrence", name="uq_completion"),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    obligation_key: str = Field(max_length=80)
    period: str = Field(max_length=16)
    occurrence: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    confirmed_by: str = Field(default="", max_length=200)  # the confirming user's name
    confirmed_by_id: str | None = Field(default=None, max_length=64)  # their Telegram user id
    confirmed_at: datetime = Field(default_factory=utcnow)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # file ids / links / paths, one a line: a new file is appended, never replaces one
    evidence: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=200)
    action: str = Field(max_length=60, index=True)
    target: str = Field(default="", max_length=300)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))


class Liaison(SQLModel, table=True):
    """A person an admin approved to act for a unit (confirm, register its group chats)."""

    __tablename__ = "liaison"
    __table_args__ = (UniqueConstraint("unit_id", "user_id", name="uq_liaison"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    user_id: str = Field(max_length=64, index=True)
    name: str = Field(default="", max_length=200)
    active: bool = True
    approved_by: str = Field(default="", max_length=200)
    approved_at: datetime = Field(default_factory=utcnow)


class SendBudget(SQLModel, table=True):
    """The send rate shared by every process of a deployment (see scheduler.delivery.budget)."""

    __tablename__ = "send_budget"

    name: str = Field(primary_key=True, max_length=40)
    next_free: float = 0.0  # epoch seconds of the next free slot
    paused_until: float = 0.0  # epoch seconds: a bot-wide 429 stops everyone until then


class ProcessLease(SQLModel, table=True):
    """A role only one process may hold at a time (e.g. receiving Telegram updates)."""

    __tablename__ = "process_lease"

    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=120)
    expires_at: datetime
    acquired_at: datetime = Field(default_factory=utcnow)


class Broadcast(SQLModel, table=True):
    __tablename__ = "broadcast"

    id: int | None = Field(default=None, primary_key=True)
    key: str | None = Field(default=None, unique=True, max_length=120)  # client idempotency key
    author: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    audience: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    not_after: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    enqueued_at: datetime | None = None
    receipt_required: bool = False  # 需回执: each recipient's message carries a 收到 button
    receipt_deadline: date | None = None  # 回执截止 (local date); reminded once before it


class OutboxMessage(SQLModel, table=True):
    """One message to one chat. ``key`` makes enqueueing idempotent."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_next", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=300)
    chat_id: str = Field(max_length=64, index=True)
    body: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(default="reminder", max_length=20)
    parse_mode: str | None = Field(default="HTML", max_length=20)
    buttons: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    meta: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    is_group: bool = False
    unit_name: str | None = Field(default=None, max_length=200)
    broadcast_id: int | None = Field(default=None, foreign_key="broadcast.id", index=True)
    state: str = Field(default=OutboxState.QUEUED, max_length=20)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    not_after: datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=120)
    claimed_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    provider_message_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class HolidayDay(SQLModel, table=True):
    """An admin-imported day: a statutory holiday (workday=False) or a make-up workday."""

    __tablename__ = "holiday_day"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True, index=True)
    workday: bool
    name: str = Field(default="", max_length=100)
    source: str = Field(default="", max_length=300)
    imported_at: datetime = Field(default_factory=utcnow)


class PlanRow(SQLModel, table=True):
    """An imported work-points document: its text as parsed, year and issuer, and whether it is
    the active plan of its year (at most one per year; the bundled plan is used for a year
    no imported plan covers)."""

    __tablename__ = "plan"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=120)  # the plan id users type: qinghe-2023
    # the id it had before ids were short (often the whole title): still finds the plan
    legacy_slug: str | None = Field(default=None, max_length=120)
    year: int = Field(index=True)
    issuer: str = Field(default="", max_length=200)
    title: str = Field(default="", max_length=300)
    source_name: str = Field(default="", max_length=300)
    source_format: str = Field(default="", max_length=20)  # text/docx/pdf/html
    sha256: str = Field(
        unique=True, max_length=64
    )  # of the file's bytes: the same file twice is a no-op
    text: str = Field(sa_column=Column(Text, nullable=False))  # the extracted text that was parsed
    active: bool = Field(default=False, index=True)
    imported_at: datetime = Field(default_factory=utcnow)
    imported_by: str = Field(default="", max_length=200)
    activated_at: datetime | None = None


class ObligationOverride(SQLModel, table=True):
    """An admin's decision that an obligation does (not) apply to a unit, whatever the rules of
    ``knowledge.plan.binding`` say. Setting and clearing are audited (``audit_log``)."""

    __tablename__ = "obligation_override"
    __table_args__ = (
        UniqueConstraint("plan_id", "unit_id", "obligation_key", name="uq_obligation_override"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: str = Field(default="", max_length=120)  # the plan the obligation key belongs to
    unit_id: int = Field(foreign_key="unit.id", index=True)
    obligation_key: str = Field(max_length=80)
    applies: bool
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    set_by: str = Field(default="", max_length=200)
    set_at: datetime = Field(default_factory=utcnow)


class Receipt(SQLModel, table=True):
    """A unit acknowledged (回执) a notice. One per unit and notice: a double tap, or a second
    chat of the same unit, acknowledges once."""

    __tablename__ = "receipt"
    __table_args__ = (UniqueConstraint("broadcast_id", "unit_name", name="uq_receipt_unit"),)

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcast.id", index=True)
    unit_name: str = Field(max_length=200)
    chat_id: str = Field(max_length=64)
    user_id: str = Field(default="", max_length=64)
    user_name: str = Field(default="", max_length=200)
    acknowledged_at: datetime = Field(default_factory=utcnow)
    reply: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class StatusRequest(SQLModel, table=True):
    """A unit's request that an obligation's period be exempt (豁免: 不适用, with a reason) or
    extended (延期: a new due date), and the admin's decision. Every step is audited."""

    __tablename__ = "status_request"
    __table_args__ = (Index("ix_status_request_key", "unit_id", "obligation_key", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)  # exempt | extend
    unit_id: int = Field(foreign_key="unit.id")
    obligation_key: str = Field(max_length=80)
    period: str = Field(max_length=16)
    new_due: date | None = None  # extend: the last day asked for
    reason: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default="pending", max_length=10, index=True)  # approved | rejected
    chat_id: str | None = Field(default=None, max_length=64)  # where it was asked: told of it
    requested_by: str = Field(default="", max_length=200)
    requested_by_id: str | None = Field(default=None, max_length=64)
    requested_at: datetime = Field(default_factory=utcnow)
    decided_by: str | None = Field(default=None, max_length=200)
    decided_by_id: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = None
    decision_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class Chase(SQLModel, table=True):
    """The office chased (催办) a unit for an obligation of a period. One row per unit,
    obligation, period and local day: a second chase the same day (a retry, a double tap) finds
    the first and sends nothing again."""

    __tablename__ = "chase"
    __table_args__ = (
        UniqueConstraint("unit_id", "obligation_key", "period", "day", name="uq_chase_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    obligation_key: str = Field(max_length=80)
    period: str = Field(max_length=16)
    day: date  # the local day of the chase
    chased_by: str = Field(default="", max_length=200)  # the person's name
    chased_by_id: str | None = Field(default=None, max_length=64)  # their user id
    chased_at: datetime = Field(default_factory=utcnow)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class ChaseReply(SQLModel, table=True):
    """A unit's answer to a chase (a short text, or "已在办，预计…"), by whom."""

    __tablename__ = "chase_reply"

    id: int | None = Field(default=None, primary_key=True)
    chase_id: int = Field(foreign_key="chase.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    user_id: str = Field(default="", max_length=64)
    user_name: str = Field(default="", max_length=200)
    chat_id: str = Field(default="", max_length=64)
    replied_at: datetime = Field(default_factory=utcnow)
