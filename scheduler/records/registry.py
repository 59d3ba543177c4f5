"""The registry: units, the chats registered to them, admins, and the audit log.

Module API for the bot (every function takes an open :class:`sqlmodel.Session`; the caller
commits, e.g. with :func:`scheduler.store.db.session_scope`):

- units: :func:`sync_units`, :func:`add_unit` (after :func:`check_new_name` and
  :func:`similar_units`), :func:`remove_unit`, :func:`rename_unit`, :func:`list_units`,
  :func:`get_unit`, :func:`resolve_unit`
- chats: :func:`register_chat` (pending), :func:`approve`, :func:`reject`, :func:`remove_chat`,
  :func:`mark_blocked`, :func:`follow_migration`, :func:`pending_chats`, :func:`active_chats`,
  :func:`chat_unit`
- admins: :func:`add_admin`, :func:`is_admin`, :func:`admin_chat_ids`
- liaisons (who may act for a unit in its group chats): :func:`add_liaison`,
  :func:`remove_liaison`, :func:`list_liaisons`, :func:`is_liaison`
- :func:`audit` records who did what (``audit_log``: who, when, action, subject, detail);
  registration requests and decisions, liaisons, completions, evidence, units, broadcasts
  call it. Other features reuse it for their own actions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session, select

from knowledge.plan.model import UnitCategory
from knowledge.plan.units import Resolution, UnitDirectory
from scheduler.store.models import Admin, AuditLog, Chat, ChatStatus, Liaison, UnitRow
from scheduler.timing.clock import utcnow


class RegistryError(ValueError):
    """A registry request that cannot be done; the message is Chinese."""


class UnknownUnitError(RegistryError):
    def __init__(self, text: str, candidates: Iterable[str] = (), hint: str = "") -> None:
        self.text = text
        self.candidates = tuple(candidates)
        if self.candidates:
            hint = f"，您是否要找：{'、'.join(self.candidates)}"
        super().__init__(f"未找到单位“{text}”{hint}")


def audit(session: Session, actor: str, action: str, target: str = "", **detail: Any) -> AuditLog:
    entry = AuditLog(
        actor=str(actor),
        action=action,
        target=str(target),
        detail=json.dumps(detail, ensure_ascii=False, default=str),
    )
    session.add(entry)
    return entry


# -- units ------------------------------------------------------------------------------------
def sync_units(session: Session, directory: UnitDirectory) -> int:
    """Insert the directory's units the table does not have yet; returns how many were added.

    Several processes may start on one new database at the same moment (``fazhi run --role``):
    the rows go in as ``INSERT … ON CONFLICT (name) DO NOTHING``, so a unit another process
    has just added is skipped instead of failing this process's start."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    known = set(session.exec(select(UnitRow.name)).all())
    now = utcnow()
    rows = [
        {
            "name": unit.name,
            "category": str(unit.category),
            "source": "directory",
            "aliases": "、".join(unit.aliases),
            "active": True,
            "created_at": now,
        }
        for unit in directory.units.values()
        if unit.name not in known
    ]
    if not rows:
        return 0
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(UnitRow).values(rows).on_conflict_do_nothing(index_elements=["name"])
    added = session.execute(stmt.returning(UnitRow.name)).all()  # the rows this call inserted
    session.flush()
    return len(added)


def get_unit(session: Session, name: str) -> UnitRow | None:
    return session.exec(select(UnitRow).where(UnitRow.name == name)).first()


def list_units(session: Session, include_removed: bool = False) -> list[UnitRow]:
    stmt = select(UnitRow).order_by(UnitRow.category, UnitRow.name)
    if not include_removed:
        stmt = stmt.where(UnitRow.active)
    return list(session.exec(stmt).all())


NEAR_DUPLICATE_SCORE = 70.0


def check_new_name(directory: UnitDirectory, name: str, aliases: Iterable[str] = ()) -> None:
    """:class:`RegistryError` when ``name`` or an alias is already a unit's (or a group's)
    name or alias: a second unit spelt like an existing one would split its reminders."""
    for spelling in (name, *aliases):
        owner = directory.get(spelling)
        if owner is None:
            continue
        what = "单位组" if owner.name in directory.groups else "单位"
        if owner.name == spelling.strip():
            raise RegistryError(f"{what}“{spelling}”已存在，无需添加")
        raise RegistryError(
            f"“{spelling}”已是{what}“{owner.name}”的名称或别名：请换一个名称，"
            f"或直接使用“{owner.name}”"
        )


