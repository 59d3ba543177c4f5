"""One error boundary for the command line and the chat front ends.

Every failure a user can cause (a missing or unreadable file, a wrong encoding, a database that
is down or not migrated, an unknown name, a number out of range, a mistyped command line) becomes
one Chinese sentence naming the thing and what to do. The traceback is shown only when asked
for (``-v``/``--verbose`` or ``FAZHI_DEBUG=1``).

The CLI wraps the whole Typer app (:func:`run_cli`), so commands added later are covered without
doing anything; the Telegram error handler and the console chat call :func:`describe`.

Click's exceptions are recognised by class name (Typer vendors Click in recent versions and
used the ``click`` package before), so no private module is imported; asyncio's CancelledError
too, so that the light commands (``fazhi ask``) do not import asyncio for it.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import logging

EXIT_USER_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
VERBOSE_FLAGS = ("-v", "--verbose")
DEBUG_ENV = "FAZHI_DEBUG"
UNEXPECTED = "出现了意外的内部错误：请加 -v 重新运行查看详细信息，并把输出交给维护人员。"
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Failure:
    """What to tell the user about an exception."""

    text: str
    user_caused: bool  # False: a defect (the text asks to report it)
    exit_code: int = EXIT_USER_ERROR


def _path_of(exc: OSError) -> str:
    name = exc.filename if exc.filename is not None else ""
    return f"“{name}”" if name else "该文件"


def _os_failure(exc: OSError) -> Failure:
    path = _path_of(exc)
    if isinstance(exc, FileNotFoundError):
        text = f"找不到 {path}：请检查路径是否正确（上级文件夹也须已存在）。"
    elif isinstance(exc, IsADirectoryError):
        text = f"{path} 是一个文件夹：请给出文件的路径。"
    elif isinstance(exc, NotADirectoryError):
        text = f"{path} 的路径中有一段不是文件夹：请检查路径。"
    elif isinstance(exc, PermissionError):
        text = f"没有权限读写 {path}：请检查文件权限，或换一个位置。"
    else:
        text = f"无法读写 {path}：{exc.strerror or exc}。请检查路径和磁盘空间。"
    return Failure(text, True)


def _database_failure(exc: BaseException) -> Failure | None:
    """SQLAlchemy errors without the SQL statement (only when SQLAlchemy is loaded)."""
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    if not isinstance(exc, SQLAlchemyError):
        return None
    orig = exc.orig if isinstance(exc, DBAPIError) else None
    detail = str(orig if orig is not None else exc).strip().splitlines()
    first = detail[0] if detail else type(exc).__name__
    low = first.lower()
    if "no such table" in low or ("relation" in low and "does not exist" in low):
        return Failure("数据库还没有建表（或版本过旧）：请先运行 fazhi db upgrade。", True)
    if "locked" in low:
        return Failure("数据库正被其他进程占用：请稍后重试。", True)
    from sqlalchemy.exc import IntegrityError, OperationalError

    if isinstance(exc, OperationalError):
        return Failure(
            f"无法连接或打开数据库（{first}）：请检查 DATABASE_URL 和数据库服务是否可用。", True
        )
    if isinstance(exc, IntegrityError):
        return Failure("数据已被同时修改：请重新运行这条命令。", True)
    return Failure(f"数据库操作失败（{first}）：请加 -v 查看详细信息。", False)


def _telegram_failure(exc: BaseException) -> Failure | None:
    """The Bot API refused the token or cannot be reached (only when PTB is loaded)."""
    if "telegram" not in sys.modules:
        return None
    from telegram.error import InvalidToken, NetworkError

    if isinstance(exc, InvalidToken):  # never echo the token: it is a secret
        return Failure(
            "Telegram 拒绝了 TELEGRAM_BOT_TOKEN（令牌无效或已被撤销）：请在 @BotFather 中核对令牌后重试。",
            True,
        )
    if isinstance(exc, NetworkError):
        return Failure(
            "无法连接 Telegram Bot API：请检查网络、代理或 TELEGRAM_API_BASE_URL 后重试。", True
        )
    return None


def describe(exc: BaseException) -> Failure:
    """The sentence for ``exc`` (with any URL password masked); never raises."""
    failure = _describe(exc)
    if "scheduler.store.db" in sys.modules:
        from scheduler.store.db import redact_url

        failure = Failure(redact_url(failure.text), failure.user_caused, failure.exit_code)
    return failure


def _describe(exc: BaseException) -> Failure:
    if isinstance(exc, KeyboardInterrupt):
        return Failure("已中断。", True, EXIT_INTERRUPTED)
    if _is(exc, "ClickException"):
        return Failure(usage_sentence(exc), True, EXIT_USAGE)
    if isinstance(exc, UnicodeError):
        return Failure(
            "文件不是 UTF-8 文本（可能是 GBK 编码或二进制文件）：请另存为 UTF-8 文本后重试。", True
        )
    if isinstance(exc, OSError):
        return _os_failure(exc)
    db = _database_failure(exc)
    if db is not None:
        return db
    telegram = _telegram_failure(exc)
    if telegram is not None:
        return telegram
    if isinstance(exc, OverflowError):
        return Failure("输入的数字太大，超出了可处理的范围：请检查数字。", True)
    describe_doc = getattr(exc, "describe", None)
    if callable(describe_doc) and isinstance(exc, ValueError):  # DocumentError and the like
        try:
            return Failure(str(describe_doc()), True)
        except Exception:  # noqa: BLE001 - fall through to the message
            pass
    message = str(exc).strip()
    if _CJK.search(message):  # the project's own errors speak Chinese to the user
        return Failure(message, True)
    return Failure(UNEXPECTED, False)


# -- click usage errors in Chinese ------------------------------------------------------------
_TYPE_WORDS = {
    "integer": "整数",
    "int": "整数",
    "float": "数字",
    "boolean": "是/否",
    "bool": "是/否",
}


def _expected(param: Any) -> str:  # noqa: ANN401 - a click Parameter
    """'，应为整数' / '，可选：a、b' / '，应在 1 到 9 之间' — what the parameter takes."""
    if param is None:
        return ""
    ptype = getattr(param, "type", None)
    if ptype is None and callable(getattr(param, "bare_type", None)):
        try:
            ptype = param.bare_type()
        except Exception:  # noqa: BLE001 - only a hint
            ptype = None
    choices = getattr(ptype, "choices", None) or getattr(param, "choices", None)
    if choices:
        return "，可选：" + "、".join(map(str, choices))
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is not None or high is not None:
        return (
            f"，应在 {low if low is not None else '…'} 到 {high if high is not None else '…'} 之间"
        )
    name = (
        ptype if isinstance(ptype, str) else getattr(ptype, "name", getattr(ptype, "__name__", ""))
    )
    word = _TYPE_WORDS.get(str(name).lower())
    return f"，应为{word}" if word else ""


def _is(exc: BaseException, class_name: str) -> bool:
    return any(c.__name__ == class_name for c in type(exc).__mro__)


def _param_name(param: Any) -> str:  # noqa: ANN401 - a click Parameter
    if param is None:
        return "参数"
    if getattr(param, "param_type_name", "") == "option":
        return "/".join(param.opts)
    return str(getattr(param, "human_readable_name", "") or param.name or "参数").upper()


def usage_sentence(exc: BaseException) -> str:
    """Click's (English) usage errors as one Chinese sentence with where to find the usage."""
    ctx = getattr(exc, "ctx", None)
    where = f"：用法见 {ctx.command_path} --help" if ctx is not None else ""
    if _is(exc, "NoSuchOption"):
        options = list(getattr(exc, "possibilities", None) or ())
        hint = f"（您是否要用 {'、'.join(options)}）" if options else ""
        return f"没有选项 {getattr(exc, 'option_name', '')}{hint}{where}。"
    if _is(exc, "MissingParameter"):
        return f"缺少参数 {_param_name(getattr(exc, 'param', None))}{where}。"
    if _is(exc, "BadParameter"):
        param = getattr(exc, "param", None)
        return f"{_param_name(param)} 的值不对{_expected(param)}{where}。"
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    m = re.match(r"No such command '(.+)'", message)
    if m:
        return f"没有命令“{m.group(1)}”{where}。"
    m = re.match(r"Got unexpected extra arguments? \((.+)\)", message)
    if m:
        return f"多余的参数：{m.group(1)}（含空格的内容请加引号）{where}。"
    if _CJK.search(message):
        return message
    return f"命令行有误（{message}）{where}。"


