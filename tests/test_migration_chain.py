"""The migrations form one linear chain of files named by what they change, and a database
stamped with a revision id of before that naming is restamped, not refused."""

from __future__ import annotations

import re
from importlib import resources

from sqlalchemy import create_engine, text

from scheduler.store.db import (
    LEGACY_REVISIONS,
    current_revision,
    init_db,
    migration_heads,
    upgrade,
)


def _chain() -> list[tuple[str, str, str | None]]:
    """(file stem, revision, down_revision) of every shipped migration."""
    out = []
    for entry in (resources.files("scheduler.store.migrations") / "versions").iterdir():
        if not entry.name.endswith(".py") or entry.name.startswith("__"):
            continue
        body = entry.read_text("utf-8")
        rev = re.search(r'^revision = "([^"]+)"', body, re.M)
        down = re.search(r'^down_revision = (?:"([^"]+)"|None)', body, re.M)
        assert rev and down, entry.name
        out.append((entry.name.removesuffix(".py"), rev.group(1), down.group(1)))
    return out


def test_one_linear_chain_numbered_in_order() -> None:
    chain = _chain()
    by_down = {down: rev for _, rev, down in chain}
    assert len(by_down) == len(chain)  # no revision has two children: no branch
    order, at = [], None
    while at in by_down:
        at = by_down[at]
        order.append(at)
    assert len(order) == len(chain) and frozenset([order[-1]]) == migration_heads()
    numbers = [int(rev.split("_", 1)[0]) for rev in order]
    assert numbers == list(range(1, len(chain) + 1))  # 0001, 0002, … in chain order, no twins


def test_files_are_named_by_their_revision_without_tracker_numbers() -> None:
    for stem, rev, _ in _chain():
        assert stem == rev
        assert len(rev) <= 32, f"{rev}: alembic_version holds 32 characters on PostgreSQL"
        assert not re.search(r"_i\d+_", stem), stem


def test_a_database_stamped_with_a_legacy_id_is_restamped(tmp_path) -> None:
    """A database last migrated under an old id is restamped, then upgraded to the head (the
    head itself may be newer than every renamed revision)."""
    url = f"sqlite:///{tmp_path / 'legacy.db'}"
    legacy, renamed = list(LEGACY_REVISIONS.items())[-1]  # the newest revision once named else
    engine = create_engine(url)
    upgrade(engine, renamed)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": legacy})
    assert current_revision(engine) == legacy
    engine.dispose()
    engine = init_db(url)
    assert current_revision(engine) == ",".join(sorted(migration_heads()))
    engine.dispose()
