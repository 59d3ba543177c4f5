"""Points of issue 25 that no other test showed: the suite never touches the real user data
home (point 3), `units list` has no junk aliases (point 6), and the project has an MIT LICENSE
matching pyproject and a CHANGELOG in the Keep a Changelog form (point 10)."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import platformdirs
import pytest

from knowledge.datahome import APP_NAME, data_dir
from tests.test_cli_operator import fazhi

ROOT = Path(__file__).resolve().parent.parent


def test_every_test_runs_in_a_temporary_data_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """conftest gives each test a data home under pytest's temporary folder, so a command a test
    runs (in process or through the installed script, which inherits the environment) never
    writes into the operator's own data home."""
    home = data_dir()
    assert home != Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    assert home.is_relative_to(tmp_path_factory.getbasetemp())


def test_units_list_has_no_junk_aliases(tmp_path: Path) -> None:
    home = tmp_path / "home"
    proc = fazhi(home, "units", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    units = json.loads(proc.stdout)
    names = {u["name"] for u in units}
    aliases = [(u["name"], a) for u in units for a in u["aliases"]]
    assert aliases, "the directory gives aliases (司法局 → 区司法局)"
    assert [a for _, a in aliases if "行政行政" in a or a == "治区办"] == []
    assert [(n, a) for n, a in aliases if a in names] == []  # an alias is never another's name
    seen: dict[str, str] = {}
    for name, alias in aliases:
        assert seen.setdefault(alias, name) == name, f"{alias} names {seen[alias]} and {name}"


def test_the_licence_is_mit_as_pyproject_says() -> None:
    licence = (ROOT / "LICENSE").read_text("utf-8")
    assert licence.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in licence
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["license"] == "MIT"


def test_the_changelog_keeps_a_changelog() -> None:
    text = (ROOT / "CHANGELOG.md").read_text("utf-8")
    assert text.startswith("# Changelog\n") and "https://keepachangelog.com/" in text
    releases = re.findall(r"^## (.+)$", text, re.M)
    assert releases[0] == "[Unreleased]"
    for release in releases[1:]:
        assert re.fullmatch(r"\[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}", release), release
    kinds = set(re.findall(r"^### (.+)$", text, re.M))
    assert kinds and kinds <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
