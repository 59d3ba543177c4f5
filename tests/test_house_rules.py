"""The house rules the code itself can check: imports run one way between the layers
(``bot`` → ``scheduler`` → ``knowledge``), no import circle anywhere (imports inside functions
and under ``TYPE_CHECKING`` count: a circle is a circle however it is hidden), and no module of
the checked rooms over 400 lines. Read from the source with ``ast``, nothing is imported."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "scheduler", "knowledge")
LAYER = {"knowledge": 0, "scheduler": 1, "bot": 2}
MAX_LINES = 400
SIZE_CHECKED = PACKAGES  # every room


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules ``name`` imports anywhere in its source (resolved to modules: ``from
    a.b import c`` is ``a.b.c`` when that is a module, else ``a.b``; ``from a.b import`` also
    runs ``a.b`` itself). A package's parents, which Python runs first, are not counted: a
    package gathering its own submodules is no circle."""
    tree = ast.parse(path.read_text("utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_circle() -> None:
    cycles = _cycles(_graph())
    assert cycles == [], "\n".join(" ↔ ".join(c) for c in cycles)


def test_imports_run_one_way_between_the_layers() -> None:
    wrong = [
        f"{name} imports {target}"
        for name, targets in _graph().items()
        for target in targets
        if LAYER[target.split(".")[0]] > LAYER[name.split(".")[0]]
    ]
    assert wrong == []


def test_no_module_over_400_lines() -> None:
    long = {
        name: n
        for name, path in _modules().items()
        if name.split(".")[0] in SIZE_CHECKED
        and (n := len(path.read_text("utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_checks_see_a_circle_and_a_wrong_way_import() -> None:
    """The circle finder is not blind: a made-up graph with one circle yields it."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    graph = _graph()
    assert "scheduler.delivery.buttons" in graph["bot.chat.buttons"]  # imports are read
