"""The console chat (`fazhi chat`): the same assistant as the Telegram bot, in a terminal.

Questions, /unit, /mytasks, /done and every other command work as in Telegram; buttons are
shown numbered ([1], [2] …) and pressed by typing their number. The scheduler runs in the same
process and prints reminders as they fall due (they go through the outbox like Telegram's).
The console user is a local operator and has admin rights.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from bot.core import Assistant, ChatContext, normalise_command_text
from bot.replies import Button, Reply, html_to_plain
from scheduler.channel import DeliveryOutcome, DeliveryStatus, OutgoingMessage
from scheduler.db import data_dir

CONSOLE_CHAT = ChatContext(chat_id="console", user_id="console", user_name="控制台用户")
EXIT_WORDS = {"/quit", "/exit", "退出", "exit", "quit"}


class ConsoleChat:
    """Reads lines, prints replies; remembers the last buttons so a number presses one."""

    def __init__(
        self,
        assistant: Assistant,
        out: TextIO | None = None,
        ctx: ChatContext = CONSOLE_CHAT,
    ) -> None:
        self.assistant = assistant
        self.out = out or sys.stdout
        self.ctx = ctx
        self.buttons: list[Button] = []
        self.files_dir = data_dir() / "console-files"  # FAZHI_DATA_DIR, not the cwd

    # The channel side: reminders and notices printed as they are sent.
    name = "console-chat"

    async def send(self, message: OutgoingMessage) -> DeliveryOutcome:
        text = html_to_plain(message.body) if message.parse_mode == "HTML" else message.body
        buttons = [Button(b["text"], b["data"]) for row in (message.buttons or []) for b in row]
        self._print(f"\n⏰ [{message.kind}] {text}", buttons)
        return DeliveryOutcome(DeliveryStatus.SENT, provider_message_id=f"console-{message.id}")

    def handle_line(self, line: str) -> list[Reply]:
        """One line typed by the user → the replies (also printed)."""
        line = line.strip()
        if not line:
            return []
        if line.isdigit() and self.buttons and 1 <= int(line) <= len(self.buttons):
            replies = self.assistant.handle_callback(self.ctx, self.buttons[int(line) - 1].data)
        else:
            command = normalise_command_text(line)
            if command is not None:
                replies = self.assistant.handle_command(self.ctx, *command)
            else:
                replies = self.assistant.handle_text(self.ctx, line)
        for reply in replies:
            self.show(reply)
        return replies

    def show(self, reply: Reply) -> None:
        text = reply.plain
        if reply.attachment is not None:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / reply.attachment.filename
            path.write_bytes(reply.attachment.content)
            text += f"\n（文件已保存：{path}）"
        self._print(text, [b for row in reply.buttons for b in row])

    def _print(self, text: str, buttons: list[Button]) -> None:
        print(text, file=self.out, flush=True)
        if buttons:
            self.buttons = buttons
            for k, b in enumerate(buttons, 1):
                print(f"  [{k}] {b.text}", file=self.out, flush=True)
            print("  （输入编号即可点按）", file=self.out, flush=True)


async def run_console(
    assistant: Assistant,
    start_jobs: Callable[[ConsoleChat], object] | None = None,
    stdin: TextIO | None = None,
) -> None:
    """The interactive loop; ``start_jobs`` installs the scheduler with the console as channel."""
    chat = ConsoleChat(assistant)
    stdin = stdin or sys.stdin
    if start_jobs is not None:
        start_jobs(chat)
    print(
        "法治政府建设工作要点助手（控制台）。直接输入问题，或 /help 查看命令，/quit 退出。",
        file=chat.out,
        flush=True,
    )
    chat.show(assistant.handle_command(chat.ctx, "start")[0])
    loop = asyncio.get_running_loop()
    while True:
        print("> ", end="", file=chat.out, flush=True)
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:  # EOF
            print("", file=chat.out)
            break
        if line.strip().lower() in EXIT_WORDS:
            break
        try:
            await asyncio.to_thread(chat.handle_line, line)
        except Exception:  # noqa: BLE001 - the console never dies on one bad line
            import logging

            logging.getLogger(__name__).exception("console: error handling %r", line)
            print("抱歉，处理时出错了，请换个说法再试。", file=chat.out, flush=True)
