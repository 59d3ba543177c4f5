"""Channels for the console and for tests: print to a stream, or append JSON lines to a file."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import TextIO

from scheduler.delivery.channel import DeliveryOutcome, DeliveryStatus, OutgoingMessage


class ConsoleChannel:
    """Prints each message; the console chat and `fazhi schedule run --channel console`."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    async def send(self, message: OutgoingMessage) -> DeliveryOutcome:
        print(f"→ [{message.chat_id}] {message.body}", file=self.stream, flush=True)
        return DeliveryOutcome(DeliveryStatus.SENT, provider_message_id=f"console-{message.id}")


class FileChannel:
    """Appends one JSON line per delivery to ``path`` with a single ``write`` on an O_APPEND
    descriptor, so several processes can share the file and a SIGKILL never leaves half a line.

    ``delay`` (seconds) slows each send, for tests that kill a sender mid-run."""

    name = "file"

    def __init__(self, path: str | Path, delay: float = 0.0, tag: str = "") -> None:
        self.path = Path(path)
        self.delay = delay
        self.tag = tag
        self.path.parent.mkdir(parents=True, exist_ok=True)

    async def send(self, message: OutgoingMessage) -> DeliveryOutcome:
        if self.delay:
            await asyncio.sleep(self.delay)
        line = json.dumps(
            {
                "id": message.id,
                "chat_id": message.chat_id,
                "kind": message.kind,
                "body": message.body,
                "meta": message.meta,
                "tag": self.tag,
            },
            ensure_ascii=False,
        )
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode("utf-8"))
        finally:
            os.close(fd)
        return DeliveryOutcome(DeliveryStatus.SENT, provider_message_id=f"file-{message.id}")


def read_lines(path: str | Path) -> list[dict]:
    """The deliveries written so far. A reader can catch a line while another process is
    writing it (a read is not atomic against a write): a last line without its newline is
    still being written and is left for the next read."""
    p = Path(path)
    if not p.exists():
        return []
    lines = p.read_text("utf-8").split("\n")[:-1]  # the part after the last newline: unfinished
    return [json.loads(line) for line in lines if line.strip()]
