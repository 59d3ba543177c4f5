"""README's first 250 lines are the operator's guide: its sections are there, the quick start is
two commands, and every `fazhi …` command it names exists in the installed command line.
Links from README to files of the repository resolve, and every benchmark command the docs name
is a module of bench/."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
GUIDE_LINES = 250
FAZHI = Path(sys.executable).parent / "fazhi"  # the installed script, beside this interpreter
# what a new operator needs, from clone to a unit receiving reminders (issue 25)
SECTIONS = (
    "install",
    "run",
    "settings",
    "register",
    "plan",
    "reminder",
    "broadcast",
    "report",
    "backup",
    "restore",
    "upgrade",
)
# commands another change adds; skipped (with the reason) while the installed CLI lacks them
NOT_YET = {"config": "fazhi config is being added by the settings work (issue 25, point 2)"}


def _guide() -> str:
    return "\n".join(README.read_text("utf-8").split("\n")[:GUIDE_LINES])


def _code(text: str) -> list[str]:
    """Fenced blocks and inline code spans: where README writes commands."""
    fenced = re.findall(r"```[a-z]*\n(.*?)```", text, re.S)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    return fenced + inline


def _mentioned_commands() -> list[list[str]]:
    words: set[tuple[str, ...]] = set()
    for span in _code(_guide()):
        for m in re.finditer(r"(?<![\w./-])fazhi((?: [a-z][a-z-]*){1,2})", span):
            words.add(tuple(m.group(1).split()))
    return [list(w) for w in sorted(words)]


@pytest.fixture(scope="module")
def helps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """`fazhi WORD --help` through the installed script, once per command word the guide names
    (two at a time), in an empty data home that must stay empty."""
    home = tmp_path_factory.mktemp("home")
    env = {**os.environ, "FAZHI_DATA_DIR": str(home), "COLUMNS": "200"}
    env.pop("DATABASE_URL", None)

    def run(word: str) -> subprocess.CompletedProcess[str]:
        argv = [str(FAZHI), word, "--help"]
        return subprocess.run(
            argv, cwd=home, env=env, capture_output=True, text=True, timeout=300, check=False
        )

    words = sorted({c[0] for c in _mentioned_commands()})
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = dict(zip(words, pool.map(run, words), strict=True))
    assert list(home.iterdir()) == []  # --help creates nothing
    return done


def _subcommands(help_text: str) -> frozenset[str] | None:
    """The sub-commands a help text lists, or None for a command of its own."""
    if "命令" not in help_text.split("选项", 1)[-1]:
        return None
    return frozenset(re.findall(r"^│ ([a-z][a-z-]*) ", help_text, re.M))


def test_the_guide_has_every_section_an_operator_needs() -> None:
    headings = [line.lower() for line in _guide().split("\n") if line.startswith("## ")]
    for word in SECTIONS:
        assert any(word in h for h in headings), f"no section about {word!r} in {headings}"


def test_the_quick_start_stays_two_commands() -> None:
    first_block = re.search(r"```sh\n(.*?)```", _guide(), re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert [c for c in commands if c] == ["make run", "make test"]


def test_the_guide_names_commands_at_all() -> None:
    named = {" ".join(c) for c in _mentioned_commands()}
    for expected in ("run", "chat", "units add", "kb import", "report", "db upgrade", "health"):
        assert any(n == expected or n.startswith(expected + " ") for n in named), expected


@pytest.mark.parametrize("words", _mentioned_commands(), ids=" ".join)
def test_every_command_the_guide_names_exists(words: list[str], helps) -> None:  # noqa: ANN001
    """`fazhi WORD --help` exits 0, and a sub-command named after a group's word is one of the
    group's (its own --help then works as click builds it from the same listing)."""
    assert FAZHI.exists(), f"the fazhi script is not installed beside {sys.executable}"
    done = helps[words[0]]
    if done.returncode != 0 and words[0] in NOT_YET:
        pytest.skip(NOT_YET[words[0]])
    assert done.returncode == 0, done.stderr[-500:]
    subs = _subcommands(done.stdout)
    if subs is not None and len(words) > 1:  # else the next word is an argument (fazhi done …)
        assert words[1] in subs, f"fazhi {words[0]} has no {words[1]!r}: {sorted(subs)}"


def test_readme_links_to_files_that_exist() -> None:
    text = README.read_text("utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [t for t in targets if not re.match(r"[a-z]+://", t)]
    assert "docs/architecture.md" in local and "docs/benchmarks.md" in local
    missing = [t for t in local if not (ROOT / t).exists()]
    assert missing == []


def test_readme_anchors_name_its_own_headings() -> None:
    text = README.read_text("utf-8")
    slugs = set()
    for heading in re.findall(r"^#+ (.+)$", text, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        slugs.add(slug)
    anchors = re.findall(r"\]\(#([^)]+)\)", text)
    assert anchors and [a for a in anchors if a not in slugs] == []


def test_every_benchmark_the_docs_name_is_a_module_of_bench() -> None:
    for doc in (README, ROOT / "docs" / "benchmarks.md", ROOT / "docs" / "architecture.md"):
        for name in re.findall(r"python -m bench\.([a-z_]+)", doc.read_text("utf-8")):
            assert (ROOT / "bench" / f"{name}.py").exists(), f"{doc.name}: bench.{name}"


def _slugs(doc: Path) -> set[str]:
    headings = re.findall(r"^#+ (.+)$", doc.read_text("utf-8"), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_links_between_readme_and_docs_resolve() -> None:
    """What moved to docs/ is still reached: every relative link of README and docs/*.md names
    a file that exists, and a link to a heading names one of that file's headings."""
    bad = []
    for doc in [README, *sorted((ROOT / "docs").glob("*.md"))]:
        for target, anchor in re.findall(
            r"\]\(([^)#\s]*)(?:#([^)\s]+))?\)", doc.read_text("utf-8")
        ):
            if re.match(r"[a-z]+://", target):
                continue
            path = (doc.parent / target) if target else doc
            if not path.exists():
                bad.append(f"{doc.name}: {target}")
            elif anchor and path.suffix == ".md" and anchor not in _slugs(path):
                bad.append(f"{doc.name}: {target}#{anchor}")
    assert bad == []
