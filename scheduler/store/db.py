"""Database URL, engine and schema upgrade.

- No ``DATABASE_URL``: a SQLite file ``fazhi.db`` in the data home (:mod:`knowledge.datahome`:
  ``$FAZHI_DATA_DIR``, else the platform's user data folder),
  in WAL mode with foreign keys on, so the console and the bot share it without setup.
- ``DATABASE_URL=postgresql://…`` (or ``postgres://``): PostgreSQL through psycopg 3; the URL is
  normalised to ``postgresql+psycopg://``. Several processes may share it (the outbox sender
  claims with ``FOR UPDATE SKIP LOCKED``).
- A malformed URL raises :class:`DatabaseURLError` with a message in Chinese saying what is wrong.

:func:`init_db` runs the Alembic migrations to head; the bot and ``fazhi schedule run`` call it at
start, ``fazhi db upgrade`` calls it by hand. The bot first tries :func:`upgrade_in_child`, so
that the long-running process never holds Alembic.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

if TYPE_CHECKING:  # sqlmodel (with pydantic models) is imported by the commands that use it
    from sqlmodel import Session

from knowledge.datahome import data_dir
from scheduler.store.heads import migration_heads
from scheduler.store.redaction import redact_url

log = logging.getLogger(__name__)

DEFAULT_DB_FILE = "fazhi.db"
_EXAMPLES = "示例：postgresql://用户名:密码@主机:5432/数据库名 或 sqlite:////srv/fazhi/fazhi.db"


class DatabaseURLError(ValueError):
    """DATABASE_URL cannot be used; the message (Chinese) says why (never the password)."""


def default_url() -> str:
    return f"sqlite:///{data_dir() / DEFAULT_DB_FILE}"


def resolve_url(url: str | None = None) -> URL:
    """The URL to use: ``url``, else ``$DATABASE_URL``, else the default SQLite file.

    Raises :class:`DatabaseURLError` for a URL that cannot work, before any connection is tried.
    """
    raw = url if url is not None else os.environ.get("DATABASE_URL", "")
    raw = raw.strip()
    if not raw:
        raw = default_url()
    try:
        parsed = make_url(raw)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseURLError(
            redact_url(f"DATABASE_URL 无法解析（{raw!r}）：{exc}。", raw) + _EXAMPLES
        ) from None
    driver = parsed.drivername
    if driver in ("postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
        if not parsed.host and not parsed.query.get("host"):
            raise DatabaseURLError(
                redact_url(f"DATABASE_URL 缺少 PostgreSQL 主机名（{raw!r}）。", raw) + _EXAMPLES
            )
        if "@" in (parsed.host or ""):
            raise DatabaseURLError(
                "DATABASE_URL 的密码里有未编码的 @：请把密码中的 @ 写成 %40。" + _EXAMPLES
            )
        if not parsed.database:
            raise DatabaseURLError(
                redact_url(f"DATABASE_URL 缺少数据库名（{raw!r}）。", raw) + _EXAMPLES
            )
        try:
            _ = parsed.port
        except ValueError as exc:  # pragma: no cover - make_url already checks ports
            raise DatabaseURLError(
                redact_url(f"DATABASE_URL 端口不正确：{exc}。", raw) + _EXAMPLES
            ) from None
    elif driver in ("sqlite", "sqlite+pysqlite"):
        if not parsed.database or parsed.database == ":memory:":
            raise DatabaseURLError(
                "SQLite 需要一个数据库文件路径（内存数据库无法在进程之间共享）。" + _EXAMPLES
            )
    else:
        raise DatabaseURLError(
            redact_url(
                f"DATABASE_URL 写的是不支持的数据库类型 {driver!r}：只支持 postgresql 和 sqlite。",
                raw,
            )
            + _EXAMPLES
        )
    return parsed


def is_postgres(engine_or_url: Engine | URL) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else engine_or_url
    return url.get_backend_name() == "postgresql"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str | URL | None = None) -> Engine:
    """An engine for ``url`` (see :func:`resolve_url`); SQLite's directory is created."""
    parsed = url if isinstance(url, URL) else resolve_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return _postgres_engine(parsed)


# TCP keepalives (a host that vanished is noticed in ~25 s instead of the kernel's 2 hours)
# and a bounded connect; libpq's own parameters, see "Parameter Key Words"
PG_CONNECT = {
    "connect_timeout": 3,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 15000,  # ms without an acknowledgement of data sent
}


def _postgres_engine(parsed: URL) -> Engine:
    """PostgreSQL with every wait bounded: connect (``connect_timeout``), a dead peer
    (keepalives), a statement the server runs too long (``statement_timeout``, sent in
    ``options`` next to any the URL has), and a server that never answers at all (the
    client-side :mod:`scheduler.store.watchdog`). Broken connections are invalidated and the
    pool refills itself; ``pool_pre_ping`` checks a pooled connection before handing it out."""
    from scheduler.store import watchdog

    limit = watchdog.limit_from_env()
    options = str(parsed.query.get("options", ""))
    # a client gone silent mid-transaction (its COMMIT never arrives) would hold its row locks
    # for as long as the server's end of the connection stays open: the server ends it
    idle = int(limit * 2000)
    options = (
        f"{options} -c statement_timeout={int(limit * 1000)}"
        f" -c idle_in_transaction_session_timeout={idle}"
    ).strip()
    args = {key: value for key, value in PG_CONNECT.items() if key not in parsed.query}
    engine = create_engine(
        parsed,
        pool_pre_ping=True,
        pool_recycle=1800,
        pool_timeout=limit,
        connect_args={**args, "options": options},
    )
    watchdog.install(engine, limit)
    return engine


