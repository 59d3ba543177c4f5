"""Reproducible installs: ``requirements.lock`` pins every dependency pyproject.toml names (run
time and dev) to one version inside its range, and both ``make`` and the Dockerfile install
through it. (That the lock installs on Python 3.11 from PyPI is checked by hand with a fresh
venv when it is regenerated: ``make lock``; it needs the network.)"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)$")


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in LOCK.read_text("utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = PIN.match(line)
        assert match, f"not an exact pin: {line!r}"
        name = canonicalize_name(match[1])
        assert name not in pins, f"pinned twice: {name}"
        pins[name] = Version(match[2])
    return pins


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    listed = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        listed += extra
    return [Requirement(r) for r in listed]


def test_every_dependency_is_pinned_inside_its_range() -> None:
    pins = _pins()
    assert "fazhi" not in pins  # the project itself is not a constraint
    requirements = _requirements()
    assert len(requirements) > 20
    for req in requirements:
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in requirements.lock (run make lock)"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{req.name}=={pins[name]} in the lock is outside pyproject's {req.specifier}"
        )


def test_the_extras_dependencies_are_pinned_too() -> None:
    # what python-telegram-bot's extras pull in (job-queue, rate-limiter, webhooks)
    pins = _pins()
    assert {"apscheduler", "aiolimiter", "tornado"} <= set(pins)


def test_makefile_installs_through_the_lock() -> None:
    text = (ROOT / "Makefile").read_text("utf-8")
    assert re.search(r"^LOCK := requirements\.lock$", text, re.M)
    install = [line for line in text.splitlines() if "pip install" in line and "-e" in line]
    assert install and all("-c $(LOCK)" in line for line in install), install
    assert re.search(r"^\$\(STAMP\): .*\$\(LOCK\)", text, re.M)  # a new lock reinstalls
    assert re.search(r"^lock:", text, re.M) and "pip freeze" in text


def test_dockerfile_installs_through_the_lock() -> None:
    text = (ROOT / "Dockerfile").read_text("utf-8")
    copies = [line for line in text.splitlines() if line.startswith("COPY")]
    assert any("requirements.lock" in line for line in copies)
    installs = [line for line in text.splitlines() if "pip install" in line]
    assert installs and all("-c requirements.lock" in line for line in installs), installs
    ignored = (ROOT / ".dockerignore").read_text("utf-8").split()
    assert "requirements.lock" not in ignored and "*.lock" not in ignored
