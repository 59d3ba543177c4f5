"""PTB objects ↔ the chat core's: who is talking (:class:`~bot.chat.incoming.ChatContext`), the
file a message carries (:class:`~bot.chat.incoming.IncomingFile`) and a reply's buttons as an
inline keyboard."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType

from bot.chat.incoming import ChatContext, IncomingFile
from bot.chat.render.replies import Reply


def chat_context(update: Update) -> ChatContext:
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None
    name = ""
    if user is not None:
        name = user.full_name or (user.username or "")
    message = update.effective_message
    replied = message.reply_to_message if message is not None else None
    author = replied.from_user if replied is not None else None
    return ChatContext(
        chat_id=str(chat.id),
        user_id=str(user.id) if user else str(chat.id),
        user_name=name,
        chat_title=chat.title or name,
        is_group=chat.type in (ChatType.GROUP, ChatType.SUPERGROUP),
        replied_user_id=str(author.id) if author is not None and not author.is_bot else "",
        replied_user_name=(author.full_name or author.username or "") if author else "",
        replied_bot_text=(replied.text or replied.caption or "")[:80]
        if replied is not None and author is not None and author.is_bot
        else "",
    )


def incoming_file(message: Message) -> IncomingFile | None:
    """The document or (largest) photo of ``message``; its ref names the Telegram file."""
    caption = message.caption or ""
    if message.document is not None:
        name = message.document.file_name or ""
        ref = f"telegram:document:{message.document.file_id}:{name}"
        return IncomingFile(ref, name, document=True, caption=caption)
    if message.photo:
        return IncomingFile(f"telegram:photo:{message.photo[-1].file_id}", caption=caption)
    return None


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in reply.buttons]
    )
