"""The registry's units: the directory's units synced into the ``unit`` table, units admins
add, rename and retire (only those: a document's units are its own), and a unit named in free
text resolved strictly (a reminder for the wrong unit is worse than a question back).

Every function takes an open :class:`sqlmodel.Session`; the caller commits (e.g. with
:func:`scheduler.store.db.session_scope`). :class:`RegistryError` (its message is Chinese) is
the error of every registry request: units, chats (:mod:`.chat_registry`), admins and liaisons
(:mod:`.access`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from knowledge.plan.model import CATEGORY_LABELS, UnitCategory
from knowledge.plan.units import Resolution, UnitDirectory
from scheduler.records.audit_log import audit
from scheduler.store.models import Chat, ChatStatus, UnitRow
from scheduler.timing.clock import utcnow


def category_named(text: str) -> UnitCategory | None:
    """A unit category by its key (``town``) or by the Chinese label lists show (镇, 街道, 园区,
    区直部门, 法院/检察院 or either of 法院 / 检察院 …); None when it names none."""
    text = text.strip()
    try:
        return UnitCategory(text.lower())
    except ValueError:
        pass
    for cat, label in CATEGORY_LABELS.items():
        if text == label or text in label.split("/"):
            return cat
    return None


class RegistryError(ValueError):
    """A registry request that cannot be done; the message is Chinese."""


class UnknownUnitError(RegistryError):
    def __init__(self, text: str, candidates: Iterable[str] = (), hint: str = "") -> None:
        self.text = text
        self.candidates = tuple(candidates)
        if self.candidates:
            hint = f"，您是否要找：{'、'.join(self.candidates)}"
        shown = text if len(text) <= 30 else text[:29] + "…"  # never echoed at length
        super().__init__(f"未找到单位“{shown}”{hint}")


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
    cat = category_named(str(category))
    if cat is None:
        options = "、".join(f"{c.value}（{CATEGORY_LABELS[c]}）" for c in UnitCategory)
        raise RegistryError(f"未知的单位类别“{category}”，可选：{options}")
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


def active_unit(session: Session, directory: UnitDirectory, text: str) -> UnitRow:
    """The unit ``text`` names (a name, an alias, a close spelling), when it is in use."""
    row = get_unit(session, resolve_unit(directory, text))
    if row is None or not row.active:
        raise UnknownUnitError(text)
    return row
