"""Chinese for the words the CLI framework writes around our own help texts.

Typer (with its bundled Click) writes "Usage:", "Options", "[default: …]", "[required]" and
"Show this message and exit." in English whatever the locale, through module constants and one
option factory; operators read a help page in one language. The constants are set once, before
the app is built; the help option's text is set where the framework creates that option."""

from __future__ import annotations

from typing import Any

HELP_OPTION_TEXT = "显示本帮助并退出"
WORDS = {
    "DEFAULT_STRING": "[默认：{}]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "REQUIRED_LONG_STRING": "[必填]",
    "DEPRECATED_STRING": "（已弃用）",
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "ABORTED_TEXT": "已取消。",
    "RICH_HELP": "用 [blue]'{command_path} {help_option}'[/] 查看帮助。",
}
USAGE_PREFIX = "用法："
USAGE_WORDS = {
    "[OPTIONS]": "[选项]",
    "COMMAND": "命令",
    "[ARGS]...": "[参数]...",
    "[SUBCOMMAND]": "[子命令]",
}

_done = False


def _translate_usage(cls: Any) -> None:  # noqa: ANN401
    collect = cls.__dict__.get("collect_usage_pieces")
    if collect is None:
        return

    def chinese_pieces(self: Any, ctx: Any) -> list[str]:  # noqa: ANN401
        return [" ".join(USAGE_WORDS.get(w, w) for w in p.split(" ")) for p in collect(self, ctx)]

    cls.collect_usage_pieces = chinese_pieces


def localise_help() -> None:
    """Put the Chinese words in place (idempotent)."""
    global _done
    if _done:
        return
    from typer import rich_utils
    from typer._click import core, formatting

    make_text = rich_utils._make_rich_text

    def folding_text(**kwargs: Any) -> Any:  # noqa: ANN401
        # Chinese has no spaces to wrap at: without "fold" a table cell cuts it off with "…"
        text = make_text(**kwargs)
        if hasattr(text, "overflow"):
            text.overflow = "fold"
        return text

    rich_utils._make_rich_text = folding_text

    for name, text in WORDS.items():
        if hasattr(rich_utils, name):
            setattr(rich_utils, name, text)
    rich_utils.OptionHighlighter.highlights = [
        *rich_utils.OptionHighlighter.highlights,
        rf"(?P<usage>{USAGE_PREFIX})",
    ]

    write_usage = formatting.HelpFormatter.write_usage

    def chinese_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:  # noqa: ANN401
        write_usage(self, prog, args, USAGE_PREFIX if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = chinese_usage  # type: ignore[method-assign]

    from typer.core import TyperGroup

    for cls in (core.Command, TyperGroup):
        _translate_usage(cls)

    get_help_option = core.Command.get_help_option

    def chinese_help_option(self: Any, ctx: Any) -> Any:  # noqa: ANN401
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = HELP_OPTION_TEXT
        return option

    core.Command.get_help_option = chinese_help_option  # type: ignore[method-assign]
    _done = True
