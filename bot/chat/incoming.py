"""What arrives from a channel, in the chat core's terms: who is talking from where
(:class:`ChatContext`) and a file they sent (:class:`IncomingFile`). Adapters build these from
their platform's updates; nothing below them knows the platform."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChatContext:
    """Who is talking, from where."""

    chat_id: str
    user_id: str
    user_name: str = ""
    chat_title: str = ""
    is_group: bool = False
    rate_limited: bool = True  # False for the local console operator
    replied_user_id: str = ""  # the author of the message this one replies to, if any
    replied_user_name: str = ""
    # the start of the bot's own message this one replies to (a chase answered by replying)
    replied_bot_text: str = ""


@dataclass(frozen=True)
class IncomingFile:
    """A photo or document sent in chat. ``ref`` is how the channel finds it again (stored with
    the record it becomes, e.g. ``telegram:document:<file id>:<name>``); ``name`` is the file
    name of a document ("" for a photo)."""

    ref: str
    name: str = ""
    document: bool = False
    caption: str = ""
