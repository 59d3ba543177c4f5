"""The ``fazhi`` command line: one Typer app, each command family in a module of its own.

The families import very different things (the question index, the database layer, the
Telegram library), so ``fazhi kb show 14`` imports only the ``kb`` family: the command named on
the command line picks its module, and the full app (``bot.cli.app``, for ``--help`` and tests)
is built only when asked for.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

FAMILIES = (
    "bot.cli_kb",
    "bot.cli_ask",
    "bot.cli_schedule",
    "bot.cli_obligations",
    "bot.cli_run",
    "bot.cli_evidence",
)
# the first word of a command line → the module that registers it
COMMAND_FAMILY = {
    "kb": "bot.cli_kb",
    "ask": "bot.cli_ask",
    "db": "bot.cli_schedule",
    "schedule": "bot.cli_schedule",
    "units": "bot.cli_schedule",
    "holidays": "bot.cli_schedule",
    "done": "bot.cli_schedule",
    "report": "bot.cli_schedule",
    "obligations": "bot.cli_obligations",
    "evidence": "bot.cli_evidence",
    "run": "bot.cli_run",
    "chat": "bot.cli_run",
    "health": "bot.cli_run",
}


def build_app(modules: tuple[str, ...] = FAMILIES) -> typer.Typer:
    import typer

    app = typer.Typer(
        name="fazhi",
        help="法治政府建设工作要点助手 (fazhi): knowledge base, questions, reminders and the chat bot.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    # a callback keeps the app a group even when one family has a single command (ask)
    app.callback()(_root)
    for name in modules:
        module: ModuleType = importlib.import_module(name)
        module.register(app)
    return app


def _root() -> None:
    """法治政府建设工作要点助手：知识库、问答、提醒与聊天机器人。"""


def __getattr__(name: str) -> Any:  # noqa: ANN401 - PEP 562 lazy module attribute
    if name == "app":
        return build_app()
    raise AttributeError(name)


def main() -> None:
    if sys.argv[1:] == ["health"]:  # the container's check, every minute: no CLI framework
        from bot.health import main as health

        sys.exit(health())
    words = [a for a in sys.argv[1:] if not a.startswith("-")]
    family = COMMAND_FAMILY.get(words[0]) if words else None
    build_app((family,) if family else FAMILIES)()


if __name__ == "__main__":
    main()