# PostgreSQL advisory lock key held while the schema is upgraded ("fazh" in ASCII)
MIGRATION_LOCK_KEY = 0x66617A68


def _lock_for_upgrade(conn: Connection) -> None:
    """Hold the schema for this transaction: of several processes starting on one new database
    at once, one upgrades it and the others wait, then find it at the head (Alembic reads the
    version inside the lock), instead of failing on "table already exists". PostgreSQL: an
    advisory transaction lock (DDL alone does not serialise two migrations); SQLite: the
    database's write lock, taken up front (``BEGIN IMMEDIATE``; the others wait for it
    through the busy time-out)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


# Revision ids before the migrations were named by what they change (tracker numbers then, and
# two files both numbered 0002): a database stamped with one is restamped, same chain.
LEGACY_REVISIONS = {
    "0001": "0001_initial",
    "0002_i14_budget_leases_access": "0002_send_budget_leases_liaisons",
    "0003_i14_evidence_text": "0003_evidence_as_text",
    "0004_i13_receipts": "0004_notice_receipts",
    "0002_i10_overrides": "0005_obligation_overrides",
    "0005_i8_plans": "0006_imported_plans",
}


def _restamp_legacy_revision(conn: Connection) -> None:
    if not inspect(conn).has_table("alembic_version"):
        return
    for old, new in LEGACY_REVISIONS.items():
        conn.execute(
            text("UPDATE alembic_version SET version_num = :new WHERE version_num = :old"),
            {"new": new, "old": old},
        )


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations shipped in ``scheduler/store/migrations`` up to ``revision``, in
    one transaction that several processes take in turn (see :func:`_lock_for_upgrade`)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "scheduler.store:migrations")
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # a migration may take its time
            from scheduler.store.watchdog import LIMIT_KEY

            conn.info[LIMIT_KEY] = None
            conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
        _lock_for_upgrade(conn)
        _restamp_legacy_revision(conn)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    """The schema's Alembic revision (None before the first upgrade), read from Alembic's own
    table: the health check runs every minute and needs neither Alembic nor the models."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return ",".join(sorted(versions)) or None


def init_db(url: str | URL | None = None) -> Engine:
    """Engine for ``url`` with the schema upgraded to the latest revision. A database already
    at the head is left alone without loading Alembic (the long-running bot then never holds
    it in memory)."""
    engine = make_engine(url)
    if current_revision(engine) != ",".join(sorted(migration_heads())):
        upgrade(engine)
    return engine


_UPGRADE_PROGRAM = (
    "import os; from scheduler.store.db import init_db; init_db(os.environ['DATABASE_URL'])"
)


def upgrade_in_child(url: str | URL | None = None) -> bool:
    """Bring the database to the head revision in a process of its own when it is behind.

    For a long-running process (the bot): Alembic and its templates cost about 11 MiB, which a
    process that migrated in place holds until it is restarted, i.e. after every upgrade of the
    bot that ships a migration. The child gets the URL in its environment (never on a command
    line, where ``ps`` shows it). Returns False when the child failed: the caller then upgrades
    in place (:func:`init_db`), which reports the error as at any start. Raises
    :class:`DatabaseURLError` for a malformed URL and SQLAlchemy's errors when the database
    cannot be reached."""
    parsed = url if isinstance(url, URL) else resolve_url(url)
    engine = make_engine(parsed)
    try:
        if current_revision(engine) == ",".join(sorted(migration_heads())):
            return True
    finally:
        engine.dispose()
    env = {**os.environ, "DATABASE_URL": parsed.render_as_string(hide_password=False)}
    done = subprocess.run(
        [sys.executable, "-c", _UPGRADE_PROGRAM],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        log.warning(
            "schema upgrade in a child process failed, upgrading here: %s", redact_url(last)
        )
        return False
    return True


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session committed on success, rolled back on error."""
    from sqlmodel import Session

    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def limit_statements(session: Session, seconds: float) -> None:
    """Statements of ``session``'s current transaction give up (a ``DBAPIError``) after
    ``seconds``, waiting for a lock included: for reads whose caller has a way on without
    them (a question answered without the chat's unit). PostgreSQL only: SQLite readers do
    not wait for writers in WAL mode. The server's ``statement_timeout`` and the client's
    watchdog (for a server that does not answer at all) both take the limit."""
    if session.get_bind().dialect.name == "postgresql":
        from scheduler.store.watchdog import LIMIT_KEY

        session.connection().info[LIMIT_KEY] = seconds + 0.5
        session.execute(
            text("SELECT set_config('statement_timeout', :ms, true)"),
            {"ms": str(max(1, int(seconds * 1000)))},
        )


@contextmanager
def quick_session(engine: Engine, seconds: float) -> Iterator[Session]:
    """:func:`session_scope` whose statements give up after ``seconds`` (see
    :func:`limit_statements`)."""
    with session_scope(engine) as session:
        limit_statements(session, seconds)
        yield session


def outbox_backlog(engine: Engine) -> int:
    """Messages queued or being sent (:func:`scheduler.delivery.outbox.pending_count` without the
    models, for the health check)."""
    with engine.connect() as conn:
        query = text("SELECT count(*) FROM outbox WHERE state IN ('queued', 'sending')")
        return int(conn.execute(query).scalar_one())