def similar_units(directory: UnitDirectory, name: str) -> list[str]:
    """Existing units whose names are close to ``name`` (asked about before adding it)."""
    res = directory.resolve(name)
    return [c.name for c in res.candidates if not c.is_group and c.score >= NEAR_DUPLICATE_SCORE]


def _admin_unit(session: Session, name: str) -> UnitRow:
    row = get_unit(session, name)
    if row is None or not row.active:
        raise UnknownUnitError(name)
    if row.source != "admin":
        raise RegistryError(
            f"“{name}”来自工作要点的单位名录，不能删除或改名；只有用 fazhi units add 添加的单位可以"
        )
    return row


def remove_unit(session: Session, name: str, actor: str) -> tuple[UnitRow, int]:
    """Retire an admin-added unit: it leaves the directory, its chats stop receiving reminders
    (their registrations are removed); completions stay for the record. Returns the row and
    how many chats were unregistered."""
    row = _admin_unit(session, name)
    row.active = False
    session.add(row)
    chats = session.exec(
        select(Chat).where(Chat.unit_id == row.id, Chat.status != ChatStatus.REMOVED)
    ).all()
    for chat in chats:
        chat.status = ChatStatus.REMOVED
        chat.decided_at = utcnow()
        chat.decided_by = str(actor)
        session.add(chat)
    audit(session, actor, "remove_unit", name, chats=[c.chat_id for c in chats])
    session.flush()
    return row, len(chats)


def rename_unit(
    session: Session, directory: UnitDirectory, name: str, new_name: str, actor: str
) -> UnitRow:
    """Rename an admin-added unit; the old name stays as an alias so it is still understood.
    Chats, completions and reminders follow (they refer to the unit's row)."""
    new_name = new_name.strip()
    if not new_name:
        raise RegistryError("新名称不能为空")
    row = _admin_unit(session, name)
    owner = directory.get(new_name)
    if owner is not None and owner.name != row.name:
        check_new_name(directory, new_name)
    aliases = [a for a in row.aliases.split("、") if a and a != new_name]
    if row.name not in aliases:
        aliases.append(row.name)
    audit(session, actor, "rename_unit", row.name, new_name=new_name)
    row.name = new_name
    row.aliases = "、".join(aliases)
    session.add(row)
    session.flush()
    return row


def add_unit(
    session: Session,
    name: str,
    category: UnitCategory | str,
    actor: str,
    aliases: Iterable[str] = (),
) -> UnitRow:
    """Add an admin unit (e.g. a town the document only names through 各镇(街、区))."""
    name = name.strip()
    if not name:
        raise RegistryError("单位名称不能为空")
    try:
        cat = UnitCategory(category)
    except ValueError:
        options = "、".join(c.value for c in UnitCategory)
        raise RegistryError(f"未知的单位类别“{category}”，可选：{options}") from None
    existing = get_unit(session, name)
    if existing is not None and existing.active:
        raise RegistryError(f"单位“{name}”已存在（类别：{existing.category}）")
    if existing is not None:  # removed before: brought back, with its history
        existing.active = True
        existing.category = str(cat)
        existing.aliases = "、".join(aliases)
        session.add(existing)
        audit(session, actor, "restore_unit", name, category=str(cat))
        session.flush()
        return existing
    row = UnitRow(name=name, category=str(cat), source="admin", aliases="、".join(aliases))
    session.add(row)
    audit(session, actor, "add_unit", name, category=str(cat))
    session.flush()
    return row


MIN_SCORE = 85.0


def resolve_unit(directory: UnitDirectory, text: str) -> str:
    """The canonical name of a unit (not a group) for free text, or :class:`UnknownUnitError`
    carrying the rapidfuzz candidates."""
    res: Resolution = directory.resolve(text)
    # Stricter than the directory's own match: a reminder or a completion for the wrong unit is
    # worse than a question back (审计局 must not silently become 区行政审批局).
    if (
        res.match is not None
        and res.match.name in directory.units
        and res.candidates
        and res.candidates[0].score >= MIN_SCORE
    ):
        return res.match.name
    cands = [c.name for c in res.candidates if not c.is_group]
    category = directory.outside_category(text)
    if category is not None and not cands:
        name = text.strip() if text.strip().startswith("区") else f"区{text.strip()}"
        raise UnknownUnitError(
            text,
            hint=f"（不在单位名录中；如需登记，请先运行 fazhi units add {name} "
            f"--category {category.value}）",
        )
    raise UnknownUnitError(text, cands)


