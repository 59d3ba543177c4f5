"""The chats registered to units: a chat asks for its unit's reminders (pending), an admin
approves or rejects (approving makes the asking user a liaison of the unit); an active chat
may ask to change its unit; chats are removed, marked blocked or unreachable, and follow a
group's migration to a supergroup. Every request and decision is audited; the caller commits.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from scheduler.records.access import add_liaison
from scheduler.records.audit_log import audit
from scheduler.records.unit_registry import RegistryError, UnknownUnitError, get_unit
from scheduler.store.models import Chat, ChatStatus, UnitRow
from scheduler.timing.clock import utcnow


def get_chat(session: Session, chat_id: str | int) -> Chat | None:
    """The registry row of a chat, whatever its status (None if it never registered)."""
    return session.exec(select(Chat).where(Chat.chat_id == str(chat_id))).first()


def register_chat(
    session: Session,
    chat_id: str | int,
    unit_name: str,
    *,
    title: str = "",
    user_name: str = "",
    is_group: bool = False,
    requested_by: str | None = None,
) -> Chat:
    """A chat asks to receive its unit's reminders: pending until an admin approves.

    Idempotent: an active chat re-registering to the same unit stays active. An active chat
    asking for a different unit stays active for its current unit, with the request waiting
    (``requested_unit_id``) until an admin approves or rejects it; a removed or blocked chat
    goes back to pending. ``requested_by`` (the asking user's id) becomes a liaison of the unit
    when an admin approves. Every request is audited."""
    unit = get_unit(session, unit_name)
    if unit is None:
        raise UnknownUnitError(unit_name)
    chat = get_chat(session, chat_id)
    if chat is None:
        chat = Chat(
            chat_id=str(chat_id),
            unit_id=unit.id,
            title=title,
            user_name=user_name,
            is_group=is_group,
            status=ChatStatus.PENDING,
        )
    elif chat.status == ChatStatus.ACTIVE and chat.unit_id == unit.id:
        chat.requested_unit_id = None  # asking for the current unit withdraws a change
    elif chat.status == ChatStatus.ACTIVE:
        chat.requested_unit_id = unit.id
        chat.requested_at = utcnow()
    else:
        chat.unit_id = unit.id
        chat.requested_unit_id = None
        chat.status = ChatStatus.PENDING
        chat.requested_at = utcnow()
        chat.decided_at = chat.decided_by = None
    if requested_by is not None and (
        chat.status == ChatStatus.PENDING or chat.requested_unit_id is not None
    ):
        chat.requested_by_id = str(requested_by)
    if title:
        chat.title = title
    if user_name:
        chat.user_name = user_name
    chat.is_group = is_group
    session.add(chat)
    if chat.status == ChatStatus.PENDING or chat.requested_unit_id is not None:
        audit(
            session,
            requested_by or "chat",
            "request_registration",
            str(chat_id),
            unit=unit.name,
            user_name=user_name,
        )
    session.flush()
    return chat


def is_waiting(chat: Chat) -> bool:
    """A registration (or a change of unit) waits for an admin's decision."""
    return chat.status == ChatStatus.PENDING or (
        chat.status == ChatStatus.ACTIVE and chat.requested_unit_id is not None
    )


def requested_unit(session: Session, chat: Chat) -> UnitRow | None:
    """The unit a waiting request asks for."""
    unit_id = chat.requested_unit_id or chat.unit_id
    return session.get(UnitRow, unit_id) if unit_id else None


def _decide(
    session: Session, chat_id: str | int, actor: str, status: ChatStatus, action: str, **detail: Any
) -> Chat:
    chat = get_chat(session, chat_id)
    if chat is None:
        raise RegistryError(f"没有找到会话 {chat_id} 的登记申请")
    change = chat.status == ChatStatus.ACTIVE and chat.requested_unit_id is not None
    asked = requested_unit(session, chat)
    if change and status == ChatStatus.ACTIVE:  # the change is approved
        chat.unit_id = chat.requested_unit_id
    if change and action == "reject_chat":  # the change is refused: the chat stays as it was
        status = ChatStatus.ACTIVE
    chat.requested_unit_id = None
    chat.status = status
    chat.decided_at = utcnow()
    chat.decided_by = str(actor)
    session.add(chat)
    if action == "approve_chat" and asked is not None and chat.requested_by_id:
        add_liaison(session, asked.id, chat.requested_by_id, chat.user_name, actor)  # type: ignore[arg-type]
    audit(
        session,
        actor,
        action,
        str(chat_id),
        unit=asked.name if asked else None,
        change_of_unit=change,
        **detail,
    )
    session.flush()
    return chat


def approve(session: Session, chat_id: str | int, actor: str) -> Chat:
    return _decide(session, chat_id, actor, ChatStatus.ACTIVE, "approve_chat")


def reject(session: Session, chat_id: str | int, actor: str, reason: str = "") -> Chat:
    return _decide(session, chat_id, actor, ChatStatus.REMOVED, "reject_chat", reason=reason)


def remove_chat(session: Session, chat_id: str | int, actor: str) -> Chat:
    return _decide(session, chat_id, actor, ChatStatus.REMOVED, "remove_chat")


def mark_blocked(session: Session, chat_id: str | int, unreachable: bool = False) -> Chat | None:
    """The user blocked the bot (or it was removed from the group), or the chat no longer
    exists (``unreachable``): stop sending there."""
    chat = get_chat(session, chat_id)
    if chat is not None and chat.status != ChatStatus.REMOVED:
        chat.status = ChatStatus.UNREACHABLE if unreachable else ChatStatus.BLOCKED
        session.add(chat)
        session.flush()
    return chat


def follow_migration(session: Session, old_chat_id: str, new_chat_id: str) -> None:
    """A group became a supergroup: its registration moves to the new id."""
    chat = get_chat(session, old_chat_id)
    if chat is None or get_chat(session, new_chat_id) is not None:
        return
    chat.chat_id = str(new_chat_id)
    session.add(chat)
    session.flush()


def pending_chats(session: Session) -> list[tuple[Chat, UnitRow | None]]:
    """Requests waiting for an admin, with the unit each asks for (new registrations and
    changes of unit of active chats)."""
    rows = session.exec(
        select(Chat)
        .where(
            (Chat.status == ChatStatus.PENDING)
            | ((Chat.status == ChatStatus.ACTIVE) & (Chat.requested_unit_id != None))  # noqa: E711
        )
        .order_by(Chat.requested_at)
    ).all()
    return [(c, requested_unit(session, c)) for c in rows]


def active_chats(session: Session, unit_name: str | None = None) -> list[tuple[Chat, UnitRow]]:
    stmt = (
        select(Chat, UnitRow)
        .join(UnitRow, Chat.unit_id == UnitRow.id)
        .where(Chat.status == ChatStatus.ACTIVE)
    )
    if unit_name is not None:
        stmt = stmt.where(UnitRow.name == unit_name)
    return [(c, u) for c, u in session.exec(stmt.order_by(Chat.id)).all()]


def active_chat_targets(session: Session) -> list[tuple[int, str, bool, str]]:
    """(registry id, chat id, is group, unit name) of every active chat: :func:`active_chats`
    as plain rows, for the planner's tick over thousands of chats."""
    stmt = (
        select(Chat.id, Chat.chat_id, Chat.is_group, UnitRow.name)
        .join(UnitRow, Chat.unit_id == UnitRow.id)
        .where(Chat.status == ChatStatus.ACTIVE)
        .order_by(Chat.id)
    )
    return [tuple(row) for row in session.exec(stmt).all()]  # type: ignore[misc]


def chat_unit(session: Session, chat_id: str | int) -> UnitRow | None:
    """The unit an active chat belongs to (None if the chat is not approved)."""
    chat = get_chat(session, chat_id)
    if chat is None or chat.status != ChatStatus.ACTIVE or chat.unit_id is None:
        return None
    return session.get(UnitRow, chat.unit_id)
