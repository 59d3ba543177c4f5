"""Every ``--help`` page is Chinese throughout: no framework words left in English ("Usage",
"Options", "Show this message and exit.", "[default: …]", "[required]"), no description cut
short with "…", the same style for every command (``ask`` included)."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from bot.cli.main import build_app

ENGLISH = re.compile(
    r"Usage|Options|Commands|Arguments|Show this message|\[default|\[required\]|\[env var|"
    r"\[OPTIONS\]|COMMAND|\[ARGS\]"
)


def _paths() -> list[list[str]]:
    group = typer.main.get_command(build_app())
    out: list[list[str]] = [[]]

    def walk(cmd: object, prefix: list[str]) -> None:
        for name, sub in getattr(cmd, "commands", {}).items():
            out.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(group, [])
    return out


PATHS = _paths()


def test_every_command_is_found() -> None:
    names = {" ".join(p) for p in PATHS}
    assert {"", "kb show", "holidays import", "report", "ask"} <= names
    assert len(PATHS) > 25


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "fazhi")
def test_help_is_chinese_and_whole(path: list[str]) -> None:
    result = CliRunner().invoke(build_app(), [*path, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    text = result.output
    assert "用法" in text
    assert not ENGLISH.search(text), ENGLISH.search(text)
    cut = [line for line in text.splitlines() if re.search(r"…\s*│?\s*$", line)]
    assert cut == []  # a cell cut short ends in "…" (a "…" inside a sentence is the author's)
