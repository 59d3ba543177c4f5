"""The chat core's one entry point for channel adapters.

Telegram (:mod:`bot.channels.telegram`), the console (:mod:`bot.channels.console`) and any later
channel hand each update to :meth:`Assistant.handle_command`, :meth:`~Assistant.handle_callback`,
:meth:`~Assistant.handle_text` or :meth:`~Assistant.handle_file` and show the
:class:`~bot.chat.render.replies.Reply` objects they return, so every channel gives the same
answers by construction. No feature lives here: the :class:`~bot.chat.router.Router` sends each
update to its feature (:mod:`bot.chat.features`), which works on the shared
:class:`~bot.chat.state.ChatState`. Everything is synchronous (database work); adapters on an
event loop call it from a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, TypeVar, overload

from bot.chat.features import FEATURES, annual_report, evidence, plans
from bot.chat.features.evidence import EvidenceRequest
from bot.chat.flood import FloodGuard
from bot.chat.incoming import ChatContext, IncomingFile
from bot.chat.render.replies import Reply
from bot.chat.router import Router
from bot.chat.state import ChatState
from knowledge.qa import QAEngine
from scheduler.delivery.read_report import ReadStatusFn
from scheduler.jobs.context import SchedulerContext
from scheduler.timing.clock import now as clock_now

T = TypeVar("T")


class _Shared(Generic[T]):
    """An attribute of the assistant that is the shared state's (read and written there)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> _Shared[T]: ...
    @overload
    def __get__(self, obj: Assistant, owner: type) -> T: ...
    def __get__(self, obj: Assistant | None, owner: type) -> T | _Shared[T]:
        return self if obj is None else getattr(obj.state, self.name)

    def __set__(self, obj: Assistant, value: T) -> None:
        setattr(obj.state, self.name, value)


class Assistant:
    """The assistant's behaviour, independent of the messenger (see the module's docstring)."""

    # the settings and parts adapters, tools and tests reach through the assistant
    sched = _Shared[SchedulerContext]()
    qa = _Shared[QAEngine]()
    admin_ids = _Shared[frozenset[str]]()
    members_may_act = _Shared[bool]()
    clock = _Shared[Callable[[], datetime]]()
    flood = _Shared[FloodGuard]()
    flood_in_core = _Shared[bool]()
    request_planner_run = _Shared[Callable[[], object] | None]()
    read_status = _Shared[ReadStatusFn | None]()

    def __init__(
        self,
        sched: SchedulerContext,
        qa: QAEngine,
        admin_ids: frozenset[int] | frozenset[str] = frozenset(),
        questions_per_minute: int = 20,
        clock: Callable[[], datetime] = clock_now,
        members_may_act: bool = False,
    ) -> None:
        admins = frozenset(str(a) for a in admin_ids)
        self.state = ChatState(sched, qa, admins, questions_per_minute, clock, members_may_act)
        self.router = Router(FEATURES)
        self.state.help_lines = self.router.help_lines()

    # -- updates -----------------------------------------------------------------------------
    def handle_command(self, ctx: ChatContext, name: str, args: str = "") -> list[Reply]:
        return self._run(self.router.command, ctx, name, args)

    def handle_callback(self, ctx: ChatContext, data: str) -> list[Reply]:
        return self._run(self.router.button, ctx, data)

    def handle_text(self, ctx: ChatContext, text: str) -> list[Reply]:
        """Free text: a question (admins may also ask about the completion records)."""
        return self._run(self.router.text, ctx, text)

    def handle_file(self, ctx: ChatContext, file: IncomingFile) -> list[Reply]:
        """A photo or document: the annual report, or evidence of the latest completion."""
        return self._run(self.router.file, ctx, file)

    def _run(self, route: Callable[..., list[Reply]], ctx: ChatContext, *args: Any) -> list[Reply]:  # noqa: ANN401
        try:
            return route(self.state, ctx, *args)
        finally:
            self.state.after_update()

    # -- what adapters ask before or beside an update ----------------------------------------
    def claims_group_file(self, file: IncomingFile) -> bool:
        """A file in a group that does not answer the bot is still ours when it is the annual
        report (by its name or caption)."""
        return file.document and annual_report.looks_like_annual_report(file.name, file.caption)

    def is_plan_upload(self, ctx: ChatContext, file_name: str) -> bool:
        """Should the channel download this document as a new plan (an admin's, in private)?"""
        return plans.is_plan_upload(self.state, ctx, file_name)

    def preview_upload(self, ctx: ChatContext, data: bytes, file_name: str) -> list[Reply]:
        return self._run(plans.preview_upload, ctx, data, file_name)

    def evidence_request(
        self, ctx: ChatContext, args: str
    ) -> tuple[EvidenceRequest | None, list[Reply]]:
        """For a channel that runs the evidence export in the background: what to export."""
        return evidence.evidence_request(self.state, ctx, args)

    def export_evidence(self, request: EvidenceRequest, fetch=None, progress=None):  # noqa: ANN001, ANN201
        return evidence.export_evidence(self.state, request, fetch, progress)

    def evidence_reply(self, result) -> Reply:  # noqa: ANN001 - ExportResult
        return evidence.evidence_reply(result)

    def menu(self, admin: bool) -> list[tuple[str, str]]:
        """(command, description) for a messenger's command menu."""
        return self.router.menu(admin)

    # -- shared state adapters and tools use ---------------------------------------------------
    @property
    def plan(self):  # noqa: ANN201 - WorkPlan
        return self.state.plan

    def session(self):  # noqa: ANN201 - context manager of Session
        return self.state.session()

    def unit_name(self, ctx: ChatContext) -> str | None:
        return self.state.unit_name(ctx)

    def forget_chat(self, *chat_ids: str) -> None:
        self.state.forget_chat(*chat_ids)
