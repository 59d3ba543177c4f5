"""Store: migrations, database URLs, the registry, completions and the audit log."""

from __future__ import annotations

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from scheduler_fixtures import *  # noqa: F403
from scheduler_fixtures import BUREAU, TOWN
from sqlalchemy import text
from sqlmodel import SQLModel, select

from knowledge.reading.loader import default_directory, default_plan
from scheduler.records.chat_registry import (
    active_chats,
    approve,
    chat_unit,
    mark_blocked,
    pending_chats,
    register_chat,
    reject,
)
from scheduler.records.completions import (
    UnknownObligationError,
    completed_set,
    confirm,
    resolve_obligation,
)
from scheduler.records.unit_directory import registry_directory
from scheduler.records.unit_registry import (
    RegistryError,
    UnknownUnitError,
    add_unit,
    list_units,
    resolve_unit,
    sync_units,
)
from scheduler.store.db import (
    DatabaseURLError,
    current_revision,
    init_db,
    resolve_url,
    session_scope,
)
from scheduler.store.models import AuditLog, Chat, ChatStatus
from scheduler.timing.periods import PeriodError


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", "scheduler.store:migrations")
    (head,) = ScriptDirectory.from_config(cfg).get_heads()  # exactly one head
    return head


def test_migrations_create_exactly_the_models(engine) -> None:
    assert current_revision(engine) == _head()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_migration_heads_without_alembic_match_alembics() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from scheduler.store.db import migration_heads

    cfg = Config()
    cfg.set_main_option("script_location", "scheduler.store:migrations")
    assert migration_heads() == frozenset(ScriptDirectory.from_config(cfg).get_heads())


def test_upgrade_is_idempotent(db_url) -> None:
    init_db(db_url).dispose()
    eng = init_db(db_url)
    assert current_revision(eng) == _head()
    eng.dispose()


def test_health_queries_without_the_models(db_url, tmp_path) -> None:
    from scheduler.delivery.leases import claim_next
    from scheduler.delivery.outbox import enqueue, pending_count
    from scheduler.store.db import make_engine, outbox_backlog

    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert current_revision(fresh) is None  # never migrated
    fresh.dispose()
    eng = init_db(db_url)
    with session_scope(eng) as s:
        for key in ("a", "b", "c"):
            enqueue(s, key=key, chat_id="1", body=key)
    claim_next(eng, "host:A")
    assert outbox_backlog(eng) == pending_count(eng) == 3  # queued and sending
    eng.dispose()


def test_sqlite_pragmas(tmp_path) -> None:
    eng = init_db(f"sqlite:///{tmp_path / 'x' / 'f.db'}")
    with eng.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    with pytest.raises(Exception, match="FOREIGN KEY"), session_scope(eng) as s:
        s.add(Chat(chat_id="1", unit_id=999))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://user@:5432/", "主机名"),
        ("postgresql://u@host/", "数据库名"),
        ("mysql://u@h/db", "不支持的数据库类型"),
        ("not a url", "无法解析"),
        ("postgresql://u@h:notaport/db", "无法解析"),
        ("sqlite://", "SQLite"),
    ],
)
def test_malformed_database_url_is_explained(url: str, message: str) -> None:
    with pytest.raises(DatabaseURLError, match=message):
        resolve_url(url)


def test_url_normalisation_and_default(monkeypatch, tmp_path) -> None:
    assert resolve_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert resolve_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("FAZHI_DATA_DIR", str(tmp_path))
    assert resolve_url().database == str(tmp_path / "fazhi.db")
    monkeypatch.setenv("DATABASE_URL", "oracle://x@y/z")
    with pytest.raises(DatabaseURLError):
        resolve_url()


