"""Settings are found from any folder, in one order: the environment, then ``.env`` in the
working folder, then ``fazhi.env`` in the data home; ``fazhi health`` and ``fazhi config show``
say where each came from (secrets masked); ``fazhi config set`` writes ``fazhi.env``."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values
from hypothesis import given
from hypothesis import strategies as st

from bot.cli.config import updated_text
from bot.runtime import sources
from tests.test_deployment import _example_names, _names_read_by_the_code

FAZHI = Path(sys.executable).with_name("fazhi")
CLEARED = {"XDG_DATA_HOME", "HOME", *sources.KNOWN}


def fazhi(
    *args: str, cwd: Path, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k.upper() not in CLEARED}
    return subprocess.run(
        [str(FAZHI), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**base, "COLUMNS": "200", **env},
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        timeout=300,
    )


@pytest.fixture
def place(tmp_path: Path) -> dict[str, Path]:
    """A data home, a project folder and an unrelated folder to run commands from."""
    dirs = {name: tmp_path / name for name in ("home", "project", "elsewhere")}
    for d in dirs.values():
        d.mkdir()
    return dirs


def _show(cwd: Path, env: dict[str, str]) -> dict[str, dict]:
    done = fazhi("config", "show", "--json", cwd=cwd, env=env)
    assert done.returncode == 0, done.stderr
    return {row["key"]: row for row in json.loads(done.stdout)}


def test_health_from_another_folder_reaches_the_database_in_fazhi_env(
    place: dict[str, Path],
) -> None:
    db = place["project"] / "bot.db"
    home_file = place["home"] / "fazhi.env"
    home_file.write_text(f"# 运维写的设置\nDATABASE_URL=sqlite:///{db}\n", "utf-8")
    env = {"FAZHI_DATA_DIR": str(place["home"])}
    upgraded = fazhi("db", "upgrade", cwd=place["elsewhere"], env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert db.is_file() and not (place["home"] / "fazhi.db").exists()
    health = fazhi("health", cwd=place["elsewhere"], env=env)
    assert health.returncode == 0, health.stderr
    assert f"数据库：sqlite:///{db}" in health.stdout
    assert f"  DATABASE_URL=sqlite:///{db}（{home_file}）" in health.stdout
    assert f"> {place['elsewhere'] / '.env'} > {home_file}" in health.stdout
    shown = _show(place["elsewhere"], env)
    assert shown["DATABASE_URL"]["value"] == f"sqlite:///{db}"
    assert shown["DATABASE_URL"]["source"] == str(home_file)
    assert shown["FAZHI_DATA_DIR"]["source"] == "环境变量"
    assert shown["FAZHI_WEBHOOK_PORT"] == {
        "key": "FAZHI_WEBHOOK_PORT",
        "value": "8443",
        "source": "默认值",
        "secret": False,
    }
    # a command that writes (Typer's --database-url from the environment) uses it too
    done = fazhi("done", "区司法局", "学法", cwd=place["elsewhere"], env=env)
    assert done.returncode == 0, done.stderr
    assert not (place["home"] / "fazhi.db").exists()


def test_environment_over_dotenv_over_fazhi_env(place: dict[str, Path]) -> None:
    urls = {name: f"sqlite:///{place['project'] / name}.db" for name in ("env", "local", "home")}
    (place["home"] / "fazhi.env").write_text(f"DATABASE_URL={urls['home']}\n", "utf-8")
    (place["project"] / ".env").write_text(f"database_url={urls['local']}\n", "utf-8")
    env = {"FAZHI_DATA_DIR": str(place["home"])}
    for cwd, extra, expected, source in (
        (place["project"], {"DATABASE_URL": urls["env"]}, "env", "环境变量"),
        (place["project"], {}, "local", str(place["project"] / ".env")),
        (place["elsewhere"], {}, "home", str(place["home"] / "fazhi.env")),
    ):
        row = _show(cwd, {**env, **extra})["DATABASE_URL"]
        assert (row["value"], row["source"]) == (urls[expected], source)
        health = fazhi("health", cwd=cwd, env={**env, **extra})
        assert f"数据库：{urls[expected]}" in health.stdout, health.stdout
        assert f"DATABASE_URL={urls[expected]}（{source}）" in health.stdout


def test_the_data_home_set_in_dotenv_holds_fazhi_env(place: dict[str, Path]) -> None:
    (place["project"] / ".env").write_text(f"FAZHI_DATA_DIR={place['home']}\n", "utf-8")
    # fazhi.env cannot move the data home it is found in
    (place["home"] / "fazhi.env").write_text("FAZHI_DATA_DIR=/nowhere\nFAZHI_POLL_TIMEOUT=5\n")
    env = {"HOME": str(place["elsewhere"])}
    shown = _show(place["project"], env)
    assert shown["FAZHI_DATA_DIR"]["value"] == str(place["home"])
    assert shown["FAZHI_POLL_TIMEOUT"]["source"] == str(place["home"] / "fazhi.env")
    health = fazhi("health", cwd=place["project"], env=env)
    assert f"数据目录：{place['home']}（FAZHI_DATA_DIR，来自 {place['project'] / '.env'}）" in (
        health.stdout
    )


def test_secrets_are_masked_in_show_and_health(place: dict[str, Path]) -> None:
    (place["home"] / "fazhi.env").write_text(
        "DATABASE_URL=postgresql://fazhi:pw-Very-Secret-9@127.0.0.1:1/fazhi\n"
        "TELEGRAM_BOT_TOKEN=123456:token-Very-Secret\n"
        "DINGTALK_CLIENT_SECRET=ding-Very-Secret\n",
        "utf-8",
    )
    env = {"FAZHI_DATA_DIR": str(place["home"])}
    show = fazhi("config", "show", cwd=place["elsewhere"], env=env)
    health = fazhi("health", cwd=place["elsewhere"], env=env)
    assert health.returncode != 0  # nothing listens on port 1
    for out in (show.stdout + show.stderr, health.stdout + health.stderr):
        assert "Very-Secret" not in out
        assert "postgresql://fazhi:***@127.0.0.1:1/fazhi" in out
    assert "TELEGRAM_BOT_TOKEN=***" in health.stdout
    assert _show(place["elsewhere"], env)["DINGTALK_CLIENT_SECRET"]["value"] == "***"


def test_config_set_writes_fazhi_env_in_the_data_home(place: dict[str, Path]) -> None:
    env = {"FAZHI_DATA_DIR": str(place["home"] / "new")}  # not there yet: created
    path = place["home"] / "new" / "fazhi.env"
    done = fazhi("config", "set", "fazhi_poll_timeout", "12", cwd=place["elsewhere"], env=env)
    assert done.returncode == 0, done.stderr
    assert f"已写入 {path}：FAZHI_POLL_TIMEOUT=12" in done.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it may hold tokens
    path.write_text("# 注释保留\n" + path.read_text("utf-8") + "OTHER_TOOL=x\n", "utf-8")
    odd = 'a b\'c #d\\e "f"'
    for key, value in (("DINGTALK_ROBOT_CODE", odd), ("FAZHI_POLL_TIMEOUT", "15")):
        done = fazhi("config", "set", key, value, cwd=place["project"], env=env)
        assert done.returncode == 0, done.stderr
    secret = fazhi(
        "config", "set", "TELEGRAM_BOT_TOKEN", "-", cwd=place["project"], env=env,
        stdin="42:from-stdin\n",
    )  # fmt: skip
    assert secret.returncode == 0 and "from-stdin" not in secret.stdout + secret.stderr
    values = dotenv_values(path)
    assert values == {
        "FAZHI_POLL_TIMEOUT": "15",
        "OTHER_TOOL": "x",
        "DINGTALK_ROBOT_CODE": odd,
        "TELEGRAM_BOT_TOKEN": "42:from-stdin",
    }
    assert path.read_text("utf-8").startswith("# 注释保留\nFAZHI_POLL_TIMEOUT=15\n")
    shown = _show(place["elsewhere"], env)
    assert shown["DINGTALK_ROBOT_CODE"]["value"] == odd
    assert not list(path.parent.glob("*.part"))  # the temporary file was renamed


def test_config_set_when_something_overrides_it(place: dict[str, Path]) -> None:
    env = {"FAZHI_DATA_DIR": str(place["home"]), "FAZHI_SEND_INTERVAL": "3"}
    done = fazhi("config", "set", "FAZHI_SEND_INTERVAL", "5", cwd=place["project"], env=env)
    assert done.returncode == 0, done.stderr
    assert "注意：FAZHI_SEND_INTERVAL 目前取自 环境变量" in done.stdout


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("NO_SUCH_KEY", "1"), "没有名为“NO_SUCH_KEY”的设置，可设置的有："),
        (("FAZHI_DATA_DIR", "/x"), "FAZHI_DATA_DIR 决定 fazhi.env 本身的位置"),
        (("FAZHI_WEBHOOK_PORT", "八四四三"), "FAZHI_WEBHOOK_PORT 的值“八四四三”无效：应为整数。"),
        (("FAZHI_GROUP_MEMBERS_MAY_ACT", "也许"), "应为 true 或 false"),
        (("FAZHI_QUESTIONS_PER_MINUTE", "0"), "超出允许的范围"),
        (("FAZHI_DB_TIMEOUT", "-3"), "应为大于 0 的秒数"),
        (("FAZHI_ADMIN_IDS", "12,张三"), "“张三”不是 Telegram 用户 ID"),
    ],
)
def test_config_set_refuses_in_one_sentence(
    place: dict[str, Path], args: tuple[str, str], said: str
) -> None:
    env = {"FAZHI_DATA_DIR": str(place["home"])}
    done = fazhi("config", "set", args[0], "--", args[1], cwd=place["elsewhere"], env=env)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：") and said in lines[0], done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    if args[0] == "NO_SUCH_KEY":
        listed = set(lines[0].split("：", 2)[2].rstrip("。").split("、"))
        assert listed == set(sources.KNOWN) - {"FAZHI_DATA_DIR"}
    assert not (place["home"] / "fazhi.env").exists()


def test_settings_model_follows_the_same_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.runtime.settings import Settings

    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir(), work.mkdir()
    (home / "fazhi.env").write_text("FAZHI_POLL_TIMEOUT=7\nFAZHI_WEBHOOK_PORT=9000\n")
    (work / ".env").write_text("FAZHI_WEBHOOK_PORT=9001\nFAZHI_SEND_INTERVAL=4\n")
    for key in sources.KNOWN:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("FAZHI_DATA_DIR", str(home))
    monkeypatch.setenv("FAZHI_SEND_INTERVAL", "6")
    monkeypatch.chdir(work)
    settings = Settings()
    assert (settings.fazhi_poll_timeout, settings.fazhi_webhook_port) == (7.0, 9001)
    assert settings.fazhi_send_interval == 6.0


def test_every_setting_is_known_and_in_the_example() -> None:
    assert set(sources.KNOWN) == _names_read_by_the_code()
    assert set(sources.KNOWN) <= _example_names()


@given(st.text(alphabet=st.characters(blacklist_characters="\r\n\x00"), max_size=40))
def test_a_written_value_reads_back_the_same(value: str) -> None:
    text = updated_text("# c\nA=1\nexport KEY=old\nKEY=dup\n", "KEY", value)
    assert dotenv_values(stream=io.StringIO(text)) == {"A": "1", "KEY": value}
