"""Where each setting comes from: one lookup order for every command, whatever the folder.

1. the process environment (any case, as pydantic-settings reads it);
2. ``.env`` in the working folder;
3. ``fazhi.env`` in the data home (same format; ``fazhi config set`` writes it).

:func:`apply` runs first thing in ``fazhi`` (before the fast paths of ``health`` and ``ask``):
it copies what the two files add into ``os.environ``, so every reader — the settings model,
the Typer ``--database-url`` option, the database layer, the lease and timeout knobs, the data
home itself — sees the same values, and remembers where each came from for ``fazhi health``
and ``fazhi config show``. Light on purpose (python-dotenv and the standard library): the
container's health check runs it every minute.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "fazhi.env"
LOCAL_FILE = ".env"
DATA_DIR_KEY = "FAZHI_DATA_DIR"

ENVIRONMENT = "环境变量"
DEFAULT = "默认值"

# every setting fazhi reads, in .env.example's order; True where the value is a secret
# (shown as *** by `config show` and `health`; DATABASE_URL keeps its host, its password masked)
KNOWN: dict[str, bool] = {
    "TELEGRAM_BOT_TOKEN": True,
    "FAZHI_ADMIN_IDS": False,
    "FAZHI_DATA_DIR": False,
    "DATABASE_URL": False,
    "TELEGRAM_API_BASE_URL": False,
    "FAZHI_POLL_TIMEOUT": False,
    "FAZHI_WEBHOOK_URL": False,
    "FAZHI_WEBHOOK_LISTEN": False,
    "FAZHI_WEBHOOK_PORT": False,
    "FAZHI_WEBHOOK_SECRET": True,
    "FAZHI_QUESTIONS_PER_MINUTE": False,
    "FAZHI_GROUP_MEMBERS_MAY_ACT": False,
    "FAZHI_SEND_INTERVAL": False,
    "FAZHI_OUTBOX_LEASE": False,
    "FAZHI_POLLER_LEASE": False,
    "FAZHI_DB_TIMEOUT": False,
    "FAZHI_DEBUG": False,
    "DINGTALK_CLIENT_ID": False,
    "DINGTALK_CLIENT_SECRET": True,
    "DINGTALK_ROBOT_CODE": False,
    "DINGTALK_CARD_TEMPLATE_ID": False,
    "DINGTALK_ADMIN_STAFF_IDS": False,
    "DINGTALK_API_BASE_URL": False,
    "DINGTALK_OAPI_BASE_URL": False,
}


@dataclass(frozen=True)
class Found:
    """One setting's value and where it came from (:data:`ENVIRONMENT`, a file's path, or
    :data:`DEFAULT` when nothing sets it)."""

    key: str
    value: str | None
    source: str


# the keys :func:`apply` copied from a file into os.environ: still the file's, not the
# environment's, when looked up again in this process (`config set`, `config show`)
_injected: dict[str, str] = {}


def _environment_value(key: str) -> str | None:
    for name, value in os.environ.items():
        if name.upper() == key and not (name in _injected and _injected[name] == value):
            return value
    return None


def _read(path: Path) -> dict[str, str]:
    """``KEY=value`` lines of ``path`` (keys upper-cased; unreadable or missing: empty)."""
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    try:
        values = dotenv_values(path, encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return {k.strip().upper(): v for k, v in values.items() if v is not None and k.strip()}


def local_file(cwd: Path | None = None) -> Path:
    """The working folder's ``.env``."""
    return (cwd or Path.cwd()) / LOCAL_FILE


def _data_home(local: dict[str, str]) -> Path:
    from knowledge.datahome import data_dir

    raw = _environment_value(DATA_DIR_KEY)
    if not (raw or "").strip() and (local.get(DATA_DIR_KEY) or "").strip():
        return Path(local[DATA_DIR_KEY]).expanduser().absolute()
    return data_dir()


def home_file(cwd: Path | None = None) -> Path:
    """``fazhi.env`` in the data home (the data home may itself be set in ``.env``)."""
    return _data_home(_read(local_file(cwd))) / FILE_NAME


def lookup(cwd: Path | None = None) -> dict[str, Found]:
    """Every known setting that is set somewhere, with the source that wins (environment,
    then ``.env``, then ``fazhi.env``). Other keys of the files are left alone: a project's
    ``.env`` may hold settings of other tools (``POSTGRES_PASSWORD`` for compose)."""
    local_path = local_file(cwd)
    local = _read(local_path)
    home_path = _data_home(local) / FILE_NAME
    home = _read(home_path)
    home.pop(DATA_DIR_KEY, None)  # fazhi.env is found through the data home: it cannot move it
    found: dict[str, Found] = {}
    for key in KNOWN:
        value = _environment_value(key)
        if value is not None:
            found[key] = Found(key, value, ENVIRONMENT)
        elif key in local:
            found[key] = Found(key, local[key], str(local_path))
        elif key in home:
            found[key] = Found(key, home[key], str(home_path))
    return found


def apply(cwd: Path | None = None) -> dict[str, Found]:
    """Copy what ``.env`` and ``fazhi.env`` add into ``os.environ`` (never over the
    environment); returns every setting found with its source."""
    found = lookup(cwd)
    for item in found.values():
        if item.source != ENVIRONMENT and item.value is not None:
            os.environ[item.key] = item.value
            _injected[item.key] = item.value
    return found


def shown(key: str, value: str | None) -> str:
    """``value`` as ``config show`` and ``health`` print it: a secret as ***, a database URL
    without its password (the redaction of :mod:`scheduler.store.redaction`)."""
    from scheduler.store.redaction import MASK, redact_url

    if value is None:
        return ""
    if KNOWN.get(key) and value:
        return MASK
    return redact_url(value, value) if "://" in value or "=" in value else value
