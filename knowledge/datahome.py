"""Where fazhi keeps its files: one data home, the same whatever the working folder.

``$FAZHI_DATA_DIR`` when set (made absolute once, so a relative value is read against the folder
the process started in), else the platform's user data folder (``~/.local/share/fazhi`` on
Linux, ``~/Library/Application Support/fazhi`` on macOS, ``%LOCALAPPDATA%\\fazhi`` on Windows,
from ``platformdirs``). The default SQLite database, imported plans and console files live
there, so ``fazhi done`` run from any folder updates the database the bot reads.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "FAZHI_DATA_DIR"
APP_NAME = "fazhi"


def data_dir() -> Path:
    """The data home (not created here)."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if raw:
        return Path(raw).expanduser().absolute()
    import platformdirs  # only when the variable is unset (as it is in the image)

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def data_dir_source() -> str:
    """Where :func:`data_dir` came from, for start-up logs and ``fazhi health``."""
    return ENV_VAR if os.environ.get(ENV_VAR, "").strip() else "platform default"


def stray_database(cwd: Path | None = None) -> Path | None:
    """A ``./data/fazhi.db`` left in the working folder by older versions (which used a folder
    relative to the working folder) that is not the data home's database; None otherwise."""
    stray = (cwd or Path.cwd()) / "data" / "fazhi.db"
    if stray.is_file() and stray.resolve() != (data_dir() / "fazhi.db").resolve():
        return stray
    return None
