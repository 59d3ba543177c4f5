"""Alembic environment: runs on the connection :func:`scheduler.store.db.upgrade` passes in, or on
``sqlalchemy.url`` / ``$DATABASE_URL`` when Alembic is used from its own command line."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import scheduler.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def _configure_and_run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    from scheduler.store.db import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or None)
    with engine.begin() as conn:
        _configure_and_run(conn)


if context.is_offline_mode():  # pragma: no cover
    raise SystemExit("offline (SQL script) mode is not supported; run `fazhi db upgrade`")
run()
