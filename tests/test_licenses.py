"""docs/licenses.md lists every run-time dependency (pyproject's and what they bring along) and
none of them is under the GPL (the LGPL, used as an unmodified library, is fine)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "docs" / "licenses.md"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_licenses", ROOT / "docs" / "generate_licenses.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def test_the_table_lists_every_runtime_dependency() -> None:
    gen = _generator()
    listed = gen.listed_names(TABLE.read_text("utf-8"))
    direct = {canonicalize_name(r.name) for r in gen.direct_dependencies()}
    assert "opencc" in direct and "zhconv" not in direct
    assert direct - listed == set(), "run python docs/generate_licenses.py"
    installed = {d.name for d in gen.closure()}
    assert installed - listed == set(), "run python docs/generate_licenses.py"
    assert listed - installed == set(), "a package no longer needed: regenerate the table"


def test_every_dependency_declares_a_licence_and_none_is_gpl() -> None:
    rows = re.findall(
        r"^\| ([a-z0-9][a-z0-9._-]*) \| [^|]+ \| ([^|]+) \|", TABLE.read_text("utf-8"), re.M
    )
    assert len(rows) >= 20
    for name, licence in rows:
        assert licence.strip() not in {"?", ""} and "no licence" not in licence, name
        copyleft = re.search(r"(?<![L])GPL|General Public License", licence)
        lesser = "Lesser" in licence or "LGPL" in licence
        assert copyleft is None or lesser, f"{name}: {licence}"


def test_check_mode_reports_a_missing_dependency(tmp_path: Path) -> None:
    gen = _generator()
    table = gen.render([d for d in gen.closure() if d.name != "opencc"])
    stale = tmp_path / "licenses.md"
    stale.write_text(table, "utf-8")
    script = [sys.executable, str(ROOT / "docs" / "generate_licenses.py"), "--check"]
    done = subprocess.run(
        [*script, "--output", str(stale)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1 and "opencc" in done.stderr
    done = subprocess.run(script, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr  # the committed table
