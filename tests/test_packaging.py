"""Every third-party module the application imports is a declared dependency (a dev-only
package that happens to be installed would pass the tests and break the Docker image)."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
APP_PACKAGES = ("bot", "knowledge", "scheduler")


def _declared() -> set[str]:
    """The declared dependencies and everything they bring along on this platform."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    closure: set[str] = set()
    todo: list[tuple[str, set[str]]] = []
    for spec in data["project"]["dependencies"]:
        req = Requirement(spec)
        todo.append((canonicalize_name(req.name), set(req.extras)))
    while todo:
        name, extras = todo.pop()
        if name in closure:
            continue
        closure.add(name)
        try:
            reqs = requires(name) or []
        except PackageNotFoundError:
            continue
        for spec in reqs:
            req = Requirement(spec)
            envs = [{"extra": e} for e in extras] or [{"extra": ""}]
            if req.marker is None or any(req.marker.evaluate(env) for env in envs):
                todo.append((canonicalize_name(req.name), set(req.extras)))
    return closure


def _imports() -> set[str]:
    found = set().union(*(_imports_of(p) for p in APP_PACKAGES))
    return found - set(sys.stdlib_module_names) - set(APP_PACKAGES)


def test_every_imported_module_is_declared() -> None:
    declared = _declared()
    dists = packages_distributions()
    missing = {
        module
        for module in _imports()
        if not {canonicalize_name(d) for d in dists.get(module, [module])} & declared
    }
    assert missing == set(), f"imported but not declared in [project.dependencies]: {missing}"


def _imports_of(package: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def test_dependencies_point_one_way() -> None:
    """bot → scheduler → knowledge: knowledge imports neither, scheduler never imports bot."""
    assert _imports_of("knowledge") & {"bot", "scheduler", "telegram", "sqlmodel"} == set()
    assert _imports_of("scheduler") & {"bot", "telegram"} == set()