def test_registry_flow_and_audit(engine) -> None:
    with session_scope(engine) as s:
        assert sync_units(s, default_directory()) == len(default_directory().units)
        assert sync_units(s, default_directory()) == 0
        add_unit(s, TOWN, "town", actor="admin1")
        with pytest.raises(RegistryError, match="已存在"):
            add_unit(s, TOWN, "town", actor="admin1")
        with pytest.raises(RegistryError, match="未知的单位类别"):
            add_unit(s, "某某中心", "galaxy", actor="admin1")
        register_chat(s, 1001, BUREAU, user_name="张三")
        register_chat(s, "-2002", TOWN, title="镇法治办群", is_group=True)
        with pytest.raises(UnknownUnitError):
            register_chat(s, 1003, "不存在的局")
        assert [c.chat_id for c, _u in pending_chats(s)] == ["1001", "-2002"]
        approve(s, 1001, actor="admin1")
        reject(s, "-2002", actor="admin1", reason="重复")
        assert [(c.chat_id, u.name) for c, u in active_chats(s)] == [("1001", BUREAU)]
        assert chat_unit(s, 1001).name == BUREAU
        assert chat_unit(s, "-2002") is None
        # re-registering an active chat to the same unit keeps it active
        register_chat(s, 1001, BUREAU)
        assert chat_unit(s, 1001) is not None
        mark_blocked(s, 1001)
        assert active_chats(s) == []
        assert s.exec(select(Chat).where(Chat.chat_id == "1001")).one().status == ChatStatus.BLOCKED
        actions = [a.action for a in s.exec(select(AuditLog).order_by(AuditLog.id)).all()]
        assert actions == [
            "add_unit",
            "request_registration",
            "request_registration",
            "approve_chat",
            "reject_chat",
        ]
        detail = json.loads(
            s.exec(select(AuditLog).where(AuditLog.action == "reject_chat")).one().detail
        )
        assert detail == {"unit": TOWN, "reason": "重复", "change_of_unit": False}
        names = {u.name: u for u in list_units(s)}
        assert names[TOWN].source == "admin"
        directory = registry_directory(s, default_directory())
    # the admin's town is now responsible for item 2 through 各镇(街、区)
    assert directory.responsibility(TOWN, default_plan().item(2)).kind == "group"
    assert resolve_unit(directory, "张家集") == TOWN
    assert resolve_unit(directory, "司法局") == BUREAU


def test_unknown_unit_gives_candidates() -> None:
    directory = default_directory()
    with pytest.raises(UnknownUnitError) as err:
        resolve_unit(directory, "财务局")
    assert "区财政局" in err.value.candidates  # close, but not accepted silently
    assert "您是否要找" in str(err.value)
    # a real department the directory does not list is not a misspelt listed one
    with pytest.raises(UnknownUnitError) as err:
        resolve_unit(directory, "审计局")
    assert err.value.candidates == () and "fazhi units add" in str(err.value)


def test_completion_idempotent_and_audited(engine) -> None:
    plan = default_plan()
    study = plan.obligation("i2-study")
    with session_scope(engine) as s:
        sync_units(s, default_directory())
        c1, new1 = confirm(
            s, BUREAU, study, "2026Q3", by="李四", note="9月5日党组会学法", evidence="file:abc"
        )
        c2, new2 = confirm(s, BUREAU, study, "2026-Q3", by="王五")
        assert (new1, new2) == (True, False)
        assert c2.id == c1.id and c2.confirmed_by == "李四"
        with pytest.raises(PeriodError, match="按每季度计"):
            confirm(s, BUREAU, study, "2026", by="x")
        confirm(s, BUREAU, plan.obligation("i4-meeting"), "2026", by="admin1", admin=True)
        assert completed_set(s) == {(BUREAU, "i2-study", "2026Q3"), (BUREAU, "i4-meeting", "2026")}
        actions = [a.action for a in s.exec(select(AuditLog).order_by(AuditLog.id)).all()]
        assert actions == ["confirm", "manual_completion"]  # every completion is audited
    with pytest.raises(UnknownUnitError), session_scope(engine) as s:
        confirm(s, "无此单位", study, "2026Q3")


def test_resolve_obligation() -> None:
    plan = default_plan()
    assert resolve_obligation(plan, "i2-study").key == "i2-study"
    assert resolve_obligation(plan, "学法").key == "i2-study"
    assert resolve_obligation(plan, "培训班").key == "i2-training"
    with pytest.raises(UnknownObligationError) as err:
        resolve_obligation(plan, "i2-studdy")
    assert any("学法" in c for c in err.value.candidates)  # named as officials know it
