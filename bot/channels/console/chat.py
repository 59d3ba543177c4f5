"""The console chat (`fazhi chat`): the same assistant as the Telegram bot, in a terminal.

Questions, /unit, /mytasks, /done and every other command work as in Telegram. Every message
that carries buttons gets a number (#2), its buttons are shown as [2.1], [2.2] …, and typing
``2.1`` presses button 1 of message 2 — so after several reminders each one's 已完成 stays its
own. A bare ``1`` presses button 1 of the newest message with buttons (the hint says which).
A button whose message was replaced (a callback's ``edit``) is no longer live, as in Telegram.

The scheduler runs in the same process and prints reminders as they fall due (they go through
the outbox like Telegram's). The console user is the local operator: admin rights, no question
rate limit. Ctrl-C quits at once (stdin is read by a daemon thread, so no pending read holds the
process).

In a terminal, output is wrapped at the terminal's width counting a Chinese character as two
columns (:func:`knowledge.text.display.wrap`), and the prompt is prompt_toolkit's: a reminder
printed while the operator is typing goes above the prompt, which is drawn again with the
half-typed line intact (``patch_stdout``). Piped input and output stay plain lines.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TextIO

from bot.chat.assistant import Assistant
from bot.chat.incoming import ChatContext
from bot.chat.render.replies import Button, Reply, html_to_plain
from bot.chat.router import parse_command
from knowledge.text.display import wrap
from scheduler.delivery.channel import DeliveryOutcome, DeliveryStatus, OutgoingMessage
from scheduler.store.db import data_dir

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession

CONSOLE_CHAT = ChatContext(
    chat_id="console", user_id="console", user_name="控制台用户", rate_limited=False
)
EXIT_WORDS = {"/quit", "/exit", "退出", "exit", "quit"}
_PRESS = re.compile(r"^(?:#?(\d+)\s*[.．。]\s*)?(\d+)$")


class ConsoleChat:
    """Reads lines, prints replies; every keyboard stays bound to the message that showed it."""

    def __init__(
        self,
        assistant: Assistant,
        out: TextIO | None = None,
        ctx: ChatContext = CONSOLE_CHAT,
        columns: int | None = None,
    ) -> None:
        self.assistant = assistant
        self.out = out or sys.stdout
        self.ctx = ctx
        self.columns = columns  # wrap width; None: the terminal's (no wrapping when not one)
        self.keyboards: dict[int, list[Button]] = {}  # message number → its live buttons
        self.message_count = 0
        self.files_dir = data_dir() / "console-files"  # FAZHI_DATA_DIR, not the cwd

    # The channel side: reminders and notices printed as they are sent.
    name = "console-chat"

    async def send(self, message: OutgoingMessage) -> DeliveryOutcome:
        text = html_to_plain(message.body) if message.parse_mode == "HTML" else message.body
        buttons = [Button(b["text"], b["data"]) for row in (message.buttons or []) for b in row]
        self._print(f"\n⏰ [{message.kind}] {text}", buttons)
        return DeliveryOutcome(DeliveryStatus.SENT, provider_message_id=f"console-{message.id}")

    @property
    def buttons(self) -> list[Button]:
        """The newest live keyboard (what a bare number presses)."""
        return self.keyboards[max(self.keyboards)] if self.keyboards else []

    def press(self, message: int | None, number: int) -> tuple[int, Button] | str:
        """The button ``message.number`` (newest keyboard when ``message`` is None), or why not."""
        if message is None:
            message = max(self.keyboards, default=0)
        keyboard = self.keyboards.get(message)
        if keyboard is None:
            if 1 <= message <= self.message_count:
                return f"消息 #{message} 没有可点按的按钮（或按钮已失效）。"
            return f"没有消息 #{message}。"
        if not 1 <= number <= len(keyboard):
            return f"消息 #{message} 只有按钮 {message}.1–{message}.{len(keyboard)}。"
        return message, keyboard[number - 1]

    def handle_line(self, line: str) -> list[Reply]:
        """One line typed by the user → the replies (also printed)."""
        line = line.strip()
        if not line:
            return []
        pressed = _PRESS.match(line)
        target: tuple[int, Button] | str | None = None
        if pressed and pressed.group(1):
            target = self.press(int(pressed.group(1)), int(pressed.group(2)))
            if isinstance(target, str):
                self.say(target)
                return []
        elif pressed and 1 <= int(pressed.group(2)) <= len(self.buttons):
            target = self.press(None, int(pressed.group(2)))
        # otherwise a bare number is a question ("14" asks for item 14)
        if isinstance(target, tuple):
            source, button = target
            replies = self.assistant.handle_callback(self.ctx, button.data)
            if any(r.edit for r in replies):  # the pressed message is replaced, as in Telegram
                self.keyboards.pop(source, None)
        else:
            command = parse_command(line)
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

    def width(self) -> int | None:
        """Columns to wrap at: the given ones, else the terminal's; None when not a terminal."""
        if self.columns:
            return self.columns
        isatty = getattr(self.out, "isatty", None)
        if isatty is not None and isatty():
            return shutil.get_terminal_size().columns
        return None

    def say(self, text: str, indent: str = "") -> None:
        """Print ``text`` wrapped at the terminal's width (continuation lines ``indent``ed)."""
        columns = self.width()
        if columns is not None:
            # one column spare: a line exactly as wide as the terminal makes some wrap twice
            text = "\n".join(wrap(text, columns - 1, indent))
        print(text, file=self.out, flush=True)

    def _print(self, text: str, buttons: list[Button]) -> None:
        self.message_count += 1
        number = self.message_count
        if not buttons:
            self.say(text)
            return
        self.keyboards[number] = buttons
        self.say(f"#{number} {text}")
        for k, b in enumerate(buttons, 1):
            self.say(f"  [{number}.{k}] {b.text}", indent="      ")
        self.say(
            f"  （输入 {number}.1 这样的编号点按；只输入 1 即点按最新的 #{number}）", indent="  "
        )


