"""DingTalk payloads ↔ the chat core's objects: who is talking (:class:`ChatContext`) from a
robot message or a card press, the command or text a message carries, and a reply's Telegram
HTML as DingTalk markdown."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

from bot.channels.dingtalk import ids
from bot.chat.incoming import ChatContext, IncomingFile
from bot.chat.router import parse_command

# DingTalk's markdown keeps a single line break only with two trailing spaces
_BREAK = "  \n"
_HTML_STYLES = (
    (re.compile(r"</?b>"), "**"),
    (re.compile(r"</?strong>"), "**"),
    (re.compile(r"</?i>"), "*"),
    (re.compile(r"</?em>"), "*"),
    (re.compile(r"</?code>"), "`"),
)
_LINK = re.compile(r'<a\s+href="([^"]*)"[^>]*>(.*?)</a>', re.S)
_QUOTE = re.compile(r"<blockquote>(.*?)</blockquote>", re.S)
_TAG = re.compile(r"<[^>]+>")


def markdown(text: str) -> str:
    """Telegram HTML (what the core and the outbox hold) → DingTalk markdown."""
    out = _LINK.sub(lambda m: f"[{m.group(2)}]({m.group(1)})", text)
    out = _QUOTE.sub(lambda m: "> " + m.group(1).replace("\n", "\n> "), out)
    for pattern, mark in _HTML_STYLES:
        out = pattern.sub(mark, out)
    out = html.unescape(_TAG.sub("", out))
    return _BREAK.join(out.split("\n"))


def title(text: str, limit: int = 20) -> str:
    """The notification's title: the first line, plain, short."""
    first = html.unescape(_TAG.sub("", text)).strip().split("\n", 1)[0]
    return first[:limit] or "法治助手"


@dataclass(frozen=True)
class Incoming:
    """A robot message: where it came from and what it says."""

    ctx: ChatContext
    message_id: str
    text: str
    file: IncomingFile | None = None

    @property
    def command(self) -> tuple[str, str] | None:
        return parse_command(self.text)


def incoming(data: dict[str, Any]) -> Incoming | None:
    """A robot message's data (topic ``/v1.0/im/bot/messages/get``); None without a sender."""
    staff = str(data.get("senderStaffId") or "")
    if not staff:
        return None  # e.g. an external contact: the OpenAPI cannot answer by staffId
    group = str(data.get("conversationType")) == "2"
    conversation = str(data.get("conversationId") or "")
    chat_id = ids.group_chat(conversation) if group else ids.user_chat(staff)
    nick = str(data.get("senderNick") or "")
    ctx = ChatContext(
        chat_id=chat_id,
        user_id=ids.person(staff),
        user_name=nick,
        chat_title=str(data.get("conversationTitle") or "") if group else nick,
        is_group=group,
        replied_bot_text=quoted_bot_text(data),
    )
    kind = data.get("msgtype")
    text, file = "", None
    if kind == "text":
        text = str((data.get("text") or {}).get("content") or "").strip()
    elif kind in ("file", "picture"):
        content = data.get("content") or {}
        code = str(content.get("downloadCode") or "")
        name = str(content.get("fileName") or "")
        document = kind == "file"
        ref = f"dingtalk:{'document' if document else 'photo'}:{code}:{name}"
        file = IncomingFile(ref, name, document=document)
    elif kind == "richText":
        parts = (data.get("content") or {}).get("richText") or []
        text = "".join(str(p.get("text") or "") for p in parts).strip()
    return Incoming(ctx, str(data.get("msgId") or ""), text, file)


def card_press(data: dict[str, Any]) -> tuple[ChatContext, str] | None:
    """A card button press (topic ``/v1.0/card/instances/callback``): who pressed, in which
    chat, and the button's payload; None when the data is not a press of one of our buttons.
    The chat is read from our own ``outTrackId`` (``<chat id>#<nonce>``), which DingTalk
    echoes: the press cannot name another chat than the one the card was sent to, and a 1:1
    card counts only when its own user presses it."""
    staff = str(data.get("userId") or "")
    track = str(data.get("outTrackId") or "")
    chat_id, sep, _nonce = track.rpartition("#")
    if not staff or not sep or not ids.is_dingtalk(chat_id):
        return None
    try:
        content = json.loads(data.get("content") or "{}")
        payload = content["cardPrivateData"]["params"]["data"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(payload, str) or not payload:
        return None
    try:
        to = ids.target(chat_id)
    except ValueError:
        return None
    if not to.group and to.ident != staff:
        return None  # a 1:1 card pressed by someone else (forwarded): not theirs to act on
    group = to.group
    ctx = ChatContext(chat_id=chat_id, user_id=ids.person(staff), is_group=group)
    return ctx, payload


_MARKS = re.compile(r"[*#>`_\s]+")  # markdown marks and white space, in a quoted start


def quoted_bot_text(data: dict[str, Any]) -> str:
    """The start (80 characters, plain) of the robot's message this one quotes, as Telegram's
    converter gives a reply's; "" when it quotes none, a person's message, or no text.

    DingTalk puts a quote in ``text.isReplyMsg`` / ``text.repliedMsg`` (undocumented; the SDK
    keeps them in ``TextContent.extensions``): ``msgType``, ``senderId`` and ``content``, whose
    shape depends on the quoted type: ``{"text": …}`` or a string for text and markdown,
    ``richText`` parts, or a card's element tree. The robot's own messages are those whose
    sender is the ``chatbotUserId`` of this message, and cards (only robots send them)."""
    text = data.get("text")
    replied = text.get("repliedMsg") if isinstance(text, dict) else None
    if not isinstance(replied, dict):
        return ""
    sender = str(replied.get("senderId") or "")
    kind = str(replied.get("msgType") or "")
    if (
        not (sender and sender == str(data.get("chatbotUserId") or ""))
        and kind != "interactiveCard"
    ):
        return ""
    plain = html.unescape(_TAG.sub("", " ".join(_strings(replied.get("content"))))).strip()
    return _MARKS.sub(" ", plain[:200]).strip()[:80] if plain else ""


def _strings(node: object, depth: int = 0) -> list[str]:
    """The texts in a quoted message's content, in order (a card's tree: its ``value`` and
    ``text`` leaves); bounded in depth, as the content comes from outside."""
    if depth > 8:
        return []
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [t for item in node for t in _strings(item, depth + 1)]
    if not isinstance(node, dict):
        return []
    out: list[str] = []
    for key in ("title", "text", "content", "value", "richText", "cardContent", "children"):
        if key == "title" and "text" in node:
            continue  # a markdown message: its title repeats the text's first line
        out += _strings(node.get(key), depth + 1)
    return out
