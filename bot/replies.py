"""What the chat core answers with, before a front end (Telegram, console) shows it.

A :class:`Reply` carries the message as Telegram HTML *and* as plain text, with buttons and
an optional file. Telegram sends ``html``; the console prints ``plain``. Both come from one
:class:`Doc` so the two front ends cannot drift apart.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

TELEGRAM_LIMIT = 4096
CALLBACK_LIMIT = 64  # bytes, Telegram's limit for callback_data


@dataclass(frozen=True)
class Button:
    text: str
    data: str  # ASCII callback data, < 64 bytes

    def __post_init__(self) -> None:
        raw = self.data.encode("utf-8")
        if len(raw) > CALLBACK_LIMIT or not self.data.isascii():
            raise ValueError(f"callback data must be ASCII and <= 64 bytes: {self.data!r}")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    caption: str = ""


@dataclass
class Doc:
    """A message under construction: lines of (text, style) spans, escaped once, at the end."""

    lines: list[list[tuple[str, str]]] = field(default_factory=list)

    def line(self, *spans: str | tuple[str, str]) -> Doc:
        self.lines.append([(s, "") if isinstance(s, str) else s for s in spans])
        return self

    def blank(self) -> Doc:
        self.lines.append([])
        return self

    def html(self) -> str:
        out = []
        for spans in self.lines:
            parts = []
            for text, style in spans:
                t = html.escape(text, quote=False)
                if style == "b":
                    t = f"<b>{t}</b>"
                elif style == "i":
                    t = f"<i>{t}</i>"
                elif style == "q":
                    t = f"<blockquote>{t}</blockquote>"
                elif style == "code":
                    t = f"<code>{t}</code>"
                parts.append(t)
            out.append("".join(parts))
        return "\n".join(out).strip("\n")

    def plain(self) -> str:
        out = []
        for spans in self.lines:
            parts = []
            for text, style in spans:
                parts.append(f"「{text}」" if style == "q" else text)
            out.append("".join(parts))
        return "\n".join(out).strip("\n")


@dataclass(frozen=True)
class Reply:
    html: str
    plain: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    attachment: Attachment | None = None
    edit: bool = False  # a callback may replace the message it came from

    @classmethod
    def of(
        cls,
        doc: Doc | str,
        buttons: list[list[Button]] | None = None,
        attachment: Attachment | None = None,
        edit: bool = False,
    ) -> Reply:
        if isinstance(doc, str):
            doc = Doc().line(doc)
        rows = tuple(tuple(r) for r in (buttons or []) if r)
        return cls(doc.html(), doc.plain(), rows, attachment, edit)

    def buttons_json(self) -> list[list[dict[str, str]]] | None:
        if not self.buttons:
            return None
        return [[{"text": b.text, "data": b.data} for b in row] for row in self.buttons]


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split at line breaks so that each part fits ``limit`` characters; a single longer line
    is cut at the limit. HTML tags never span lines in our rendering, so a cut at a line
    break keeps every part well-formed."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts


_TAG = re.compile(r"<[^>]+>")


def html_to_plain(text: str) -> str:
    return html.unescape(_TAG.sub("", text))
