"""The ``fazhi`` command line: one Typer app, each command family in a module of its own.

The families import very different things (the question index, the database layer, the
Telegram library), so ``fazhi kb show 14`` imports only the ``kb`` family: the command named on
the command line picks its module, and the full app (``bot.cli.main.app``, for ``--help`` and tests)
is built only when asked for.

Every command runs inside one error boundary (:mod:`bot.runtime.error_boundary`): a failure a user can
cause is one Chinese sentence and a non-zero exit code; ``-v``/``--verbose`` (anywhere on the
command line) adds the traceback. ``fazhi health`` and ``fazhi ask`` take a fast path without
the CLI framework (:mod:`bot.cli.health`, :mod:`bot.cli.ask`), which speaks the same way.
Before any of them, the settings of ``.env`` and of the data home's ``fazhi.env`` are put under
the environment (:mod:`bot.runtime.sources`).
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

FAMILIES = (
    "bot.cli.kb",
    "bot.cli.ask",
    "bot.cli.schedule",
    "bot.cli.units",
    "bot.cli.holidays",
    "bot.cli.records",
    "bot.cli.obligations",
    "bot.cli.run",
    "bot.cli.evidence",
    "bot.cli.config",
    "bot.cli.requests",
    "bot.cli.supervision",
)
# the first word of a command line → the module that registers it
COMMAND_FAMILY = {
    "kb": "bot.cli.kb",
    "ask": "bot.cli.ask",
    "db": "bot.cli.schedule",
    "schedule": "bot.cli.schedule",
    "units": "bot.cli.units",
    "holidays": "bot.cli.holidays",
    "done": "bot.cli.records",
    "report": "bot.cli.records",
    "undo": "bot.cli.records",
    "obligations": "bot.cli.obligations",
    "evidence": "bot.cli.evidence",
    "requests": "bot.cli.requests",
    "remind": "bot.cli.supervision",
    "reply": "bot.cli.supervision",
    "chases": "bot.cli.supervision",
    "ledger": "bot.cli.supervision",
    "annual-draft": "bot.cli.supervision",
    "run": "bot.cli.run",
    "chat": "bot.cli.run",
    "health": "bot.cli.run",
    "config": "bot.cli.config",
}


def build_app(modules: tuple[str, ...] = FAMILIES) -> typer.Typer:
    import typer

    from bot.cli.help_text import localise_help

    localise_help()
    app = typer.Typer(
        name="fazhi",
        help="法治政府建设工作要点助手（fazhi）：知识库、问答、提醒与聊天机器人。",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    from bot.runtime.error_boundary import VERBOSE, guard_commands

    def root(
        verbose: bool = typer.Option(
            False, "--verbose", "-v", help="出错时显示详细信息（traceback）"
        ),
    ) -> None:
        """法治政府建设工作要点助手：知识库、问答、提醒与聊天机器人。"""
        VERBOSE.set(verbose)

    # a callback keeps the app a group even when one family has a single command (ask)
    app.callback()(root)
    for name in modules:
        module: ModuleType = importlib.import_module(name)
        module.register(app)
    guard_commands(app)  # every command, whichever family registered it
    return app


def __getattr__(name: str) -> Any:  # noqa: ANN401 - PEP 562 lazy module attribute
    if name == "app":
        return build_app()
    raise AttributeError(name)


def ask_words(argv: list[str]) -> list[str] | None:
    """The words after ``ask`` when the command line is ``fazhi [-v] ask …``, else None."""
    from bot.runtime.error_boundary import VERBOSE_FLAGS

    at = 0
    while at < len(argv) and argv[at] in VERBOSE_FLAGS:
        at += 1
    if at < len(argv) and argv[at] == "ask":
        return [*argv[:at], *argv[at + 1 :]]
    return None


# characters of one command-line argument: longer ones are refused before any command reads
# (and might echo) them; a note, a question or a path is far shorter
MAX_ARGUMENT = 2000


def main() -> None:
    too_long = next((a for a in sys.argv[1:] if len(a) > MAX_ARGUMENT), None)
    if too_long is not None:
        print(
            f"错误：有一个参数太长（{len(too_long)} 字）：每个参数请控制在 {MAX_ARGUMENT} 字以内。",
            file=sys.stderr,
        )
        sys.exit(2)
    from bot.runtime.sources import apply

    apply()  # .env and the data home's fazhi.env, under the environment, for every reader
    if sys.argv[1:] == ["health"]:  # the container's check, every minute: no CLI framework
        from bot.cli.health import main as health

        sys.exit(health())
    ask = ask_words(sys.argv[1:])
    if ask is not None:  # one question at a time, from people and scripts: no CLI framework
        from bot.cli.ask import main as ask_main

        sys.exit(ask_main(ask))
    import typer

    from bot.runtime.error_boundary import run_cli, verbose_requested

    argv = sys.argv[1:]
    words = [a for a in argv if not a.startswith("-")]
    family = COMMAND_FAMILY.get(words[0]) if words else None
    command = typer.main.get_command(build_app((family,) if family else FAMILIES))
    argv = place_verbose(command, argv)
    sys.exit(run_cli(command, argv, verbose_requested(argv)))


def _leaf(command: Any, argv: list[str]) -> Any:  # noqa: ANN401 - click commands
    """The sub-command the command line names (as far as it names one)."""
    for word in argv:
        sub = getattr(command, "commands", {}).get(word)
        if sub is not None:
            command = sub
        elif not word.startswith("-"):
            break
    return command


def place_verbose(command: Any, argv: list[str]) -> list[str]:  # noqa: ANN401
    """``-v`` may be typed anywhere: a command without its own ``-v`` gets it as the root
    option (``fazhi -v units add …``)."""
    from bot.runtime.error_boundary import VERBOSE_FLAGS

    if not any(a in VERBOSE_FLAGS for a in argv):
        return argv
    leaf = _leaf(command, argv)
    if leaf is not command and any(
        set(VERBOSE_FLAGS) & set(getattr(p, "opts", ())) for p in leaf.params
    ):
        return argv
    return ["--verbose", *[a for a in argv if a not in VERBOSE_FLAGS]]


if __name__ == "__main__":
    main()