# -- chats ------------------------------------------------------------------------------------
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


# -- liaisons ---------------------------------------------------------------------------------
def add_liaison(
    session: Session, unit_id: int, user_id: str | int, name: str = "", actor: str = "cli"
) -> Liaison:
    """``user_id`` may act for the unit (confirm its tasks, change its group's registration)."""
    row = session.exec(
        select(Liaison).where(Liaison.unit_id == unit_id, Liaison.user_id == str(user_id))
    ).first()
    if row is None:
        row = Liaison(unit_id=unit_id, user_id=str(user_id))
    row.name = name or row.name
    row.active = True
    row.approved_by = str(actor)
    row.approved_at = utcnow()
    session.add(row)
    audit(session, actor, "add_liaison", str(user_id), unit_id=unit_id, name=name)
    session.flush()
    return row


def remove_liaison(
    session: Session, unit_id: int, user_id: str | int, actor: str = "cli"
) -> Liaison:
    """``user_id`` no longer acts for the unit (the row stays, inactive, with the audit)."""
    row = session.exec(
        select(Liaison).where(
            Liaison.unit_id == unit_id,
            Liaison.user_id == str(user_id),
            Liaison.active == True,  # noqa: E712 - SQL expression
        )
    ).first()
    if row is None:
        raise RegistryError(f"用户 {user_id} 不是该单位的联络员")
    row.active = False
    session.add(row)
    audit(session, actor, "remove_liaison", str(user_id), unit_id=unit_id, name=row.name)
    session.flush()
    return row


def list_liaisons(session: Session, unit_id: int | None = None) -> list[tuple[Liaison, UnitRow]]:
    """Active liaisons with their units, by unit name (one unit's when ``unit_id``)."""
    query = (
        select(Liaison, UnitRow)
        .join(UnitRow, Liaison.unit_id == UnitRow.id)  # type: ignore[arg-type]
        .where(Liaison.active == True)  # noqa: E712 - SQL expression
    )
    if unit_id is not None:
        query = query.where(Liaison.unit_id == unit_id)
    rows = session.exec(query).all()
    return sorted(rows, key=lambda r: (r[1].name, r[0].user_id))


def active_unit(session: Session, directory: UnitDirectory, text: str) -> UnitRow:
    """The unit ``text`` names (a name, an alias, a close spelling), when it is in use."""
    row = get_unit(session, resolve_unit(directory, text))
    if row is None or not row.active:
        raise UnknownUnitError(text)
    return row


def is_liaison(session: Session, unit_id: int, user_id: str | int) -> bool:
    return (
        session.exec(
            select(Liaison.id).where(
                Liaison.unit_id == unit_id,
                Liaison.user_id == str(user_id),
                Liaison.active == True,  # noqa: E712 - SQL expression
            )
        ).first()
        is not None
    )


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


# -- admins -----------------------------------------------------------------------------------
def add_admin(
    session: Session,
    user_id: str | int,
    name: str = "",
    chat_id: str | int | None = None,
    actor: str = "cli",
) -> Admin:
    admin = session.exec(select(Admin).where(Admin.user_id == str(user_id))).first()
    if admin is None:
        admin = Admin(user_id=str(user_id))
    admin.name = name or admin.name
    admin.chat_id = str(chat_id) if chat_id is not None else (admin.chat_id or str(user_id))
    admin.active = True
    session.add(admin)
    audit(session, actor, "add_admin", str(user_id), name=name)
    session.flush()
    return admin


def is_admin(session: Session, user_id: str | int) -> bool:
    admin = session.exec(select(Admin).where(Admin.user_id == str(user_id))).first()
    return bool(admin and admin.active)


def admin_chat_ids(session: Session) -> list[str]:
    rows = session.exec(select(Admin).where(Admin.active)).all()
    return sorted({a.chat_id for a in rows if a.chat_id})
