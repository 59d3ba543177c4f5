"""Secrets never reach the terminal or a log: URL passwords, the webhook secret at -v; and an
unreachable Telegram at start-up is one Chinese sentence per attempt without PTB's traceback."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from bot.runtime.log_redaction import RedactSecrets
from scheduler.store.db import redact_url
from tests.fakes import FakeBotApi

FAZHI = str(Path(sys.executable).with_name("fazhi"))


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL")}
    return env | {"FAZHI_DATA_DIR": str(tmp_path / "data"), **extra}


def test_url_passwords_are_masked() -> None:
    assert redact_url("postgresql://fazhi:s3cr%40t@db:5432/x") == "postgresql://fazhi:***@db:5432/x"
    assert (
        redact_url("see 'postgres://u:pw@h/d' and http://h/p")
        == "see 'postgres://u:***@h/d' and http://h/p"
    )
    record = logging.LogRecord(
        "x",
        logging.DEBUG,
        __file__,
        1,
        "connect %s secret=%s",
        ("postgresql://a:PW@h/d", "HOOK"),
        None,
    )
    assert RedactSecrets("HOOK").filter(record)
    assert "PW" not in record.getMessage() and "HOOK" not in record.getMessage()


def test_a_malformed_database_url_never_prints_its_password(tmp_path: Path) -> None:
    for url in ("postgresql://fazhi:TOPSECRET@db:abc/fazhi", "postgresql://fazhi:TOPSECRET@/fazhi"):
        for command in (["health"], ["run"]):
            proc = subprocess.run(
                [FAZHI, *command],
                env=_env(tmp_path, DATABASE_URL=url, TELEGRAM_BOT_TOKEN="1:x"),
                cwd=tmp_path, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            out = proc.stdout + proc.stderr
            assert proc.returncode == 1 and "DATABASE_URL" in out, out
            assert "TOPSECRET" not in out and "Traceback" not in out


def test_an_unreachable_api_is_logged_without_a_traceback(tmp_path: Path) -> None:
    from tests.test_run_unreachable import stop_cleanly, wait_for

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    log = tmp_path / "run.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [FAZHI, "run"],
            env=_env(tmp_path, TELEGRAM_BOT_TOKEN="1:x", TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}/bot"),
            cwd=tmp_path, stdout=out, stderr=out, text=True,
        )  # fmt: skip
    # it retries (tests/test_run_unreachable.py) and says why, in one sentence per attempt
    text = wait_for(proc, log, lambda t: "第 1 次尝试失败" in t)
    stop_cleanly(proc, log)
    assert "无法连接 Telegram Bot API" in text
    assert "Traceback" not in text, text


def test_the_webhook_secret_is_not_in_verbose_logs(tmp_path: Path) -> None:
    secret = "WEBHOOK-SECRET-0123456789"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with FakeBotApi() as server:
        env = _env(
            tmp_path,
            TELEGRAM_BOT_TOKEN=server.token,
            TELEGRAM_API_BASE_URL=server.base_url,
            FAZHI_WEBHOOK_SECRET=secret,
            FAZHI_WEBHOOK_LISTEN="127.0.0.1",
            FAZHI_WEBHOOK_PORT=str(port),
        )
        log = tmp_path / "run.log"
        with open(log, "w") as out:
            proc = subprocess.Popen(
                [FAZHI, "run", "-v", "--webhook", f"https://bot.example.org/{port}/hook"],
                env=env, cwd=tmp_path, stdout=out, stderr=out, text=True,
            )  # fmt: skip
            try:
                deadline = time.monotonic() + 180  # a hang guard

                def logged() -> bool:  # setWebhook was called and the log talks about it
                    text = log.read_text("utf-8")
                    return bool(server.calls_to("setWebhook")) and "webhook" in text.lower()

                while not logged():
                    assert proc.poll() is None, log.read_text("utf-8")
                    assert time.monotonic() < deadline, "no setWebhook"
                    time.sleep(0.1)
                time.sleep(0.5)  # more lines, if any, are written (the secret must be in none)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        assert server.calls_to("setWebhook")[0].params.get("secret_token") == secret
    text = log.read_text("utf-8")
    assert "setWebhook" in text or "webhook" in text.lower()  # the verbose log talks about it
    assert secret not in text
