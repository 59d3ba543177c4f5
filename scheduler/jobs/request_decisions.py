"""A unit's exemption or extension request told to the admins, with 批准 / 驳回 buttons (outbox
key ``req:{request}:{chat}``). After an admin decides a unit's exemption or extension request (chat or CLI): an approval
withdraws the period's queued reminders, and the chat that asked is told once (outbox key
``reqdone:{request}:{chat}``)."""

from __future__ import annotations

import html

from sqlmodel import Session

from scheduler.delivery.buttons import DenyRequest, GrantRequest, keyboard_row
from scheduler.delivery.outbox import enqueue
from scheduler.jobs.snooze import withdraw_reminders
from scheduler.records.access import admin_chat_ids
from scheduler.records.requests import APPROVED, RequestView


def settle(session: Session, view: RequestView, text: str, decided_in: str | None = None) -> int:
    """Withdraw what an approval makes pointless and queue ``text`` to the requesting chat
    (unless the decision was taken in that chat); returns how many reminders were withdrawn."""
    r = view.row
    withdrawn = 0
    if r.state == APPROVED:
        withdrawn = withdraw_reminders(session, view.unit, r.obligation_key, r.period)
    if r.chat_id and r.chat_id != decided_in:
        enqueue(
            session,
            key=f"reqdone:{view.id}:{r.chat_id}",
            chat_id=r.chat_id,
            body=html.escape(text),
            kind="notice",
            unit_name=view.unit,
        )
    return withdrawn


def notify_admins(session: Session, view: RequestView, text: str) -> int:
    """Queue ``text`` (the request, in Chinese) to every admin's chat with the two buttons."""
    rows = [keyboard_row(("✅ 批准", GrantRequest(view.id)), ("❌ 驳回", DenyRequest(view.id)))]
    return sum(
        enqueue(
            session,
            key=f"req:{view.id}:{chat}",
            chat_id=chat,
            body=html.escape(text),
            kind="notice",
            buttons=rows,
        )
        for chat in admin_chat_ids(session)
    )
