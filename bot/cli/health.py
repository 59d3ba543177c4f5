"""`fazhi health`: the container's health check (every minute) — the database is reachable and
migrated — and where each setting came from. Light on purpose: the SQL core and python-dotenv
only, not the CLI framework nor the settings model, so the check costs a fraction of a second
(``bench/bench_startup.py``)."""

from __future__ import annotations

import sys
from pathlib import Path


def database_url() -> str | None:
    """``DATABASE_URL`` as :class:`bot.runtime.settings.Settings` reads it: the environment (any
    case), else ``.env`` in the working folder, else ``fazhi.env`` in the data home."""
    from bot.runtime.sources import lookup

    found = lookup().get("DATABASE_URL")
    return (found.value or None) if found is not None else None


def setting_lines() -> list[str]:
    """The lookup order, then each setting that is set, its value (secrets masked) and source."""
    from bot.runtime.sources import home_file, local_file, lookup, shown

    lines = [f"设置来源（先找到的为准）：环境变量 > {local_file()} > {home_file()}"]
    for item in lookup().values():
        lines.append(f"  {item.key}={shown(item.key, item.value)}（{item.source}）")
    return lines


def data_home_lines(url: str | None) -> list[str]:
    """Where the data lives (``fazhi health``, start-up logs), and a warning when an older
    ``./data/fazhi.db`` sits unused in the working folder."""
    from knowledge.datahome import data_dir, data_dir_source, stray_database
    from scheduler.store.db import DatabaseURLError, resolve_url
    from scheduler.store.redaction import redact_url

    try:  # hide_password covers userinfo only, not ``?password=``
        db = redact_url(resolve_url(url).render_as_string(hide_password=True), url or "")
    except DatabaseURLError:
        db = "（DATABASE_URL 无效）"
    from bot.runtime.sources import DATA_DIR_KEY, ENVIRONMENT, lookup

    where = data_dir_source()
    found = lookup().get(DATA_DIR_KEY)
    if found is not None and found.source != ENVIRONMENT:
        where = f"{DATA_DIR_KEY}，来自 {found.source}"
    lines = [f"数据目录：{data_dir()}（{where}）", f"数据库：{db}"]
    stray = stray_database()
    if stray is not None and not url:
        lines.append(
            f"注意：当前文件夹下有旧的数据库 {stray}，现在不使用它；"
            f"如需沿用，请设置 FAZHI_DATA_DIR={stray.parent.absolute()}"
        )
    return lines


def _missing_sqlite_file(parsed: object) -> Path | None:
    """The SQLite file ``parsed`` names when it does not exist yet (else None)."""
    if parsed.get_backend_name() != "sqlite" or not parsed.database:  # type: ignore[attr-defined]
        return None
    if parsed.database == ":memory:" or parsed.database.startswith("file:"):  # type: ignore[attr-defined]
        return None
    path = Path(parsed.database).expanduser()  # type: ignore[attr-defined]
    return None if path.exists() else path


def check() -> tuple[bool, list[str]]:
    """(healthy, lines to print): the verdict first ("ok revision=…" or "错误：…", one
    sentence from :mod:`bot.runtime.error_boundary`, no SQL), then where the data lives, then
    where each setting came from."""
    healthy, lines = _verdict()
    return healthy, lines + setting_lines()


def _verdict() -> tuple[bool, list[str]]:
    from bot.runtime.error_boundary import describe
    from scheduler.store.db import current_revision, make_engine, outbox_backlog, resolve_url

    url = database_url()
    try:
        missing = _missing_sqlite_file(resolve_url(url))
        if missing is not None:  # a health check reads: it never creates a database
            return False, [
                f"错误：数据库文件不存在：{missing}；请先运行 fazhi db upgrade"
                "（fazhi run 启动时也会自动建好）。",
                *data_home_lines(url),
            ]
        engine = make_engine(url)
        revision = current_revision(engine)
        backlog = outbox_backlog(engine) if revision is not None else 0
    except Exception as exc:  # noqa: BLE001 - any failure is "unhealthy", said in one sentence
        return False, [f"错误：{describe(exc).text}", *data_home_lines(url)]
    if revision is None:
        return False, [
            "错误：数据库尚未迁移（还没有建表）：请先运行 fazhi db upgrade（fazhi run 启动时也会自动建表）。",
            *data_home_lines(url),
        ]
    lines = [f"ok revision={revision} outbox_pending={backlog}", *data_home_lines(url)]
    return True, lines + clock_lines(engine)


def clock_lines(engine) -> list[str]:  # noqa: ANN001
    """A warning when this machine's clock and the database's differ by more than 2 s: the
    delivery decides by the database's clock, but logs, reminders' dates and the send budget's
    hand-over to this process read this one."""
    from scheduler.store.db_clock import SKEW_WARNING, clock_skew

    try:
        skew = clock_skew(engine)
    except Exception:  # noqa: BLE001 - the verdict above already says whether the database answers
        return []
    if abs(skew) <= SKEW_WARNING:
        return []
    side = "慢" if skew > 0 else "快"
    return [
        f"警告：本机时钟比数据库时钟{side} {abs(skew):.1f} 秒（超过 {SKEW_WARNING:.0f} 秒）："
        "请为本机和数据库服务器开启时间同步（NTP）。"
    ]


def main() -> int:
    from bot.runtime.error_boundary import silence_stdout
    from scheduler.store.redaction import redact_url

    healthy, lines = check()
    url = database_url() or ""
    for line in (redact_url(line, url) for line in lines):
        stream = sys.stderr if not healthy and line.startswith("错误：") else sys.stdout
        try:
            print(line, file=stream, flush=True)
        except BrokenPipeError:  # `fazhi health | head -1`: the verdict is the exit code
            if stream is sys.stdout:
                silence_stdout()
    return 0 if healthy else 1
