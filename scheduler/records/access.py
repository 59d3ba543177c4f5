"""Who may act beyond a chat's registration: admins (the district's rule-of-law office), and
each unit's liaisons, who may act for the unit in its group chats (confirm its tasks, attach
evidence, change the group's registration). Every change is audited; the caller commits."""

from __future__ import annotations

from sqlmodel import Session, select

from scheduler.records.audit_log import audit
from scheduler.records.unit_registry import RegistryError
from scheduler.store.models import Admin, Liaison, UnitRow
from scheduler.timing.clock import utcnow


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
