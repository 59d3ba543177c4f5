"""The ``fazhi`` command line: one Typer app, each command family in a module of its own."""

from __future__ import annotations

import typer

from bot import cli_ask, cli_kb, cli_run, cli_schedule

app = typer.Typer(
    name="fazhi",
    help="法治政府建设工作要点助手 (fazhi): knowledge base, questions, reminders and the chat bot.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (cli_kb, cli_ask, cli_schedule, cli_run):
    module.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
