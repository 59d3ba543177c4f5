"""Shared, generic fixtures. Keep this file small; feature fixtures live next to their tests."""

from __future__ import annotations

import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from telegram import Bot

    from tests.fakes import FakeBotApi

# ``tests.fakes`` is imported by tests and benchmarks alike; make it importable whether pytest
# was started as ``pytest`` or as ``python -m pytest``.
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"

# Property tests are reproducible and never fail on the machine's speed: no per-example
# deadline, no too-slow health check, a fixed derandomized search and no example database
# (a failure found once is found again in every run, on every machine). Explore more with
# HYPOTHESIS_PROFILE=explore (random, with the local example database).
settings.register_profile(
    "fazhi",
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("explore", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fazhi"))


@pytest.fixture(autouse=True)
def _isolated_data_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch) -> None:  # noqa: ANN001
    """Every test gets its own data home, so nothing is written into the real user data
    folder (the default when FAZHI_DATA_DIR is unset); tests may set their own."""
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path_factory.mktemp("data-home")))


def _pg_base_url() -> str | None:
    """The PostgreSQL server for tests: FAZHI_TEST_PG_URL, a postgres DATABASE_URL, or the local
    default when something listens on 127.0.0.1:5432; None when there is none."""
    for var in ("FAZHI_TEST_PG_URL", "DATABASE_URL"):
        url = os.environ.get(var, "")
        if url.startswith(("postgres://", "postgresql")):
            return url
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return DEFAULT_PG_URL
    except OSError:
        return None


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards (skips when no
    server is reachable). Tables created through it land in that schema only, so test runs and
    parallel lanes never collide."""
    import psycopg
    from sqlalchemy.engine import make_url

    base = _pg_base_url()
    if base is None:
        pytest.skip("PostgreSQL not reachable (set DATABASE_URL or start it on 127.0.0.1:5432)")
    url = make_url(base).set(drivername="postgresql")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    conninfo = url.render_as_string(hide_password=False)
    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not usable: {exc}")
    scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# --- fake Telegram Bot API (tests/fakes/bot_api.py) ---------------------------------------------


@pytest.fixture
def fake_bot_api() -> Iterator[FakeBotApi]:
    """A fake Bot API server on 127.0.0.1 (random port), stopped after the test."""
    from tests.fakes import FakeBotApi

    with FakeBotApi() as server:
        yield server


@pytest.fixture
async def fake_bot(fake_bot_api: FakeBotApi) -> AsyncIterator[Bot]:
    """A real, initialised ``telegram.Bot`` talking to :func:`fake_bot_api`."""
    from telegram import Bot

    bot = Bot(
        fake_bot_api.token,
        base_url=fake_bot_api.base_url,
        base_file_url=fake_bot_api.base_file_url,
    )
    async with bot:
        yield bot
