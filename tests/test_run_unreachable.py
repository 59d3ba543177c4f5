"""`fazhi run` while Telegram is unreachable keeps retrying with a growing wait and says why in
the log, instead of exiting after its first failed request; SIGTERM still ends it cleanly;
once Telegram answers it connects and polls. Limits here only catch hangs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fakes import FakeBotApi
from tests.fakes.bot_api_faults import Fault

FAZHI = str(Path(sys.executable).with_name("fazhi"))
HANG = 180  # seconds: a limit that only catches a hang, never a slow machine
FAILED = "无法连接 Telegram Bot API（"


def _refusing_port() -> int:
    """A loopback port nothing listens on (bound, then closed): connections are refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(tmp_path: Path, base_url: str, token: str, *args: str) -> subprocess.Popen[str]:
    env = {
        **{k: v for k, v in os.environ.items() if k.upper() != "DATABASE_URL"},
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": base_url,
        "FAZHI_DATA_DIR": str(tmp_path / "data"),
        "FAZHI_POLL_TIMEOUT": "1",
        "FAZHI_ADMIN_IDS": "",
    }
    log = open(tmp_path / "run.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [FAZHI, "run", *args], env=env, cwd=tmp_path, stdout=log, stderr=log, text=True
    )


def wait_for(proc: subprocess.Popen[str], log: Path, done: Callable[[str], bool]) -> str:
    limit = time.monotonic() + HANG
    while time.monotonic() < limit:
        text = log.read_text("utf-8")
        if done(text):
            return text
        if proc.poll() is not None:
            pytest.fail(f"fazhi run exited ({proc.returncode}) while retrying:\n{text}")
        time.sleep(0.2)
    proc.kill()
    pytest.fail(f"hung:\n{log.read_text('utf-8')}")


def stop_cleanly(proc: subprocess.Popen[str], log: Path) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=HANG)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("fazhi run did not stop on SIGTERM")
    text = log.read_text("utf-8")
    assert proc.returncode == 0, text
    assert "收到停止信号" in text and "Traceback" not in text
    return text


@pytest.mark.parametrize("role", ["all", "sender"])
def test_run_keeps_retrying_a_refused_connection_and_stops_on_sigterm(
    tmp_path: Path, role: str
) -> None:
    base_url = f"http://127.0.0.1:{_refusing_port()}/bot"
    proc = _start(tmp_path, base_url, "123456:refused", "--role", role)
    log = tmp_path / "run.log"
    text = wait_for(proc, log, lambda t: "第 2 次尝试失败" in t)
    failures = [line for line in text.splitlines() if FAILED in line]
    assert len(failures) >= 2
    for line in failures:
        assert "连接被拒绝或无法建立连接" in line and "TELEGRAM_API_BASE_URL" in line
        assert "123456:refused" not in line  # the token is a secret
    assert "无法连接 Telegram Bot API：请检查网络" not in text  # the old exit message
    stop_cleanly(proc, log)


def test_run_connects_once_telegram_answers(tmp_path: Path) -> None:
    with FakeBotApi() as server:
        server.add_fault(Fault(502, "Bad Gateway"), method="getMe", times=2)
        proc = _start(tmp_path, server.base_url, server.token)
        log = tmp_path / "run.log"
        text = wait_for(proc, log, lambda t: "已连接 Telegram Bot API（第 3 次尝试）" in t)
        assert "第 1 次尝试失败" in text and "第 2 次尝试失败" in text
        limit = time.monotonic() + HANG
        while not server.calls_to("getUpdates") and time.monotonic() < limit:
            time.sleep(0.2)
        assert server.calls_to("getUpdates"), log.read_text("utf-8")  # polling after the retries
        stop_cleanly(proc, log)