class QuietUserErrors:
    """Log records about failures a user or the environment causes (network down, database
    not migrated) keep their one line and lose the traceback; defects keep theirs. Installed
    on the root handlers unless ``-v``. (A filter needs only this method, so this module does
    not import logging for the commands that never log.)"""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, KeyboardInterrupt) or (exc is not None and _is(exc, "CancelledError")):
            return False  # work cut short by Ctrl-C or shutdown is not an error
        if exc is None or not describe(exc).user_caused:
            return True
        record.msg = f"{record.getMessage()}（{describe(exc).text}）"
        record.args = None
        record.exc_info = None
        record.exc_text = None
        return True


def quiet_tracebacks() -> None:
    """Install :class:`QuietUserErrors` on the root logger's handlers (after configuring them,
    before other filters that render tracebacks)."""
    import logging

    for handler in logging.getLogger().handlers:
        handler.addFilter(QuietUserErrors())


# -- the CLI boundary -------------------------------------------------------------------------
VERBOSE: ContextVar[bool] = ContextVar("fazhi_verbose", default=False)  # set by the root -v


def guarded(callback: Callable[..., Any]) -> Callable[..., Any]:
    """A command callback whose failures become one sentence and an exit code (Typer reads the
    signature through ``functools.wraps``). Click's own signals (exit, abort, usage errors)
    pass through."""
    if getattr(callback, "__fazhi_guarded__", False):
        return callback

    @functools.wraps(callback)
    def wrapper(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        try:
            return callback(*args, **kwargs)
        except Exception as exc:
            if any(_is(exc, name) for name in ("Exit", "Abort", "ClickException")):
                raise
            import typer

            code = report(exc, VERBOSE.get() or verbose_requested(sys.argv[1:]))
            raise typer.Exit(code) from None

    wrapper.__fazhi_guarded__ = True  # type: ignore[attr-defined]
    return wrapper


def guard_commands(app: Any) -> None:  # noqa: ANN401 - a typer.Typer
    """Wrap every command registered on ``app`` and its sub-apps with :func:`guarded` — the
    families' commands, and any added later, without each doing anything."""
    for info in app.registered_commands:
        if info.callback is not None:
            info.callback = guarded(info.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            guard_commands(group.typer_instance)


def verbose_requested(argv: Sequence[str]) -> bool:
    return any(a in VERBOSE_FLAGS for a in argv) or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def report(exc: BaseException, verbose: bool, err: Callable[[str], None] | None = None) -> int:
    """Print the sentence (after the traceback when verbose); the exit code."""
    failure = describe(exc)
    write = err or (lambda s: print(s, file=sys.stderr, flush=True))
    if verbose and not (isinstance(exc, KeyboardInterrupt) or _is(exc, "ClickException")):
        import traceback

        write("".join(traceback.format_exception(exc)).rstrip())
    write(f"错误：{failure.text}")
    if not failure.user_caused:
        import logging

        logging.getLogger("fazhi").debug("unexpected error", exc_info=exc)
    return failure.exit_code


def silence_stdout() -> None:
    """Point the standard output at the null device: its reader has gone (``fazhi … | head``),
    so what the command still prints is dropped instead of failing the command."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real stdout (tests capture it): nothing to redirect
        pass


def run_cli(command: Any, argv: list[str], verbose: bool, prog_name: str = "fazhi") -> int:  # noqa: ANN401
    """Run a click command (``typer.main.get_command``) with every error turned into one
    sentence; the exit code."""
    try:
        result = command.main(args=argv, prog_name=prog_name, standalone_mode=False)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_USER_ERROR)
    except BaseException as exc:  # noqa: BLE001 - the boundary
        if _is(exc, "Exit") and isinstance(getattr(exc, "exit_code", None), int):
            return exc.exit_code  # type: ignore[attr-defined]
        if _is(exc, "Abort"):
            print("\n已中断。", file=sys.stderr, flush=True)
            return EXIT_INTERRUPTED
        if _is(exc, "NoArgsIsHelpError"):  # a group without a sub-command: its help
            exc.show()  # type: ignore[attr-defined]
            return EXIT_USAGE
        return report(exc, verbose)
    finally:
        try:  # what is still buffered, while the boundary can keep a closed pipe quiet
            sys.stdout.flush()
        except BrokenPipeError:
            silence_stdout()
        except (OSError, ValueError):
            pass
    return result if isinstance(result, int) else 0
