"""Button payloads: what a button under a message asks for, as a typed value, and its wire form.

A payload is a small frozen dataclass of one *kind*, declared once with its tag::

    @dataclass(frozen=True)
    class Done(Payload, tag="done"):
        obligation: str
        period: str | None = None

and travels as ``tag:field:field`` (``done:i2-study:2026Q3``): ASCII, within Telegram's 64 bytes
of ``callback_data`` (DingTalk and the console carry the same string). :meth:`Payload.encode`
and :func:`decode` are the only places that write or read that form. Decoding refuses anything a
button of this code could not have produced — an unknown tag, a missing or extra field, a
number that is not a plain integer of a database id's range, a word outside ``[A-Za-z0-9._-]``,
a non-canonical spelling (``item:03``) — with :class:`ButtonError`, so forged callback data
never reaches a handler or the database.

Why here, in the scheduler's delivery room: buttons belong to outgoing messages, and the
scheduler queues messages with buttons itself (reminders: 已完成 / 稍后提醒, notices that need a
receipt: 收到) while it must not import ``bot``. So the codec and the kinds the scheduler sends
live here; the chat core declares its own kinds on the same base in :mod:`bot.chat.buttons`,
which is where every kind is gathered for decoding. Fields are ``int``, ``str`` or optional
(``| None``, trailing, omitted from the wire when None).
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

CALLBACK_LIMIT = 64  # bytes: Telegram's limit for callback_data
MAX_ID = 2**31  # numbers must fit a database integer column: |n| < 2**31
_WORD = re.compile(r"[A-Za-z0-9._-]{1,48}")
_INT = re.compile(r"-?[0-9]{1,10}")
_TAG = re.compile(r"[a-z]{1,8}(?::[a-z]{1,8})?")

_KINDS: dict[str, type[Payload]] = {}


class ButtonError(ValueError):
    """Callback data no button of this code produces (forged, truncated, or stale)."""


@dataclass(frozen=True)
class Payload:
    """The base of every button kind; a subclass names its tag: ``class X(Payload, tag="x")``."""

    tag: ClassVar[str] = ""

    def __init_subclass__(cls, tag: str = "", **kwargs: Any) -> None:  # noqa: ANN401
        super().__init_subclass__(**kwargs)
        if not _TAG.fullmatch(tag):
            raise TypeError(f"{cls.__name__}: a button kind needs a short lowercase tag")
        if tag in _KINDS:
            raise TypeError(f"button tag {tag!r} is taken by {_KINDS[tag].__name__}")
        cls.tag = tag
        _KINDS[tag] = cls

    def encode(self) -> str:
        """The wire form; ValueError when it would not fit (a defect, not a user's doing)."""
        parts = [self.tag]
        for field, kind, _optional in _fields(type(self)):
            value = getattr(self, field)
            if value is None:
                continue
            parts.append(_write(type(self), field, kind, value))
        if len(parts) == 1:
            parts.append("")  # "more:" — a kind without fields still ends with its colon
        data = ":".join(parts)
        if len(data.encode("ascii")) > CALLBACK_LIMIT:
            raise ValueError(f"button data over {CALLBACK_LIMIT} bytes: {data!r}")
        return data


def _write(cls: type, field: str, kind: type, value: object) -> str:
    if kind is int:
        if not isinstance(value, int) or isinstance(value, bool) or not -MAX_ID < value < MAX_ID:
            raise ValueError(f"{cls.__name__}.{field}: not a small integer: {value!r}")
        return str(value)
    if not isinstance(value, str) or not _WORD.fullmatch(value):
        raise ValueError(f"{cls.__name__}.{field}: not an ASCII word: {value!r}")
    return value


@cache
def _fields(cls: type[Payload]) -> tuple[tuple[str, type, bool], ...]:
    """(name, int or str, optional) of each field, checked once per kind."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        args = typing.get_args(hint)
        optional = isinstance(hint, types.UnionType) and type(None) in args
        kind = next((a for a in args if a is not type(None)), None) if optional else hint
        if kind not in (int, str) or (optional and len(args) != 2):
            raise TypeError(f"{cls.__name__}.{f.name}: a button field is int, str or optional")
        if out and out[-1][2] and not optional:
            raise TypeError(f"{cls.__name__}.{f.name}: optional fields come last")
        out.append((f.name, kind, optional))
    return tuple(out)


def decode(data: str) -> Payload:
    """The payload of ``data``; :class:`ButtonError` for anything :meth:`Payload.encode` would
    not have written."""
    if not isinstance(data, str) or not data.isascii() or len(data) > CALLBACK_LIMIT:
        raise ButtonError("not short ASCII")
    parts = data.split(":")
    for n in (2, 1):  # "bc:ok:3" is the kind "bc:ok"; "item:3" the kind "item"
        cls = _KINDS.get(":".join(parts[:n]))
        if cls is not None:
            payload = _read(cls, parts[n:])
            if payload.encode() != data:
                raise ButtonError("not in canonical form")
            return payload
    raise ButtonError(f"unknown kind {parts[0][:12]!r}")


def _read(cls: type[Payload], words: list[str]) -> Payload:
    fields = _fields(cls)
    if not fields and words == [""]:
        words = []
    required = sum(1 for _, _, optional in fields if not optional)
    if not required <= len(words) <= len(fields):
        raise ButtonError(f"{cls.tag}: {len(words)} fields")
    values: dict[str, object] = {}
    for (name, kind, _), word in zip(fields, words, strict=False):
        if kind is int:
            if not _INT.fullmatch(word) or not -MAX_ID < int(word) < MAX_ID:
                raise ButtonError(f"{cls.tag}.{name}: not a small integer")
            values[name] = int(word)
        elif _WORD.fullmatch(word):
            values[name] = word
        else:
            raise ButtonError(f"{cls.tag}.{name}: not an ASCII word")
    return cls(**values)


def kinds() -> dict[str, type[Payload]]:
    """Every kind declared so far, by tag (the bot's are declared in ``bot.chat.buttons``)."""
    return dict(_KINDS)


def keyboard_row(*buttons: tuple[str, Payload]) -> list[dict[str, str]]:
    """One row of an outbox message's buttons: ``{"text": label, "data": wire form}``."""
    return [{"text": text, "data": payload.encode()} for text, payload in buttons]


# -- the kinds the scheduler puts on its own messages -------------------------------------------


@dataclass(frozen=True)
class Done(Payload, tag="done"):
    """已完成 under a reminder (and in /mytasks, /done): this obligation, this period."""

    obligation: str
    period: str | None = None


@dataclass(frozen=True)
class Snooze(Payload, tag="snz"):
    """稍后提醒 under a reminder: remind again on the next working day."""

    obligation: str
    period: str | None = None


@dataclass(frozen=True)
class Acknowledge(Payload, tag="ack"):
    """收到 under a notice that needs a receipt."""

    broadcast_id: int


@dataclass(frozen=True)
class GrantRequest(Payload, tag="rq:ok"):
    """批准 under a unit's request for an exemption (豁免) or an extension (延期)."""

    request_id: int


@dataclass(frozen=True)
class DenyRequest(Payload, tag="rq:no"):
    """驳回 under the same request."""

    request_id: int


@dataclass(frozen=True)
class ChaseAnswer(Payload, tag="chs:ans"):
    """已在办 under a chase (催办): the unit answers that chase (its first row's id)."""

    chase_id: int
