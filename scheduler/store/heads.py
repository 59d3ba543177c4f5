"""The head revision(s) of the shipped migrations, read without Alembic nor SQLAlchemy, so that
a light command (``fazhi ask``) can tell a database at the head from one behind it."""

from __future__ import annotations

import ast
from importlib import resources


def migration_heads() -> frozenset[str]:
    """The head revision(s) of the shipped migrations, read from each file's ``revision`` and
    ``down_revision`` without Alembic (whose import costs about 11 MiB and 0.2 s)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for entry in (resources.files("scheduler.store.migrations") / "versions").iterdir():
        if not entry.name.endswith(".py") or entry.name.startswith("__"):
            continue
        for node in ast.parse(entry.read_text("utf-8")).body:
            target = (
                node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
            )
            if not isinstance(target, ast.Name) or node.value is None:  # type: ignore[union-attr]
                continue
            if target.id == "revision":
                revisions.add(ast.literal_eval(node.value))  # type: ignore[union-attr]
            elif target.id == "down_revision":
                down = ast.literal_eval(node.value)  # type: ignore[union-attr]
                parents.update([down] if isinstance(down, str) else down or ())
    return frozenset(revisions - parents)
