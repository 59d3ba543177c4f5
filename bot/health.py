"""`fazhi health`: the container's health check (every minute) — the database is reachable and
migrated. Light on purpose: the SQL core and python-dotenv only, not the CLI framework nor the
settings model, so the check costs a fraction of a second (``bench/bench_startup.py``)."""

from __future__ import annotations

import os
import sys


def database_url() -> str | None:
    """``DATABASE_URL`` as :class:`bot.settings.Settings` reads it: the environment (any case),
    else the ``.env`` file of the working directory."""
    for key, value in os.environ.items():
        if key.lower() == "database_url":
            return value or None
    from dotenv import dotenv_values

    for key, value in dotenv_values(".env").items():
        if key.lower() == "database_url":
            return value or None
    return None


def check() -> tuple[bool, str]:
    """(healthy, one line to print)."""
    from scheduler.db import (
        DatabaseURLError,
        current_revision,
        make_engine,
        outbox_backlog,
        redact_url,
    )

    try:
        engine = make_engine(database_url())
        revision = current_revision(engine)
        backlog = outbox_backlog(engine) if revision is not None else 0
    except DatabaseURLError as exc:
        return False, f"错误：{exc}"
    except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy"
        return False, redact_url(f"错误：数据库不可用：{exc}")
    if revision is None:
        return False, "错误：数据库尚未迁移（fazhi db upgrade）。"
    return True, f"ok revision={revision} outbox_pending={backlog}"


def main() -> int:
    healthy, line = check()
    print(line, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1
