"""What the chat core answers with, before a front end (Telegram, console) shows it.

A :class:`Reply` carries the message as Telegram HTML *and* as plain text, with buttons and
an optional file. Telegram sends ``html``; the console prints ``plain``. Both come from one
:class:`Doc` so the two front ends cannot drift apart.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from bot.chat.buttons import CALLBACK_LIMIT, Payload, decode

__all__ = [
    "CALLBACK_LIMIT",
    "TELEGRAM_LIMIT",
    "Attachment",
    "Button",
    "Doc",
    "Reply",
    "html_to_plain",
    "split_message",
]

TELEGRAM_LIMIT = 4096


@dataclass(frozen=True, init=False)
class Button:
    """A label and its payload's wire form (:mod:`bot.chat.buttons`). Built from a payload
    (``Button("查看第3条", ShowItem(3))``) or from data already encoded, which must decode: no
    button carries data the router would refuse."""

    text: str
    data: str  # ASCII callback data, <= 64 bytes

    def __init__(self, text: str, action: Payload | str) -> None:
        data = action if isinstance(action, str) else action.encode()
        decode(data)  # ButtonError (a ValueError) for anything no kind produces
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "data", data)

    @property
    def payload(self) -> Payload:
        return decode(self.data)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    caption: str = ""
    photo: bool = False  # shown as a picture in chat (Telegram sendPhoto), not as a file


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


# A tag, an entity, or one character: the units a split never cuts through.
_ATOM = re.compile(r"<[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|\w+);|[\s\S]")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z0-9-]+)")


def _closers(stack: list[str]) -> str:
    return "".join(f"</{_TAG_NAME.match(tag).group(1)}>" for tag in reversed(stack))  # type: ignore[union-attr]


def _after(stack: list[str], atom: str) -> list[str]:
    """The open tags after ``atom``."""
    if not atom.startswith("<") or len(atom) < 3 or atom.endswith("/>"):
        return stack
    if atom.startswith("</"):
        return stack[:-1] if stack else stack
    return [*stack, atom]


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split Telegram HTML into parts of at most ``limit`` characters.

    A part ends at the last line break that fits (the break itself is dropped); a line longer
    than a part is cut between characters, never inside a tag or an entity. Tags still open
    at a cut are closed at the end of the part and reopened at the start of the next, so every
    part is well-formed on its own."""
    if len(text) <= limit:
        return [text]
    atoms = _ATOM.findall(text)
    parts: list[str] = []
    opened: list[str] = []  # tags open at the start of the current part
    start = 0
    while start < len(atoms):
        cut, resume, stack = _next_cut(atoms, start, opened, limit)
        body = "".join(opened) + "".join(atoms[start:cut]) + _closers(stack)
        if html_to_plain(body).strip():
            parts.append(body)
        start, opened = resume, stack
    return parts


def _next_cut(
    atoms: list[str], start: int, opened: list[str], limit: int
) -> tuple[int, int, list[str]]:
    """Where the part starting at ``start`` ends: (end, next start, tags open at the end)."""
    length = sum(map(len, opened))
    stack = opened
    newline: tuple[int, list[str]] | None = None
    i = start
    while i < len(atoms):
        atom = atoms[i]
        after = _after(stack, atom)
        if length + len(atom) + len(_closers(after)) > limit and i > start:
            break
        length += len(atom)
        stack = after
        if atom == "\n":
            newline = (i, stack)
        i += 1
    if i == len(atoms):
        return i, i, stack
    if newline is not None:
        return newline[0], newline[0] + 1, newline[1]
    return i, i, stack


_TAG = re.compile(r"<[^>]+>")


def html_to_plain(text: str) -> str:
    return html.unescape(_TAG.sub("", text))
