"""`fazhi run` with only DingTalk configured: the robot connects to the (fake) gateway,
answers, and no secret reaches the terminal, even at -v."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.dingtalk import CLIENT_ID, CLIENT_SECRET, FakeDingTalk

FAZHI = str(Path(sys.executable).with_name("fazhi"))


@pytest.fixture
def fake() -> Iterator[FakeDingTalk]:
    with FakeDingTalk() as server:
        yield server


def test_fazhi_run_starts_dingtalk_alone_and_never_logs_its_secret(
    fake: FakeDingTalk, tmp_path: Path
) -> None:
    drop = ("TELEGRAM_BOT_TOKEN", "DATABASE_URL") + tuple(k for k in os.environ if "DINGTALK" in k)
    env = {k: v for k, v in os.environ.items() if k not in drop} | {
        "FAZHI_DATA_DIR": str(tmp_path / "data"),
        "DINGTALK_CLIENT_ID": CLIENT_ID,
        "DINGTALK_CLIENT_SECRET": CLIENT_SECRET,
        "DINGTALK_API_BASE_URL": fake.base_url,
        "FAZHI_SEND_INTERVAL": "0.2",
    }
    proc = subprocess.Popen(
        [FAZHI, "run", "-v"], env=env, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert fake.wait_for(lambda: fake.connections == 1, timeout=90), "no connection"
        fake.say(("user", "u9"), "/help")
        assert fake.wait_for(lambda: len(fake.messages(("user", "u9"))) == 1, timeout=30)
        assert "/mytasks" in fake.messages(("user", "u9"))[0].text
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert "DingTalk Stream client started" in out
    assert CLIENT_SECRET not in out
    assert not [t for t in fake.tokens if t in out]  # access tokens are secrets too
