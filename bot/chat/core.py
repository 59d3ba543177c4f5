"""The chat core: every command, button and question, channel-neutral.

Telegram handlers (:mod:`bot.channels.telegram.app`) and the console chat (:mod:`bot.channels.console.chat`) both call
:meth:`Assistant.handle_command`, :meth:`Assistant.handle_callback` and
:meth:`Assistant.handle_text` and show the :class:`~bot.chat.replies.Reply` objects they return, so
the two front ends give the same answers by construction. Everything here is synchronous
(database work); the Telegram layer runs it in a worker thread.
"""

from __future__ import annotations

import dataclasses
import html
import json
import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from bot.chat import views
from bot.chat.replies import Button, Reply
from knowledge.plan.diff import diff_plans, diff_text, is_diff_question, plan_label
from knowledge.plan.model import Obligation
from knowledge.qa import QAEngine
from knowledge.qa.query.conversation import Conversations
from knowledge.text.normalize import cn_to_int, norm
from scheduler.jobs.context import SchedulerContext, run_planner
from scheduler.jobs.snooze import withdraw_reminders
from scheduler.records import access, audit_log, chat_registry, unit_registry
from scheduler.records.answer_records import DbRecords
from scheduler.records.plans import ordered_for
from scheduler.store.db import quick_session, session_scope
from scheduler.store.models import Chat, ChatStatus, UnitRow
from scheduler.timing.clock import local
from scheduler.timing.clock import now as clock_now

if TYPE_CHECKING:
    from scheduler.store.models import Completion

log = logging.getLogger(__name__)

UNIT_CACHE_SECONDS = 30.0
# seconds a question's own database reads (the chat's unit, the plans' signature) may wait,
# for a lock included, before the question is answered without them: a locked table must not
# hold an answer that needs no database (the acceptance allows 2 s in all)
QUESTION_READ_SECONDS = 0.5
UNIT_CACHE_CHATS = 1024  # beyond this many chats, the least recently looked-up half is dropped
MAX_UPLOAD = 45_000_000  # bytes; Telegram bots may send files up to 50 MB


@dataclass(frozen=True)
class EvidenceRequest:
    year: int
    unit: str | None = None

    @property
    def label(self) -> str:
        return f"{self.year}年{self.unit or '各单位'}"


@dataclass(frozen=True)
class ChatContext:
    """Who is talking, from where."""

    chat_id: str
    user_id: str
    user_name: str = ""
    chat_title: str = ""
    is_group: bool = False
    rate_limited: bool = True  # False for the local console operator
    replied_user_id: str = ""  # the author of the message this one replies to, if any
    replied_user_name: str = ""


