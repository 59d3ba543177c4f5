"""PostgreSQL keeps its plans right after a bulk write: the planner's "which of these keys are
queued already" query (``existing_keys``, 500 keys a statement) must read the outbox through its
unique index right after 60,000 rows were inserted, before any ANALYZE or autovacuum: that is
exactly when a re-plan runs (an approval or a plan activation right after the first tick).
The plan the server really executed is read with ``auto_explain`` on the same connection, after
the statement was run often enough for psycopg to prepare it on the server."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import Session

from scheduler.delivery.outbox import enqueue_many, existing_keys, message_values
from scheduler.store.db import make_engine, upgrade

pytestmark = pytest.mark.postgres

ROWS = 60_000
CHUNK = 500


def _key(i: int) -> str:
    return f"remind:unit{i}:2026Q4:study"


def test_existing_keys_reads_the_index_right_after_a_bulk_insert(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        upgrade(engine)
        plans: list[str] = []
        with Session(engine) as session:
            raw = session.connection().connection.dbapi_connection
            raw.add_notice_handler(lambda diag: plans.append(diag.message_primary or ""))  # type: ignore[union-attr]
            session.exec(text("LOAD 'auto_explain'"))  # type: ignore[call-overload]
            session.exec(text("SET auto_explain.log_min_duration = 0"))  # type: ignore[call-overload]
            session.exec(text("SET client_min_messages = log"))  # type: ignore[call-overload]
            # the statement is prepared while the outbox is empty (a first tick's check) …
            for j in range(8):
                assert (
                    existing_keys(session, [_key(i) for i in range(j * CHUNK, (j + 1) * CHUNK)])
                    == set()
                )
            # … then the first tick queues its reminders in one go …
            rows = [message_values(key=_key(i), chat_id=i, body="提醒") for i in range(ROWS)]
            for start in range(0, ROWS, 5000):
                enqueue_many(session, rows[start : start + 5000])
            session.commit()
            plans.clear()
            # … and the later tick asks again, right away
            for j in range(8):
                wanted = [_key(i) for i in range(j * CHUNK, (j + 1) * CHUNK)]
                assert existing_keys(session, wanted) == set(wanted)
        checked = [p for p in plans if "outbox" in p]
        assert len(checked) >= 8, plans
        seq = [p for p in checked if "Seq Scan on outbox" in p]
        assert seq == [], seq[0]
        assert all("outbox_key" in p for p in checked), checked[0]
    finally:
        engine.dispose()
