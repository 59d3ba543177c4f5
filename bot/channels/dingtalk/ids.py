"""DingTalk identities as chat-core ids.

A DingTalk chat is a chat of channel ``dingtalk``: its id carries the prefix :data:`PREFIX`, so
one registry, one outbox and one admin list hold Telegram and DingTalk chats side by side (a
unit may have both) and the outbox routes a row by its chat id alone
(:class:`scheduler.delivery.routing.RoutingChannel`).

- a 1:1 chat with the robot is ``dt:u:<staffId>`` (the OpenAPI sends to a user by staffId);
- a group is ``dt:g:<openConversationId>`` (the robot message's ``conversationId``);
- a person is their 1:1 chat's id, ``dt:u:<staffId>`` (as a Telegram user's id is their
  private chat's): admins are configured by staffId, and what the core sends an admin (approval
  requests, digests) goes to that chat.
Telegram's ids are integers (or ``@name``) and never start with ``dt:``.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "dt:"
USER, GROUP = "u", "g"


def user_chat(staff_id: str) -> str:
    return f"{PREFIX}{USER}:{staff_id}"


def group_chat(conversation_id: str) -> str:
    return f"{PREFIX}{GROUP}:{conversation_id}"


def person(staff_id: str) -> str:
    return user_chat(staff_id)


@dataclass(frozen=True)
class Target:
    """Where a message goes: a user (by staffId) or a group (by openConversationId)."""

    group: bool
    ident: str

    @property
    def open_space_id(self) -> str:
        """The card API's address of the chat (``openSpaceId``)."""
        return f"dtv1.card//{'IM_GROUP' if self.group else 'IM_ROBOT'}.{self.ident}"


def target(chat_id: str) -> Target:
    """``dt:u:…`` / ``dt:g:…`` → its target; ValueError for anything else."""
    rest = chat_id.removeprefix(PREFIX)
    kind, _, ident = rest.partition(":")
    if not chat_id.startswith(PREFIX) or kind not in (USER, GROUP) or not ident:
        raise ValueError(f"not a DingTalk chat id: {chat_id!r}")
    return Target(kind == GROUP, ident)


def is_dingtalk(chat_id: str) -> bool:
    return chat_id.startswith(PREFIX)