class FloodGuard:
    """At most ``limit`` messages per user per ``window`` seconds (a sliding window). Over the
    limit, :meth:`verdict` says "warn" once per window (answer that the user should wait) and
    "drop" afterwards (stay silent), so a flood costs one notice, not one answer per message."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[str, deque[float]] = defaultdict(deque)
        self._warned: dict[str, float] = {}

    def allow(self, user_id: str, now: float | None = None) -> bool:
        t = time.monotonic() if now is None else now
        q = self._seen[user_id]
        while q and t - q[0] >= self.window:
            q.popleft()
        if not q:
            self._warned.pop(user_id, None)
        if len(q) >= self.limit:
            return False
        q.append(t)
        if len(self._seen) > 10_000:  # forget users who went quiet
            for uid in [u for u, d in self._seen.items() if not d or t - d[-1] >= self.window]:
                self._seen.pop(uid, None)
                self._warned.pop(uid, None)
        return True

    def verdict(self, user_id: str, now: float | None = None) -> str:
        """ "ok", "warn" (first message over the limit in this window) or "drop"."""
        t = time.monotonic() if now is None else now
        if self.allow(user_id, t):
            return "ok"
        warned = self._warned.get(user_id)
        if warned is not None and t - warned < self.window:
            return "drop"
        self._warned[user_id] = t
        return "warn"


class Assistant:
    """The assistant's behaviour, independent of the messenger."""

    def __init__(
        self,
        sched: SchedulerContext,
        qa: QAEngine,
        admin_ids: frozenset[int] | frozenset[str] = frozenset(),
        questions_per_minute: int = 20,
        clock: Callable[[], datetime] = clock_now,
        members_may_act: bool = False,
    ) -> None:
        self.sched = sched
        self.qa = qa
        self.admin_ids = frozenset(str(a) for a in admin_ids)
        self.flood = FloodGuard(questions_per_minute)
        # the Telegram front end checks the flood limit at arrival, for every kind of message
        # (see bot.channels.telegram.update_processor); the console leaves it here, for questions
        self.flood_in_core = True
        # in a unit's group, only its approved liaisons (and admins) confirm tasks or change
        # the group's registration, unless this opens it to every member
        self.members_may_act = members_may_act
        self.clock = clock
        self._qa_checked = 0.0
        self._plan_soon = False  # a chat was approved: plan its reminders without waiting
        # set by the front end that runs the scheduler jobs: asks for a planner run now
        self.request_planner_run: Callable[[], object] | None = None
        self._unit_cache: dict[str, tuple[float, str | None]] = {}
        self._plans_seen: tuple = self._plans_signature()
        self._awaiting_report: dict[str, float] = {}  # chat → until when /annual_report waits
        self.conversations = Conversations()
        with session_scope(sched.engine) as s:
            for admin_id in self.admin_ids:
                if not access.is_admin(s, admin_id):  # audited once, not at every start
                    access.add_admin(s, admin_id, actor="settings")

    def after_update(self) -> None:
        """Run after each handled update (in the worker thread): a newly approved chat gets
        the reminders already due now, instead of at the next hourly planner run. With the
        scheduler jobs running, the planner job is asked to run now (a tick never runs inside
        an update: at thousands of units it would hold the database and the update); without
        them (tools, tests without jobs) the tick runs here."""
        if self._plan_soon:
            self._plan_soon = False
            if self.request_planner_run is not None:
                self.request_planner_run()
            else:
                run_planner(self.sched, self.clock())

    # -- helpers ---------------------------------------------------------------------------
    @property
    def plan(self):  # noqa: ANN201 - WorkPlan
        return self.sched.plan_at(self.clock().year)

    def session(self):  # noqa: ANN201 - context manager of Session
        return session_scope(self.sched.engine)

    def is_admin(self, ctx: ChatContext) -> bool:
        if ctx.user_id in self.admin_ids:
            return True
        with self.session() as s:
            return access.is_admin(s, ctx.user_id)

    def may_act(self, s: Session, ctx: ChatContext, unit: UnitRow) -> bool:
        """May this person act for ``unit`` here (confirm, attach evidence, re-register)?
        A private chat registered to the unit is its liaison's own; in a group, only the
        unit's liaisons approved by an admin (or everyone, with ``members_may_act``)."""
        if not ctx.is_group or self.members_may_act:
            return True
        if ctx.user_id in self.admin_ids or access.is_admin(s, ctx.user_id):
            return True
        return access.is_liaison(s, unit.id, ctx.user_id)  # type: ignore[arg-type]

    def chat_unit(self, s: Session, ctx: ChatContext) -> UnitRow | None:
        """The chat's unit when its registration is active."""
        return chat_registry.chat_unit(s, ctx.chat_id)

    def unit_name(self, ctx: ChatContext) -> str | None:
        """The chat's active unit. Cached for a short while: every question needs it, and
        registrations change rarely (and through this object, which forgets the chat)."""
        now = time.monotonic()
        hit = self._unit_cache.get(ctx.chat_id)
        if hit is not None and now - hit[0] < UNIT_CACHE_SECONDS:
            return hit[1]
        try:
            with quick_session(self.sched.engine, QUESTION_READ_SECONDS) as s:
                unit = self.chat_unit(s, ctx)
                name = unit.name if unit else None
        except DBAPIError as exc:  # the database is away: answer without the unit
            log.warning("unit of chat %s unknown, database unavailable: %s", ctx.chat_id, exc.orig)
            return hit[1] if hit is not None else None
        self._unit_cache[ctx.chat_id] = (now, name)
        if len(self._unit_cache) > UNIT_CACHE_CHATS:
            self._trim_unit_cache()
        return name

    def _trim_unit_cache(self) -> None:
        """Keep the most recently looked-up half, so that the cache does not hold every chat
        that ever wrote (a stale entry only serves while the database is away)."""
        by_age = sorted(list(self._unit_cache.items()), key=lambda kv: kv[1][0])
        self._unit_cache = dict(by_age[-(UNIT_CACHE_CHATS // 2) :])

    def forget_chat(self, *chat_ids: str) -> None:
        for chat_id in chat_ids:
            self._unit_cache.pop(str(chat_id), None)

    # -- dispatch ----------------------------------------------------------------------------
    def handle_command(self, ctx: ChatContext, name: str, args: str = "") -> list[Reply]:
        try:
            return self._command(ctx, name, args)
        finally:
            self.after_update()

    def _command(self, ctx: ChatContext, name: str, args: str = "") -> list[Reply]:
        name = name.lower().lstrip("/").split("@", 1)[0]
        args = args.strip()
        user_commands: dict[str, Callable[[ChatContext, str], list[Reply]]] = {
            "start": self.cmd_start,
            "help": self.cmd_help,
            "items": self.cmd_items,
            "item": self.cmd_item,
            "unit": self.cmd_unit,
            "mytasks": self.cmd_mytasks,
            "done": self.cmd_done,
            "undo": self.cmd_undo,
            "calendar": self.cmd_calendar,
            "annual_report": self.cmd_annual_report,
            "published": self.cmd_published,
        }
        admin_commands: dict[str, Callable[[ChatContext, str], list[Reply]]] = {
            "pending": self.cmd_pending,
            "units": self.cmd_units,
            "broadcast": self.cmd_broadcast,
            "report": self.cmd_report,
            "override": self.cmd_override,
            "evidence": self.cmd_evidence,
            "liaison": self.cmd_liaison,
        }
        if name in user_commands:
            return user_commands[name](ctx, args)
        if name in admin_commands:
            if not self.is_admin(ctx):
                return [Reply.of(views.NOT_ADMIN)]
            return admin_commands[name](ctx, args)
        return [Reply.of(f"未知命令 /{name}。发送 /help 查看可用命令。")]

    def handle_callback(self, ctx: ChatContext, data: str) -> list[Reply]:
        try:
            return self._callback(ctx, data)
        finally:
            self.after_update()

    def _callback(self, ctx: ChatContext, data: str) -> list[Reply]:
        kind, _, rest = data.partition(":")
        parts = rest.split(":") if rest else []
        try:
            if kind == "item":
                return self.show_item(_small_int(parts[0]))
            if kind == "items":
                return [views.items_page(self.plan, _small_int(parts[0]), edit=True)]
            if kind == "reg":
                return self.register(ctx, _small_int(parts[0]))
            if kind == "done":
                return self.confirm(ctx, parts[0], parts[1] if len(parts) > 1 else None)
            if kind == "undo":
                return self.undo(ctx, parts[0], parts[1] if len(parts) > 1 else None)
            if kind == "snz":
                return self.snooze(ctx, parts[0], parts[1] if len(parts) > 1 else None)
            if kind in ("apr", "rej"):
                if not self.is_admin(ctx):
                    return [Reply.of(views.NOT_ADMIN)]
                return self.decide(ctx, _small_int(parts[0]), approve=kind == "apr")
            if kind == "ack":  # 收到 under a notice that needs a receipt
                return self.acknowledge_notice(ctx, _small_int(parts[0]))
            if kind == "bc":
                if not self.is_admin(ctx):
                    return [Reply.of(views.NOT_ADMIN)]
                if parts[0] in ("rc", "ch"):
                    return self.receipt_action(ctx, parts[0], _small_int(parts[1]))
                return self.broadcast_action(ctx, parts[0], _small_int(parts[1]))
            if kind == "plan":
                if not self.is_admin(ctx):
                    return [Reply.of(views.NOT_ADMIN)]
                return self.plan_decision(ctx, parts[0], int(parts[1]))
            if kind == "ev":  # 📦 evidence export of a year (console; Telegram runs it async)
                if not self.is_admin(ctx):
                    return [Reply.of(views.NOT_ADMIN)]
                return self.cmd_evidence(ctx, parts[0] if parts else "")
            if kind == "more":  # the next page of a long answer
                return self.show_more(ctx)
            if kind == "pg":  # paging of long lists: pg:<list>:<page>
                return self.page(ctx, parts[0], _small_int(parts[1]))
        except (IndexError, ValueError):
            log.warning("malformed callback data %r", data[:80])
        return [Reply.of("这个按钮已失效，请重新发送命令。")]

    def handle_text(self, ctx: ChatContext, text: str) -> list[Reply]:
        """Free text: a question (admins may also ask about the completion records)."""
        text = text.strip()
        if not text:
            return [Reply.of(views.EMPTY_QUESTION)]
        if len(text) > 500:
            return [Reply.of("问题太长了，请用一两句话提问（500 字以内）。")]
        if ctx.rate_limited and self.flood_in_core and not self.flood.allow(ctx.user_id):
            return [Reply.of(views.FLOOD)]
        receipt = self.receipt_text(ctx, text)
        if receipt is not None:
            return receipt
        if is_diff_question(text):
            return [Reply.of(self.plan_diff_answer())]
        return self.ask(ctx, text)

    def ask(self, ctx: ChatContext, text: str) -> list[Reply]:
        """A question in the chat's conversation: follow-ups use the chat's previous turn; a
        long answer shows its first page with a 显示更多 button."""
        unit = self.unit_name(ctx)
        records = DbRecords(
            self.session, self.plan, self.sched.directory, lambda: self.is_admin(ctx)
        )
        with self.conversations.lock(ctx.chat_id):
            turn = self.conversations.get(ctx.chat_id)
            answer, turn = self.current_qa().converse(
                text, unit=unit, today=self.clock().date(), turn=turn, records=records
            )
            first, rest = views.paginate(answer.text)
            if rest:
                turn = replace(turn, pages=rest)
            self.conversations.put(ctx.chat_id, turn)
        return [views.answer_reply(answer, first, more=bool(rest))]

    def show_more(self, ctx: ChatContext) -> list[Reply]:
        """The 显示更多 button: the next page of the chat's last long answer."""
        with self.conversations.lock(ctx.chat_id):
            turn = self.conversations.get(ctx.chat_id)
            if turn is None or not turn.pages:
                return [Reply.of("没有更多内容了。")]
            page, rest = turn.pages[0], turn.pages[1:]
            self.conversations.put(ctx.chat_id, replace(turn, pages=rest))
        return [views.more_reply(page, more=bool(rest))]

    # -- plans sent as files ---------------------------------------------------------------
    PLAN_SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".htm")

    def is_plan_upload(self, ctx: ChatContext, file_name: str) -> bool:
        """An admin's document file in a private chat is a new plan, not evidence."""
        return (
            not ctx.is_group
            and file_name.lower().endswith(self.PLAN_SUFFIXES)
            and self.is_admin(ctx)
        )

    def preview_upload(self, ctx: ChatContext, data: bytes, file_name: str) -> list[Reply]:
        """Store the document (inactive) and show its preview with 启用 / 取消."""
        from knowledge.reading.decode import DocumentError
        from scheduler.records import plans as store

        with self.session() as s:
            try:
                imported = store.import_bytes(s, data, file_name, actor=ctx.user_id, year=None)
            except DocumentError as exc:
                problems = exc.problems[:8]
                lines = [f"第{ln}行：{m}" if ln else m for ln, m in problems]
                more = f"\n……共 {len(exc.problems)} 个问题。" if len(exc.problems) > 8 else ""
                return [
                    Reply.of(f"“{file_name}”无法作为工作要点导入：\n" + "\n".join(lines) + more)
                ]
            except store.PlanError as exc:
                return [Reply.of(str(exc))]
            row = imported.row
            if imported.created:
                head = f"已收到“{file_name}”，预览如下（尚未启用）："
            else:
                head = f"这个文件已经导入过（编号 {row.slug}）。"
            body = "\n".join(views.plan_preview_lines(imported.plan, imported.result.warnings))
            if row.active:
                return [Reply.of(f"{head}\n{body}\n它已是 {row.year} 年度的现行要点。")]
            current = store.active_row(s, row.year)
            note = (
                f"\n启用后将替换 {row.year} 年度现行的“{current.slug}”。"
                if current is not None
                else ""
            )
            return [
                Reply.of(
                    f"{head}\n{body}{note}",
                    [[Button("✅ 启用", f"plan:on:{row.id}"), Button("取消", f"plan:no:{row.id}")]],
                )
            ]

    def plan_decision(self, ctx: ChatContext, action: str, plan_row_id: int) -> list[Reply]:
        from scheduler.records import plans as store
        from scheduler.store.models import PlanRow

        with self.session() as s:
            row = s.get(PlanRow, plan_row_id)
            if row is None:
                return [Reply.of("这份工作要点已不存在（可能已被取消或删除）。")]
            if action == "no":
                if row.active:
                    return [Reply.of(f"“{row.slug}”已经启用，未做改动。")]
                slug = row.slug
                store.remove(s, row, actor=ctx.user_id)
                return [Reply.of(f"已取消导入“{slug}”。")]
            if row.active:
                return [Reply.of(f"“{row.slug}”已经是 {row.year} 年度的现行要点。")]
            before = store.active_plans(s)
            old_plan = store.plan_for_year(before, row.year)
            replaced = store.activate(s, row, actor=ctx.user_id)
            after = store.active_plans(s)
            new_plan = store.plan_for_year(after, row.year)
            change = store.reminder_change(
                s, old_plan, new_plan, self.sched.directory_for(s, after)
            )
            slug, year = row.slug, row.year
        self.reload_plans()
        self._plan_soon = True  # new obligations get their reminders now
        replaced_text = f"（替换“{replaced.slug}”）" if replaced is not None else ""
        return [
            Reply.of(
                f"已启用“{slug}”为 {year} 年度的工作要点{replaced_text}。"
                f"问答、/items、/mytasks、提醒和报表已改用它。\n提醒的变化：\n{change.text()}",
            )
        ]

    def plan_diff_answer(self) -> str:
        """This year's plan against the latest earlier one."""
        self.current_qa()  # picks up plans activated by another process
        current = self.plan
        year = current.meta.plan_year or self.clock().year
        earlier = [p for p in self.sched.plans if (p.meta.plan_year or 0) < year]
        if not earlier:
            return (
                f"目前只有一份现行工作要点（《{plan_label(current)}》），"
                "没有可以比较的上一年度要点。管理员导入上一年度的文件后即可比较。"
            )
        return diff_text(diff_plans(earlier[-1], current))

    def reload_plans(self) -> None:
        """Follow the active plans again (after an import or activation)."""
        self.sched.reload()
        with self.session() as s:
            directory = self.sched.directory(s)
        self.qa = QAEngine(ordered_for(self.sched.plans, self.clock().date()), directory)
        self._plans_seen = self._plans_signature()
        self.conversations = Conversations()  # earlier turns point into the replaced plan

    def _plans_signature(self) -> tuple:
        from scheduler.records.plans import active_signature

        with quick_session(self.sched.engine, QUESTION_READ_SECONDS) as s:
            return active_signature(s)

    def current_qa(self) -> QAEngine:
        """The question engine, rebuilt when admins have added units since it was built (at
        most once a minute a cheap count is checked), so group duties reach new units too."""
        t = time.monotonic()
        if t - self._qa_checked < 60:
            return self.qa
        self._qa_checked = t
        try:
            if self.sched.pinned_plan is None and self._plans_signature() != self._plans_seen:
                self.reload_plans()  # another process imported or activated a plan
                return self.qa
            with quick_session(self.sched.engine, QUESTION_READ_SECONDS) as s:
                directory = self.sched.directory(s)
        except DBAPIError:  # the database is away: the engine we have answers
            return self.qa
        if set(directory.units) != set(self.qa.directory.units):
            self.qa = QAEngine([p.plan for p in self.qa.plans.values()], directory)
        return self.qa

    # -- user commands -------------------------------------------------------------------------
    def cmd_start(self, ctx: ChatContext, _args: str) -> list[Reply]:
        return [views.welcome(self.plan, self.unit_name(ctx), self.is_admin(ctx))]

    def cmd_help(self, ctx: ChatContext, _args: str) -> list[Reply]:
        return [views.help_text(self.is_admin(ctx))]

    def cmd_items(self, _ctx: ChatContext, _args: str) -> list[Reply]:
        return [views.items_page(self.plan, 0)]

    def cmd_item(self, _ctx: ChatContext, args: str) -> list[Reply]:
        n = cn_to_int(args.strip().lstrip("第").rstrip("条项")) if args.strip() else None
        if n is None:
            return [Reply.of(f"请写条目编号，例如 /item 14（共 {len(self.plan.items)} 条）。")]
        return self.show_item(n)

    def show_item(self, number: int) -> list[Reply]:
        item = self.plan.item(number)
        if item is None:
            return [Reply.of(f"没有第{number}条：本工作要点共 {len(self.plan.items)} 条。")]
        from knowledge.plan.binding import bind

        with self.session() as s:
            directory = self.sched.directory(s)
        bindings = {ob.key: bind(self.plan, ob, directory) for ob in item.obligations}
        return [views.item_reply(item, self.plan, bindings)]

    def cmd_unit(self, ctx: ChatContext, args: str) -> list[Reply]:
        with self.session() as s:
            chat = chat_registry.get_chat(s, ctx.chat_id)
            current = s.get(UnitRow, chat.unit_id) if chat and chat.unit_id else None
            if not args:
                status = views.unit_status(chat, current)
                if chat is not None and chat.requested_unit_id is not None:
                    asked = chat_registry.requested_unit(s, chat)
                    note = f"已申请更改为“{asked.name if asked else '?'}”，等待管理员审核。"
                    status = Reply.of(status.plain + "\n" + note)
                return [status]
            directory = self.sched.directory(s)
            res = directory.resolve(args)
            names = [res.match.name] if res.match else [c.name for c in res.candidates]
            rows = [unit_registry.get_unit(s, n) for n in names if n in directory.units]
            rows = [r for r in rows if r is not None][:8]
            return [views.unit_choices(args, rows, exact=res.match is not None)]

    def register(self, ctx: ChatContext, unit_id: int) -> list[Reply]:
        admin = self.is_admin(ctx)
        with self.session() as s:
            unit = s.get(UnitRow, unit_id)
            if unit is None:
                return [Reply.of("找不到该单位，请重新发送 /unit 单位名称。")]
            current = chat_registry.get_chat(s, ctx.chat_id)
            if (
                current is not None
                and current.status == ChatStatus.ACTIVE
                and current.unit_id is not None
                and current.unit_id != unit.id
            ):
                active = s.get(UnitRow, current.unit_id)
                if active is not None and not self.may_act(s, ctx, active):
                    return [Reply.of(views.NOT_LIAISON.format(unit=active.name))]
            self.forget_chat(ctx.chat_id)
            chat = chat_registry.register_chat(
                s,
                ctx.chat_id,
                unit.name,
                title=ctx.chat_title,
                user_name=ctx.user_name,
                is_group=ctx.is_group,
                requested_by=ctx.user_id,
            )
            if chat.status == ChatStatus.ACTIVE and chat.requested_unit_id is None:
                return [Reply.of(f"本聊天已登记为“{unit.name}”。")]
            if admin:
                chat_registry.approve(s, ctx.chat_id, actor=ctx.user_id)
                self._plan_soon = True
                return [
                    Reply.of(
                        f"已登记为“{unit.name}”（管理员直接生效）。发送 /mytasks 查看本单位任务。"
                    )
                ]
            views.notify_admins_of_request(s, chat, unit)
            if chat.status == ChatStatus.ACTIVE:  # a change of unit: the current one stays
                return [
                    Reply.of(
                        f"已提交更改登记申请：本聊天 → “{unit.name}”。管理员审核前，"
                        "本聊天仍按原单位接收提醒。"
                    )
                ]
            return [
                Reply.of(
                    f"已提交登记申请：本聊天 → “{unit.name}”。管理员审核通过后，"
                    "本聊天将收到该单位的提醒。"
                )
            ]

    def cmd_mytasks(self, ctx: ChatContext, _args: str) -> list[Reply]:
        with self.session() as s:
            unit = self.chat_unit(s, ctx)
            if unit is None:
                return [Reply.of(views.NEED_UNIT)]
            statuses = views.unit_statuses(self.sched, s, unit.name, self.clock())
            duties = self.current_qa().answer(
                f"{unit.name}有哪些任务", unit=unit.name, today=self.clock().date()
            )
            return [views.mytasks(unit.name, statuses, duties)]

    def cmd_done(self, ctx: ChatContext, args: str) -> list[Reply]:
        with self.session() as s:
            unit = self.chat_unit(s, ctx)
            if unit is None:
                return [Reply.of(views.NEED_UNIT)]
            if not args:
                statuses = views.unit_statuses(self.sched, s, unit.name, self.clock())
                return [views.done_menu(unit.name, statuses)]
        key, _, rest = args.partition(" ")
        period, _, note = rest.strip().partition(" ")
        ob = self._obligation(key)
        if ob is None:
            return [views.unknown_obligation(key, self.plan)]
        if period and not views.looks_like_period(period):
            note, period = rest.strip(), ""
        return self.confirm(ctx, ob.key, period or None, note=note.strip())

    def _obligation(self, text: str) -> Obligation | None:
        from scheduler.records.completions import resolve_obligation

        try:
            return resolve_obligation(self.plan, text)
        except Exception:  # noqa: BLE001 - unknown or ambiguous: the caller shows choices
            return None

    def confirm(
        self, ctx: ChatContext, key: str, period: str | None, note: str = ""
    ) -> list[Reply]:
        from scheduler.records.completions import confirm as record
        from scheduler.timing.periods import PeriodError

        ob = self.plan.obligation(key) or self._obligation(key)
        if ob is None:
            return [views.unknown_obligation(key, self.plan)]
        with self.session() as s:
            unit = self.chat_unit(s, ctx)
            if unit is None:
                return [Reply.of(views.NEED_UNIT)]
            directory = self.sched.directory(s)
            from scheduler.planning.planner import responsible_units

            if not self.may_act(s, ctx, unit):
                return [Reply.of(views.NOT_LIAISON.format(unit=unit.name))]
            if unit.name not in responsible_units(directory, self.plan, ob):
                return [
                    Reply.of(f"“{ob.action}”（第{ob.item}条）不是“{unit.name}”的任务，无需确认。")
                ]
            try:
                completion, new = record(
                    s,
                    unit.name,
                    ob,
                    period,
                    by=ctx.user_name or ctx.user_id,
                    by_id=ctx.user_id,
                    note=note,
                    now=self.clock(),
                )
            except PeriodError as exc:
                return [Reply.of(str(exc))]
            withdraw_reminders(s, unit.name, ob.key, completion.period)
            return [views.confirmed(unit.name, ob, completion, new)]

    def cmd_undo(self, ctx: ChatContext, args: str) -> list[Reply]:
        key, _, period = args.strip().partition(" ")
        if not key:
            return [Reply.of("请写要撤销的任务，例如 /undo i2-study 或 /undo 学法 2026Q3。")]
        ob = self._obligation(key)
        if ob is None:
            return [views.unknown_obligation(key, self.plan)]
        return self.undo(ctx, ob.key, period.strip() or None)

    def undo(self, ctx: ChatContext, key: str, period: str | None) -> list[Reply]:
        """Withdraw a completion: allowed to whoever may confirm it (the unit's chat)."""
        from scheduler.records.completions import undo as withdraw
        from scheduler.records.unit_registry import RegistryError
        from scheduler.timing.periods import PeriodError

        ob = self.plan.obligation(key) or self._obligation(key)
        if ob is None:
            return [views.unknown_obligation(key, self.plan)]
        with self.session() as s:
            unit = self.chat_unit(s, ctx)
            if unit is None:
                return [Reply.of(views.NEED_UNIT)]
            if not self.may_act(s, ctx, unit):  # the same people who may confirm
                return [Reply.of(views.NOT_LIAISON.format(unit=unit.name))]
            try:
                removed = withdraw(s, unit.name, ob, period, by=ctx.user_id, now=self.clock())
            except (PeriodError, RegistryError) as exc:
                return [Reply.of(str(exc) + "。")]
            return [views.undone(unit.name, ob, removed.period)]

    def attach_evidence(self, ctx: ChatContext, evidence: str, note: str = "") -> list[Reply]:
        """A photo or document sent after a confirmation becomes its evidence; a document that
        is the annual report (by its name or caption, or after /annual_report) is recorded as
        the year's submitted report."""
        if evidence.startswith("telegram:document:"):
            name = evidence.split(":", 3)[3] if evidence.count(":") >= 3 else ""
            awaited = self._awaiting_report.pop(ctx.chat_id, 0.0) > time.monotonic()
            from bot.chat.annual_report import looks_like_annual_report

            if awaited or looks_like_annual_report(name, note):
                return self.submit_annual_report(ctx, evidence, name, note)
        from sqlmodel import select

        from scheduler.store.models import Completion

        with self.session() as s:
            unit = self.chat_unit(s, ctx)
            if unit is None:
                return [Reply.of(views.NEED_UNIT)]
            if not self.may_act(s, ctx, unit):
                return [Reply.of(views.NOT_LIAISON.format(unit=unit.name))]
            last = s.exec(
                select(Completion)
                .where(Completion.unit_id == unit.id)
                .order_by(Completion.confirmed_at.desc())  # type: ignore[attr-defined]
            ).first()
            if last is None:
                return [Reply.of("请先用 /done 确认一项任务，再发送证明材料。")]
            known = (last.evidence or "").splitlines()
            if evidence not in known:  # appended, never replacing earlier files
                last.evidence = "\n".join([*known, evidence])
            if note:
                last.note = (last.note + "\n" + note).strip()
            s.add(last)
            audit_log.audit(s, ctx.user_id, "evidence", unit.name, completion=last.id)
            count = len((last.evidence or "").splitlines())
            return [
                Reply.of(
                    f"已将材料附在“{last.obligation_key} {last.period}”的完成记录上"
                    f"（共 {count} 份）。"
                )
            ]

    # -- the annual report -------------------------------------------------------------------
    def cmd_annual_report(self, ctx: ChatContext, args: str) -> list[Reply]:
        """Admins: every unit's status (/annual_report [年份]); a unit: its own, and the next
        document it sends within 10 minutes is taken as the report."""
        from bot.chat.annual_report import status_reply
        from scheduler.records.annual_report import annual_report_status

        year = self.clock().year
        if args.strip().removesuffix("年").isdigit():
            year = int(args.strip().removesuffix("年"))
        with self.session() as s:
            unit = self.chat_unit(s, ctx)
            if unit is None and not self.is_admin(ctx):
                return [Reply.of(views.NEED_UNIT)]
            try:
                status = annual_report_status(
                    s, self.plan, self.sched.directory(s), year, now=self.clock()
                )
            except unit_registry.RegistryError as exc:
                return [Reply.of(f"{exc}。")]
        if unit is None:
            return [status_reply(status)]
        self._awaiting_report[ctx.chat_id] = time.monotonic() + 600
        return [status_reply(status, unit.name)]

    def _record_annual_report(
        self, ctx: ChatContext, kind: str, value: str, note: str
    ) -> tuple[str, Completion, bool] | list[Reply]:
        """Record the chat's unit's annual report file or link (``kind``) and withdraw its
        reminders: (unit name, completion, new), or the replies that say why not."""
        from scheduler.records.annual_report import record

        with self.session() as s:
            unit = self.chat_unit(s, ctx)
            if unit is None:
                return [Reply.of(views.NEED_UNIT)]
            if not self.may_act(s, ctx, unit):
                return [Reply.of(views.NOT_LIAISON.format(unit=unit.name))]
            try:
                completion, new = record(
                    s,
                    self.plan,
                    unit.name,
                    kind,
                    value,
                    by=ctx.user_name or ctx.user_id,
                    note=note,
                    now=self.clock(),
                )
            except unit_registry.RegistryError as exc:
                return [Reply.of(f"{exc}。")]
            withdraw_reminders(s, unit.name, completion.obligation_key, completion.period)
            return unit.name, completion, new

    def submit_annual_report(
        self, ctx: ChatContext, evidence: str, name: str, note: str
    ) -> list[Reply]:
        from scheduler.records.annual_report import SUBMIT_KIND

        outcome = self._record_annual_report(ctx, SUBMIT_KIND, evidence, note or name)
        if isinstance(outcome, list):
            return outcome
        unit_name, completion, new = outcome
        verb = "已收到" if new else "已更新"
        return [
            Reply.of(
                f"{verb}“{unit_name}”的{completion.period}年法治政府建设年度报告（{name or '文件'}）。"
                "向社会公开后，请发送 /published 公开链接。"
            )
        ]

    def cmd_published(self, ctx: ChatContext, args: str) -> list[Reply]:
        from bot.chat.annual_report import ANNUAL_REPORT_USAGE
        from scheduler.records.annual_report import PUBLISH_KIND, valid_url

        url = valid_url(args) if args.strip() else None
        if url is None:
            hint = f"“{args.strip()[:80]}”不是有效的网址。" if args.strip() else ""
            return [Reply.of(hint + ANNUAL_REPORT_USAGE)]
        outcome = self._record_annual_report(ctx, PUBLISH_KIND, url, "公开链接")
        if isinstance(outcome, list):
            return outcome
        return [Reply.of(f"已记录“{outcome[0]}”年度报告的公开链接：{url}")]

    def snooze(self, ctx: ChatContext, key: str, period: str | None) -> list[Reply]:
        from scheduler.jobs.snooze import snooze_reminder

        ob = self.plan.obligation(key)
        if ob is None:
            return [views.unknown_obligation(key, self.plan)]
        with self.session() as s:
            unit = self.chat_unit(s, ctx)
            if unit is None:
                return [Reply.of(views.NEED_UNIT)]
            when = snooze_reminder(self.sched, s, ctx.chat_id, unit.name, ob, period, self.clock())
        if when is None:
            return [Reply.of("该任务本期已确认完成，不再提醒。")]
        return [Reply.of(f"好的，将于 {when:%Y-%m-%d %H:%M}（下一个工作日）再次提醒。")]

    def cmd_calendar(self, ctx: ChatContext, _args: str) -> list[Reply]:
        from bot.chat.calendar_ics import unit_calendar

        with self.session() as s:
            unit = self.chat_unit(s, ctx)
            if unit is None:
                return [Reply.of(views.NEED_UNIT)]
            attachment, count = unit_calendar(self.sched, s, unit.name, self.clock())
        return [
            Reply.of(f"“{unit.name}”本年度的 {count} 个期限，导入日历即可。", attachment=attachment)
        ]

    # -- admin -------------------------------------------------------------------------------
    def cmd_pending(self, _ctx: ChatContext, _args: str) -> list[Reply]:
        with self.session() as s:
            return views.pending_list(chat_registry.pending_chats(s))

    def decide(self, ctx: ChatContext, chat_row_id: int, approve: bool) -> list[Reply]:
        with self.session() as s:
            chat = s.get(Chat, chat_row_id)
            if chat is None:
                return [Reply.of("该申请不存在。")]
            if not chat_registry.is_waiting(chat):
                return [Reply.of(f"该申请已处理（当前状态：{views.status_label(chat.status)}）。")]
            unit = chat_registry.requested_unit(s, chat)
            self.forget_chat(chat.chat_id)
            if approve:
                chat_registry.approve(s, chat.chat_id, actor=ctx.user_id)
                self._plan_soon = True
            else:
                chat_registry.reject(s, chat.chat_id, actor=ctx.user_id)
            views.notify_requester(s, chat, unit, approve)
            verb = "已通过" if approve else "已拒绝"
            return [
                Reply.of(
                    f"{verb}：{chat.title or chat.user_name or chat.chat_id} → {unit.name if unit else '?'}",
                    edit=True,
                )
            ]

    def cmd_units(self, _ctx: ChatContext, args: str) -> list[Reply]:
        with self.session() as s:
            return [views.units_overview(s, args)]

    def cmd_broadcast(self, ctx: ChatContext, args: str) -> list[Reply]:
        from bot.chat.notices import parse_receipt_options, with_receipt_toggle
        from scheduler.delivery.broadcast import audience_chats, create_broadcast
        from scheduler.delivery.receipts import set_receipt

        if not args:
            return [Reply.of(views.BROADCAST_USAGE)]
        receipt, args = parse_receipt_options(args, self.clock().date())
        if receipt.error:
            return [Reply.of(receipt.error)]
        if not args:
            return [Reply.of(views.BROADCAST_USAGE)]
        with self.session() as s:
            directory = self.sched.directory(s)
            try:
                audience, label, body = views.parse_audience(args, self.plan, directory)
            except views.AudienceError as exc:
                return [Reply.of(str(exc))]
            if not body.strip():
                return [Reply.of(views.BROADCAST_USAGE)]
            refused = views.too_long(body)
            if refused is not None:
                return [refused]
            n = len(audience_chats(s, audience))
            if n == 0:
                return [views.no_recipients(label)]
            bc = create_broadcast(s, ctx.user_id, views.broadcast_html(body), audience)
            if receipt.required and bc.enqueued_at is None:
                set_receipt(s, bc.id, True, receipt.deadline)  # type: ignore[arg-type]
            preview = views.broadcast_preview(bc.id, label, body, n)
            return [
                with_receipt_toggle(preview, bc.id, bc.receipt_required, bc.receipt_deadline)  # type: ignore[arg-type]
            ]

    def broadcast_action(self, ctx: ChatContext, action: str, bc_id: int) -> list[Reply]:
        from scheduler.delivery.broadcast import broadcast_report, enqueue_broadcast, resend_failed

        with self.session() as s:
            if action == "ok":
                new = enqueue_broadcast(s, bc_id, ctx.user_id)
                if new == 0:
                    return [Reply.of(f"通知 #{bc_id} 已经在发送，不会重复发送。", edit=True)]
                return [views.broadcast_started(bc_id, new)]
            if action == "no":
                audit_log.audit(s, ctx.user_id, "cancel_broadcast", str(bc_id))
                return [Reply.of(f"已取消通知 #{bc_id}。", edit=True)]
            if action == "rep":
                from bot.chat.notices import with_receipts
                from scheduler.delivery.receipts import receipt_status
                from scheduler.store.models import Broadcast

                reply = views.broadcast_report_reply(broadcast_report(s, bc_id))
                bc = s.get(Broadcast, bc_id)
                if bc is not None and bc.receipt_required:
                    reply = with_receipts(reply, receipt_status(s, bc_id))
                return [reply]
            if action == "re":
                n = resend_failed(s, bc_id, ctx.user_id)
                return [Reply.of(f"已重新排队 {n} 条失败或结果未知的消息。")]
        return [Reply.of("未知操作。")]

    # -- evidence export ---------------------------------------------------------------------
    def evidence_request(
        self, ctx: ChatContext, args: str
    ) -> tuple[EvidenceRequest | None, list[Reply]]:
        """'/evidence [年份] [单位]' → what to export, or the replies that say why not."""
        if not self.is_admin(ctx):
            return None, [Reply.of(views.NOT_ADMIN)]
        year = self.clock().year
        words = args.split()
        if words and words[0].removesuffix("年").isdigit():
            year = int(words.pop(0).removesuffix("年"))
            if not 2000 <= year <= 2100:
                return None, [Reply.of(f"年份 {year} 不对，请写四位年份，如 /evidence 2026")]
        unit = None
        if words:
            with self.session() as s:
                try:
                    unit = unit_registry.resolve_unit(self.sched.directory(s), " ".join(words))
                except unit_registry.RegistryError as exc:
                    return None, [Reply.of(f"{exc}。用法：/evidence [年份] [单位]")]
        return EvidenceRequest(year, unit), []

    def export_evidence(self, request: EvidenceRequest, fetch=None, progress=None):  # noqa: ANN001, ANN201
        """Write the archive (downloads through ``fetch`` when given); an ExportResult."""
        from scheduler.records.evidence_export import (
            collect,
            default_archive_path,
            ensure_files,
            write_archive,
        )

        with self.session() as s:
            units = collect(s, self.plan, request.year, request.unit)
        ensure_files(units, fetch, progress)
        out = default_archive_path(request.year, request.unit, local(self.clock()))
        return write_archive(units, request.year, out)

    def evidence_reply(self, result) -> Reply:  # noqa: ANN001 - ExportResult
        from bot.chat.replies import Attachment

        size = result.path.stat().st_size
        if size > MAX_UPLOAD:
            return Reply.of(
                f"{result.summary()}\n档案较大（{size // 1_000_000} MB），超过 Telegram 的文件上限，"
                f"已保存在服务器：{result.path}"
            )
        return Reply.of(
            result.summary(),
            attachment=Attachment(result.path.name, result.path.read_bytes(), "证明材料档案"),
        )

    def cmd_evidence(self, ctx: ChatContext, args: str) -> list[Reply]:
        """The console's export (no Telegram: materials already downloaded are packed)."""
        request, replies = self.evidence_request(ctx, args)
        if request is None:
            return replies
        return [self.evidence_reply(self.export_evidence(request))]

    # -- notices with receipts ---------------------------------------------------------------
    def receipt_action(self, ctx: ChatContext, action: str, bc_id: int) -> list[Reply]:
        """bc:rc toggles 需回执 on a preview; bc:ch chases the units that have not answered."""
        from bot.chat.notices import RECEIPT_USAGE, status_reply, with_receipt_toggle
        from scheduler.delivery.broadcast import audience_chats
        from scheduler.delivery.receipts import chase, receipt_status, set_receipt
        from scheduler.store.models import Broadcast

        with self.session() as s:
            bc = s.get(Broadcast, bc_id)
            if bc is None:
                return [Reply.of(f"没有第{bc_id}号通知。")]
            try:
                if action == "rc":
                    bc = set_receipt(s, bc_id, not bc.receipt_required)
                    audience = json.loads(bc.audience)
                    n = len(audience_chats(s, audience))
                    body = html.unescape(bc.body).removeprefix("【通知】")
                    preview = views.broadcast_preview(
                        bc_id, views.audience_label(audience), body, n
                    )
                    reply = with_receipt_toggle(
                        preview, bc_id, bc.receipt_required, bc.receipt_deadline
                    )
                    return [dataclasses.replace(reply, edit=True)] + (
                        [Reply.of(RECEIPT_USAGE)] if bc.receipt_required else []
                    )
                n = chase(s, bc_id, ctx.user_id, now=self.clock())
                status = receipt_status(s, bc_id)
            except unit_registry.RegistryError as exc:
                return [Reply.of(f"{exc}。")]
        if not status.missing:
            return [Reply.of(f"第{bc_id}号通知：全部 {status.total} 个单位都已回执。")]
        if n == 0:
            return [Reply.of(f"第{bc_id}号通知今天已经催办过，未回执单位会收到那条催办消息。")]
        return [
            Reply.of(f"已向 {len(status.missing)} 个未回执单位发送催办（{n} 个聊天）。"),
            status_reply(status),
        ]

    def acknowledge_notice(self, ctx: ChatContext, bc_id: int, reply: str = "") -> list[Reply]:
        from scheduler.delivery.receipts import acknowledge

        with self.session() as s:
            unit = self.chat_unit(s, ctx)
            if unit is None:
                return [Reply.of(views.NEED_UNIT)]
            if not self.may_act(s, ctx, unit):
                return [Reply.of(views.NOT_LIAISON.format(unit=unit.name))]
            try:
                receipt, new = acknowledge(
                    s,
                    bc_id,
                    unit.name,
                    ctx.chat_id,
                    user_id=ctx.user_id,
                    user_name=ctx.user_name,
                    reply=reply,
                    now=self.clock(),
                )
            except unit_registry.RegistryError as exc:
                return [Reply.of(f"{exc}。")]
            at = local(receipt.acknowledged_at)
            who = receipt.user_name or "本单位"
        if new:
            text = f"已回执：“{unit.name}”已收到第{bc_id}号通知（{at:%m-%d %H:%M}）。"
            if not reply:
                text += f"如需留言，可发送“回执 {bc_id} 留言内容”。"
            return [Reply.of(text)]
        if reply:
            return [Reply.of(f"已将留言附在“{unit.name}”对第{bc_id}号通知的回执上。")]
        return [
            Reply.of(f"“{unit.name}”已于 {at:%m-%d %H:%M} 回执第{bc_id}号通知（{who}），无需重复。")
        ]

    def receipt_text(self, ctx: ChatContext, text: str) -> list[Reply] | None:
        """A unit's "回执 3 留言", or an admin's "第3号通知哪些单位还没回执"; None otherwise."""
        from bot.chat.notices import receipt_message, receipt_query, status_reply
        from scheduler.delivery.receipts import receipt_status

        message = receipt_message(text)
        if message is not None and self.unit_name(ctx) is not None:
            return self.acknowledge_notice(ctx, message[0], message[1] or "")
        number = receipt_query(text)
        if number is None:
            return None
        if not self.is_admin(ctx):
            return [Reply.of(views.NOT_ADMIN)]
        with self.session() as s:
            try:
                return [status_reply(receipt_status(s, number))]
            except unit_registry.RegistryError as exc:
                return [Reply.of(f"{exc}。")]

    def cmd_report(self, _ctx: ChatContext, args: str) -> list[Reply]:
        from bot.chat.reports import compliance_reply

        with self.session() as s:
            return compliance_reply(self.sched, s, args.strip() or None, self.clock())

    def cmd_override(self, ctx: ChatContext, args: str) -> list[Reply]:
        """Whether an obligation applies to a unit: set, clear or list (bot.chat.overrides)."""
        from bot.chat import overrides
        from scheduler.records.overrides import clear_override, list_overrides, set_override

        cmd = overrides.parse(args)
        if cmd.action == "usage":
            text = f"{cmd.problem}\n\n{overrides.USAGE}" if cmd.problem else overrides.USAGE
            return [Reply.of(text)]
        with self.session() as s:
            if cmd.action == "list":
                return [Reply.of(overrides.overrides_text(list_overrides(s, self.plan), self.plan))]
            directory = self.sched.directory(s)
            actor = ctx.user_name or ctx.user_id
            try:
                if cmd.action == "clear":
                    change = clear_override(
                        s, self.plan, directory, cmd.unit, cmd.obligation, actor
                    )
                else:
                    change = set_override(
                        s,
                        self.plan,
                        directory,
                        cmd.unit,
                        cmd.obligation,
                        cmd.applies,
                        cmd.reason,
                        actor,
                    )
            except unit_registry.RegistryError as exc:
                return [Reply.of(f"{exc}\n\n{overrides.USAGE}")]
        self._plan_soon = True  # a unit newly bound gets what is due now
        return [Reply.of(overrides.change_text(change))]

    def cmd_liaison(self, ctx: ChatContext, args: str) -> list[Reply]:
        """Name, remove or list the people who may act for a unit (bot.chat.liaisons)."""
        from bot.chat import liaisons

        replying = bool(ctx.replied_user_id) and ctx.is_group
        cmd = liaisons.parse(args, replying=replying)
        if cmd.action == "usage":
            text = f"{cmd.problem}\n\n{liaisons.USAGE}" if cmd.problem else liaisons.USAGE
            return [Reply.of(text)]
        actor = ctx.user_name or ctx.user_id
        with self.session() as s:
            try:
                if cmd.unit:
                    unit = unit_registry.active_unit(s, self.sched.directory(s), cmd.unit)
                elif cmd.action == "list":
                    unit = None
                else:  # a reply in a group: the group's unit
                    unit = self.chat_unit(s, ctx)
                    if unit is None:
                        return [
                            Reply.of("本群还没有登记单位：请写明单位，如 /liaison 司法局 用户ID。")
                        ]
                if cmd.action == "list":
                    rows = access.list_liaisons(s, unit.id if unit else None)
                    return [Reply.of(liaisons.liaisons_text(rows, unit.name if unit else ""))]
                assert unit is not None and unit.id is not None
                user_id = cmd.user_id or ctx.replied_user_id
                if cmd.action == "remove":
                    row = access.remove_liaison(s, unit.id, user_id, actor)
                    return [Reply.of(liaisons.removed_text(unit.name, user_id, row.name))]
                name = cmd.name or (ctx.replied_user_name if not cmd.user_id else "")
                access.add_liaison(s, unit.id, user_id, name, actor)
                return [Reply.of(liaisons.added_text(unit.name, user_id, name))]
            except unit_registry.RegistryError as exc:
                return [Reply.of(f"{exc}。\n\n{liaisons.USAGE}")]

    def page(self, ctx: ChatContext, list_name: str, page: int) -> list[Reply]:
        if list_name == "items":
            return [views.items_page(self.plan, page, edit=True)]
        if list_name == "units" and self.is_admin(ctx):
            with self.session() as s:
                return [views.units_overview(s, "", page=page, edit=True)]
        return [Reply.of("这个按钮已失效。")]


def _small_int(text: str) -> int:
    """An id or number from callback data; ValueError for anything a database id cannot be
    (callback data can be forged: a huge number must not reach the database)."""
    n = int(text)
    if not -(2**31) < n < 2**31:
        raise ValueError(f"number out of range: {text[:20]}")
    return n


def normalise_command_text(text: str) -> tuple[str, str] | None:
    """'/item 14' → ('item', '14'); None when the text is not a command."""
    t = text.strip()
    if not t.startswith("/"):
        return None
    head, _, rest = t.partition(" ")
    return norm(head[1:]).split("@", 1)[0], rest.strip()