async def run_console(
    assistant: Assistant,
    start_jobs: Callable[[ConsoleChat], object] | None = None,
    stdin: TextIO | None = None,
) -> None:
    """The interactive loop; ``start_jobs`` installs the scheduler with the console as channel.
    In a terminal the prompt is prompt_toolkit's (reminders print above it); else plain lines."""
    stdin = stdin or sys.stdin
    if stdin is sys.stdin and stdin.isatty() and sys.stdout.isatty():
        from prompt_toolkit import PromptSession
        from prompt_toolkit.patch_stdout import patch_stdout

        session: PromptSession[str] = PromptSession()
        with patch_stdout(raw=True):  # whatever is printed goes above the prompt
            chat = ConsoleChat(assistant, out=sys.stdout)
            await _loop(chat, assistant, start_jobs, lambda: _prompted(session))
        return
    chat = ConsoleChat(assistant)
    lines = _reader(stdin)

    async def next_line() -> str:
        print("> ", end="", file=chat.out, flush=True)
        return await lines.get()

    await _loop(chat, assistant, start_jobs, next_line)


async def _prompted(session: PromptSession[str]) -> str:
    """A line from prompt_toolkit's prompt ("" at Ctrl-D, as EOF on a pipe)."""
    try:
        line = await session.prompt_async("> ")
    except EOFError:
        return ""
    return line + "\n"


async def _loop(
    chat: ConsoleChat,
    assistant: Assistant,
    start_jobs: Callable[[ConsoleChat], object] | None,
    next_line: Callable[[], Awaitable[str]],
) -> None:
    if start_jobs is not None:
        start_jobs(chat)
    chat.say("法治政府建设工作要点助手（控制台）。直接输入问题，或 /help 查看命令，/quit 退出。")
    chat.show(assistant.handle_command(chat.ctx, "start")[0])
    while True:
        line = await next_line()
        if not line:  # EOF
            print("", file=chat.out)
            break
        if line.strip().lower() in EXIT_WORDS:
            break
        try:
            await asyncio.to_thread(chat.handle_line, line)
        except Exception as exc:  # noqa: BLE001 - the console never dies on one bad line
            import logging

            from bot.runtime.error_boundary import describe

            failure = describe(exc)
            if failure.user_caused:
                chat.say(failure.text)
            else:
                logging.getLogger(__name__).exception("console: error handling %r", line)
                chat.say("抱歉，处理时出错了，请换个说法再试。")


def _reader(stdin: TextIO) -> asyncio.Queue[str]:
    """Lines of ``stdin`` ("" at EOF) from a daemon thread: a read pending when the user presses
    Ctrl-C must not keep the process (the default executor would wait for it)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()

    def read() -> None:
        while True:
            try:
                line = stdin.readline()
            except (OSError, ValueError):  # closed
                line = ""
            try:
                loop.call_soon_threadsafe(queue.put_nowait, line)
            except RuntimeError:  # the loop has closed
                return
            if not line:
                return

    threading.Thread(target=read, name="console-stdin", daemon=True).start()
    return queue
