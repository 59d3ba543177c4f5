"""Several processes starting on one new database at the same time: each runs the schema
upgrade, one does it and the others wait for it, so none fails on "table already exists"
(SQLite file and a fresh PostgreSQL schema)."""

from __future__ import annotations

import subprocess
import sys

from scheduler_fixtures import *  # noqa: F403

from scheduler.store.db import current_revision, make_engine, migration_heads

PROCESSES = 3
UPGRADE = "import sys; from scheduler.store.db import init_db; init_db(sys.argv[1]).dispose()"


def test_processes_upgrading_a_new_database_at_once(db_url: str) -> None:
    for _round in range(2):  # each round on a database none of them has touched
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", UPGRADE, db_url],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(PROCESSES)
        ]
        results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
        assert [rc for rc, _ in results] == [0] * PROCESSES, [err[-800:] for _, err in results]
        engine = make_engine(db_url)
        assert current_revision(engine) == ",".join(sorted(migration_heads()))
        _drop_everything(engine)
        engine.dispose()


def _drop_everything(engine) -> None:  # noqa: ANN001
    """Back to an empty database for the next round."""
    from sqlalchemy import MetaData

    meta = MetaData()
    meta.reflect(engine)
    meta.drop_all(engine)
    assert current_revision(engine) is None
