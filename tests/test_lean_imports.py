"""Light commands import only what they use (start-up time is measured in bench/bench_startup):
checked in fresh interpreters, by the modules they end up holding."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

RUN_CLI = """
import json, sys
from bot.cli.main import main
sys.argv = ["fazhi", *{argv!r}]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def modules_after(argv: list[str], tmp_path: Path) -> set[str]:
    env = {**os.environ, "FAZHI_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", RUN_CLI.format(argv=argv)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def heavy(modules: set[str], *names: str) -> set[str]:
    return {n for n in names if n in modules}


@pytest.fixture
def migrated(tmp_path: Path) -> Path:
    modules_after(["db", "upgrade"], tmp_path)
    return tmp_path


def test_health_needs_neither_the_models_nor_alembic(migrated: Path) -> None:
    modules = modules_after(["health"], migrated)
    assert "sqlalchemy" in modules  # it does ask the database
    assert heavy(modules, "sqlmodel", "alembic", "numpy", "telegram", "knowledge.qa") == set()
    assert heavy(modules, "typer", "pydantic") == set()  # nor the CLI framework
    assert heavy(modules, "platformdirs") == set()  # FAZHI_DATA_DIR is set
    assert heavy(modules, "psycopg") == set()  # SQLite: libpq's URL parser is not needed


def test_health_answers_with_its_exit_code(migrated: Path, tmp_path_factory) -> None:  # noqa: ANN001
    env = {**os.environ, "FAZHI_DATA_DIR": str(migrated), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    cli = [sys.executable, "-c", "from bot.cli.main import main; main()", "health"]
    ok = subprocess.run(cli, cwd=migrated, env=env, capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and ok.stdout.startswith("ok revision=")
    empty = tmp_path_factory.mktemp("empty")
    env["FAZHI_DATA_DIR"] = str(empty)
    bad = subprocess.run(cli, cwd=empty, env=env, capture_output=True, text=True, check=False)
    assert bad.returncode == 1 and "数据库文件不存在" in bad.stderr and "db upgrade" in bad.stderr
    assert list(empty.iterdir()) == []  # a health check reads: it created nothing
    (empty / "fazhi.db").write_bytes(b"")  # a database file without tables
    bad = subprocess.run(cli, cwd=empty, env=env, capture_output=True, text=True, check=False)
    assert bad.returncode == 1 and "尚未迁移" in bad.stderr
    (empty / "fazhi.db").unlink()
    (empty / ".env").write_text("DATABASE_URL=mysql://u:secret@h/db\n", "utf-8")
    wrong = subprocess.run(cli, cwd=empty, env=env, capture_output=True, text=True, check=False)
    assert wrong.returncode == 1 and "mysql" in wrong.stderr  # .env is read, as by Settings


ASK_NEVER = (
    "sqlalchemy", "telegram", "pkg_resources", "cn2an", "jieba",  # no database, no bot
    "typer", "click", "pydantic", "rich",  # no CLI framework (bot.cli.ask says why)
    "numpy", "asyncio",  # plain-Python index
    "platformdirs",  # FAZHI_DATA_DIR is set: the platform's folders are not asked
)  # fmt: skip


@pytest.mark.parametrize(
    "argv",
    [
        ["ask", "第十四条 我单位要做什么"],
        ["-v", "ask", "第十四条 我单位要做什么", "--unit", "区司法局", "--json"],
        ["ask", "第十四条", "--unit", "火星局"],  # a user error is reported as lightly
    ],
)
def test_ask_needs_no_database_nor_cli_framework(argv: list[str], tmp_path: Path) -> None:
    modules = modules_after(argv, tmp_path)
    assert "knowledge.qa" in modules
    assert heavy(modules, *ASK_NEVER) == set()


def run_ask(home: Path, *words: str) -> str:
    env = {**os.environ, "FAZHI_DATA_DIR": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    cli = [sys.executable, "-c", "from bot.cli.main import main; main()", *words]
    done = subprocess.run(cli, cwd=home, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


QUESTION = ["ask", "第十四条 我单位要做什么", "--unit", "区司法局"]


def test_ask_on_a_database_holding_nothing_skips_the_orm_and_answers_alike(
    migrated: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A migrated database without imported plans, added units or overrides gives the bundled
    engine: read with sqlite3, not the ORM (also once the registry holds the bundled units,
    as after ``units list``); once an admin adds a unit, the ORM reads it."""
    modules = modules_after(QUESTION, migrated)
    assert heavy(modules, *ASK_NEVER) == set()
    run_ask(migrated, "units", "list")  # seeds the registry with the plan's units
    modules = modules_after(QUESTION, migrated)
    assert heavy(modules, *ASK_NEVER) == set()
    assert run_ask(migrated, *QUESTION) == run_ask(tmp_path_factory.mktemp("none"), *QUESTION)
    run_ask(migrated, "units", "add", "张家集镇", "--category", "town", "--yes")
    modules = modules_after(QUESTION, migrated)
    assert "sqlmodel" in modules and "knowledge.qa" in modules


def test_a_migrated_database_is_opened_without_alembic(migrated: Path) -> None:
    modules = modules_after(["units", "list"], migrated)
    assert "sqlmodel" in modules
    assert heavy(modules, "alembic", "platformdirs") == set()


def test_the_data_home_asks_the_platform_only_when_the_variable_is_unset(tmp_path: Path) -> None:
    """platformdirs (~8 ms, more on a cold disk) is imported only for the default home."""
    code = (
        "import sys; from knowledge.datahome import data_dir; "
        "print(data_dir(), 'platformdirs' in sys.modules)"
    )
    env = {**os.environ, "FAZHI_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    run = [sys.executable, "-c", code]
    done = subprocess.run(run, env=env, capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split() == [str(tmp_path), "False"]
    env.pop("FAZHI_DATA_DIR")
    done = subprocess.run(run, env=env, capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split()[-1] == "True" and done.stdout.split()[0].endswith("fazhi")


RUN_BOT = """
import asyncio, json, sys
from pathlib import Path
from bot.cli.run import _assistant
from bot.channels.telegram.app import build_application
from tests.bot_harness import FAST_LIMITS, BotHarness, make_settings
from tests.fakes import FakeBotApi

async def main(tmp_path):
    with FakeBotApi() as server:
        assistant = _assistant(make_settings(tmp_path))  # as `fazhi run` starts
        app = build_application(assistant, server.token, server.base_url, limits=FAST_LIMITS)
        async with BotHarness(server, assistant, app) as bot:
            for text in {texts!r}:
                assert await bot.say(42, text)
    print(json.dumps(sorted(sys.modules)), file=sys.stderr)

asyncio.run(main(Path({tmp!r})))
"""

# what the running bot needs only for rare commands (reports, pictures, calendars, uploaded
# plans), no longer at all (numpy: plain-Python index) or never
# itself (migrations: a child process upgrades a database behind the shipped ones)
NOT_IN_THE_RUNNING_BOT = (
    "alembic", "mako", "docx", "pypdf", "PIL", "openpyxl", "icalendar", "charset_normalizer",
    "bs4", "jieba", "numpy",
)  # fmt: skip


def test_the_running_bot_holds_neither_alembic_nor_rare_command_libraries(tmp_path: Path) -> None:
    """A bot started on a new database migrates it in a child process, then answers questions
    (one in traditional characters) and commands without loading what it does not use."""
    texts = ["/start", "第十四条 我单位要做什么", "每季度要學法幾次", "司法局有哪些任务", "/items"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", RUN_BOT.format(texts=texts, tmp=str(tmp_path))],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    modules = set(json.loads(done.stderr.strip().splitlines()[-1]))
    assert "telegram" in modules and "knowledge.qa" in modules and "sqlmodel" in modules
    assert heavy(modules, *NOT_IN_THE_RUNNING_BOT) == set()
    assert (tmp_path / "fazhi.db").exists()  # migrated by the child


CHILD_UPGRADE = """
import json, logging, sys
logging.basicConfig(level=logging.WARNING)
from scheduler.store.db import current_revision, make_engine, migration_heads, upgrade_in_child
url = {url!r}
done = upgrade_in_child(url)
at_head = current_revision(make_engine(url)) == ",".join(sorted(migration_heads()))
print(json.dumps([done, at_head, "alembic" in sys.modules]), file=sys.stderr)
"""


def child_upgrade(url: str, cwd: Path) -> tuple[list[bool], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD_UPGRADE.format(url=url)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    return json.loads(done.stderr.strip().splitlines()[-1]), done.stderr


def test_upgrade_in_a_child_process_leaves_alembic_out_and_reports_a_failure(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert child_upgrade(url, tmp_path)[0] == [True, True, False]
    assert child_upgrade(url, tmp_path)[0] == [True, True, False]  # at the head: no child
    import sqlite3

    with sqlite3.connect(tmp_path / "new.db") as db:  # a revision this code does not ship
        db.execute("UPDATE alembic_version SET version_num = 'f00dfeedbeef'")
    (done, at_head, alembic), log = child_upgrade(url, tmp_path)
    assert (done, at_head, alembic) == (False, False, False)
    assert "upgrading here" in log and "f00dfeedbeef" in log  # the caller upgrades in place
