"""Builders for the JSON objects of the Telegram Bot API, as the fake server emits them.

Only the fields python-telegram-bot needs to build its objects (and that handlers usually read)
are filled in; everything follows https://core.telegram.org/bots/api.
"""

from __future__ import annotations

import time
from typing import Any

JsonDict = dict[str, Any]

SUPERGROUP_ID_FLOOR = -1_000_000_000_000  # supergroup and channel ids are below -10**12


def chat_type_for(chat_id: int) -> str:
    """The chat type Telegram's id ranges imply: positive = private, -100… = supergroup."""
    if chat_id > 0:
        return "private"
    if chat_id <= SUPERGROUP_ID_FLOOR:
        return "supergroup"
    return "group"


def make_user(
    user_id: int, *, first_name: str | None = None, username: str | None = None
) -> JsonDict:
    user: JsonDict = {
        "id": user_id,
        "is_bot": False,
        "first_name": first_name or f"用户{user_id}",
        "language_code": "zh-hans",
    }
    if username:
        user["username"] = username
    return user


def make_chat(chat_id: int, chat_type: str | None = None, *, title: str | None = None) -> JsonDict:
    chat_type = chat_type or chat_type_for(chat_id)
    chat: JsonDict = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = f"用户{chat_id}"
    else:
        chat["title"] = title or f"群组{chat_id}"
    return chat


def make_message(
    *,
    message_id: int,
    chat: JsonDict,
    sender: JsonDict | None,
    text: str | None = None,
    entities: list[JsonDict] | None = None,
    **extra: Any,
) -> JsonDict:
    message: JsonDict = {"message_id": message_id, "date": int(time.time()), "chat": chat}
    if sender is not None:
        message["from"] = sender
    if text is not None:
        message["text"] = text
    if entities:
        message["entities"] = entities
    message.update({key: value for key, value in extra.items() if value is not None})
    return message


def command_entities(text: str) -> list[JsonDict]:
    """A ``bot_command`` entity for a leading ``/command`` (or ``/command@botname``)."""
    if not text.startswith("/"):
        return []
    length = len(text.split(maxsplit=1)[0])
    # Telegram counts offsets in UTF-16 code units; commands are ASCII, so len() is right.
    return [{"type": "bot_command", "offset": 0, "length": length}]


def make_document(file_id: str, *, file_name: str, mime_type: str, size: int) -> JsonDict:
    return {
        "file_id": file_id,
        "file_unique_id": f"u{file_id}",
        "file_name": file_name,
        "mime_type": mime_type,
        "file_size": size,
    }


def make_photo_sizes(file_id: str, *, size: int) -> list[JsonDict]:
    return [
        {
            "file_id": f"{file_id}s",
            "file_unique_id": f"u{file_id}s",
            "width": 90,
            "height": 90,
            "file_size": min(size, 1024),
        },
        {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "width": 1280,
            "height": 960,
            "file_size": size,
        },
    ]
