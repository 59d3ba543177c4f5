"""The console in a real terminal (a pty of 40 columns): output wraps at the terminal's width
counting a Chinese character as two columns, and a reminder arriving while the operator is
typing goes above the prompt, which comes back with the half-typed line intact."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
from pathlib import Path

from bot.channels.console.chat import ConsoleChat
from knowledge.text.display import width, wrap
from scheduler.delivery.outbox import enqueue
from scheduler.store.db import init_db, session_scope

FAZHI = Path(sys.executable).with_name("fazhi")
COLUMNS = 40
HANG = 120.0  # seconds: only catches a hang
ANSI = re.compile(r"\x1b(?:\[[0-9;?<=>]*[ -/]*[@-~]|\][^\x07]*\x07|[()][0-9A-Za-z]|[=>78])")
NOTICE = (
    "【通知】请各单位于本周五前报送第四季度学法情况，"
    "并在群内点“已完成”确认（测试消息，用于检查自动换行）。"
)


class Terminal:
    """``fazhi chat`` on a pty of ``COLUMNS`` columns; reads what the screen was sent."""

    def __init__(self, data: Path) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, COLUMNS, 0, 0))
        env = {**os.environ, "FAZHI_DATA_DIR": str(data), "TELEGRAM_BOT_TOKEN": "", "TERM": "xterm"}
        env["PROMPT_TOOLKIT_NO_CPR"] = "1"  # the test answers no cursor-position requests
        env.pop("DATABASE_URL", None)
        env.pop("COLUMNS", None)
        self.proc = subprocess.Popen(
            [str(FAZHI), "chat"],
            stdin=slave,
            stdout=slave,
            stderr=subprocess.DEVNULL,
            cwd=data.parent,
            env=env,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        os.close(slave)
        self.master = master
        self.raw = b""
        self.pending = ""

    def read_until(self, text: str) -> str:
        """The screen's text (escape codes removed) from where the last read stopped up to and
        including ``text``; waits for it."""
        while text not in self.pending:
            ready, _, _ = select.select([self.master], [], [], HANG)
            assert ready, f"nothing more after {self.pending[-300:]!r}"
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the process ended
                chunk = b""
            assert chunk, f"the console ended; last: {self.pending[-300:]!r}"
            self.raw += chunk
            self.pending = ANSI.sub("", self.raw.decode("utf-8", "ignore")).replace("\b", "")
        end = self.pending.index(text) + len(text)
        upto, self.pending = self.pending[:end], self.pending[end:]
        self.raw = self.pending.encode()
        return upto

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=HANG)
        os.close(self.master)


def test_wraps_at_the_terminal_width_and_keeps_a_half_typed_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    term = Terminal(data)
    try:
        term.read_until("发送 /help 查看全部命令。")
        term.read_until(">")  # the prompt (its space is drawn as a cursor move)
        term.type("第十四")  # half a question, no Enter yet
        term.read_until("第十四")
        engine = init_db(f"sqlite:///{data / 'fazhi.db'}")
        try:
            with session_scope(engine) as s:
                enqueue(s, key="test:notice", chat_id="console", body=NOTICE, kind="notice")
        finally:
            engine.dispose()
        # the notice is printed above the prompt, wrapped at 40 columns …
        notice = term.read_until("检查自动换行）。")
        notice = notice[notice.index("⏰") :]
        lines = [ln for ln in notice.replace("\r", "").split("\n") if ln.strip()]
        assert len(lines) >= 3, lines
        assert all(width(ln) <= COLUMNS for ln in lines), lines
        assert "".join(lines).replace(" ", "") == "⏰[notice]" + NOTICE
        # … then the prompt comes back with what was typed, and typing goes on from there
        assert term.read_until("> 第十四").strip() == "> 第十四"
        term.type("条讲什么\r")
        answer = term.read_until("#3 第十四条")
        assert "第十四条讲什么" in answer
        term.type("/quit\r")
        assert term.proc.wait(timeout=HANG) == 0
    finally:
        term.close()


def test_wrapping_counts_chinese_as_two_columns() -> None:
    console = ConsoleChat.__new__(ConsoleChat)  # only its width logic
    console.columns = 20
    console.out = sys.stdout
    assert console.width() == 20
    lines = wrap("法治政府建设工作要点助手：直接输入问题 or /help", 20)
    assert all(width(ln) <= 20 for ln in lines) and len(lines) >= 3
    assert "/help" in lines[-1]  # an ASCII word is kept whole
    assert wrap("第一行\n第二行", 40) == ["第一行", "第二行"]
    assert not any(ln.startswith("，") for ln in wrap("一二三四五六七八九，十一", 18))
