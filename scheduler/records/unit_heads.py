"""Each unit's head (负责人): a name and the chat the bot tells them in (a Telegram user id, or a
DingTalk ``dt:`` id). Escalation (``scheduler/data/escalation.toml``) tells the head when an
obligation stays undone past the liaison's stage. Setting and clearing are audited."""

from __future__ import annotations

import re

from sqlmodel import Session

from knowledge.plan.units import UnitDirectory
from scheduler.records.audit_log import audit
from scheduler.records.unit_registry import RegistryError, active_unit
from scheduler.store.models import UnitRow

# a Telegram chat id (digits, a group's with a minus) or a DingTalk one (dt:…)
_CHAT = re.compile(r"^(-?\d{1,20}|dt:[A-Za-z0-9_:+/=.-]{1,60})$")


def set_head(
    session: Session, directory: UnitDirectory, unit: str, name: str, chat_id: str, actor: str
) -> UnitRow:
    """Record ``unit``'s head: ``name`` and the ``chat_id`` escalation writes to."""
    name, chat_id = " ".join(name.split()), chat_id.strip()
    if not name:
        raise RegistryError("请写负责人姓名（--name）")
    if len(name) > 100:
        raise RegistryError("负责人姓名过长（应在 100 字以内）")
    if not _CHAT.match(chat_id):
        raise RegistryError(
            f"“{chat_id[:30]}”不是聊天ID：应为 Telegram 用户ID（数字）或钉钉ID（dt: 开头）"
        )
    row = active_unit(session, directory, unit)
    audit(
        session,
        actor,
        "set_unit_head",
        row.name,
        name=name,
        chat=chat_id,
        previous={"name": row.head_name, "chat": row.head_chat_id},
    )
    row.head_name, row.head_chat_id = name, chat_id
    session.add(row)
    session.flush()
    return row


def clear_head(session: Session, directory: UnitDirectory, unit: str, actor: str) -> UnitRow:
    row = active_unit(session, directory, unit)
    if not row.head_chat_id and not row.head_name:
        raise RegistryError(f"“{row.name}”没有登记负责人，无需清除")
    audit(
        session,
        actor,
        "clear_unit_head",
        row.name,
        previous={"name": row.head_name, "chat": row.head_chat_id},
    )
    row.head_name, row.head_chat_id = None, None
    session.add(row)
    session.flush()
    return row
