"""What the ``fazhi`` command families share: the consoles, the error exit, the database and
JSON options, the scheduler context and the knowledge base's plans.

Errors a user can cause (a bad DATABASE_URL, an unknown unit or obligation, a bad period or
holiday file) end with a message and candidates, never a traceback; anything else is caught by
the error boundary of :mod:`bot.cli.main`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from bot.runtime.error_boundary import silence_stdout

if TYPE_CHECKING:
    from knowledge.plan.model import Obligation, WorkPlan
    from scheduler.jobs.context import SchedulerContext


class PipeSafeConsole(Console):
    """A console whose closed standard output ends the printing, not the command. Rich's own
    answer is ``SystemExit(1)`` from inside ``print``: in a command that prints within its
    transaction, that rolled back the very change it was reporting. Commands print success only
    after the commit; this makes a closed pipe after the commit harmless too."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        silence_stdout()


console = PipeSafeConsole(soft_wrap=True)  # sentences and paths are not cut; tables still fit
err_console = Console(stderr=True, soft_wrap=True)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--database-url", envvar="DATABASE_URL", help="数据库地址（默认：数据目录中的 fazhi.db）"
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出（供程序使用）")]


def fail(message: str, code: int = 1) -> None:
    err_console.print(f"[red]错误：[/red]{message}", highlight=False)
    raise typer.Exit(code)


def echo(text: str, nl: bool = True) -> None:
    """``typer.echo`` to the standard output, quiet when its reader has gone (see
    :class:`PipeSafeConsole`)."""
    try:
        typer.echo(text, nl=nl)
    except BrokenPipeError:
        silence_stdout()


def emit_json(data: Any) -> None:  # noqa: ANN401 - any JSON value
    echo(json.dumps(data, ensure_ascii=False, indent=2))


@contextmanager
def user_errors() -> Iterator[None]:
    """Marks where the errors a user can cause arise. They propagate to the CLI's error
    boundary (:mod:`bot.runtime.error_boundary`): one Chinese sentence, the traceback with ``-v``."""
    yield


def load_context(url: str | None) -> SchedulerContext:
    """The scheduler's parts on the database at ``url`` (migrated, units synced)."""
    from scheduler.jobs.context import SchedulerContext

    return SchedulerContext.load(url)


def obligation_named(ctx: SchedulerContext, text: str) -> Obligation:
    """The plan's obligation named by ``text``, or exit with the candidates."""
    from scheduler.records.completions import UnknownObligationError, resolve_obligation

    try:
        return resolve_obligation(ctx.plan, text)
    except UnknownObligationError as exc:
        fail(str(exc))
        raise


# -- the knowledge base's plans ----------------------------------------------------------------
def stored_context() -> SchedulerContext:
    """The configured database's context; a stored plan that no longer parses is one error."""
    from knowledge.reading.decode import DocumentError

    with user_errors():
        try:
            return load_context(None)
        except DocumentError as exc:
            fail(f"已导入的工作要点无法读取：\n{exc.describe()}")
            raise


def active_plans() -> list[WorkPlan]:
    """The active plans (the bundled one while nothing is imported), the one in force first."""
    from scheduler.records.plans import ordered_for
    from scheduler.timing.clock import today

    return ordered_for(stored_context().plans, today())


def plan_named(plan_id: str | None) -> WorkPlan:
    """The plan ``plan_id`` (active or only imported, the bundled one included, or an id from
    before ids were short); the one in force when None."""
    plans = active_plans()
    if plan_id is None:
        return plans[0]
    from knowledge.reading.loader import DEFAULT_PLAN_ID, default_plan

    if plan_id.strip() == DEFAULT_PLAN_ID:
        return default_plan()
    for p in plans:
        if p.plan_id == plan_id:
            return p
    from scheduler.records.plans import PlanError, find_plan, row_plan
    from scheduler.store.db import session_scope

    ctx = stored_context()
    with session_scope(ctx.engine) as s:
        try:
            return row_plan(find_plan(s, plan_id))
        except PlanError as exc:
            fail(str(exc))
    raise AssertionError
