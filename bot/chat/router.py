"""The router: a command, a button, free text or a file → the feature that handles it.

Each feature module (:mod:`bot.chat.features`) declares what it handles on its own
:class:`Feature`, one decorator per handler::

    feature = Feature("tasks")

    @feature.command("calendar", help=("/calendar", "本单位期限日历（.ics 文件）"),
                     menu="本单位期限日历（.ics）")
    def calendar(state: ChatState, ctx: ChatContext, args: str) -> list[Reply]: ...

    @feature.button(Snooze)            # handed the decoded payload
    def snooze(state: ChatState, ctx: ChatContext, button: Snooze) -> list[Reply]: ...

    @feature.text()                    # free text: replies, or None to let the next one try
    @feature.file(fallback=True)       # a file nobody else took

The :class:`Router` gathers the features in order and refuses a command name or a button kind
declared twice. It checks admin rights where a handler was declared ``admin=True``, decodes
callback data once (:mod:`bot.chat.buttons`; forged or stale data is answered here and never
reaches a handler), answers an unknown command with the help, and gives free text the shared
checks (empty, too long, the flood gate) before the text handlers. The router knows no channel:
adapters differ, the routes do not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.chat.buttons import ButtonError, Payload, decode
from bot.chat.incoming import ChatContext, IncomingFile
from bot.chat.render import common
from bot.chat.render.help import HelpLine, help_reply
from bot.chat.render.replies import Reply
from bot.chat.state import ChatState
from knowledge.text.normalize import norm

log = logging.getLogger(__name__)

MAX_QUESTION = 500  # characters of free text
# characters after a command: checked before any handler sees (and might echo) them; a
# command that takes a text of its own (/broadcast) declares more
MAX_ARGUMENT = 500

CommandHandler = Callable[[ChatState, ChatContext, str], list[Reply]]
ButtonHandler = Callable[[ChatState, ChatContext, Any], list[Reply]]
TextHandler = Callable[[ChatState, ChatContext, str], "list[Reply] | None"]
FileHandler = Callable[[ChatState, ChatContext, IncomingFile], "list[Reply] | None"]
H = TypeVar("H", bound=Callable[..., Any])


@dataclass(frozen=True)
class Command:
    """A command: its name, its handler, and how it is listed (``help``: the usage and the
    line of /help; ``menu``: the short description of a messenger's command menu)."""

    name: str
    handler: CommandHandler
    admin: bool = False
    help: tuple[str, str] | None = None
    menu: str | None = None
    feature: str = ""
    max_args: int = MAX_ARGUMENT


@dataclass(frozen=True)
class ButtonRoute:
    kind: type[Payload]
    handler: ButtonHandler
    admin: bool = False
    feature: str = ""


@dataclass(frozen=True)
class Fallible:
    """A text or file handler; the ``fallback`` of its kind runs after all others."""

    handler: Callable[..., Any]
    fallback: bool = False
    feature: str = ""


class Feature:
    """The routes of one feature, declared by decorators in its module."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.commands: list[Command] = []
        self.buttons: list[ButtonRoute] = []
        self.texts: list[Fallible] = []
        self.files: list[Fallible] = []

    def command(
        self,
        name: str,
        *,
        admin: bool = False,
        help: tuple[str, str] | None = None,  # noqa: A002 - what /help lists
        menu: str | None = None,
        max_args: int = MAX_ARGUMENT,
    ) -> Callable[[H], H]:
        def register(fn: H) -> H:
            self.commands.append(Command(name, fn, admin, help, menu, self.name, max_args))
            return fn

        return register

    def button(self, kind: type[Payload], *, admin: bool = False) -> Callable[[H], H]:
        def register(fn: H) -> H:
            self.buttons.append(ButtonRoute(kind, fn, admin, self.name))
            return fn

        return register

    def text(self, *, fallback: bool = False) -> Callable[[H], H]:
        def register(fn: H) -> H:
            self.texts.append(Fallible(fn, fallback, self.name))
            return fn

        return register

    def file(self, *, fallback: bool = False) -> Callable[[H], H]:
        def register(fn: H) -> H:
            self.files.append(Fallible(fn, fallback, self.name))
            return fn

        return register


def _ordered(routes: list[Fallible], what: str) -> tuple[Fallible, ...]:
    fallbacks = [r for r in routes if r.fallback]
    if len(fallbacks) > 1:
        raise ValueError(f"two {what} fallbacks: {', '.join(r.feature for r in fallbacks)}")
    return tuple([r for r in routes if not r.fallback] + fallbacks)


class Router:
    """The routes of all features (see the module's docstring)."""

    def __init__(self, features: Iterable[Feature]) -> None:
        self.commands: dict[str, Command] = {}
        self.buttons: dict[type[Payload], ButtonRoute] = {}
        texts: list[Fallible] = []
        files: list[Fallible] = []
        for feature in features:
            for cmd in feature.commands:
                if cmd.name in self.commands:
                    other = self.commands[cmd.name].feature
                    raise ValueError(f"/{cmd.name} declared by {other} and {feature.name}")
                self.commands[cmd.name] = cmd
            for route in feature.buttons:
                if route.kind in self.buttons:
                    raise ValueError(f"button {route.kind.tag!r} handled twice")
                self.buttons[route.kind] = route
            texts += feature.texts
            files += feature.files
        self.texts = _ordered(texts, "text")
        self.files = _ordered(files, "file")

    def catalogue(self) -> tuple[Command, ...]:
        """Every command in declaration order, users' first (for /help and menus)."""
        cmds = list(self.commands.values())
        return tuple([c for c in cmds if not c.admin] + [c for c in cmds if c.admin])

    def help_lines(self) -> tuple[HelpLine, ...]:
        """What /help lists: each command that declared a help line, in catalogue order."""
        return tuple(HelpLine(*c.help, admin=c.admin) for c in self.catalogue() if c.help)

    def menu(self, admin: bool) -> list[tuple[str, str]]:
        """(command, description) of a messenger's command menu: users', plus admins'."""
        return [(c.name, c.menu) for c in self.catalogue() if c.menu and (admin or not c.admin)]

    # -- dispatch --------------------------------------------------------------------------------
    def command(self, state: ChatState, ctx: ChatContext, name: str, args: str) -> list[Reply]:
        name = name.lower().lstrip("/").split("@", 1)[0]
        cmd = self.commands.get(name)
        if cmd is None:
            head = f"未知命令 /{name[:40]}。可用的命令如下："
            return [help_reply(state.help_lines, state.is_admin(ctx), head=head)]
        if cmd.admin and not state.is_admin(ctx):
            return [Reply.of(common.NOT_ADMIN)]
        args = args.strip()
        if len(args) > cmd.max_args:  # refused without echoing any of it
            return [
                Reply.of(
                    f"/{cmd.name} 后面的内容太长（{len(args)} 字）：请控制在 {cmd.max_args} 字以内。"
                )
            ]
        return cmd.handler(state, ctx, args)

    def button(self, state: ChatState, ctx: ChatContext, data: str) -> list[Reply]:
        try:
            payload = decode(data)
        except ButtonError as exc:
            log.warning("refused callback data %r: %s", data[:80], exc)
            return [Reply.of(common.BUTTON_EXPIRED)]
        route = self.buttons.get(type(payload))
        if route is None:
            log.warning("no handler for button %r", payload.tag)
            return [Reply.of(common.BUTTON_EXPIRED)]
        if route.admin and not state.is_admin(ctx):
            return [Reply.of(common.NOT_ADMIN)]
        return route.handler(state, ctx, payload)

    def text(self, state: ChatState, ctx: ChatContext, text: str) -> list[Reply]:
        text = text.strip()
        if not text:
            return [Reply.of(common.EMPTY_QUESTION)]
        if len(text) > MAX_QUESTION:
            return [Reply.of(f"问题太长了，请用一两句话提问（{MAX_QUESTION} 字以内）。")]
        if ctx.rate_limited and state.flood_in_core and not state.flood.allow(ctx.user_id):
            return [Reply.of(common.FLOOD)]
        for route in self.texts:
            replies = route.handler(state, ctx, text)
            if replies is not None:
                return replies
        return [Reply.of(common.EMPTY_QUESTION)]  # no fallback declared

    def file(self, state: ChatState, ctx: ChatContext, file: IncomingFile) -> list[Reply]:
        for route in self.files:
            replies = route.handler(state, ctx, file)
            if replies is not None:
                return replies
        return []


def parse_command(text: str) -> tuple[str, str] | None:
    """'/item 14' → ('item', '14'); None when the text is not a command (adapters whose
    platform does not split commands itself, e.g. the console)."""
    t = text.strip()
    if not t.startswith("/"):
        return None
    head, _, rest = t.partition(" ")
    return norm(head[1:]).split("@", 1)[0], rest.strip()
