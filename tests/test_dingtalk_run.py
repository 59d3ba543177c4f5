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


def _sender(env: dict[str, str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [FAZHI, "run", "--role", "sender"], env=env, cwd=cwd,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def test_sigkill_mid_broadcast_to_600_dingtalk_chats(fake: FakeDingTalk, tmp_path: Path) -> None:
    """A sender process killed mid-broadcast and another started: every one of 600 chats gets
    the notice, and at most the messages in flight at the kill (10) twice."""
    from scheduler.delivery.outbox import enqueue
    from scheduler.delivery.sender import DEFAULT_IN_FLIGHT
    from scheduler.store.db import init_db, session_scope

    url = f"sqlite:///{tmp_path / 'fazhi.db'}"
    engine = init_db(url)
    with session_scope(engine) as s:
        for i in range(600):
            enqueue(s, key=f"bc:1:{i}", chat_id=f"dt:u:u{i:03d}", body="【通知】请按时报送")
    engine.dispose()
    drop = ("TELEGRAM_BOT_TOKEN",) + tuple(k for k in os.environ if "DINGTALK" in k)
    env = {k: v for k, v in os.environ.items() if k not in drop} | {
        "DATABASE_URL": url,
        "FAZHI_DATA_DIR": str(tmp_path / "data"),
        "DINGTALK_CLIENT_ID": CLIENT_ID,
        "DINGTALK_CLIENT_SECRET": CLIENT_SECRET,
        "DINGTALK_API_BASE_URL": fake.base_url,
        "FAZHI_OUTBOX_LEASE": "3",
        "FAZHI_SEND_INTERVAL": "0.2",
    }
    first = _sender(env, tmp_path)
    try:
        assert fake.wait_for(lambda: len(fake.delivered) >= 100, timeout=120), "no progress"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    second = _sender(env, tmp_path)
    try:
        done = fake.wait_for(lambda: len({d.chat for d in fake.delivered}) == 600, timeout=240)
    finally:
        second.send_signal(signal.SIGINT)
        try:
            second.wait(20)
        except subprocess.TimeoutExpired:
            second.kill()
    chats = [d.chat for d in fake.delivered]
    assert done, f"{len(set(chats))} of 600 chats reached"
    twice = len(chats) - len(set(chats))
    assert twice <= DEFAULT_IN_FLIGHT, twice
