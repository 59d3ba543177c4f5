"""One data home: the default database and files are in the platform's user data folder (or
``FAZHI_DATA_DIR``), whatever folder a command runs from; ``fazhi health`` and the start-up
logs say where it is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FAZHI = Path(sys.executable).with_name("fazhi")


def fazhi(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {
        k: v
        for k, v in os.environ.items()
        if k not in ("FAZHI_DATA_DIR", "DATABASE_URL", "XDG_DATA_HOME", "HOME")
    }
    return subprocess.run(
        [str(FAZHI), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**full, "COLUMNS": "120", "TELEGRAM_BOT_TOKEN": "", **env},
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def test_default_data_home_is_the_same_from_any_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    one, two = tmp_path / "one", tmp_path / "two"
    for d in (home, one, two):
        d.mkdir()
    env = {"HOME": str(home)}  # no FAZHI_DATA_DIR: the platform's user data folder
    proc = fazhi("done", "区司法局", "学法", cwd=one, env=env)
    assert proc.returncode == 0, proc.stderr
    assert not (one / "data").exists()  # nothing written into the working folder
    expected = home / ".local" / "share" / "fazhi"
    assert (expected / "fazhi.db").is_file()
    # the completion made from folder one is what a command from folder two sees
    proc = fazhi("report", "--json", cwd=two, env=env)
    states = {
        (r["unit"], r["obligation"], r["state"]) for r in json.loads(proc.stdout) if r["unit"]
    }
    assert ("区司法局", "i2-study", "done") in states
    health = fazhi("health", cwd=two, env=env)
    assert health.returncode == 0, health.stderr
    assert f"数据目录：{expected}（platform default）" in health.stdout
    assert f"数据库：sqlite:///{expected / 'fazhi.db'}" in health.stdout


def test_fazhi_data_dir_is_made_absolute_and_shown(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    env = {"FAZHI_DATA_DIR": "store", "HOME": str(tmp_path)}
    assert fazhi("db", "upgrade", cwd=tmp_path / "work", env=env).returncode == 0
    health = fazhi("health", cwd=tmp_path / "work", env=env)
    assert f"数据目录：{tmp_path / 'work' / 'store'}（FAZHI_DATA_DIR）" in health.stdout
    imported = fazhi(
        "kb",
        "import",
        str(Path(__file__).parent / "data" / "documents" / "layout_sections.txt"),
        cwd=tmp_path / "work",
        env=env,
    )
    assert imported.returncode == 0, imported.stderr


def test_an_old_database_in_the_working_folder_is_pointed_out(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "fazhi.db").write_bytes(b"")
    env = {"HOME": str(tmp_path / "home")}
    fazhi("db", "upgrade", cwd=tmp_path, env=env)
    health = fazhi("health", cwd=tmp_path, env=env)
    assert "旧的数据库" in health.stdout and f"FAZHI_DATA_DIR={tmp_path / 'data'}" in health.stdout
