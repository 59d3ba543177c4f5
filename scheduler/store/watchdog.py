"""A client-side time limit for PostgreSQL statements, for a database that accepts connections
but never answers (a silent proxy, a frozen host behind a live NAT).

Neither PostgreSQL's ``statement_timeout`` (the server must answer to say it) nor TCP
keepalives (a relay's kernel acknowledges them) end a wait on such a connection, and psycopg's
blocking calls have no time limit of their own. The watchdog arms a deadline before every
statement, ping and commit, disarms it after, and when one passes it shuts the connection's
socket down: the waiting call fails at once with a disconnect, SQLAlchemy invalidates the
connection, and the pool opens a fresh one for the next checkout (``pool_pre_ping`` checks the
rest). :func:`abort_all` does the same to every armed connection: a process told to stop (SIGTERM)
does not wait for a silent database.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from sqlalchemy import Engine, event

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_LIMIT = 15.0  # seconds: every statement of this system takes milliseconds
LIMIT_KEY = "fazhi_statement_limit"  # Connection.info: a shorter limit for one transaction


def limit_from_env(default: float = DEFAULT_LIMIT) -> float:
    """``$FAZHI_DB_TIMEOUT`` seconds when set (tests shorten it), else ``default``."""
    raw = os.environ.get("FAZHI_DB_TIMEOUT", "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        return default


class Watchdog:
    """One thread for the process: deadlines by socket, checked every ``tick`` seconds."""

    def __init__(self, tick: float = 0.1) -> None:
        self.tick = tick
        # id(dbapi conn) -> (deadline, fd, the connection): the connection is checked again
        # before its socket is shut, so that a descriptor reused by another socket is never hit
        self._armed: dict[int, tuple[float, int, weakref.ref[Any]]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.fired = 0

    def arm(self, dbapi_conn: Any, seconds: float | None) -> None:  # noqa: ANN401
        dbapi_conn = _unwrap(dbapi_conn)
        fd = _socket_of(dbapi_conn)
        if fd is None or seconds is None:
            return
        with self._lock:
            self._armed[id(dbapi_conn)] = (time.monotonic() + seconds, fd, weakref.ref(dbapi_conn))
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="db-watchdog", daemon=True)
                self._thread.start()

    def disarm(self, dbapi_conn: Any) -> None:  # noqa: ANN401
        with self._lock:
            self._armed.pop(id(_unwrap(dbapi_conn)), None)

    def abort_all(self) -> int:
        """Cut every connection waiting on a statement now; returns how many."""
        with self._lock:
            armed = [(fd, ref) for _, fd, ref in self._armed.values()]
            self._armed.clear()
        return sum(_shut_if_still(fd, ref) for fd, ref in armed)

    def _watch(self) -> None:
        while True:
            time.sleep(self.tick)
            now = time.monotonic()
            with self._lock:
                late = [(k, fd, ref) for k, (at, fd, ref) in self._armed.items() if at <= now]
                for key, _, _ in late:
                    del self._armed[key]
            for _, fd, ref in late:
                if _shut_if_still(fd, ref):
                    self.fired += 1
                    log.warning("数据库在时限内没有应答，断开该连接（之后重新连接）")


def _unwrap(conn: Any) -> Any:  # noqa: ANN401
    """The driver's connection behind SQLAlchemy's proxies (the ping gets one)."""
    return getattr(conn, "dbapi_connection", None) or getattr(conn, "driver_connection", conn)


def _socket_of(dbapi_conn: Any) -> int | None:  # noqa: ANN401
    try:
        return int(dbapi_conn.pgconn.socket)
    except Exception:  # noqa: BLE001 - closed, or not psycopg
        return None


def _shut_if_still(fd: int, ref: weakref.ref[Any]) -> bool:
    """Shut ``fd`` when it is still the open socket of the connection it was armed for."""
    conn = ref()
    if conn is None or getattr(conn, "closed", True) or _socket_of(conn) != fd:
        return False
    _shut(fd)
    return True


def _shut(fd: int) -> None:
    try:
        dup = socket.socket(fileno=os.dup(fd))
    except OSError:
        return
    try:
        dup.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        dup.close()


WATCHDOG = Watchdog()


def abort_all() -> int:
    return WATCHDOG.abort_all()


def install(engine: Engine, limit: float) -> None:
    """Arm the watchdog around every statement, ping and commit of ``engine``'s connections;
    ``Connection.info[LIMIT_KEY]`` (set by :func:`scheduler.store.db.limit_statements`, None by
    the schema upgrade) overrides ``limit`` until the connection goes back to the pool."""

    def limit_of(info: dict) -> float | None:
        return info.get(LIMIT_KEY, limit)

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, _cursor, _stmt, _params, _context, _many) -> None:  # noqa: ANN001
        WATCHDOG.arm(conn.connection.dbapi_connection, limit_of(conn.info))

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, _cursor, _stmt, _params, _context, _many) -> None:  # noqa: ANN001
        WATCHDOG.disarm(conn.connection.dbapi_connection)

    @event.listens_for(engine, "handle_error")
    def _error(context) -> None:  # noqa: ANN001
        with contextlib.suppress(Exception):  # no connection (a failed connect), or gone
            WATCHDOG.disarm(context.connection.connection.dbapi_connection)

    @event.listens_for(engine.pool, "checkin")
    def _checkin(dbapi_conn, record) -> None:  # noqa: ANN001
        if dbapi_conn is not None:
            WATCHDOG.disarm(dbapi_conn)
        record.info.pop(LIMIT_KEY, None)

    # the ping before a checkout, the commit, and the rollback (also the pool's reset on
    # checkin) talk to the server outside the statement events: guard them too
    dialect = engine.dialect
    for name in ("do_ping", "do_commit", "do_rollback"):
        setattr(dialect, name, _guarded(getattr(dialect, name), limit))


def _guarded(call: Any, limit: float) -> Any:  # noqa: ANN401
    def guarded(dbapi_conn: Any) -> Any:  # noqa: ANN401
        WATCHDOG.arm(dbapi_conn, limit)
        try:
            return call(dbapi_conn)
        finally:
            WATCHDOG.disarm(dbapi_conn)

    return guarded


_READERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="quick-read")
_busy = threading.BoundedSemaphore(4)  # reads waiting or running; more: no database this time
AWAY_SECONDS = 5.0  # after a read gave up, the next ones skip the database this long
_away_until = [0.0]


def database_away() -> bool:
    """A read gave up on the database (:func:`within`), or another caller said it did not
    answer (:func:`mark_away`), less than ``AWAY_SECONDS`` ago: callers with a way on without
    the database skip it meanwhile, so that one question pays for the silence once at most."""
    return time.monotonic() < _away_until[0]


def mark_away() -> None:
    """The database did not answer a caller in time (the shared send budget, a read)."""
    _away_until[0] = time.monotonic() + AWAY_SECONDS


def within(seconds: float, fn: Callable[[], T]) -> T:
    """``fn()`` (a read whose caller has a way on without it), given up after ``seconds``
    with :class:`TimeoutError`: a connect or a ping to a silent server is not bounded by the
    statement limits, and a question must not wait for one. The abandoned read finishes in
    the background within the watchdog's limit; while reads pile up, new ones are refused
    at once."""
    if database_away():
        raise TimeoutError("the database did not answer a moment ago")
    if not _busy.acquire(blocking=False):
        raise TimeoutError("database reads are piling up")
    try:
        future = _READERS.submit(fn)
    except RuntimeError as exc:  # shutting down
        _busy.release()
        raise TimeoutError(str(exc)) from None
    future.add_done_callback(lambda _: _busy.release())
    try:
        return future.result(timeout=seconds)
    except FutureTimeout:
        mark_away()
        raise TimeoutError(f"no answer from the database within {seconds} s") from None
