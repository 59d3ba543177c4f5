"""Fixtures of the scheduler tests: a real database per test, SQLite file and PostgreSQL.

Import into a test module with ``from scheduler_fixtures import *  # noqa: F403``.
"""

from __future__ import annotations

import pytest

from knowledge.reading.loader import default_directory, default_plan
from scheduler.jobs.context import SchedulerContext
from scheduler.store.db import init_db

TOWN = "张家集镇"  # the document names towns only through 各镇(街、区); an admin adds them
BUREAU = "区司法局"

__all__ = ["BUREAU", "TOWN", "ctx", "db_url", "engine"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # noqa: ANN001
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fazhi.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def engine(db_url: str):  # noqa: ANN201
    eng = init_db(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def ctx(db_url: str):  # noqa: ANN201
    c = SchedulerContext.load(db_url, default_plan(), default_directory())
    yield c
    c.engine.dispose()
