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
from bot.cli import main
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
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
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


def test_health_answers_with_its_exit_code(migrated: Path, tmp_path_factory) -> None:  # noqa: ANN001
    env = {**os.environ, "FAZHI_DATA_DIR": str(migrated), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    cli = [sys.executable, "-c", "from bot.cli import main; main()", "health"]
    ok = subprocess.run(cli, cwd=migrated, env=env, capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and ok.stdout.startswith("ok revision=")
    empty = tmp_path_factory.mktemp("empty")
    env["FAZHI_DATA_DIR"] = str(empty)
    bad = subprocess.run(cli, cwd=empty, env=env, capture_output=True, text=True, check=False)
    assert bad.returncode == 1 and "尚未迁移" in bad.stderr
    (empty / ".env").write_text("DATABASE_URL=mysql://u:secret@h/db\n", "utf-8")
    wrong = subprocess.run(cli, cwd=empty, env=env, capture_output=True, text=True, check=False)
    assert wrong.returncode == 1 and "mysql" in wrong.stderr  # .env is read, as by Settings


ASK_NEVER = (
    "sqlalchemy", "telegram", "pkg_resources", "cn2an", "jieba",  # no database, no bot
    "typer", "click", "pydantic", "rich",  # no CLI framework (bot.cli_ask says why)
    "numpy", "zhconv", "asyncio",  # plain-Python index, the cached script table
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


def test_a_migrated_database_is_opened_without_alembic(migrated: Path) -> None:
    modules = modules_after(["units", "list"], migrated)
    assert "sqlmodel" in modules
    assert heavy(modules, "alembic") == set()
