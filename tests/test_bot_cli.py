"""`fazhi run` as a user starts it: no token, a rejected token, a bad setting."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from bot.runtime.log_redaction import RedactSecrets
from tests.fakes import FakeBotApi

FAZHI = str(Path(sys.executable).with_name("fazhi"))


def _run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    full |= {"FAZHI_DATA_DIR": str(tmp_path / "data"), **env}
    return subprocess.run(
        [FAZHI, "run"], env=full, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )


def test_without_a_token_it_says_how_to_get_one(tmp_path: Path) -> None:
    proc = _run(tmp_path, TELEGRAM_BOT_TOKEN="")
    assert proc.returncode == 2
    assert "@BotFather" in proc.stderr and "/newbot" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_rejected_token_is_one_sentence_and_never_printed(tmp_path: Path) -> None:
    secret = "999999:THIS-TOKEN-IS-SECRET"
    with FakeBotApi() as server:  # answers 401 to any other token
        proc = _run(tmp_path, TELEGRAM_BOT_TOKEN=secret, TELEGRAM_API_BASE_URL=server.base_url)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1
    assert "Telegram 拒绝了 TELEGRAM_BOT_TOKEN" in out
    assert secret not in out and "THIS-TOKEN" not in out
    assert "Traceback" not in out


def test_bad_admin_ids_are_named(tmp_path: Path) -> None:
    proc = _run(tmp_path, TELEGRAM_BOT_TOKEN="1:x", FAZHI_ADMIN_IDS="12,abc")
    assert proc.returncode == 1 and "“abc”不是 Telegram 用户 ID" in proc.stderr


def test_redaction_covers_messages_and_tracebacks() -> None:
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "GET /bot%s/getMe", ("1:SECRET",), None
    )
    try:
        raise ValueError("token 1:SECRET rejected")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert RedactSecrets("1:SECRET").filter(record)
    assert "SECRET" not in record.getMessage() and "SECRET" not in (record.exc_text or "")
    assert "***" in record.getMessage()
